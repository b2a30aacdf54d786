import TapeCore

/// When one tape's token events arrived, thinned to at most a fixed number
/// of marks so that thousands of long tapes never make millions of SVG
/// elements. Stalls, the first token and the end stay exact.
public struct ReportTimeline: Sendable, Hashable {
    public var tape: ReportInput.TapeRow
    /// ms after `t_send`.
    public var firstToken: Double?
    public var end: Double?
    /// Token events, in time order: single arrivals, or runs of dense ones merged into one mark.
    public var marks: [Mark]
    public var stalls: [Stall]
    public var events: Int
    /// True when dense arrivals were merged (the marks are bins, not events).
    public var binned: Bool

    /// Token events that arrived in `start...end` ms (one instant for a single read).
    public struct Mark: Sendable, Hashable {
        public var start: Double
        public var end: Double
        public var events: Int
    }

    /// A gap over the stall threshold, ms.
    public struct Stall: Sendable, Hashable {
        public var from: Double
        public var to: Double
        /// Token events delivered before it.
        public var afterToken: Int
    }

    /// - Parameters:
    ///   - tokenTimes: t(E_k), ns after `t_send`, in order.
    ///   - threshold: the stall threshold, ns (a gap longer than it is a stall, as in `TapeMetrics`).
    ///   - maxMarks: at most this many marks; denser arrivals are merged into equal time bins.
    public init(tape: ReportInput.TapeRow, tokenTimes: [Int64], end: Int64?, threshold: Int64, maxMarks: Int) {
        self.tape = tape
        self.end = end.map(Self.ms)
        firstToken = tokenTimes.first.map(Self.ms)
        events = tokenTimes.count
        stalls = Self.stalls(tokenTimes, threshold: threshold)
        // Events completed by one read share their time: one mark.
        var instants: [Mark] = []
        for t in tokenTimes {
            let x = Self.ms(t)
            if let last = instants.last, last.start == x {
                instants[instants.count - 1].events += 1
            } else {
                instants.append(Mark(start: x, end: x, events: 1))
            }
        }
        guard instants.count > maxMarks, let first = instants.first, let last = instants.last else {
            marks = instants
            binned = false
            return
        }
        binned = true
        let width = (last.start - first.start) / Double(max(maxMarks, 1))
        var bins: [Mark] = []
        var binIndex = -1
        for mark in instants {
            let index = min(Int((mark.start - first.start) / width), maxMarks - 1)
            if index == binIndex {
                bins[bins.count - 1].end = mark.start
                bins[bins.count - 1].events += mark.events
            } else {
                bins.append(mark)
                binIndex = index
            }
        }
        marks = bins
    }

    /// Every gap over `threshold` between consecutive token events.
    public static func stalls(_ tokenTimes: [Int64], threshold: Int64) -> [Stall] {
        guard tokenTimes.count > 1 else { return [] }
        var stalls: [Stall] = []
        for k in 1..<tokenTimes.count where tokenTimes[k] - tokenTimes[k - 1] > threshold {
            stalls.append(Stall(from: ms(tokenTimes[k - 1]), to: ms(tokenTimes[k]), afterToken: k))
        }
        return stalls
    }

    static func ms(_ ns: Int64) -> Double { Double(ns) / 1e6 }
}
