import ArgumentParser
import Foundation
import TapeAnalysis
import TapeCore
import TapeStore

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Latency, stalls and drop-off across tapes.",
        discussion: """
            Every figure is defined in METRICS.md. Request-weighted figures take one sample per \
            completed tape (linear interpolation); token-weighted ones pool every gap of every tape; \
            the failure-adjusted twins (adj_) count a dropped tape as +∞ (nearest rank), so abandoning \
            slow streams cannot make the numbers look better. Times are from t_send, in ms.

            The first run over tapes recorded before this version decodes their chunks once and \
            stores each tape's timeline in the metrics table; later runs read that table.

            Examples:
              tokentape stats                         # every tape
              tokentape stats --tag release-42 --by model
              tokentape stats 10-50 --by tag --by provider --json | jq '.groups[].request_weighted.ttft_ms.p95'

            Names other tools use for the same figures:
              tokentape       vLLM / SGLang      AIPerf / GenAI-Perf    GuideLLM                OpenTelemetry GenAI
              ttft            ttft (+role chunk) time_to_first_token    time_to_first_token_ms  gen_ai.server.time_to_first_token
              ttfc            –                  –                      –                       gen_ai.client.operation.time_to_first_chunk
              tpot            tpot               inter_token_latency    inter_token_latency_ms  gen_ai.server.time_per_output_token
              icl             itl                inter_chunk_latency    –                       gen_ai.client.operation.time_per_output_chunk
              e2e_last_token  e2el               request_latency        request_latency         gen_ai.client.operation.duration (≈ e2e)
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var tapes: TapeSetOptions
    @OptionGroup var analysis: AnalysisOptions

    @Option(name: .long, help: "Group by tag, model or provider (repeat for combinations).")
    var by: [GroupDimension] = []

    @Flag(name: .long, help: "Print JSON: metric names of METRICS.md with their units, and the alias table.")
    var json = false

    func run() throws {
        let store = try self.store.open()
        let filter = try tapes.filter()
        let settings = try analysis.settings()
        let (all, groups) = try Self.collect(store, filter, by: by, settings: settings, quiet: json)
        if json {
            struct Output: Encodable {
                var definitions_version: Int
                var settings: SettingsJSON
                var percentile_methods: [String: String]
                var all: GroupStatsJSON
                var groups: [GroupStatsJSON]
                var aliases: [AliasJSON]
            }
            return try JSONOutput.print(Output(
                definitions_version: TokenTimeline.definitionsVersion, settings: SettingsJSON(settings),
                percentile_methods: [
                    "request_weighted": "linear", "token_weighted": "linear", "failure_adjusted": "nearest_rank",
                ],
                all: GroupStatsJSON(all), groups: groups.map(GroupStatsJSON.init), aliases: AliasJSON.all))
        }
        guard all.tapes > 0 else {
            Terminal.note("no tapes in \(self.store.path) match. Record some: tokentape demo")
            return
        }
        print(StatsText.render(all))
        if !groups.isEmpty {
            print("")
            print("By \(by.map(\.rawValue).joined(separator: " × "))")
            print(StatsText.groupTable(groups, dimensions: Array(Set(by)).sorted()))
        }
    }

    /// Stats of a selection, overall and by group.
    ///
    /// Each pass reads the selection as one share per core, each into its own
    /// builder, then merges them: the passes are bound by reading and
    /// computing per tape, which parallelises cleanly.
    static func collect(
        _ store: TapeStore, _ filter: TapeFilter, by: [GroupDimension] = [], settings: AnalysisSettings, quiet: Bool = false
    ) throws -> (GroupStats, [GroupStats]) {
        try store.analyzeStale(filter, quiet: quiet)
        let shards = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        @Sendable func share(_ k: Int) -> TapeFilter {
            var f = filter
            f.shard = (k, shards)
            return f
        }
        // Later passes must see the same tapes: not one that finished in between.
        let firstPass = try parallelMap(shards) { k -> (GroupedStats, Set<Int64>) in
            var grouped = GroupedStats(by: by, settings: settings)
            var analysed = Set<Int64>()
            try store.forEachTimeline(share(k)) { metadata, timeline in
                // Only a tape still being recorded has no timeline here.
                grouped.add(metadata, TapeMetrics(metadata: metadata, timeline: timeline ?? TokenTimeline(), settings: settings))
                if metadata.endReason != nil, timeline != nil, let number = metadata.number { analysed.insert(number) }
            }
            return (grouped, analysed)
        }
        var grouped = firstPass[0].0
        for other in firstPass.dropFirst() { grouped.merge(other.0, firstPass: true) }
        grouped.endPass()
        // Exact percentiles of the pooled gaps in flat memory: a few more passes over the gaps alone.
        while grouped.needsPass {
            let start = grouped
            let shares = try parallelMap(shards) { k -> GroupedStats in
                var mine = start
                let analysed = firstPass[k].1
                try store.forEachTimeline(share(k)) { metadata, timeline in
                    guard let timeline, let number = metadata.number, analysed.contains(number) else { return }
                    let (icl, itl) = metadata.timed ? TapeMetrics.gaps(timeline) : ([], nil)
                    mine.addGaps(metadata, icl: icl, itl: itl)
                }
                return mine
            }
            grouped = shares[0]
            for other in shares.dropFirst() { grouped.merge(other, firstPass: false) }
            grouped.endPass()
        }
        let result = grouped.build()
        return (result.all, result.groups)
    }
}

struct SettingsJSON: Encodable {
    var stall_threshold_ms: Double
    var relative_stall_factor: Double
    var reading_rate_tokens_per_s: Double

    init(_ s: AnalysisSettings) {
        stall_threshold_ms = Double(s.stallThreshold) / 1e6
        relative_stall_factor = s.relativeStallFactor
        reading_rate_tokens_per_s = s.readingRate
    }
}

extension GroupDimension: ExpressibleByArgument {}
