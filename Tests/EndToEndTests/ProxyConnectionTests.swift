import Foundation
import TapeCore
import TapeStore
import Testing

/// How the proxy handles connections, on both of its sides: upstream
/// connections kept alive and retried when the upstream dropped one,
/// `Expect: 100-continue`, an upstream base path, HTTP/1.0 clients.
struct ProxyConnectionTests {
    let scratch: Scratch
    let db: String

    init() throws {
        scratch = try Scratch()
        db = scratch.path("proxy.sqlite")
    }

    func recorded() throws -> [Tape] {
        let store = try TapeStore(path: db)
        return try store.tapes(TapeFilter()).map { try store.tape(with: $0) }
    }

    /// A whole OpenAI Chat stream saying `text`, framed by a Content-Length.
    static func answer(_ text: String) -> [ScriptedUpstream.Step] {
        let body = stream(text)
        return [.head(200, ChatStream.headers + [("Content-Length", "\(body.utf8.count)")]), .raw(body, at: 0)]
    }

    static func stream(_ text: String) -> String { ChatStream.content(text) + ChatStream.finish + ChatStream.done }

    @Test("upstream connections are kept alive; one the upstream dropped before answering is retried only for a request safe to repeat")
    func keptAliveAndRetried() throws {
        let count = Counter()
        // Requests 2 and 4 (overall) meet a kept-alive connection the upstream drops without a word.
        let upstream = try ScriptedUpstream(keepAlive: true) { _ in
            [2, 4].contains(count.next()) ? [.hangUp] : Self.answer("n\(count.value)")
        }
        let proxy = try Server(command: "proxy", ["--db", db, "--upstream", "http://127.0.0.1:\(upstream.port)"])
        // One client connection, so every request is served on the same event loop and its pool.
        let client = try KeptAliveClient(port: proxy.port)
        let replies = try [
            client.send("POST", "/v1/chat/completions", body: #"{"model":"m"}"#),
            client.send("GET", "/v1/chat/completions"),  // #2 dropped: a GET goes again (#3)
            client.send("POST", "/v1/chat/completions", body: #"{"model":"m"}"#),  // #4 dropped: a POST may have been billed, no retry
            client.send("POST", "/v1/chat/completions", body: #"{"model":"m"}"#, headers: ["Idempotency-Key": "k1"]),
        ]
        proxy.stop()

        #expect(replies.map(\.status) == [200, 200, 502, 200])
        #expect(replies[0].body == Self.stream("n1") && replies[1].body == Self.stream("n3") && replies[3].body == Self.stream("n5"))
        #expect(replies[2].body.contains("the upstream closed the connection before answering"), "\(replies[2].body)")
        // 5 requests upstream on 3 connections: the first reused once, the second twice.
        #expect(upstream.requests.count == 5)
        #expect(upstream.requests.filter { $0.hasPrefix("GET ") }.count == 2, "the GET went twice")
        #expect(upstream.connections == 3, "\(upstream.connections) upstream connections")
        let tapes = try recorded()
        #expect(tapes.map { $0.metadata.endReason } == [.completed, .completed, .reset, .completed])
        #expect(tapes[2].metadata.endDetail == "the upstream closed the connection before answering")
    }

    @Test("Expect: 100-continue is answered at once, the body then goes up whole, and Expect is not forwarded")
    func expectContinue() throws {
        let upstream = try ScriptedUpstream { _ in Self.answer("ok") }
        let proxy = try Server(command: "proxy", ["--db", db, "--upstream", "http://127.0.0.1:\(upstream.port)"])
        let fd = try Self.connect(proxy.port, timeout: 10)
        defer { close(fd) }
        let body = #"{"model":"m","messages":[{"role":"user","content":"\#(String(repeating: "long ", count: 400))"}]}"#
        let head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nExpect: 100-continue\r\n\r\n"
        _ = head.withCString { send(fd, $0, strlen($0), 0) }
        // The body is held back until the proxy says to go on, as curl does for large bodies.
        let interim = try #require(readUntil(fd, "\r\n\r\n"), "no interim answer")
        #expect(interim.hasPrefix("HTTP/1.1 100 Continue"), "\(interim)")
        _ = body.withCString { send(fd, $0, strlen($0), 0) }
        let final = try #require(readUntil(fd, ChatStream.done), "no final answer")
        #expect(final.hasPrefix("HTTP/1.1 200"), "\(final)")
        proxy.stop()
        let forwarded = try #require(upstream.requests.first)
        #expect(!forwarded.lowercased().contains("expect:"))
        #expect(forwarded.hasSuffix(body))
        #expect(try recorded().first?.metadata.request?.body == Array(body.utf8))
    }

    @Test("an upstream with a base path: a client path that carries it goes up once, one without it gets it")
    func basePath() throws {
        let upstream = try ScriptedUpstream { _ in Self.answer("based") }
        let proxy = try Server(command: "proxy", ["--db", db, "--upstream", "http://127.0.0.1:\(upstream.port)/v1/"])
        for path in ["/v1/chat/completions?x=1", "/chat/completions?x=1"] {
            #expect(try HTTPProbe.post(port: proxy.port, path: path, body: "{}").status == 200)
        }
        proxy.stop()
        #expect(upstream.requests.map { $0.components(separatedBy: "\r\n")[0] } == ["POST /v1/chat/completions?x=1 HTTP/1.1", "POST /v1/chat/completions?x=1 HTTP/1.1"])
        #expect(upstream.requests.allSatisfy { $0.contains("Host: 127.0.0.1:\(upstream.port)\r\n") })
        #expect(try recorded().map { $0.metadata.request?.url } == Array(repeating: "http://127.0.0.1:\(upstream.port)/v1/chat/completions?x=1", count: 2))
    }

    @Test("an HTTP/1.0 client gets an HTTP/1.0 answer whose end is the connection's close, byte-exact")
    func http10Client() throws {
        let upstream = try ScriptedUpstream { _ in
            [.head(200, ChatStream.headers), .chunk(ChatStream.content("Hello"), at: 0), .chunk(ChatStream.done, at: 20), .end]
        }
        let proxy = try Server(command: "proxy", ["--db", db, "--upstream", "http://127.0.0.1:\(upstream.port)"])
        let (raw, _) = try http10Exchange(port: proxy.port)
        proxy.stop()
        let text = String(decoding: raw, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.0 200"), "\(text)")
        #expect(!text.lowercased().contains("transfer-encoding"), "chunked framing is HTTP/1.1 only")
        let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        #expect(body == ChatStream.content("Hello") + ChatStream.done)
        #expect(try recorded().first?.metadata.endReason == .completed)
    }

    @Test("reads larger than the client's write buffer: the writes that fill it and the flush that empties it do not leave the upstream paused")
    func largeReads() throws {
        // 128 KiB pieces: one upstream read can be more than NIO's 64 KiB high watermark of the client's channel.
        let piece = String(repeating: "y", count: 128 * 1024 - 2) + "\n\n"
        let upstream = try ScriptedUpstream { _ in
            [.head(200, [("Content-Type", "text/event-stream")])] + Array(repeating: .chunk(piece, at: 0), count: 16) + [.end]
        }
        let proxy = try Server(command: "proxy", ["--db", db, "--upstream", "http://127.0.0.1:\(upstream.port)", "--total-timeout", "20s"])
        let reply = try HTTPProbe.post(port: proxy.port, path: "/v1/stream", body: "{}")
        proxy.stop()
        let (clean, received) = (reply.cleanEnd, reply.body.count)
        #expect(clean)
        #expect(received == 16 * piece.utf8.count, "\(received) of \(16 * piece.utf8.count) bytes")
        let tape = try #require(try recorded().first)
        #expect(tape.metadata.endReason == .completed, "\(String(describing: tape.metadata.endReason)): \(tape.metadata.endDetail ?? "")")
        #expect(tape.body.count == 16 * piece.utf8.count)
    }

    @Test("an HTTP/1.0 answer cut by an upstream reset ends in a reset, not a FIN that would make it look whole")
    func http10Cut() throws {
        let upstream = try ScriptedUpstream { _ in
            [.head(200, ChatStream.headers), .chunk(ChatStream.content("partial"), at: 0), .chunk(ChatStream.content(" more"), at: 50), .reset]
        }
        let proxy = try Server(command: "proxy", ["--db", db, "--upstream", "http://127.0.0.1:\(upstream.port)"])
        let (raw, ending) = try http10Exchange(port: proxy.port)
        proxy.stop()
        #expect(ending == ECONNRESET, "the connection ended with \(ending == 0 ? "a clean FIN" : String(cString: strerror(ending)))")
        #expect(String(decoding: raw, as: UTF8.self).contains("partial"))
        #expect(try recorded().first?.metadata.endReason == .reset)
    }

    @Test("a request body over 64 MiB gets a 413 in the provider's shape, and nothing goes upstream")
    func bodyTooLarge() throws {
        let upstream = try ScriptedUpstream { _ in Self.answer("never") }
        let proxy = try Server(command: "proxy", ["--db", db, "--upstream", "http://127.0.0.1:\(upstream.port)"])
        let fd = try Self.connect(proxy.port, timeout: 30)
        defer { close(fd) }
        let length = (64 << 20) + 1
        let head = "POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(length)\r\n\r\n"
        _ = head.withCString { Glibc.send(fd, $0, strlen($0), 0) }
        let sender = Thread {
            let block = [UInt8](repeating: UInt8(ascii: " "), count: 1 << 20)
            var left = length
            while left > 0 {
                let n = block.withUnsafeBytes { Glibc.send(fd, $0.baseAddress!, min(left, block.count), Int32(MSG_NOSIGNAL)) }
                if n <= 0 { return }
                left -= n
            }
        }
        sender.start()
        let answer = try #require(readUntil(fd, "}}"), "no answer")
        proxy.stop()
        #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer.prefix(200))")
        #expect(answer.contains(#""type":"error""#) && answer.contains("larger than 64 MiB"), "\(answer.suffix(300))")  // Anthropic's shape
        #expect(upstream.requests.isEmpty)
        #expect(try recorded().isEmpty)
    }

    /// An HTTP/1.0 POST, read to the connection's end: the bytes, and 0 for a clean end or the errno.
    func http10Exchange(port: Int) throws -> ([UInt8], Int32) {
        let fd = try Self.connect(port, timeout: 10)
        defer { close(fd) }
        let request = "POST /v1/chat/completions HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var raw: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return (raw, n == 0 ? 0 : errno) }
            raw += buffer[0..<n]
        }
    }

    /// A loopback connection whose reads give up after `timeout` seconds.
    static func connect(_ port: Int, timeout: Int) throws -> Int32 {
        let fd = try connectLoopback(port)
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// Reads until `text` has come (or the connection ends or times out); what came.
    func readUntil(_ fd: Int32, _ text: String) -> String? {
        var raw: [UInt8] = []
        var byte: UInt8 = 0
        // A byte at a time, so nothing past the interim answer is taken from the socket.
        while !String(decoding: raw, as: UTF8.self).contains(text) {
            guard recv(fd, &byte, 1, 0) == 1 else { return nil }
            raw.append(byte)
        }
        return String(decoding: raw, as: UTF8.self)
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func next() -> Int { lock.withLock { n += 1; return n } }
        var value: Int { lock.withLock { n } }
    }
}

/// One kept-alive client connection: requests one after another, answers with a Content-Length.
final class KeptAliveClient {
    private let fd: Int32
    private var pending: [UInt8] = []

    init(port: Int) throws {
        fd = try connectLoopback(port)
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:]) throws -> (status: Int, body: String) {
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        if let body { request += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        request += "\r\n" + (body ?? "")
        _ = request.withCString { Glibc.send(fd, $0, strlen($0), 0) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            if let end = pending.indices.first(where: { pending[$0...].starts(with: [13, 10, 13, 10]) }) {
                let head = String(decoding: pending[..<end], as: UTF8.self)
                guard let length = ScriptedUpstream.contentLength(head) else { throw ProbeError("an answer without a Content-Length: \(head)") }
                if pending.count >= end + 4 + length {
                    let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
                    let body = String(decoding: pending[(end + 4)..<(end + 4 + length)], as: UTF8.self)
                    pending.removeFirst(end + 4 + length)
                    return (status, body)
                }
            }
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { throw ProbeError("the proxy closed the connection (\(pending.count) bytes pending)") }
            pending += buffer[0..<n]
        }
    }
}

extension ProxyConnectionTests {
    @Test("a client that stops reading pauses the upstream instead of filling memory, and is not taken for an idle upstream")
    func slowClient() throws {
        // 16 MiB as fast as the upstream can send: more than the sockets' buffers hold.
        let piece = String(repeating: "x", count: 4090) + "\n\n"
        let upstream = try ScriptedUpstream { _ in
            [.head(200, [("Content-Type", "text/event-stream")])] + Array(repeating: .chunk(piece, at: 0), count: 4096) + [.end]
        }
        let proxy = try Server(command: "proxy", ["--db", db, "--upstream", "http://127.0.0.1:\(upstream.port)", "--idle-timeout", "500ms"])
        let fd = try Self.connect(proxy.port, timeout: 20)
        defer { close(fd) }
        let request = "POST /v1/stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        try #require(upstream.waitForSent(200, timeout: 10).count >= 200)
        // The client reads nothing for 2 s, four idle timeouts. The sockets' buffers fill (several
        // MiB on loopback), then the upstream must be held: no chunk goes out in the last second.
        Thread.sleep(forTimeInterval: 1)
        let held = upstream.sent.count
        Thread.sleep(forTimeInterval: 1)
        #expect(upstream.sent.count == held, "the upstream went on sending while the client read nothing")
        #expect(held < 4096, "all of it went out while the client read nothing: no back-pressure")
        var received = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            received += n
        }
        proxy.stop()
        #expect(received > 4096 * piece.utf8.count, "\(received) bytes")
        let tape = try #require(try recorded().first)
        #expect(tape.metadata.endReason == .completed, "\(String(describing: tape.metadata.endReason)): \(tape.metadata.endDetail ?? "")")
        #expect(tape.body.count == 4096 * piece.utf8.count)
    }
}
