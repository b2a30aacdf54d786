import Foundation
import TapeCore
import TapeStore
import Testing

/// `replay` through the built binary: exact bytes whatever the boundaries,
/// the recorded gaps kept, faults, and bad options.
struct ReplayCommandTests {
    let scratch: Scratch
    let db: String

    init() throws {
        scratch = try Scratch()
        db = scratch.path("t.sqlite")
    }

    /// An OpenAI Chat tape (FORMATS.md §2) with reads at these ms, one content event each, then [DONE].
    func write(_ ms: [Double], words: [String]) throws -> Tape {
        let store = try TapeStore(path: db)
        let head = #""id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini""#
        let reads = words.map { "data: {\(head),\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\($0)\"},\"finish_reason\":null}]}\n\n" }
            + ["data: [DONE]\n\n"]
        let metadata = TapeMetadata(source: .client, provider: .openaiChat)
        let chunks = reads.enumerated().map { Chunk(seq: $0.offset, t: Int64(ms[$0.offset] * 1e6), bytes: Array($0.element.utf8)) }
        let writer = store.writer()
        writer.begin(metadata)
        for chunk in chunks { writer.append(metadata.uid, chunk) }
        writer.finish(metadata.uid, .init(reason: .completed, phase: .afterFirstToken, tEnd: chunks.last!.t + 1_000_000))
        try writer.close()
        try store.close()
        return Tape(metadata: metadata, chunks: chunks)
    }

    func run(_ arguments: [String]) throws -> CLI.Result { try CLI.run(arguments + ["--db", db]) }

    @Test("--raw writes the tape's bytes exactly in every rechunk mode; the text view shows the answer")
    func exactBytes() throws {
        let tape = try write([10, 20, 30, 40, 50], words: ["Grüße ", "東京", " 😀", "\\r\\n ok"])
        for mode in ["original", "event", "byte", "random", "utf8-split", "crlf-split"] {
            let result = try run(["replay", "last", "--raw", "--instant", "--rechunk", mode, "--seed", "3"])
            #expect(result.status == 0, "\(mode): \(result.stderr)")
            #expect([UInt8](result.stdout) == tape.body, "\(mode)")
        }
        let text = try run(["replay", "last", "--instant"])
        #expect(text.out == "Grüße 東京 😀\r\n ok\n")
    }

    @Test("the recorded gaps are kept, each write measured as it arrives through a pipe")
    func gapsKept() throws {
        _ = try write([0, 100, 400, 450], words: ["a", "b", "c"])
        let (process, _, output, error) = try CLI.start(["replay", "last", "--raw", "--db", db])
        let start = MonotonicClock.now()
        var arrivals: [(Int64, Int)] = []
        let handle = output.fileHandleForReading
        while true {
            let data = handle.availableData
            if data.isEmpty { break }
            arrivals.append((MonotonicClock.now() - start, data.count))
        }
        process.waitUntilExit()
        _ = error.fileHandleForReading.readDataToEndOfFile()
        #expect(process.terminationStatus == 0)
        // Each read of the pipe is one write here: they are far apart.
        #expect(arrivals.count == 4)
        guard arrivals.count == 4 else { return }
        let gaps = (1..<4).map { Double(arrivals[$0].0 - arrivals[$0 - 1].0) / 1e6 }
        for (gap, expected) in zip(gaps, [100.0, 300.0, 50.0]) {
            #expect(abs(gap - expected) < 40, "gap \(gap) ms, recorded \(expected) ms")
        }
        // --speed 4 divides them.
        let fast = MonotonicClock.now()
        #expect(try run(["replay", "last", "--raw", "--speed", "4"]).status == 0)
        let elapsed = Double(MonotonicClock.now() - fast) / 1e6
        #expect(elapsed >= 450 / 4)
    }

    @Test("faults through the binary: an error event, a truncation, an HTTP status")
    func faults() throws {
        let tape = try write([10, 20, 30, 40], words: ["one", " two", " three"])
        let error = try run(["replay", "last", "--instant", "--fault", "error@2"])
        #expect(error.out.hasPrefix("one two"))
        #expect(error.out.contains("✗ error: Injected by tokentape"))
        let cut = try run(["replay", "last", "--instant", "--raw", "--fault", "truncate@1:reset"])
        #expect([UInt8](cut.stdout) == tape.chunks[0].bytes)
        #expect(cut.stderr.contains("connection reset"))
        let limited = try run(["replay", "last", "--fault", "status:429:retry=3"])
        #expect(limited.out.hasPrefix("HTTP 429 (Retry-After: 3)"))
    }

    @Test("bad options and tapes get a clear error and a non-zero exit")
    func badInput() throws {
        _ = try write([10, 20], words: ["x"])
        for arguments in [
            ["replay", "last", "--fault", "bogus"], ["replay", "last", "--fault", "stall@2"], ["replay", "last", "--fault", "status:200"],
            ["replay", "last", "--speed", "0"], ["replay", "last", "--rate", "fast"], ["replay", "last", "--rechunk", "words"],
            ["replay", "last", "--max-gap", "5"],
        ] {
            let result = try run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.status)")
            #expect(result.stderr.contains("Error"), "\(arguments)")
        }
        let missing = try run(["replay", "99"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("99"))
    }

    @Test("simulate stores provider-shaped tapes whose metrics follow the timing model; bad options are refused")
    func simulate() throws {
        let made = try run(["simulate", "--all-providers", "--count", "2", "--ttft", "300ms", "--icl", "20ms", "--distribution", "constant", "--tag", "sim"])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.out.hasPrefix("made up 20 tapes"))
        let stats = try #require(try JSONSerialization.jsonObject(with: try run(["stats", "--tag", "sim", "--json"]).stdout) as? [String: Any])
        let all = try #require(stats["all"] as? [String: Any])
        let ttft = try #require((all["request_weighted"] as? [String: Any])?["ttft_ms"] as? [String: Any])
        #expect(ttft["n"] as? Int == 20)
        #expect(ttft["p50"] as? Double == 300)
        #expect(ttft["max"] as? Double == 300)
        let icl = try #require((all["token_weighted"] as? [String: Any])?["icl_ms"] as? [String: Any])
        #expect(icl["p99"] as? Double == 20)
        // The same seed makes the same bytes.
        #expect(try run(["simulate", "--provider", "anthropic", "--seed", "9"]).out.contains("tape 21"))
        #expect(try run(["simulate", "--provider", "anthropic", "--seed", "9"]).out.contains("tape 22"))
        let first = try run(["replay", "21", "--raw", "--instant"]).stdout
        #expect(!first.isEmpty)
        #expect(first == (try run(["replay", "22", "--raw", "--instant"]).stdout))
        for arguments in [
            ["simulate", "--count", "0"], ["simulate", "--stall", "x"], ["simulate", "--ttft", "fast"],
            ["simulate", "--text", ""], ["simulate", "--text-file", "/nonexistent"], ["simulate", "--distribution", "zipf"],
        ] {
            let result = try run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.status) \(result.stderr)")
        }
    }
}
