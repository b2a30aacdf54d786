import Foundation
import TapeCore

/// Every per-tape metric of METRICS.md. Times are ns after `t_send`; a metric
/// the tape cannot define is nil, never 0.
public struct TapeMetrics: Sendable, Hashable {
    public var ttfb: Int64?
    public var ttfc: Int64?
    /// The headline: the first token-bearing event (role-only chunks do not count).
    public var ttft: Int64?
    /// The first content or tool call, what a UI that hides reasoning shows.
    public var ttfo: Int64?
    /// ttft counted from when the request was meant to go (client queueing included).
    public var ttftUser: Int64?
    public var setup: Int64?
    public var e2eLastToken: Int64?
    public var e2e: Int64?
    /// ns per output token after the first event.
    public var tpot: Double?
    /// Tokens per second after the first event.
    public var decodeRate: Double?
    public var outputTokens: Int?
    public var tokenSource: TokenTimeline.TokenSource?
    public var reasoningTokens: Int?
    /// Token-bearing events.
    public var tokenEvents: Int
    /// Gaps between consecutive token-bearing events (zero gaps kept).
    public var icl: [Int64]
    /// Each gap spread over the tokens of its event; nil when the split is unknown.
    public var itl: [Double]?
    /// Gaps longer than the absolute threshold.
    public var stalls: Stalls
    /// Gaps longer than the relative factor times the median gap; nil when the median is 0 or undefined.
    public var relativeStalls: Stalls?
    public var fluidity: Fluidity?
    public var endReason: EndReason?
    public var endPhase: EndPhase?
    /// From the last token-bearing event (or `t_send` when there was none) to the end.
    public var lastGap: Int64?

    /// Gaps above a threshold.
    public struct Stalls: Sendable, Hashable {
        public var threshold: Int64
        public var count: Int
        public var total: Int64
        public var longest: Int64?
        /// Token-bearing events delivered before the first stall (it is the gap after E_k).
        public var firstTokenIndex: Int?

        init(gaps: [Int64], threshold: Int64) {
            self.threshold = threshold
            count = 0
            total = 0
            for (index, gap) in gaps.enumerated() where gap > threshold {
                if count == 0 { firstTokenIndex = index + 1 }
                count += 1
                total += gap
                longest = max(longest ?? gap, gap)
            }
        }
    }

    /// How well the stream kept ahead of a reader at V tokens/s: token i is due
    /// at t(E_1) + (i − 1)/V.
    public struct Fluidity: Sendable, Hashable {
        public var readingRate: Double
        /// Share of tokens that arrived by their deadline, 0…1.
        public var onTime: Double
        /// Sum over tokens of how late each arrived, ns.
        public var lateness: Int64
        /// `tokens` when the token split is known, else `events` (each event counted as one).
        public var unit: String
    }

    public init(metadata: TapeMetadata, timeline: TokenTimeline, settings: AnalysisSettings = .standard) {
        let times = timeline.tokenTimes
        let first = times.first
        let last = times.last
        ttfb = timeline.firstByte
        ttfc = timeline.firstEvent
        ttft = first
        ttfo = timeline.firstOutput
        ttftUser = first.map { $0 - min(metadata.tSched ?? 0, 0) }
        setup = metadata.tHeaders
        e2eLastToken = last
        e2e = metadata.tEnd
        let tokens = timeline.outputTokens
        outputTokens = tokens?.count
        tokenSource = tokens?.source
        reasoningTokens = timeline.usage?.reasoning
        tokenEvents = times.count
        endReason = metadata.endReason
        endPhase = metadata.endPhase
        lastGap = metadata.tEnd.map { $0 - (last ?? 0) }

        if let first, let last, let n = tokens?.count {
            let n1 = timeline.tokensPerEvent?.first ?? 1
            if n - n1 >= 1 {
                let perToken = Double(last - first) / Double(n - n1)
                tpot = perToken
                decodeRate = perToken > 0 ? 1e9 / perToken : nil
            }
        }

        let (gaps, spread) = Self.gaps(timeline)
        icl = gaps
        itl = spread
        stalls = Stalls(gaps: gaps, threshold: settings.stallThreshold)
        if let median = Self.median(gaps), median > 0 {
            // Clamped: a huge factor means no gap is a stall, not an overflow.
            relativeStalls = Stalls(gaps: gaps, threshold: Int64(min((median * settings.relativeStallFactor).rounded(.down), 9e18)))
        }
        fluidity = Self.fluidity(times: times, split: timeline.tokensPerEvent, rate: settings.readingRate)

        // Unknown read times: counts stand, every figure of time is undefined (not 0).
        if !metadata.timed {
            (ttfb, ttfc, ttft, ttfo, ttftUser, setup, e2eLastToken, e2e, lastGap) = (nil, nil, nil, nil, nil, nil, nil, nil, nil)
            (tpot, decodeRate, itl, relativeStalls, fluidity) = (nil, nil, nil, nil, nil)
            icl = []
            stalls = Stalls(gaps: [], threshold: settings.stallThreshold)
        }
    }

    /// The tape's metrics, decoded from its chunks.
    public init(tape: Tape, settings: AnalysisSettings = .standard) {
        self.init(metadata: tape.metadata, timeline: tape.timeline(), settings: settings)
    }

    /// The itl split is known: every token-bearing event's token count.
    public var itlKnown: Bool { itl != nil }

    /// icl, and itl where the token split is known: what the pooled
    /// figures take from a tape, without the rest of its metrics.
    public static func gaps(_ timeline: TokenTimeline) -> (icl: [Int64], itl: [Double]?) {
        let times = timeline.tokenTimes
        let icl = times.count < 2 ? [] : (1..<times.count).map { times[$0] - times[$0 - 1] }
        guard let split = timeline.tokensPerEvent, split.count == times.count else { return (icl, nil) }
        return (icl, icl.indices.map { Double(icl[$0]) / Double(split[$0 + 1]) })
    }

    static func median(_ values: [Int64]) -> Double? {
        guard !values.isEmpty else { return nil }
        var copy = values
        let mid = copy.count / 2
        Percentiles.quickselect(&copy, mid, 0, copy.count - 1)
        guard copy.count % 2 == 0 else { return Double(copy[mid]) }
        // The lower middle is the largest of what selection left below.
        return (Double(copy[..<mid].max()!) + Double(copy[mid])) / 2
    }

    static func fluidity(times: [Int64], split: [Int]?, rate: Double) -> Fluidity? {
        guard let start = times.first, rate > 0 else { return nil }
        let useSplit = split.map { $0.count == times.count } ?? false
        var index = 0
        var onTime = 0
        // In Double: a tiny reading rate puts deadlines beyond Int64.
        var lateness = 0.0
        for (k, arrival) in times.enumerated() {
            let count = useSplit ? split![k] : 1
            for _ in 0..<count {
                let deadline = Double(start) + (Double(index) / rate * 1e9).rounded()
                if Double(arrival) <= deadline { onTime += 1 } else { lateness += Double(arrival) - deadline }
                index += 1
            }
        }
        return Fluidity(
            readingRate: rate, onTime: Double(onTime) / Double(max(index, 1)), lateness: Int64(min(lateness, 9e18)),
            unit: useSplit ? "tokens" : "events")
    }
}
