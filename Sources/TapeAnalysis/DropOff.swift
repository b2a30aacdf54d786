import TapeCore

/// How many streams did not finish as the provider meant, why, when, and what
/// the user had been shown by then (METRICS.md, "Drop-off").
public struct DropOff: Sendable, Hashable {
    /// Tapes whose end is known: successes and drop-offs (not `interrupted`, not still recording).
    public var started: Int
    public var dropped: Int
    /// dropped / started; nil when nothing started.
    public var rate: Double? { started > 0 ? Double(dropped) / Double(started) : nil }
    /// Drop-offs by end reason and phase.
    public var byCause: [Cause]
    /// Kaplan–Meier survival of streams against the time since `t_send`:
    /// a drop-off is an event, a success is censored at its end.
    public var survival: [SurvivalPoint]
    /// Every dropped tape, by tape number.
    public var tapes: [DroppedTape]

    public struct Cause: Sendable, Hashable {
        public var reason: EndReason
        public var beforeFirstToken: Int
        public var afterFirstToken: Int
        public var total: Int { beforeFirstToken + afterFirstToken }
    }

    public struct SurvivalPoint: Sendable, Hashable {
        /// ms after `t_send`.
        public var time: Double
        /// Share of streams still going (not dropped) just after `time`.
        public var survival: Double
        public var atRisk: Int
        public var drops: Int
    }

    public struct DroppedTape: Sendable, Hashable {
        public var number: Int64?
        public var uid: String
        public var reason: EndReason
        public var phase: EndPhase?
        /// ms from `t_send` to the end.
        public var wait: Double?
        public var tokensDelivered: Int
        /// ms from the last token (or `t_send`) to the end: a stall before the drop shows here.
        public var lastGap: Double?
    }

    /// One finished tape as the drop-off figures see it.
    public struct Entry: Sendable, Hashable {
        public var time: Double
        public var dropped: Bool

        public init(time: Double, dropped: Bool) {
            self.time = time
            self.dropped = dropped
        }
    }

    /// The Kaplan–Meier product-limit estimate. At a time where drops and
    /// censorings tie, the censored streams count as still at risk.
    public static func survivalCurve(_ entries: [Entry]) -> [SurvivalPoint] {
        let sorted = entries.sorted { $0.time < $1.time }
        var points: [SurvivalPoint] = []
        var atRisk = sorted.count
        var survival = 1.0
        var i = 0
        while i < sorted.count {
            let time = sorted[i].time
            var drops = 0
            var leaving = 0
            while i < sorted.count, sorted[i].time == time {
                if sorted[i].dropped { drops += 1 }
                leaving += 1
                i += 1
            }
            if drops > 0 {
                survival *= 1 - Double(drops) / Double(atRisk)
                points.append(SurvivalPoint(time: time, survival: survival, atRisk: atRisk, drops: drops))
            }
            atRisk -= leaving
        }
        return points
    }
}
