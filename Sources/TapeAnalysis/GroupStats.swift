import Foundation
import TapeCore

/// The figures of a set of tapes (METRICS.md, "Across tapes").
public struct GroupStats: Sendable, Hashable {
    /// What the group shares, e.g. `["model": "gpt-4o"]`; empty for all tapes.
    public var key: [GroupDimension: String]
    public var tapes: Int
    /// Tapes that ended as the provider meant (completed, length, filtered).
    public var successes: Int
    /// Tapes whose recorder died (`interrupted`): neither success nor drop-off.
    public var unknown: Int
    /// Tapes still being recorded: not analysed.
    public var recording: Int
    /// Request-weighted, one sample a successful tape, linear interpolation.
    public var requestWeighted: [Metric: Percentiles]
    /// Failure-adjusted twins (`adj_`): a dropped tape counts as +∞; nearest rank.
    public var adjusted: [Metric: Percentiles]
    /// Token-weighted: every gap of every tape pooled, whatever its end.
    public var icl: Percentiles
    /// Token-weighted itl over the tapes whose token split is known.
    public var itl: Percentiles
    /// Tapes with a token split unknown, left out of `itl`.
    public var itlUnknownTapes: Int
    public var iclHistogram: Histogram
    public var stalls: StallTotals
    public var throughput: Throughput?
    public var dropOff: DropOff

    public struct StallTotals: Sendable, Hashable {
        /// The absolute threshold, ms.
        public var threshold: Double
        public var tapesWithStalls: Int
        public var count: Int
        /// ms.
        public var total: Double
        /// ms.
        public var longest: Double?
        /// Gaps over the relative threshold (factor × each tape's median gap).
        public var relativeCount: Int
        public var relativeFactor: Double
    }

    /// Σ N over an explicit window: from the first `t_send` to the last token.
    public struct Throughput: Sendable, Hashable {
        public var tokens: Int
        public var windowStart: Date
        public var windowEnd: Date
        public var tokensPerSecond: Double? {
            let seconds = windowEnd.timeIntervalSince(windowStart)
            return seconds > 0 ? Double(tokens) / seconds : nil
        }
    }
}

/// Gap counts on fixed edges, ms; the last bucket is open.
public struct Histogram: Sendable, Hashable {
    public static let edges: [Double] = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]
    public var counts: [Int] = Array(repeating: 0, count: edges.count)

    public init() {}

    public mutating func add(_ ms: Double) {
        var index = Self.edges.count - 1
        while index > 0, ms < Self.edges[index] { index -= 1 }
        counts[index] += 1
    }

    /// The label of bucket `i`: `20–50` or `≥ 5000`.
    public static func label(_ i: Int) -> String {
        func text(_ x: Double) -> String { String(Int(x)) }
        return i == edges.count - 1 ? "≥ \(text(edges[i]))" : "\(text(edges[i]))–\(text(edges[i + 1]))"
    }
}

/// What tapes can be grouped by.
public enum GroupDimension: String, Sendable, CaseIterable, Codable, Comparable {
    case tag, model, provider

    public static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// The values a tape takes; a tape with several tags is in several groups.
    func values(_ metadata: TapeMetadata) -> [String] {
        switch self {
        case .tag: metadata.tags.isEmpty ? ["(untagged)"] : metadata.tags
        case .model: [metadata.model ?? "(unknown)"]
        case .provider: [metadata.provider?.rawValue ?? "(unknown)"]
        }
    }

    /// The group keys of a tape under `dimensions` (sorted, no repeats): every
    /// combination of its values; none when there is no dimension.
    public static func keys(_ metadata: TapeMetadata, by dimensions: [GroupDimension]) -> [[String]] {
        guard !dimensions.isEmpty else { return [] }
        var keys: [[String]] = [[]]
        for dimension in dimensions {
            keys = keys.flatMap { prefix in dimension.values(metadata).map { prefix + [$0] } }
        }
        return keys
    }
}
