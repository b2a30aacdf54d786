import Foundation
import TapeCore

/// Gathers tapes one at a time into the figures of a set, keeping only the
/// samples the exact percentiles need (never the tapes themselves).
public struct StatsBuilder: Sendable {
    public let key: [GroupDimension: String]
    public let settings: AnalysisSettings
    private var tapes = 0
    private var successes = 0
    private var unknown = 0
    private var recording = 0
    private var samples: [Metric: [Double]] = [:]
    private var adjusted: [Metric: [Double]] = [:]
    private var icl: [Double] = []
    private var itl: [Double] = []
    private var itlUnknownTapes = 0
    private var histogram = Histogram()
    private var stalls: GroupStats.StallTotals
    private var tokens = 0
    private var windowStart: Date?
    private var windowEnd: Date?
    private var survival: [DropOff.Entry] = []
    private var started = 0
    private var causes: [EndReason: (before: Int, after: Int)] = [:]
    private var dropped: [DropOff.DroppedTape] = []

    public init(key: [GroupDimension: String] = [:], settings: AnalysisSettings = .standard) {
        self.key = key
        self.settings = settings
        stalls = GroupStats.StallTotals(
            threshold: Double(settings.stallThreshold) / 1e6, tapesWithStalls: 0, count: 0, total: 0, longest: nil,
            relativeCount: 0, relativeFactor: settings.relativeStallFactor)
    }

    public mutating func add(_ metadata: TapeMetadata, _ m: TapeMetrics) {
        tapes += 1
        guard let reason = metadata.endReason else {
            recording += 1
            return
        }
        let outcome = reason.outcome
        switch outcome {
        case .success:
            successes += 1
            for metric in Metric.allCases {
                if let v = metric.value(m) { samples[metric, default: []].append(v) }
            }
        case .dropped:
            for metric in Metric.adjusted { adjusted[metric, default: []].append(.infinity) }
        case .unknown:
            unknown += 1
        }
        if outcome == .success {
            for metric in Metric.adjusted {
                if let v = metric.value(m) { adjusted[metric, default: []].append(v) }
            }
        }

        for gap in m.icl {
            let ms = Double(gap) / 1e6
            icl.append(ms)
            histogram.add(ms)
        }
        if let gaps = m.itl {
            itl += gaps.map { $0 / 1e6 }
        } else if m.icl.count > 0 {
            itlUnknownTapes += 1
        }
        if m.stalls.count > 0 { stalls.tapesWithStalls += 1 }
        stalls.count += m.stalls.count
        stalls.total += Double(m.stalls.total) / 1e6
        if let longest = m.stalls.longest {
            stalls.longest = max(stalls.longest ?? 0, Double(longest) / 1e6)
        }
        stalls.relativeCount += m.relativeStalls?.count ?? 0

        if let n = m.outputTokens { tokens += n }
        windowStart = min(windowStart ?? metadata.startedAt, metadata.startedAt)
        if let last = m.e2eLastToken {
            let end = metadata.startedAt.addingTimeInterval(Double(last) / 1e9)
            windowEnd = max(windowEnd ?? end, end)
        }

        guard outcome != .unknown else { return }
        started += 1
        if let e2e = m.e2e { survival.append(DropOff.Entry(time: Double(e2e) / 1e6, dropped: outcome == .dropped)) }
        if outcome == .dropped {
            var cause = causes[reason] ?? (0, 0)
            if metadata.endPhase == .afterFirstToken { cause.after += 1 } else { cause.before += 1 }
            causes[reason] = cause
            dropped.append(DropOff.DroppedTape(
                number: metadata.number, uid: metadata.uid, reason: reason, phase: metadata.endPhase,
                wait: m.e2e.map { Double($0) / 1e6 }, tokensDelivered: m.outputTokens ?? 0,
                lastGap: m.lastGap.map { Double($0) / 1e6 }))
        }
    }

    /// The figures; consumes the samples.
    public consuming func build() -> GroupStats {
        var requestWeighted: [Metric: Percentiles] = [:]
        for (metric, var values) in samples {
            requestWeighted[metric] = Percentiles(selecting: &values, method: .linear)
        }
        samples = [:]
        var adjustedStats: [Metric: Percentiles] = [:]
        for (metric, var values) in adjusted {
            adjustedStats[metric] = Percentiles(selecting: &values, method: .nearestRank)
        }
        adjusted = [:]
        let causes = causes.map { DropOff.Cause(reason: $0.key, beforeFirstToken: $0.value.before, afterFirstToken: $0.value.after) }
            .sorted { ($0.total, $1.reason.rawValue) > ($1.total, $0.reason.rawValue) }
        var throughput: GroupStats.Throughput?
        if let windowStart, let windowEnd {
            throughput = GroupStats.Throughput(tokens: tokens, windowStart: windowStart, windowEnd: windowEnd)
        }
        return GroupStats(
            key: key, tapes: tapes, successes: successes, unknown: unknown, recording: recording,
            requestWeighted: requestWeighted, adjusted: adjustedStats,
            icl: Percentiles(selecting: &icl, method: .linear), itl: Percentiles(selecting: &itl, method: .linear),
            itlUnknownTapes: itlUnknownTapes, iclHistogram: histogram, stalls: stalls, throughput: throughput,
            dropOff: DropOff(
                started: started, dropped: dropped.count, byCause: causes,
                survival: DropOff.survivalCurve(survival), tapes: dropped))
    }
}

/// Stats for all tapes and for each group of the chosen dimensions.
public struct GroupedStats: Sendable {
    public let dimensions: [GroupDimension]
    public let settings: AnalysisSettings
    private var all: StatsBuilder
    private var groups: [[String]: StatsBuilder] = [:]

    public init(by dimensions: [GroupDimension] = [], settings: AnalysisSettings = .standard) {
        self.dimensions = Array(Set(dimensions)).sorted()
        self.settings = settings
        all = StatsBuilder(settings: settings)
    }

    public mutating func add(_ metadata: TapeMetadata, _ metrics: TapeMetrics) {
        all.add(metadata, metrics)
        guard !dimensions.isEmpty else { return }
        // Every combination of the tape's values (a tape with two tags is in two groups).
        var keys: [[String]] = [[]]
        for dimension in dimensions {
            keys = keys.flatMap { prefix in dimension.values(metadata).map { prefix + [$0] } }
        }
        for key in keys {
            if groups[key] == nil {
                groups[key] = StatsBuilder(
                    key: Dictionary(uniqueKeysWithValues: zip(dimensions, key)), settings: settings)
            }
            groups[key]!.add(metadata, metrics)
        }
    }

    /// All tapes first, then the groups in order of their values.
    public consuming func build() -> (all: GroupStats, groups: [GroupStats]) {
        let sortedKeys = groups.keys.sorted { $0.lexicographicallyPrecedes($1) }
        let built = sortedKeys.map { groups.removeValue(forKey: $0)!.build() }
        return (all.build(), built)
    }
}
