import Foundation
import TapeCore
import TapeStore
import Testing

/// `tokentape record URL`: tokentape as the recording client, against
/// `serve` and scripted upstreams.
struct RecordClientTests {
    let scratch: Scratch
    let db: String

    init() throws {
        scratch = try Scratch()
        db = scratch.path("client.sqlite")
    }

    func tapes() throws -> [Tape] {
        let store = try TapeStore(path: db)
        return try store.tapes(TapeFilter()).map { try store.tape(with: $0) }
    }

    func run(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 60) throws -> CLI.Result {
        let (process, input, output, error) = try CLI.start(["record", "--db", db] + arguments, environment: environment)
        try? input.fileHandleForWriting.close()
        return try CLI.finish(process, output, error, timeout: timeout)
    }

    @Test("record URL prints the text as it streams, then the metrics; the tape is the upstream's answer, byte-exact")
    func oneRequest() throws {
        let upstreamDB = scratch.path("upstream.sqlite")
        let made = try CLI.run(["simulate", "--db", upstreamDB, "--text", "Grüße aus dem Band 😀", "--ttft", "50ms", "--icl", "10ms"])
        try #require(made.status == 0, "\(made.stderr)")
        let serve = try Server(["--db", upstreamDB])
        let result = try run(["http://127.0.0.1:\(serve.port)/v1/chat/completions", "-d", #"{"model":"m","stream":true}"#, "--tag", "one"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.out == "Grüße aus dem Band 😀\n")
        #expect(result.stderr.contains("ttft") && result.stderr.contains("completed"), "\(result.stderr)")
        let tape = try #require(try tapes().first)
        #expect(tape.metadata.source == .client)
        #expect(tape.metadata.tags == ["one"])
        #expect(tape.metadata.request?.method == "POST")
        #expect(tape.body == (try TapeStore(path: upstreamDB).tape(.number(1))).body)
    }

    @Test("--openai MODEL prompt writes the request, sends the key from OPENAI_API_KEY, and keeps it off the tape")
    func openAIShortcut() throws {
        let upstream = try ScriptedUpstream(ProxyTests.answer)
        let key = "sk-proj-RECORDtestSECRET0123456789abcdef"
        let result = try run(
            ["--openai", "gpt-4o-mini", "Say \"hi\"", "--base-url", "http://127.0.0.1:\(upstream.port)/v1"],
            environment: ["OPENAI_API_KEY": key])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.out == "Hello world\n")
        let sent = try #require(upstream.requests.first)
        #expect(sent.hasPrefix("POST /v1/chat/completions HTTP/1.1"))
        #expect(sent.contains("Authorization: Bearer \(key)"))
        #expect(sent.contains(#""model":"gpt-4o-mini""#) && sent.contains(#""content":"Say \"hi\"""#) && sent.contains(#""stream":true"#))
        let bytes = try #require(FileManager.default.contents(atPath: db))
        #expect(bytes.range(of: Data(key.utf8)) == nil)

        let noKey = try run(["--openai", "gpt-4o-mini", "hi"], environment: ["OPENAI_API_KEY": ""])
        #expect(noKey.status == 2)
        #expect(noKey.stderr.contains("OPENAI_API_KEY"), "\(noKey.stderr)")
    }

    @Test("--repeat with --rate: t_sched is when each request was meant to go, so waiting for the one slot shows in ttft_user")
    func openLoop() throws {
        let upstreamDB = scratch.path("upstream.sqlite")
        try #require(try CLI.run(["simulate", "--db", upstreamDB, "--ttft", "100ms", "--icl", "20ms", "--text", "a b c d e f g h"]).status == 0)
        let serve = try Server(["--db", upstreamDB])
        // Four requests due 10 ms apart, one at a time, each about 0.25 s long: the last waits about 0.75 s.
        let result = try run(["http://127.0.0.1:\(serve.port)/v1/chat/completions", "-d", "{}", "--repeat", "4", "--concurrency", "1", "--rate", "100"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.out.contains("Stats of the 4 tapes recorded"), "\(result.out)")
        #expect(result.stderr.contains("4/4 recorded"), "\(result.stderr)")
        let scheduled = try tapes().compactMap(\.metadata.tSched).sorted()
        try #require(scheduled.count == 4)
        #expect(scheduled.allSatisfy { $0 <= 0 })
        #expect(scheduled.first! < -500_000_000, "the last request waited only \(Double(-scheduled.first!) / 1e6) ms")
    }

    @Test("Ctrl-C stops every request in flight: their tapes end client_cancelled, the upstream connections close")
    func interrupt() throws {
        let upstream = try ScriptedUpstream { _ in
            [.head(200, ChatStream.headers), .chunk(ChatStream.content("Hello"), at: 0), .chunk(ChatStream.content(" there"), at: 300),
             .waitForClose(seconds: 30)]
        }
        let (process, input, output, error) = try CLI.start(
            ["record", "--db", db, "http://127.0.0.1:\(upstream.port)/v1/chat/completions", "-d", "{}", "--repeat", "3", "--concurrency", "3"])
        try? input.fileHandleForWriting.close()
        // Each stream's second chunk leaves 300 ms after its first: by then the first has been read.
        try #require(upstream.waitForSent(6, timeout: 20).count == 6, "three streams should be open")
        process.interrupt()
        let result = try CLI.finish(process, output, error, timeout: 20)
        #expect(result.status == 130, "\(result.stderr)")
        #expect(upstream.waitForClientClose(timeout: 5) != nil)
        let recorded = try tapes()
        #expect(recorded.count == 3)
        for tape in recorded {
            #expect(tape.metadata.endReason == .clientCancelled, "\(tape.metadata.endDetail ?? "") \(tape.chunks.count) chunks")
            #expect(tape.metadata.endPhase == .afterFirstToken)
            #expect(tape.metadata.endDetail?.contains("SIGINT") == true)
        }
    }

    @Test("an upstream that refuses: a clear error, exit 1, and the tape says why; a bad request never goes out")
    func refusals() throws {
        let closed = try ScriptedUpstream { _ in [] }
        let port = closed.port
        closed.stop()
        let refused = try run(["http://127.0.0.1:\(port)/v1/messages", "-d", "{}"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("connection refused"), "\(refused.stderr)")
        #expect(try tapes().first?.metadata.endReason == .reset)

        for bad in [["ftp://example.com/x"], ["http://127.0.0.1:1/x", "-d", "{nope"], ["http://127.0.0.1:1/x", "-H", "NoColon"], []] {
            let result = try run(bad)
            #expect(result.status == 2, "\(bad): \(result.stderr)")
            #expect(!result.stderr.isEmpty)
        }
        #expect(try tapes().count == 1)
    }
}
