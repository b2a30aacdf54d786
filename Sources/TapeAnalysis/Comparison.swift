import TapeCore

/// Baseline against candidate: per metric, the change of the median and the
/// tail with a bootstrap confidence interval, and a verdict.
///
/// The interval is the 2.5–97.5 % percentile interval of the change over
/// `resamples` bootstrap draws (each set resampled with replacement, tapes as
/// the unit, so the gaps of one tape stay together). The generator is
/// seeded: the same sets and seed give the same figures.
public struct Comparison: Sendable {
    public struct Row: Sendable, Hashable {
        /// `ttft_ms`, `icl_ms`, `drop_off_rate`.
        public var metric: String
        /// p50, p95, p99; nil for a rate.
        public var statistic: Statistic?
        public var baseline: Double?
        public var candidate: Double?
        /// candidate − baseline.
        public var change: Double?
        /// change / baseline (+∞ from a baseline of 0).
        public var relativeChange: Double?
        /// Bounds of the 95 % interval of `change`.
        public var low: Double?
        public var high: Double?
        public var verdict: Verdict
        /// A significant regression larger than the allowed bound.
        public var failsBound: Bool
    }

    public enum Verdict: String, Sendable, Codable {
        case regression, improvement
        case noSignificantChange = "no_significant_change"
        /// Fewer than two samples on a side.
        case insufficientData = "insufficient_data"
    }

    /// What one set contributes: each tape's metrics and whether it succeeded.
    public struct Sample: Sendable {
        public var metrics: TapeMetrics
        public var outcome: EndReason.Outcome

        public init(metrics: TapeMetrics, outcome: EndReason.Outcome) {
            self.metrics = metrics
            self.outcome = outcome
        }
    }

    public static let compared: [Metric] = [.ttft, .ttftUser, .tpot, .e2eLastToken, .e2e]
    public static let statistics: [Statistic] = [.p50, .p95, .p99]

    public var rows: [Row]
    public var resamples: Int
    public var seed: UInt64
    public var maxRegression: Double

    /// True when any row is a significant regression beyond the bound.
    public var fails: Bool { rows.contains(where: \.failsBound) }

    public init(
        baseline: [Sample], candidate: [Sample], maxRegression: Double = 0.10, resamples: Int = 1000, seed: UInt64 = 1
    ) {
        self.resamples = resamples
        self.seed = seed
        self.maxRegression = maxRegression
        var random = SplitMix64(seed: seed)
        var rows: [Row] = []
        let successes = (baseline.filter { $0.outcome == .success }, candidate.filter { $0.outcome == .success })
        for metric in Self.compared {
            let b = Clusters(successes.0.compactMap { metric.value($0.metrics) }.map { [$0] })
            let c = Clusters(successes.1.compactMap { metric.value($0.metrics) }.map { [$0] })
            for statistic in Self.statistics {
                rows.append(Self.row(
                    metric.jsonName, statistic, b, c, resamples: resamples, maxRegression: maxRegression,
                    higherIsWorse: metric.higherIsWorse, random: &random))
            }
        }
        // Gaps pooled over tapes: resample tapes, keep each tape's gaps together.
        let b = Clusters(baseline.map { $0.metrics.icl.map { Double($0) / 1e6 } })
        let c = Clusters(candidate.map { $0.metrics.icl.map { Double($0) / 1e6 } })
        let pooled = b.values.count + c.values.count
        // Bounded work on large sets: at most about 50 M samples drawn in all.
        let iclResamples = min(resamples, max(100, 50_000_000 / max(pooled, 1)))
        for statistic in Self.statistics {
            rows.append(Self.row(
                "icl_ms", statistic, b, c, resamples: iclResamples, maxRegression: maxRegression, higherIsWorse: true,
                random: &random))
        }
        let drops = (
            Clusters(baseline.filter { $0.outcome != .unknown }.map { [$0.outcome == .dropped ? 1.0 : 0.0] }),
            Clusters(candidate.filter { $0.outcome != .unknown }.map { [$0.outcome == .dropped ? 1.0 : 0.0] }))
        rows.append(Self.row(
            "drop_off_rate", .mean, drops.0, drops.1, resamples: resamples, maxRegression: maxRegression,
            higherIsWorse: true, random: &random))
        self.rows = rows
    }

    /// Samples grouped by tape: a bootstrap draw takes whole tapes.
    struct Clusters {
        var values: [Double] = []
        var bounds: [Range<Int>] = []

        init(_ clusters: some Sequence<[Double]>) {
            for cluster in clusters where !cluster.isEmpty {
                bounds.append(values.count..<(values.count + cluster.count))
                values += cluster
            }
        }

        var count: Int { bounds.count }

        /// A draw with replacement of as many tapes, their samples into `buffer`.
        func draw(into buffer: inout [Double], _ random: inout SplitMix64) {
            buffer.removeAll(keepingCapacity: true)
            for _ in 0..<bounds.count { buffer += values[bounds[random.next(below: bounds.count)]] }
        }
    }

    static func statistic(_ s: Statistic, _ values: inout [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        if s == .mean { return values.reduce(0, +) / Double(values.count) }
        return Percentiles.value(at: s.level ?? 1, in: &values, method: .linear)
    }

    static func row(
        _ metric: String, _ s: Statistic, _ base: Clusters, _ cand: Clusters, resamples: Int, maxRegression: Double,
        higherIsWorse: Bool, random: inout SplitMix64
    ) -> Row {
        var buffer = base.values
        let bv = statistic(s, &buffer)
        buffer = cand.values
        let cv = statistic(s, &buffer)
        var row = Row(
            metric: metric, statistic: s == .mean ? nil : s, baseline: bv, candidate: cv, change: nil,
            relativeChange: nil, low: nil, high: nil, verdict: .insufficientData, failsBound: false)
        guard let bv, let cv else { return row }
        let change = cv - bv
        row.change = change
        row.relativeChange = bv != 0 ? change / bv : (change == 0 ? 0 : (change > 0 ? .infinity : -.infinity))
        guard base.count >= 2, cand.count >= 2 else { return row }
        var changes: [Double] = []
        changes.reserveCapacity(resamples)
        for _ in 0..<resamples {
            base.draw(into: &buffer, &random)
            let x = statistic(s, &buffer)
            cand.draw(into: &buffer, &random)
            if let x, let y = statistic(s, &buffer) { changes.append(y - x) }
        }
        row.low = Percentiles.value(at: 0.025, in: &changes, method: .linear)
        row.high = Percentiles.value(at: 0.975, in: &changes, method: .linear)
        guard let low = row.low, let high = row.high else { return row }
        let worse = higherIsWorse ? low > 0 : high < 0
        let better = higherIsWorse ? high < 0 : low > 0
        row.verdict = worse ? .regression : better ? .improvement : .noSignificantChange
        let relative = row.relativeChange ?? 0
        row.failsBound = worse && (higherIsWorse ? relative > maxRegression : -relative > maxRegression)
        return row
    }
}
