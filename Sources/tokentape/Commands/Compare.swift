import ArgumentParser
import Foundation
import TapeAnalysis
import TapeCore
import TapeStore

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare a baseline set of tapes with a candidate: did latency regress?",
        discussion: """
            BASE and CAND are selections: terms joined by commas, each a tape number, a range (1-50), \
            an id (tt_…), tag:T, model:M, provider:P, or a bare word for a tag.

            For ttft, ttft_user, tpot, e2e_last_token, e2e (completed tapes), icl (all gaps) and the \
            drop-off rate, it prints the median, p95 and p99 of each set, the change, and a 95 % \
            bootstrap interval of the change (tapes resampled with replacement, seeded: the same \
            input and --seed give the same figures). A change whose interval lies above 0 is a \
            regression, below 0 an improvement, otherwise no significant change.

            Exit 1 when a significant regression is larger than --max-regression (relative to the \
            baseline), 2 on a usage error or an empty set.

            Examples:
              tokentape compare tag:v1 tag:v2
              tokentape compare model:gpt-4o model:gpt-4o-mini --max-regression 25% --json
              tokentape compare 1-100 101-200 --since 1d
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var selection: SelectionOptions
    @OptionGroup var analysis: AnalysisOptions

    @Argument(help: ArgumentHelp("The baseline selection.", valueName: "base"))
    var base: String

    @Argument(help: ArgumentHelp("The candidate selection.", valueName: "cand"))
    var candidate: String

    @Option(name: .long, help: ArgumentHelp("The largest significant regression allowed (10% or 0.1).", valueName: "share"))
    var maxRegression: String = "10%"

    @Option(name: .long, help: "Bootstrap resamples.")
    var resamples: Int = 1000

    @Option(name: .long, help: "Seed of the bootstrap.")
    var seed: UInt64 = 1

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() throws {
        let bound = try GateText.bound(maxRegression, unit: .share, flag: "--max-regression")
        guard resamples >= 100, resamples <= 100_000 else { throw ValidationError("--resamples must be 100…100000") }
        let settings = try analysis.settings()
        let shared = try selection.filter()
        let store = try self.store.open()
        var sets: [[Comparison.Sample]] = []
        for (name, text) in [("BASE", base), ("CAND", candidate)] {
            let filter = try SelectionTerm.filter(text, base: shared)
            var samples: [Comparison.Sample] = []
            try store.forEachAnalyzed(filter, settings: settings, quiet: json) { metadata, metrics in
                guard let reason = metadata.endReason else { return }
                samples.append(Comparison.Sample(metrics: metrics, outcome: reason.outcome))
            }
            guard !samples.isEmpty else {
                throw ValidationError("\(name) '\(text)' selects no finished tape; check it with: tokentape list")
            }
            sets.append(samples)
        }
        let comparison = Comparison(
            baseline: sets[0], candidate: sets[1], maxRegression: bound, resamples: resamples, seed: seed)
        if json {
            struct Row: Encodable {
                var metric: String
                var statistic: String?
                var baseline: JSONFigure?
                var candidate: JSONFigure?
                var change: JSONFigure?
                var relative_change: JSONFigure?
                var ci95_low: JSONFigure?
                var ci95_high: JSONFigure?
                var verdict: String
                var fails_bound: Bool
            }
            struct Output: Encodable {
                var baseline_tapes: Int
                var candidate_tapes: Int
                var resamples: Int
                var seed: UInt64
                var max_regression: Double
                var regression: Bool
                var rows: [Row]
            }
            try JSONOutput.print(Output(
                baseline_tapes: sets[0].count, candidate_tapes: sets[1].count, resamples: resamples, seed: seed,
                max_regression: bound, regression: comparison.fails,
                rows: comparison.rows.map {
                    Row(metric: $0.metric, statistic: $0.statistic?.rawValue, baseline: .from($0.baseline),
                        candidate: .from($0.candidate), change: .from($0.change), relative_change: .from($0.relativeChange),
                        ci95_low: .from($0.low), ci95_high: .from($0.high), verdict: $0.verdict.rawValue,
                        fails_bound: $0.failsBound)
                }))
        } else {
            print("baseline \(base): \(sets[0].count) tapes · candidate \(candidate): \(sets[1].count) tapes")
            let rows = comparison.rows.map { r -> [String] in
                let isRate = r.metric == "drop_off_rate"
                let unit: Metric.Unit = isRate ? .share : .ms
                let interval = r.low.map { "[\(Self.signed($0, unit)), \(Self.signed(r.high!, unit))]" } ?? "–"
                let verdict = r.verdict.rawValue.replacingOccurrences(of: "_", with: " ")
                return [
                    r.metric + (r.statistic.map { " " + $0.rawValue } ?? ""), StatsText.figure(r.baseline, unit),
                    StatsText.figure(r.candidate, unit), r.change.map { Self.signed($0, unit) } ?? "–",
                    r.relativeChange.map { Self.signed($0, .share) } ?? "–", interval,
                    r.failsBound ? Terminal.bold(verdict.uppercased()) : verdict,
                ]
            }
            print(Terminal.table(
                ["metric", "base", "cand", "change", "relative", "95% interval", "verdict"], rows,
                rightAligned: [1, 2, 3, 4]))
            print(
                comparison.fails
                    ? "significant regression beyond \(StatsText.percent(bound))"
                    : "no significant regression beyond \(StatsText.percent(bound))")
        }
        if comparison.fails { throw ExitCode(1) }
    }

    static func signed(_ value: Double, _ unit: Metric.Unit) -> String {
        (value > 0 ? "+" : value < 0 ? "−" : "") + StatsText.figure(abs(value), unit)
    }
}
