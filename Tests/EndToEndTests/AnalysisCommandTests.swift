import Foundation
import TapeCore
import TapeStore
import Testing

/// stats, check, compare and show --metrics through the built binary, on a
/// store written here with exact read times and no metrics rows (so the
/// commands must analyse the chunks first, as for tapes from an older version).
struct AnalysisCommandTests {
    let scratch: Scratch
    let db: String

    init() throws {
        scratch = try Scratch()
        db = scratch.path("t.sqlite")
    }

    /// An OpenAI Chat stream (FORMATS.md §2): role at 10 ms, 5 tokens from `ttft` ms `gap` ms apart, then [DONE].
    func write(_ count: Int, ttft: Double, gap: Double = 20, tag: String, cancelAfter: Int? = nil, seed: UInt64 = 1) throws {
        let store = try TapeStore(path: db)
        let writer = store.writer()
        let head = #""id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini""#
        var state = seed
        for _ in 0..<count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let jitter = Double(state >> 59)  // 0…31 ms
            let metadata = TapeMetadata(source: .client, provider: .openaiChat, model: "gpt-4o-mini", tags: [tag])
            writer.begin(metadata)
            var reads = ["data: {\(head),\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n"]
            var times = [10.0]
            for i in 0..<(cancelAfter ?? 5) {
                reads.append("data: {\(head),\"choices\":[{\"index\":0,\"delta\":{\"content\":\"w\(i) \"},\"finish_reason\":null}]}\n\n")
                times.append(ttft + jitter + Double(i) * gap)
            }
            if cancelAfter == nil {
                reads.append("data: [DONE]\n\n")
                times.append(times.last! + 1)
            }
            for (i, read) in reads.enumerated() {
                writer.append(metadata.uid, Chunk(seq: i, t: Int64(times[i] * 1e6), bytes: Array(read.utf8)))
            }
            let end = Int64((times.last! + 5) * 1e6)
            writer.finish(
                metadata.uid,
                cancelAfter == nil
                    ? .init(reason: .completed, phase: .afterFirstToken, tEnd: end)
                    : .init(reason: .clientCancelled, phase: cancelAfter! > 0 ? .afterFirstToken : .beforeFirstToken, tEnd: end))
        }
        try writer.close()
        try store.close()
    }

    func run(_ arguments: [String]) throws -> CLI.Result {
        try CLI.run(arguments + ["--db", db])
    }

    func json(_ result: CLI.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.out)\n\(result.stderr)")
    }

    @Test("stats --json uses METRICS.md names with units, analyses once, and reads the same figures back")
    func statsJSON() throws {
        try write(10, ttft: 100, tag: "base")
        try write(2, ttft: 100, tag: "base", cancelAfter: 2)
        let cold = try run(["stats", "--json", "--by", "tag"])
        #expect(cold.status == 0, "\(cold.stderr)")
        let all = try #require(try json(cold)["all"] as? [String: Any])
        let request = try #require(all["request_weighted"] as? [String: Any])
        let ttft = try #require(request["ttft_ms"] as? [String: Any])
        #expect(ttft["n"] as? Int == 10)
        #expect(ttft["method"] as? String == "linear")
        // Jitter is 0…31 ms on a 100 ms first token.
        let p50 = try #require(ttft["p50"] as? Double)
        #expect(p50 >= 100 && p50 <= 131)
        // No response head recorded: no sample, and the figures are null, never 0.
        let setup = try #require(request["setup_ms"] as? [String: Any])
        #expect(setup["n"] as? Int == 0)
        #expect(setup["p50"] is NSNull)
        let adjusted = try #require(all["failure_adjusted"] as? [String: Any])
        let adjTTFT = try #require(adjusted["adj_ttft_ms"] as? [String: Any])
        #expect(adjTTFT["max"] as? String == "+Inf")
        #expect(adjTTFT["method"] as? String == "nearest_rank")
        let dropOff = try #require(all["drop_off"] as? [String: Any])
        #expect(dropOff["started"] as? Int == 12)
        #expect(dropOff["dropped"] as? Int == 2)
        #expect(try #require(json(cold)["aliases"] as? [[String: Any]]).contains { $0["tokentape"] as? String == "icl" })

        let warm = try run(["stats", "--json", "--by", "tag"])
        #expect(warm.stdout == cold.stdout)
        let text = try run(["stats"])
        #expect(text.status == 0)
        #expect(text.out.contains("ttft ms"))
        #expect(text.out.contains("ICL histogram"))
        #expect(text.out.contains("Drop-off: 16.7% (2 of 12): client_cancelled 2 (0 before first token, 2 after)"))
        let reanalyze = try run(["reanalyze"])
        #expect(reanalyze.status == 0)
        #expect(reanalyze.out.contains("reanalysed 12 tapes"))
    }

    @Test("check exits 0 when every gate passes, 1 when one fails, 2 on an empty selection or a bad gate")
    func checkExitCodes() throws {
        try write(20, ttft: 100, tag: "base")
        let pass = try run(["check", "--all", "--ttft-p95", "1s", "--icl-p99", "50ms", "--drop-off-max", "1%"])
        #expect(pass.status == 0, "\(pass.out)\(pass.stderr)")
        #expect(pass.out.contains("all 3 gates pass"))
        let fail = try run(["check", "--tag", "base", "--ttft-p95", "50ms", "--gate", "icl.max<=1s"])
        #expect(fail.status == 1)
        #expect(fail.out.contains("ttft.p95 <= 50.0 ms"))
        #expect(fail.out.contains("FAIL"))
        let jsonFail = try json(try run(["check", "--all", "--ttft-p95", "50ms", "--json"]))
        #expect(jsonFail["passed"] as? Bool == false)

        for arguments in [
            ["check", "--tag", "nope", "--ttft-p95", "1s"],  // empty selection
            ["check", "--ttft-p95", "1s"],  // no selection at all
            ["check", "--all"],  // no gate
            ["check", "--all", "--ttft-p95", "fast"],
            ["check", "--all", "--ttft-p95", "800"],  // no unit
            ["check", "--all", "--drop-off-max", "150%"],
            ["check", "--all", "--gate", "ttft.p95<800ms"],
            ["check", "--all", "--gate", "ttfx.p95<=800ms"],
            ["check", "--all", "--gate", "ttft.p42<=800ms"],
            ["check", "--all", "--ttft-p95"],
        ] {
            let result = try run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains("Error"), "\(arguments)")
        }
    }

    @Test("compare exits 1 on a significant regression beyond the bound, 0 otherwise, 2 on an empty set")
    func compareExitCodes() throws {
        try write(30, ttft: 100, tag: "base", seed: 1)
        try write(30, ttft: 100, tag: "same", seed: 2)
        try write(30, ttft: 300, tag: "slow", seed: 3)
        let regression = try run(["compare", "tag:base", "tag:slow"])
        #expect(regression.status == 1, "\(regression.out)\(regression.stderr)")
        #expect(regression.out.contains("REGRESSION"))
        let same = try run(["compare", "base", "same", "--max-regression", "20%"])
        #expect(same.status == 0, "\(same.out)")
        let report = try json(try run(["compare", "tag:base", "tag:slow", "--json", "--seed", "5"]))
        #expect(report["regression"] as? Bool == true)
        let rows = try #require(report["rows"] as? [[String: Any]])
        let ttft = try #require(rows.first { $0["metric"] as? String == "ttft_ms" && $0["statistic"] as? String == "p50" })
        #expect(ttft["verdict"] as? String == "regression")
        #expect((ttft["ci95_low"] as? Double ?? 0) > 100)
        // The same seed gives the same figures.
        let again = try run(["compare", "tag:base", "tag:slow", "--json", "--seed", "5"])
        #expect(try JSONSerialization.jsonObject(with: again.stdout) as? NSDictionary == report as NSDictionary)
        #expect(try run(["compare", "tag:base", "tag:nope"]).status == 2)
        #expect(try run(["compare", "tag:base", "colour:blue"]).status == 2)
        #expect(try run(["compare", "tag:base", "tag:slow", "--max-regression", "ten"]).status == 2)
    }

    @Test("show --metrics gives one tape's metrics and a timeline with the stall marked")
    func showMetrics() throws {
        try write(1, ttft: 100, gap: 1500, tag: "stall")
        let text = try run(["show", "last", "--metrics"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.out.contains("◀ first token"))
        #expect(text.out.contains("◀ stall 1500.0 ms"))
        let result = try json(try run(["show", "last", "--metrics", "--json"]))
        let metrics = try #require(result["metrics"] as? [String: Any])
        let ttft = try #require(metrics["ttft_ms"] as? Double)
        #expect(ttft >= 100 && ttft < 132)
        #expect(metrics["setup_ms"] is NSNull)
        let stalls = try #require(metrics["stalls"] as? [String: Any])
        #expect(stalls["count"] as? Int == 4)
        #expect(stalls["first_token_index"] as? Int == 1)
        let timeline = try #require(result["timeline"] as? [[String: Any]])
        #expect(timeline.filter { $0["stall"] as? Bool == true }.count == 4)
    }
}
