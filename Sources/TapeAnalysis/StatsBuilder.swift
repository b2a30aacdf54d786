import Foundation
import TapeCore

/// Gathers tapes one at a time into the figures of a set, keeping only the
/// samples the exact percentiles need (never the tapes themselves).
///
/// Request-weighted figures keep one sample per tape. The pooled gaps are
/// too many to keep, so their exact percentiles take more passes: after the
/// first (`add`), while `needsPass`, call `addGaps` for the same tapes and
/// then `endPass()`. `stats(_:)` does it all for tapes held in memory.
public struct StatsBuilder: Sendable {
    public let key: [GroupDimension: String]
    public let settings: AnalysisSettings
    private var tapes = 0
    private var successes = 0
    private var unknown = 0
    private var recording = 0
    private var samples: [Metric: [Double]] = [:]
    private var adjusted: [Metric: [Double]] = [:]
    private var icl = PooledPercentiles()
    private var itl = PooledPercentiles()
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

        for gap in m.icl { histogram.add(Double(gap) / 1e6) }
        addGaps(icl: m.icl, itl: m.itl)
        if m.itl == nil, m.icl.count > 0 { itlUnknownTapes += 1 }
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

    /// True while the pooled gaps need another pass.
    public var needsPass: Bool { icl.needsPass || itl.needsPass }

    /// A tape's gaps again, in a later pass (ns, as in `TapeMetrics`).
    public mutating func addGaps(icl gaps: [Int64], itl spread: [Double]?) {
        icl.add(gaps.lazy.map { Double($0) / 1e6 })
        if let spread { itl.add(spread.lazy.map { $0 / 1e6 }) }
    }

    public mutating func endPass() {
        icl.endPass()
        itl.endPass()
    }

    /// Takes in another builder that saw other tapes in the same pass (one
    /// share of the tapes per thread). In a later pass only the pooled gaps
    /// move: everything else was taken in the first.
    public mutating func merge(_ other: StatsBuilder, firstPass: Bool) {
        icl.merge(other.icl)
        itl.merge(other.itl)
        guard firstPass else { return }
        tapes += other.tapes
        successes += other.successes
        unknown += other.unknown
        recording += other.recording
        for (metric, values) in other.samples { samples[metric, default: []] += values }
        for (metric, values) in other.adjusted { adjusted[metric, default: []] += values }
        itlUnknownTapes += other.itlUnknownTapes
        for i in histogram.counts.indices { histogram.counts[i] += other.histogram.counts[i] }
        stalls.tapesWithStalls += other.stalls.tapesWithStalls
        stalls.count += other.stalls.count
        stalls.total += other.stalls.total
        if let theirs = other.stalls.longest { stalls.longest = max(stalls.longest ?? theirs, theirs) }
        stalls.relativeCount += other.stalls.relativeCount
        tokens += other.tokens
        if let theirs = other.windowStart { windowStart = min(windowStart ?? theirs, theirs) }
        if let theirs = other.windowEnd { windowEnd = max(windowEnd ?? theirs, theirs) }
        survival += other.survival
        started += other.started
        for (reason, count) in other.causes {
            let mine = causes[reason] ?? (0, 0)
            causes[reason] = (mine.before + count.before, mine.after + count.after)
        }
        dropped = (dropped + other.dropped).sorted { ($0.number ?? 0) < ($1.number ?? 0) }
    }

    /// The figures of tapes held in memory, passes included.
    public static func stats(_ tapes: [(TapeMetadata, TapeMetrics)], settings: AnalysisSettings = .standard) -> GroupStats {
        var builder = StatsBuilder(settings: settings)
        for (metadata, metrics) in tapes { builder.add(metadata, metrics) }
        builder.endPass()
        while builder.needsPass {
            // The same tapes as the first pass: it skipped those still recording.
            for (metadata, metrics) in tapes where metadata.endReason != nil {
                builder.addGaps(icl: metrics.icl, itl: metrics.itl)
            }
            builder.endPass()
        }
        return builder.build()
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
            icl: icl.percentiles(), itl: itl.percentiles(),
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
        // A tape with two tags is in two groups.
        for key in keys(metadata) {
            if groups[key] == nil {
                groups[key] = StatsBuilder(
                    key: Dictionary(uniqueKeysWithValues: zip(dimensions, key)), settings: settings)
            }
            groups[key]!.add(metadata, metrics)
        }
    }

    public var needsPass: Bool { all.needsPass || groups.values.contains { $0.needsPass } }

    /// A tape's gaps again, in a later pass, to its groups.
    public mutating func addGaps(_ metadata: TapeMetadata, icl: [Int64], itl: [Double]?) {
        all.addGaps(icl: icl, itl: itl)
        for key in keys(metadata) { groups[key]?.addGaps(icl: icl, itl: itl) }
    }

    public mutating func endPass() {
        all.endPass()
        for key in Array(groups.keys) { groups[key]!.endPass() }
    }

    /// Takes in another share of the tapes seen in the same pass (see `StatsBuilder.merge`).
    public mutating func merge(_ other: GroupedStats, firstPass: Bool) {
        all.merge(other.all, firstPass: firstPass)
        for (key, theirs) in other.groups {
            if groups[key] == nil, firstPass {
                groups[key] = theirs
            } else {
                groups[key]?.merge(theirs, firstPass: firstPass)
            }
        }
    }

    /// The group keys of a tape: every combination of its values.
    private func keys(_ metadata: TapeMetadata) -> [[String]] {
        GroupDimension.keys(metadata, by: dimensions)
    }

    /// All tapes first, then the groups in order of their values.
    public consuming func build() -> (all: GroupStats, groups: [GroupStats]) {
        let sortedKeys = groups.keys.sorted { $0.lexicographicallyPrecedes($1) }
        let built = sortedKeys.map { groups.removeValue(forKey: $0)!.build() }
        return (all.build(), built)
    }
}
