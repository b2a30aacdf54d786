import Foundation

/// Maps values onto one side of a chart (SVG units), with ticks at round values.
struct ChartScale {
    enum Kind { case linear, log }

    let kind: Kind
    let low: Double
    let high: Double
    /// Where `low` and `high` land; `from > to` for a y axis that grows upwards.
    let from: Double
    let to: Double

    /// Linear from 0 to a round value at or above `max`.
    static func linear(upTo max: Double, from: Double, to: Double) -> ChartScale {
        // A little room, so the largest value does not sit on the frame.
        let top = max > 0 && max.isFinite ? max * 1.02 : 1
        let step = niceStep(top / 6)
        return ChartScale(kind: .linear, low: 0, high: (top / step).rounded(.up) * step, from: from, to: to)
    }

    /// Linear over exactly `low...high`.
    static func linear(_ low: Double, _ high: Double, from: Double, to: Double) -> ChartScale {
        ChartScale(kind: .linear, low: low, high: high > low ? high : low + 1, from: from, to: to)
    }

    /// Times in ms: logarithmic when they span more than two decades (a few slow
    /// outliers would otherwise squash everything else into the first tick), else linear from 0.
    static func time(_ values: some Sequence<Double>, from: Double, to: Double) -> ChartScale {
        var smallest = Double.infinity
        var largest = 0.0
        for v in values where v.isFinite {
            if v > 0 { smallest = min(smallest, v) }
            largest = max(largest, v)
        }
        guard largest > 0, smallest.isFinite, largest / smallest > 100 else {
            return linear(upTo: largest, from: from, to: to)
        }
        return ChartScale(
            kind: .log, low: pow(10, log10(smallest).rounded(.down)), high: pow(10, log10(largest).rounded(.up)), from: from,
            to: to)
    }

    /// The position of `value`, clamped into the chart.
    func callAsFunction(_ value: Double) -> Double {
        let share: Double
        switch kind {
        case .linear: share = high > low ? (value - low) / (high - low) : 0
        case .log: share = (log10(max(value, low)) - log10(low)) / (log10(high) - log10(low))
        }
        return from + min(max(share, 0), 1) * (to - from)
    }

    /// Round values across the domain.
    var ticks: [Double] {
        switch kind {
        case .linear:
            let step = Self.niceStep((high - low) / 6)
            let first = (low / step).rounded(.up) * step
            return stride(from: first, through: high + step / 1000, by: step).map { $0 }
        case .log:
            let decades = Int(log10(high / low).rounded())
            let multiples: [Double] = decades <= 3 ? [1, 2, 5] : [1]
            var ticks: [Double] = []
            var decade = low
            while decade <= high * 1.0001 {
                for m in multiples where decade * m <= high * 1.0001 { ticks.append(decade * m) }
                decade *= 10
            }
            return ticks
        }
    }

    /// 1, 2 or 5 times a power of ten, at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let power = pow(10, log10(raw).rounded(.down))
        for m in [1.0, 2, 5, 10] where m * power >= raw * 0.999 { return m * power }
        return 10 * power
    }
}
