import Foundation
import TapeCore
import TapeStore
import Testing

/// A plain HTTP/1.1 client on a socket, so a test sees the body as it comes:
/// each read with its time, and whether the chunked body ended cleanly.
struct HTTPProbe {
    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        /// ns after the request was sent, and how many body bytes each read brought.
        var reads: [(t: Int64, bytes: Int)]
        /// The chunked body ended with its terminator (not a cut connection).
        var cleanEnd: Bool
    }

    static func post(port: Int, path: String, body: String, headers: [String: String] = [:], timeout: Int = 30) throws -> Reply {
        try exchange(port: port, method: "POST", path: path, body: body, headers: headers, timeout: timeout)
    }

    static func get(port: Int, path: String, timeout: Int = 30) throws -> Reply {
        try exchange(port: port, method: "GET", path: path, body: nil, headers: [:], timeout: timeout)
    }

    static func exchange(port: Int, method: String, path: String, body: String?, headers: [String: String], timeout: Int) throws -> Reply {
        let fd = try connectLoopback(port)
        defer { close(fd) }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (k, v) in headers { request += "\(k): \(v)\r\n" }
        if let body { request += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        request += "\r\n" + (body ?? "")
        let start = MonotonicClock.now()
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var raw: [UInt8] = []
        var arrivals: [(Int64, Int)] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            arrivals.append((MonotonicClock.now() - start, raw.count))
            raw += buffer[0..<n]
        }
        guard let headEnd = raw.indices.first(where: { raw[$0...].starts(with: [13, 10, 13, 10]) }) else {
            throw ProbeError("no response head in \(raw.count) bytes")
        }
        let head = String(decoding: raw[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(head[0].split(separator: " ")[1]) ?? 0
        var fields: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let bodyStart = headEnd + 4
        // Body bytes of each read, in the chunked coding's payload.
        var body: [UInt8] = []
        var clean = false
        var reads: [(Int64, Int)] = []
        if fields["transfer-encoding"] == "chunked" {
            var i = bodyStart
            var owner: [Int] = []  // for each payload byte, the raw offset it came at
            while i < raw.count {
                guard let lineEnd = raw[i...].indices.first(where: { raw[$0...].starts(with: [13, 10]) }) else { break }
                let size = Int(String(decoding: raw[i..<lineEnd], as: UTF8.self), radix: 16) ?? -1
                if size == 0 {
                    clean = true
                    break
                }
                guard size > 0, lineEnd + 2 + size <= raw.count else { break }
                body += raw[(lineEnd + 2)..<(lineEnd + 2 + size)]
                owner += Array((lineEnd + 2)..<(lineEnd + 2 + size))
                i = lineEnd + 2 + size + 2
            }
            for (k, arrival) in arrivals.enumerated() {
                let end = k + 1 < arrivals.count ? arrivals[k + 1].1 : raw.count
                let count = owner.filter { $0 >= arrival.1 && $0 < end }.count
                if count > 0 { reads.append((arrival.0, count)) }
            }
        } else {
            body = Array(raw[bodyStart...])
            clean = true
        }
        return Reply(status: status, headers: fields, body: body, reads: reads, cleanEnd: clean)
    }
}

/// A socket connected to 127.0.0.1:port.
func connectLoopback(_ port: Int) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw ProbeError("no socket: errno \(errno)") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else {
        close(fd)
        throw ProbeError("connect to port \(port) failed")
    }
    return fd
}

struct ProbeError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// `serve` (or `proxy`) through the built binary, on a port of its own.
/// Set once at its start (so a test may read its output on another thread).
final class Server: @unchecked Sendable {
    let process: Process
    let port: Int
    /// Its stderr, unread until a test reads it.
    let errors: Pipe
    private let output: Pipe
    private let firstRead: String

    init(command: String = "serve", _ arguments: [String]) throws {
        let (process, _, output, errors) = try CLI.start([command, "--listen", "127.0.0.1:0"] + arguments)
        self.process = process
        self.errors = errors
        // The first line says where it listens; wait for it with a bound.
        let line = Line()
        Thread {
            var data = Data()
            while !data.contains(0x0A) {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                data += chunk
            }
            line.text = String(decoding: data, as: UTF8.self)
            line.ready.signal()
        }.start()
        guard line.ready.wait(timeout: .now() + 30) == .success,
            let first = line.text.split(separator: "\n").first,
            let port = first.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        else {
            process.end()
            throw ProbeError("\(command) did not say where it listens: \(line.text)")
        }
        self.port = port
        self.output = output
        firstRead = line.text
    }

    deinit { stop() }

    /// Everything printed after the first line (stop the server first: this reads to the end).
    func laterOutput() -> String {
        let rest = firstRead.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).dropFirst().first.map(String.init) ?? ""
        return rest + String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    /// Ctrl-C, and waits (at most 20 s) for the exit: a proxy commits its tapes first.
    func stop() {
        guard process.isRunning else { return }
        process.interrupt()
        let exited = DispatchSemaphore(value: 0)
        let process = self.process
        Thread {
            process.waitUntilExit()
            exited.signal()
        }.start()
        if exited.wait(timeout: .now() + 20) == .timedOut {
            process.end()
            Issue.record("\(process.arguments ?? []) did not stop within 20 s of SIGINT")
        }
    }

    private final class Line: @unchecked Sendable {
        var text = ""
        let ready = DispatchSemaphore(value: 0)
    }
}

struct ServeTests {
    let scratch: Scratch
    let db: String

    init() throws {
        scratch = try Scratch()
        db = scratch.path("t.sqlite")
    }

    /// One OpenAI Chat tape with reads at these ms, recorded for `{"model":"m","messages":[…said…]}`.
    func write(_ ms: [Double], words: [String], said: String = "hi") throws -> Tape {
        let store = try TapeStore(path: db)
        let head = #""id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini""#
        let reads = words.map { "data: {\(head),\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\($0)\"},\"finish_reason\":null}]}\n\n" }
            + ["data: [DONE]\n\n"]
        let metadata = TapeMetadata(
            source: .proxy,
            request: RecordedRequest(
                method: "POST", url: "https://api.openai.com/v1/chat/completions", headers: [],
                body: Array(#"{"model":"m","messages":[{"role":"user","content":"\#(said)"}],"user":"u1"}"#.utf8)),
            response: ResponseHead(status: 200, headers: [HeaderField("Content-Type", "text/event-stream"), HeaderField("Content-Length", "999")]),
            provider: .openaiChat)
        let chunks = reads.enumerated().map { Chunk(seq: $0.offset, t: Int64(ms[$0.offset] * 1e6), bytes: Array($0.element.utf8)) }
        try store.insert([Tape(metadata: { var m = metadata; m.endReason = .completed; m.tEnd = chunks.last!.t; return m }(), chunks: chunks)])
        try store.close()
        return Tape(metadata: metadata, chunks: chunks)
    }

    @Test("the body is the tape's bytes exactly in every rechunk mode, with the recorded status and headers")
    func exactOverTheWire() throws {
        let tape = try write([10, 20, 30, 40], words: ["Grüße ", "東京 😀", "\\r\\n"])
        for mode in ["original", "event", "byte", "random", "utf8-split", "crlf-split"] {
            let server = try Server(["--db", db, "--instant", "--rechunk", mode])
            let reply = try HTTPProbe.post(port: server.port, path: "/v1/chat/completions", body: #"{"model":"other"}"#)
            #expect(reply.status == 200)
            #expect(reply.body == tape.body, "\(mode)")
            #expect(reply.cleanEnd)
            #expect(reply.headers["content-type"] == "text/event-stream")
            #expect(reply.headers["content-length"] == nil)  // the recorded length is not replayed
            #expect(reply.headers["x-tokentape-match"] == "provider")
        }
    }

    @Test("the recorded gaps are kept over the socket, and several streams play at once")
    func timingAndConcurrency() throws {
        _ = try write([0, 150, 400, 450], words: ["a", "b", "c"])
        let server = try Server(["--db", db])
        let port = server.port
        let replies = ReplyBox()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            replies.add(try? HTTPProbe.post(port: port, path: "/v1/chat/completions", body: "{}"))
        }
        #expect(replies.all.count == 4)
        for reply in replies.all {
            let reads = try #require(reply).reads
            try #require(reads.count >= 3, "\(reads)")
            let t = reads.map { Double($0.t) / 1e6 }
            // Gaps of 150 and 250 ms recorded: generous bounds, tight figures are the benchmark's.
            #expect(abs((t[1] - t[0]) - 150) < 60, "\(t)")
            #expect(abs((t[2] - t[1]) - 250) < 60, "\(t)")
        }
    }

    @Test("tape choice: the recorded request first, in order on repeats; --strict explains a mismatch; a reset cuts the body")
    func choiceAndErrors() throws {
        _ = try write([10, 20], words: ["first"], said: "hi")
        _ = try write([10, 20], words: ["second"], said: "hi")
        _ = try write([10, 20], words: ["other"], said: "bye")
        let server = try Server(["--db", db, "--instant", "--strict"])
        let asked = #"{"model":"m","messages":[{"role":"user","content":"hi"}],"user":"someone-else"}"#
        let texts = try (0..<3).map { _ in
            String(decoding: try HTTPProbe.post(port: server.port, path: "/v1/chat/completions", body: asked).body, as: UTF8.self)
        }
        #expect(texts[0].contains("first") && texts[1].contains("second") && texts[2].contains("first"))
        let miss = try HTTPProbe.post(port: server.port, path: "/v1/chat/completions", body: #"{"model":"m","messages":[{"role":"user","content":"hey"}]}"#)
        #expect(miss.status == 404)
        let text = String(decoding: miss.body, as: UTF8.self)
        #expect(text.contains("nearest is tape") && text.contains("messages"), "\(text)")
        let unknownPath = try HTTPProbe.post(port: server.port, path: "/v1/nope", body: "{}")
        #expect(unknownPath.status == 404)
        #expect(String(decoding: unknownPath.body, as: UTF8.self).contains("/v1/messages"))
        let malformed = try HTTPProbe.post(port: server.port, path: "/v1/messages", body: "{nope")
        #expect(malformed.status == 400)
        #expect(String(decoding: malformed.body, as: UTF8.self).contains(#""type":"error""#))
        let unknownTape = try HTTPProbe.post(port: server.port, path: "/v1/chat/completions", body: "{}", headers: ["X-Tokentape-Tape": "42"])
        #expect(unknownTape.status == 404)

        let cut = try Server(["--db", db, "--instant", "--fault", "truncate@1:reset"])
        let reset = try HTTPProbe.post(port: cut.port, path: "/v1/chat/completions", body: "{}", headers: ["X-Tokentape-Tape": "1"])
        #expect(reset.status == 200)
        #expect(!reset.cleanEnd)
        #expect(String(decoding: reset.body, as: UTF8.self).contains("first"))
    }

    @Test("Ctrl-C stops serve at once: a stream in flight is cut, not played to its end")
    func interruptCutsStreams() throws {
        // The end marker is due 30 s in: serve must not wait for it.
        _ = try write([0, 100, 30_000], words: ["a", "b"])
        let server = try Server(["--db", db])
        let port = server.port
        let replies = ReplyBox()
        let done = DispatchSemaphore(value: 0)
        Thread {
            replies.add(try? HTTPProbe.post(port: port, path: "/v1/chat/completions", body: "{}"))
            done.signal()
        }.start()
        // Inside the 30 s gap: both words sent, the end marker not yet.
        Thread.sleep(forTimeInterval: 1)
        let interrupted = MonotonicClock.now()
        let process = server.process
        process.interrupt()
        let exited = DispatchSemaphore(value: 0)
        Thread {
            process.waitUntilExit()
            exited.signal()
        }.start()
        try #require(exited.wait(timeout: .now() + 10) == .success, "serve still runs 10 s after SIGINT")
        #expect(MonotonicClock.now() - interrupted < 5_000_000_000)
        try #require(done.wait(timeout: .now() + 10) == .success)
        let reply = try #require(replies.all.first ?? nil)
        let text = String(decoding: reply.body, as: UTF8.self)
        #expect(text.contains(#""content":"b""#), "\(text)")
        #expect(!text.contains("[DONE]"))
        #expect(!reply.cleanEnd)
    }

    @Test("serve refuses what it cannot do: no tapes, a bad address")
    func refusals() throws {
        let empty = try CLI.run(["serve", "--db", db, "--listen", "127.0.0.1:0"])
        #expect(empty.status == 2)
        #expect(empty.stderr.contains("simulate"))
        _ = try write([10, 20], words: ["x"])
        #expect(try CLI.run(["serve", "--db", db, "--listen", "localhost"]).status == 2)
        #expect(try CLI.run(["serve", "--db", db, "--listen", "127.0.0.1:99999"]).status == 2)
    }
}

final class ReplyBox: @unchecked Sendable {
    private let lock = NSLock()
    private var replies: [HTTPProbe.Reply?] = []
    func add(_ r: HTTPProbe.Reply?) { lock.withLock { replies.append(r) } }
    var all: [HTTPProbe.Reply?] { lock.withLock { replies } }
}
