/// The distribution of time to first token per group, as cumulative curves:
/// how many completed tapes had their first token by time x.
struct CDFChart {
    /// Points per curve at most: quantiles of the samples, never one a tape.
    static let maxPoints = 200
    /// Curves at most; the first is all tapes.
    static let maxCurves = ChartPalette.count

    let groups: [ReportInput.Group]

    /// The empirical CDF of ascending samples at up to `limit` evenly spaced
    /// ranks (the first and the last included): (value, share of samples ≤ it).
    static func points(_ sorted: [Double], limit: Int = maxPoints) -> [(value: Double, share: Double)] {
        let count = sorted.count
        guard count > limit, limit > 1 else {
            return sorted.indices.map { (sorted[$0], Double($0 + 1) / Double(count)) }
        }
        var points: [(value: Double, share: Double)] = []
        var previous = -1
        for i in 0..<limit {
            let rank = Int((Double(i) * Double(count - 1) / Double(limit - 1)).rounded())
            guard rank != previous else { continue }
            points.append((sorted[rank], Double(rank + 1) / Double(count)))
            previous = rank
        }
        return points
    }

    func render() -> String {
        let frame = ChartFrame(height: 300)
        let drawn = Array(groups.filter { !$0.ttft.isEmpty }.prefix(Self.maxCurves))
        let x = ChartScale.time(drawn.flatMap { [$0.ttft.first!, $0.ttft.last!] }, from: frame.left, to: frame.right)
        let y = ChartScale.linear(0, 1, from: frame.bottom, to: frame.top)
        var out = frame.open(id: "ttft-cdf", class: "cdf", label: "Time to first token, cumulative share of completed tapes")
        out += frame.yAxis([0, 0.25, 0.5, 0.75, 0.9, 1], y, label: ReportText.axisPercent)
        out += frame.xAxis(x, title: "time to first token (ttft)" + (x.kind == .log ? ", log scale" : ""))
        if drawn.isEmpty { out += frame.message("no completed tape with a first token") }
        for (index, group) in drawn.enumerated() {
            let points = Self.points(group.ttft)
            // Steps: the share holds until the next sample.
            var path = "M\(coord(x(points[0].value))),\(coord(y(0)))"
            var lastShare = 0.0
            for point in points {
                path += "V\(coord(y(lastShare)))H\(coord(x(point.value)))V\(coord(y(point.share)))"
                lastShare = point.share
            }
            out += frame.series(index, group.name, path: path, points: points.map { point in
                (x(point.value), y(point.share),
                 "\(group.name): \(ReportText.percent(point.share)) of \(group.ttft.count) completed tapes "
                    + "had their first token by \(ReportText.ms(point.value)) ms")
            })
        }
        return out + "</svg>" + Legend.html(drawn.map(\.name), hidden: groups.filter { !$0.ttft.isEmpty }.count - drawn.count)
    }
}
