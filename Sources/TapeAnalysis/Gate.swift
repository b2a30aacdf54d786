/// A bound one figure of a set of tapes must keep, for CI: `ttft.p95 <= 800 ms`.
public struct Gate: Sendable, Hashable, CustomStringConvertible {
    /// What a gate measures.
    public enum Subject: Sendable, Hashable {
        /// A request-weighted metric; `adjusted` takes its `adj_` twin.
        case request(Metric, adjusted: Bool)
        /// Token-weighted gaps.
        case icl, itl
        /// The drop-off rate, 0…1.
        case dropOff

        /// Parses `ttft`, `adj_ttft`, `icl`, `drop_off`.
        public init?(name: String) {
            let name = name.replacingOccurrences(of: "-", with: "_")
            switch name {
            case "icl": self = .icl
            case "itl": self = .itl
            case "drop_off", "dropoff": self = .dropOff
            default:
                let adjusted = name.hasPrefix("adj_")
                guard let metric = Metric(rawValue: adjusted ? String(name.dropFirst(4)) : name),
                    !adjusted || Metric.adjusted.contains(metric)
                else { return nil }
                self = .request(metric, adjusted: adjusted)
            }
        }

        public var name: String {
            switch self {
            case .request(let m, let adjusted): (adjusted ? "adj_" : "") + m.rawValue
            case .icl: "icl"
            case .itl: "itl"
            case .dropOff: "drop_off"
            }
        }

        public var unit: Metric.Unit {
            switch self {
            case .request(let m, _): m.unit
            case .icl, .itl: .ms
            case .dropOff: .share
            }
        }

        /// Every name a gate accepts, for help and errors.
        public static var names: [String] {
            Metric.allCases.map(\.rawValue) + Metric.adjusted.map { "adj_" + $0.rawValue } + ["icl", "itl", "drop_off"]
        }
    }

    public var subject: Subject
    /// nil for the drop-off rate.
    public var statistic: Statistic?
    /// In the subject's unit (ms, tok/s, tokens, share 0…1).
    public var bound: Double
    /// `<=` when true, `>=` when false.
    public var atMost: Bool

    public init(_ subject: Subject, _ statistic: Statistic?, atMost: Bool = true, _ bound: Double) {
        self.subject = subject
        self.statistic = subject == .dropOff ? nil : statistic
        self.bound = bound
        self.atMost = atMost
    }

    public var description: String {
        subject.name + (statistic.map { ".\($0.rawValue)" } ?? "") + (atMost ? " <= " : " >= ")
    }

    /// The measured figure; nil when the set has no sample for it.
    public func measure(_ stats: GroupStats) -> Double? {
        let distribution: Percentiles?
        switch subject {
        case .request(let metric, let adjusted):
            distribution = adjusted ? stats.adjusted[metric] : stats.requestWeighted[metric]
        case .icl: distribution = stats.icl
        case .itl: distribution = stats.itl
        case .dropOff: return stats.dropOff.rate
        }
        return statistic.flatMap { distribution?.value($0) }
    }

    /// Whether the set keeps the bound; a figure that cannot be measured fails.
    public func passes(_ stats: GroupStats) -> Bool {
        guard let value = measure(stats) else { return false }
        return atMost ? value <= bound : value >= bound
    }
}
