import Foundation
import TapeCore
import TapeStore
import Testing

/// `tokentape proxy` through the built binary, in front of upstreams the
/// tests script (`ScriptedUpstream`) or `serve`.
struct ProxyTests {
    let scratch: Scratch
    let db: String

    init() throws {
        scratch = try Scratch()
        db = scratch.path("proxy.sqlite")
    }

    func proxy(_ port: Int, _ extra: [String] = []) throws -> Server {
        try Server(command: "proxy", ["--db", db, "--upstream", "http://127.0.0.1:\(port)"] + extra)
    }

    /// Every tape the proxy recorded, with its chunks (stop the proxy first: it commits on exit).
    func recorded() throws -> [Tape] {
        let store = try TapeStore(path: db)
        return try store.tapes(TapeFilter()).map { try store.tape(with: $0) }
    }

    static let answer: @Sendable (String) -> [ScriptedUpstream.Step] = { _ in
        [
            .head(200, ChatStream.headers), .chunk(ChatStream.role, at: 0), .chunk(ChatStream.content("Hello"), at: 30),
            .chunk(ChatStream.content(" world"), at: 60), .chunk(ChatStream.finish, at: 90), .chunk(ChatStream.done, at: 90), .end,
        ]
    }

    @Test("a proxy stopped the moment its client has the whole answer keeps the whole tape, ended completed")
    func stoppedRightAfterTheAnswer() throws {
        // A long answer makes ending its tape take longest; the client (Connection: close) may
        // close, and the stop begin, while the proxy is still ending it.
        let words = (0..<2000).map { " w\($0)" }
        let upstream = try ScriptedUpstream { _ in
            [.head(200, ChatStream.headers), .chunk(ChatStream.role, at: 0)] + words.map { .chunk(ChatStream.content($0), at: 0) }
                + [.chunk(ChatStream.finish, at: 0), .chunk(ChatStream.done, at: 0), .end]
        }
        var bodies: [[UInt8]] = []
        for _ in 0..<8 {
            let proxy = try proxy(upstream.port)
            let reply = try HTTPProbe.post(port: proxy.port, path: "/v1/chat/completions", body: #"{"model":"m","stream":true}"#)
            proxy.stop()
            try #require(reply.status == 200 && reply.cleanEnd)
            bodies.append(reply.body)
        }
        let tapes = try recorded()
        try #require(tapes.count == bodies.count)
        for (tape, body) in zip(tapes, bodies) {
            #expect(tape.metadata.endReason == .completed, "\(tape.metadata.endReason.map { "\($0)" } ?? "none"): \(tape.metadata.endDetail ?? "")")
            #expect(tape.body == body)
        }
    }

    @Test("the proxy's and serve's event loops run at the process's priority, not at that of the Swift worker that made them")
    func loopsRunAtTheProcessPriority() throws {
        // serve (NIO's shared loops, through Hummingbird) upstream of the proxy (its own loop).
        let served = scratch.path("served.sqlite")
        let simulated = try CLI.run(["simulate", "--db", served])
        try #require(simulated.status == 0, "\(simulated.stderr)")
        let serve = try Server(command: "serve", ["--db", served])
        defer { serve.stop() }
        let proxy = try proxy(serve.port)
        defer { proxy.stop() }
        // One stream through both, so every thread either uses has been made.
        let reply = try HTTPProbe.post(port: proxy.port, path: "/v1/chat/completions", body: #"{"model":"m","stream":true}"#)
        try #require(reply.status == 200 && reply.cleanEnd)
        for (server, loopName) in [(serve, "NIO-SGLTN"), (proxy, "NIO-ELT")] {
            let threads = try ThreadPriority.threads(of: server.process.processIdentifier)
            let main = try #require(threads.first { $0.id == server.process.processIdentifier })
            let loops = threads.filter { $0.name.hasPrefix(loopName) }
            try #require(!loops.isEmpty, "no \(loopName) thread among \(threads.map(\.name))")
            // Dispatch runs its workers at nice -2 or -4: a loop made by one would show it.
            #expect(threads.contains { $0.nice != main.nice }, "no thread of another priority: the check below could not fail")
            for loop in loops { #expect(loop.nice == main.nice, "\(loop.name) runs at nice \(loop.nice), the process at \(main.nice)") }
        }
    }

    @Test("the client hanging up stops the upstream at once; the tape ends client_cancelled after the first token")
    func clientHangUp() throws {
        let upstream = try ScriptedUpstream { _ in
            [.head(200, ChatStream.headers), .chunk(ChatStream.role, at: 0), .chunk(ChatStream.content("Hello"), at: 30), .waitForClose(seconds: 30)]
        }
        let proxy = try proxy(upstream.port)
        let stream = try OpenStream(port: proxy.port, path: "/v1/chat/completions", body: #"{"model":"m","stream":true}"#)
        try #require(stream.read(until: "Hello", timeout: 10), "the first token never came through")
        stream.close()
        let hungUp = MonotonicClock.now()
        let upstreamClosed = try #require(upstream.waitForClientClose(timeout: 10), "the upstream connection stayed open")
        #expect(upstreamClosed - hungUp < 1_000_000_000, "the upstream saw the close \(Double(upstreamClosed - hungUp) / 1e6) ms later")
        proxy.stop()
        let tape = try #require(try recorded().first)
        #expect(tape.metadata.endReason == .clientCancelled)
        #expect(tape.metadata.endPhase == .afterFirstToken)
        #expect(String(decoding: tape.body, as: UTF8.self).contains("Hello"))
    }

    @Test("Ctrl-C while the upstream has not answered yet: the proxy stops at once and the tape ends client_cancelled")
    func stopBeforeHead() throws {
        let upstream = try ScriptedUpstream { _ in [.waitForClose(seconds: 30)] }
        let proxy = try proxy(upstream.port)
        let port = proxy.port
        Thread { _ = try? HTTPProbe.post(port: port, path: "/v1/chat/completions", body: "{}") }.start()
        try #require(upstream.waitForRequest(timeout: 10), "the request never reached the upstream")
        let interrupted = MonotonicClock.now()
        proxy.stop()
        #expect(MonotonicClock.now() - interrupted < 5_000_000_000, "the proxy waited for an upstream that never answered")
        #expect(upstream.waitForClientClose(timeout: 5) != nil)
        let tape = try #require(try recorded().first)
        #expect(tape.metadata.endReason == .clientCancelled)
        #expect(tape.metadata.endPhase == .beforeFirstToken)
        #expect(tape.metadata.endDetail == "the proxy stopped")
    }

    /// About 100 bytes of log a request: more than a pipe holds (64 KiB).
    static let logFilling = 1000

    /// A proxy in front of a quick upstream, after `logFilling` requests through it while nobody read its log.
    func fillLog() throws -> (ScriptedUpstream, Server) {
        let upstream = try ScriptedUpstream(keepAlive: true) { _ in
            [.head(200, ChatStream.headers), .chunk(ChatStream.content("Hi"), at: 0), .chunk(ChatStream.done, at: 0), .end]
        }
        let proxy = try proxy(upstream.port)
        for i in 0..<Self.logFilling {
            let reply = try HTTPProbe.post(port: proxy.port, path: "/v1/chat/completions", body: #"{"model":"m","stream":true}"#, timeout: 5)
            try #require(reply.status == 200 && reply.cleanEnd, "request \(i) through a proxy whose log is not read")
        }
        return (upstream, proxy)
    }

    @Test("a log nobody reads never holds up the streams: its lines wait, and all come out once it is read")
    func unreadLog() throws {
        let (upstream, proxy) = try fillLog()
        defer { upstream.stop() }
        // Read the log while the proxy stops: it writes what waits before it exits.
        let log = Box()
        let read = DispatchSemaphore(value: 0)
        Thread {
            log.text = proxy.laterOutput()
            read.signal()
        }.start()
        proxy.stop()
        try #require(read.wait(timeout: .now() + 30) == .success, "the log did not end")
        let lines = log.text.split(separator: "\n").filter { $0.hasPrefix("tt_") }
        #expect(lines.count == Self.logFilling)
        #expect(lines.allSatisfy { $0.hasSuffix("completed") })
        let tapes = try recorded()
        #expect(tapes.count == Self.logFilling)
        // t_end is the read that carried the body's end: never before the last chunk.
        #expect(tapes.allSatisfy { $0.metadata.endReason == .completed && $0.metadata.tEnd! >= $0.chunks.last!.t })
    }

    @Test("a proxy whose stdout is never read still stops within its bound when told, keeps every tape, and says what it could not write")
    func neverReadLog() throws {
        let (upstream, proxy) = try fillLog()
        defer { upstream.stop() }
        let stopping = MonotonicClock.now()
        proxy.stop()  // records an issue if the exit takes over 20 s
        #expect(MonotonicClock.now() - stopping < 15_000_000_000)
        let said = String(decoding: proxy.errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(said.contains("log lines were not written: stdout was not being read"), "\(said)")
        #expect(try recorded().count == Self.logFilling)
    }

    private final class Box: @unchecked Sendable {
        var text = ""
    }

    @Test("upstream failures are recorded and passed on as they happened: a reset, a refused connection, 429 and 500")
    func upstreamFailures() throws {
        let rateLimit = #"{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#
        let serverError = #"{"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}}"#
        let upstream = try ScriptedUpstream { request in
            if request.contains("cut") {
                return [.head(200, ChatStream.headers), .chunk(ChatStream.role, at: 0), .chunk(ChatStream.content("partial"), at: 20), .reset]
            }
            if request.contains("limit") {
                return [
                    .head(429, [("Content-Type", "application/json"), ("Retry-After", "7"), ("Content-Length", "\(rateLimit.utf8.count)")]),
                    .raw(rateLimit, at: 0),
                ]
            }
            return [.head(500, [("Content-Type", "application/json")]), .chunk(serverError, at: 0), .end]
        }
        let proxy = try proxy(upstream.port)

        let cut = try HTTPProbe.post(port: proxy.port, path: "/v1/chat/completions", body: #"{"model":"cut"}"#)
        #expect(cut.status == 200)
        #expect(!cut.cleanEnd, "a reset upstream must not look like a clean end to the client")
        #expect(String(decoding: cut.body, as: UTF8.self).contains("partial"))

        let limited = try HTTPProbe.post(port: proxy.port, path: "/v1/chat/completions", body: #"{"model":"limit"}"#)
        #expect(limited.status == 429)
        #expect(limited.headers["retry-after"] == "7")
        #expect(String(decoding: limited.body, as: UTF8.self) == rateLimit)

        let failed = try HTTPProbe.post(port: proxy.port, path: "/v1/chat/completions", body: #"{"model":"other"}"#)
        #expect(failed.status == 500)
        #expect(String(decoding: failed.body, as: UTF8.self) == serverError)
        proxy.stop()
        // One log line per finished tape: id, method, path, status, provider, model, ttft, chunks, end.
        let log = proxy.laterOutput().split(separator: "\n")
        #expect(log.count == 3, "\(log)")
        #expect(log.allSatisfy { $0.hasPrefix("tt_") && $0.contains("POST /v1/chat/completions") })
        #expect(log.first?.contains("200 openai-chat gpt-4o-mini ttft") == true && log.first?.contains("reset") == true, "\(log)")
        #expect(log.dropFirst().first?.contains(" 429 ") == true && log.last?.contains(" 500 ") == true, "\(log)")

        // Nothing listens on a port just closed: the connection is refused.
        let closedPort = try ScriptedUpstream { _ in [] }
        let refusedPort = closedPort.port
        closedPort.stop()
        let refusing = try self.proxy(refusedPort)
        let refused = try HTTPProbe.post(port: refusing.port, path: "/v1/messages", body: #"{"model":"m"}"#)
        #expect(refused.status == 502)
        let text = String(decoding: refused.body, as: UTF8.self)
        #expect(text.contains(#""type":"error""#) && text.contains("refused"), "\(text)")  // Anthropic's error shape
        refusing.stop()

        let tapes = try recorded()
        try #require(tapes.count == 4)
        #expect(tapes[0].metadata.endReason == .reset)
        #expect(tapes[0].metadata.endPhase == .afterFirstToken)
        #expect(tapes[1].metadata.response?.status == 429)
        #expect(tapes[1].metadata.endReason == .providerError)
        #expect(tapes[1].body == Array(rateLimit.utf8))
        #expect(tapes[2].metadata.response?.status == 500)
        #expect(tapes[2].metadata.endReason == .providerError)
        #expect(tapes[3].metadata.endReason == .reset)
        #expect(tapes[3].metadata.response == nil)
        #expect(tapes[3].metadata.endDetail?.contains("refused") == true, "\(tapes[3].metadata.endDetail ?? "")")
    }

    @Test("--idle-timeout and --total-timeout end tapes timeout_idle and timeout_total, and cut the client's connection")
    func timeouts() throws {
        let upstream = try ScriptedUpstream { request in
            if request.contains("idle") {
                // The first token, then silence.
                return [.head(200, ChatStream.headers), .chunk(ChatStream.content("Hello"), at: 0), .waitForClose(seconds: 20)]
            }
            // A token every 100 ms for 3 s: never idle, but long.
            return [.head(200, ChatStream.headers)] + (0..<30).map { .chunk(ChatStream.content("w\($0) "), at: Double($0) * 100) } + [.end]
        }
        let proxy = try proxy(upstream.port, ["--idle-timeout", "400ms", "--total-timeout", "1s"])
        let started = MonotonicClock.now()
        let idle = try HTTPProbe.post(port: proxy.port, path: "/v1/chat/completions", body: #"{"model":"idle"}"#)
        #expect(!idle.cleanEnd)
        #expect(String(decoding: idle.body, as: UTF8.self).contains("Hello"))
        let long = try HTTPProbe.post(port: proxy.port, path: "/v1/chat/completions", body: #"{"model":"long"}"#)
        #expect(!long.cleanEnd)
        #expect(MonotonicClock.now() - started < 5_000_000_000, "the timeouts should have ended both within about 1.5 s")
        proxy.stop()
        let tapes = try recorded()
        try #require(tapes.count == 2)
        #expect(tapes[0].metadata.endReason == .timeoutIdle, "\(tapes[0].metadata.endDetail ?? "")")
        #expect(tapes[0].metadata.endPhase == .afterFirstToken)
        #expect(tapes[1].metadata.endReason == .timeoutTotal, "\(tapes[1].metadata.endDetail ?? "")")
        let total = try #require(tapes[1].metadata.tEnd)
        #expect(total > 900_000_000 && total < 2_000_000_000, "ended at \(Double(total) / 1e6) ms")
    }

    @Test("SIGKILL mid-stream: the next open marks the tape interrupted, and it holds every chunk older than the batch window")
    func killedMidStream() throws {
        let upstream = try ScriptedUpstream { _ in
            [.head(200, ChatStream.headers)] + (0..<40).map { .chunk(ChatStream.content("w\($0) "), at: Double($0) * 50) } + [.end]
        }
        let proxy = try proxy(upstream.port)
        let port = proxy.port
        Thread { _ = try? HTTPProbe.post(port: port, path: "/v1/chat/completions", body: "{}") }.start()
        let sent = upstream.waitForSent(20, timeout: 20)
        try #require(sent.count >= 20)
        kill(proxy.process.processIdentifier, SIGKILL)
        let killed = MonotonicClock.now()
        proxy.process.waitUntilExit()

        let store = try TapeStore(path: db)
        #expect(store.interruptedOnOpen.count == 1)
        let metadata = try #require(try store.tapes(TapeFilter()).first)
        #expect(metadata.endReason == .interrupted)
        let tape = try store.tape(with: metadata)
        // The writer commits at most 50 ms after a read; allow a debug build on a busy machine 250 ms more.
        let surelyCommitted = upstream.sent.filter { $0 < killed - 300_000_000 }.count
        #expect(tape.chunks.count >= surelyCommitted, "\(tape.chunks.count) chunks on tape, \(surelyCommitted) sent over 300 ms before the kill")
        #expect(surelyCommitted >= 10)
        let text = String(decoding: tape.body, as: UTF8.self)
        for k in 0..<surelyCommitted { #expect(text.contains("w\(k) "), "chunk \(k) missing") }
    }

    @Test("50 streams at once through one proxy: 50 complete tapes, none missing a chunk, none mixed up")
    func fiftyAtOnce() throws {
        let upstreamDB = scratch.path("upstream.sqlite")
        let made = try CLI.run(["simulate", "--db", upstreamDB, "--count", "50", "--ttft", "50ms", "--icl", "10ms", "--jitter", "5ms"])
        try #require(made.status == 0, "\(made.stderr)")
        let serve = try Server(["--db", upstreamDB])
        let proxy = try proxy(serve.port)
        let port = proxy.port
        let replies = ReplyBox()
        // A thread per stream (concurrentPerform would run only as many as there are cores).
        let done = DispatchGroup()
        for i in 0..<50 {
            done.enter()
            Thread {
                replies.add(try? HTTPProbe.post(port: port, path: "/v1/chat/completions", body: "{}", headers: ["X-Tokentape-Tape": "\(i + 1)"]))
                done.leave()
            }.start()
        }
        try #require(done.wait(timeout: .now() + 120) == .success, "the 50 streams did not all end within 120 s")
        proxy.stop()
        let upstream = try TapeStore(path: upstreamDB)
        for reply in replies.all {
            let reply = try #require(reply)
            let number = try #require(reply.headers["x-tokentape-tape"].flatMap { Int64($0) })
            #expect(reply.body == (try upstream.tape(.number(number))).body, "the client's copy of tape \(number)")
        }
        let tapes = try recorded()
        #expect(tapes.count == 50)
        var seen: Set<Int64> = []
        for tape in tapes {
            #expect(tape.metadata.endReason == .completed)
            let number = try #require(tape.metadata.response?.header("x-tokentape-tape").flatMap { Int64($0) })
            seen.insert(number)
            #expect(tape.body == (try upstream.tape(.number(number))).body, "the proxy's tape of upstream tape \(number)")
        }
        #expect(seen.count == 50)
        // They were streaming at the same time: the most tapes open at one instant (wall clock).
        let spans = tapes.map { ($0.metadata.startedAt, $0.metadata.startedAt.addingTimeInterval(Double($0.metadata.tEnd ?? 0) / 1e9)) }
        let mostAtOnce = spans.map { span in spans.filter { $0.0 <= span.0 && span.0 < $0.1 }.count }.max() ?? 0
        #expect(mostAtOnce >= 25, "at most \(mostAtOnce) of the 50 streams were open at once")
    }

    @Test("keys are forwarded upstream and written nowhere: not in the database file, its WAL or its shared memory")
    func secretsStayOffDisk() throws {
        let bearer = "sk-proj-TOKENTAPEtestSECRET0123456789abcdef"
        let apiKey = "sk-ant-api03-TOKENTAPEtestSECRET0123456789"
        let queryKey = "AIzaTOKENTAPEtestSECRET0123456789abcdefghi"
        let upstream = try ScriptedUpstream(Self.answer)
        // Held open so the WAL outlives the proxy and can be searched too.
        let watcher = try TapeStore(path: db)
        let proxy = try proxy(upstream.port, ["--tag", "run"])
        let reply = try HTTPProbe.post(
            port: proxy.port, path: "/v1/chat/completions?key=\(queryKey)", body: #"{"model":"m"}"#,
            headers: ["Authorization": "Bearer \(bearer)", "x-api-key": apiKey, "X-Tokentape-Tag": "secret-test"])
        #expect(reply.status == 200)
        proxy.stop()

        let forwarded = try #require(upstream.requests.first)
        #expect(forwarded.contains(bearer) && forwarded.contains(apiKey) && forwarded.contains(queryKey), "the keys must reach the upstream")
        #expect(!forwarded.lowercased().contains("x-tokentape-tag"), "the tag header is ours, not the upstream's")
        #expect(forwarded.contains("Accept-Encoding: identity"))
        var searched = 0
        for suffix in ["", "-wal", "-shm"] {
            guard let bytes = FileManager.default.contents(atPath: db + suffix) else { continue }
            searched += 1
            for secret in [bearer, apiKey, queryKey] {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) found in \(db + suffix)")
            }
        }
        #expect(searched >= 2, "the database and its WAL should both exist while a connection is open")
        let tape = try #require(try watcher.tapes(TapeFilter()).first)
        #expect(tape.tags.sorted() == ["run", "secret-test"])
        #expect(tape.request?.headers.first { $0.name.lowercased() == "authorization" }?.value == "Bearer [REDACTED]")
        try watcher.close()
    }

    @Test("--keep-encoding: a gzip stream passes unchanged, the tape keeps the bytes and decodes what they carry")
    func keptEncoding() throws {
        // An OpenAI stream gzip-compressed as a server streams it: a sync flush after each event.
        let events = [ChatStream.role, ChatStream.content("Grüße"), ChatStream.content(" gezippt"), ChatStream.finish, ChatStream.done]
        let python = """
            import sys, zlib
            c = zlib.compressobj(wbits=31)
            for line in sys.stdin.read().split("\\u0000"):
                print((c.compress(line.encode()) + c.flush(zlib.Z_SYNC_FLUSH)).hex())
            print(c.flush().hex())
            """
        let compressed = try compress(events.joined(separator: "\u{0}"), with: python)
        try #require(compressed.count == events.count + 1)
        let upstream = try ScriptedUpstream { request in
            [.head(200, ChatStream.headers + [("Content-Encoding", request.lowercased().contains("gzip") ? "gzip" : "none")])]
                + compressed.enumerated().map { .binary($0.element, at: Double($0.offset) * 20) } + [.end]
        }
        let proxy = try proxy(upstream.port, ["--keep-encoding"])
        let reply = try HTTPProbe.post(port: proxy.port, path: "/v1/chat/completions", body: "{}", headers: ["Accept-Encoding": "gzip"])
        proxy.stop()
        #expect(reply.headers["content-encoding"] == "gzip")
        #expect(reply.body == compressed.flatMap { $0 }, "the client gets the compressed bytes unchanged")
        #expect(try #require(upstream.requests.first).contains("Accept-Encoding: gzip"))
        let tape = try #require(try recorded().first)
        #expect(tape.body == compressed.flatMap { $0 })
        #expect(tape.metadata.response?.header("content-encoding") == "gzip")
        #expect(tape.metadata.endReason == .completed)
        let text = tape.decode().events.compactMap { $0.kind == .content ? $0.text : nil }.joined()
        #expect(text == "Grüße gezippt")
        let shown = try CLI.run(["show", "1", "--text", "--db", db])
        #expect(shown.out.contains("Grüße gezippt"), "\(shown.out)")
    }

    /// Runs a Python snippet over `input` (standard input); each output line is hex bytes.
    func compress(_ input: String, with script: String) throws -> [[UInt8]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script]
        let (stdin, stdout) = (Pipe(), Pipe())
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let out = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return out.split(separator: "\n").map { line in
            stride(from: 0, to: line.count, by: 2).map { i in
                UInt8(line[line.index(line.startIndex, offsetBy: i)..<line.index(line.startIndex, offsetBy: i + 2)], radix: 16)!
            }
        }
    }

    @Test("an https upstream: trusted through --ca-file or --insecure, refused with a clear error otherwise")
    func httpsUpstream() throws {
        let cert = scratch.path("cert.pem")
        let key = scratch.path("key.pem")
        let openssl = try SDKInteropTests().run(
            "/usr/bin/openssl",
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1"], timeout: 60)
        try #require(openssl.0 == 0, "\(openssl.1)")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interop/tls_upstream.py").path
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        server.arguments = [script, cert, key]
        let pipe = Pipe()
        server.standardOutput = pipe
        try server.run()
        defer {
            // SIGKILL: a Python started from here may inherit an ignored SIGTERM.
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        let line = String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self)
        let port = try #require(Int(line.trimmingCharacters(in: .whitespacesAndNewlines)), "tls_upstream.py said '\(line)'")
        let upstream = "https://127.0.0.1:\(port)"

        for trust in [["--ca-file", cert], ["--insecure"]] {
            let proxy = try Server(command: "proxy", ["--db", db, "--upstream", upstream] + trust)
            let reply = try HTTPProbe.post(port: proxy.port, path: "/v1/chat/completions", body: "{}")
            #expect(reply.status == 200, "\(trust)")
            #expect(String(decoding: reply.body, as: UTF8.self).contains("over TLS"), "\(trust)")
            proxy.stop()
        }
        let untrusting = try Server(command: "proxy", ["--db", db, "--upstream", upstream])
        let refused = try HTTPProbe.post(port: untrusting.port, path: "/v1/chat/completions", body: "{}")
        #expect(refused.status == 502)
        untrusting.stop()
        let tapes = try recorded()
        try #require(tapes.count == 3)
        #expect(tapes[0].metadata.endReason == .completed && tapes[1].metadata.endReason == .completed)
        #expect(tapes[2].metadata.endReason == .reset)
        #expect(tapes[2].metadata.endDetail?.lowercased().contains("certificate") == true, "\(tapes[2].metadata.endDetail ?? "")")
    }
}

/// A request left open, read a piece at a time.
final class OpenStream {
    private var fd: Int32
    private(set) var received: [UInt8] = []

    init(port: Int, path: String, body: String) throws {
        fd = try connectLoopback(port)
        let request = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
    }

    /// Reads until the text has arrived (true) or the timeout or the end came first (false).
    func read(until text: String, timeout: Double) -> Bool {
        let deadline = MonotonicClock.now() + Int64(timeout * 1e9)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !String(decoding: received, as: UTF8.self).contains(text) {
            let left = deadline - MonotonicClock.now()
            guard left > 0 else { return false }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(left / 1_000_000) + 1) > 0 else { continue }
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { return false }
            received += buffer[0..<n]
        }
        return true
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}

/// The threads of a process and their nice values, from `/proc`.
enum ThreadPriority {
    struct Thread {
        var id: Int32
        var name: String
        var nice: Int
    }

    static func threads(of pid: Int32) throws -> [Thread] {
        let tasks = "/proc/\(pid)/task"
        return try FileManager.default.contentsOfDirectory(atPath: tasks).compactMap { tid in
            // A thread may end between the listing and the reads (Dispatch retires idle workers): skip it.
            guard let stat = try? String(contentsOfFile: "\(tasks)/\(tid)/stat", encoding: .utf8),
                let comm = try? String(contentsOfFile: "\(tasks)/\(tid)/comm", encoding: .utf8)
            else { return nil }
            let name = comm.trimmingCharacters(in: .whitespacesAndNewlines)
            // The name may hold spaces or parentheses: the fields start after the last ")", with field 3.
            guard let close = stat.lastIndex(of: ")"), let id = Int32(tid) else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // Field 19 is the nice value.
            guard fields.count > 16, let nice = Int(fields[16]) else { return nil }
            return Thread(id: id, name: name, nice: nice)
        }
    }
}
