import TapeAnalysis

/// The drop-off survival curve per group (`DropOff.survival`, Kaplan–Meier):
/// the share of streams not yet abandoned against the time since `t_send`.
struct SurvivalChart {
    /// Steps drawn per curve at most; a curve with more keeps evenly spaced ones and its last.
    static let maxPoints = 200

    let groups: [ReportInput.Group]

    static func thinned(_ points: [DropOff.SurvivalPoint], limit: Int = maxPoints) -> [DropOff.SurvivalPoint] {
        guard points.count > limit, limit > 1 else { return points }
        let step = Double(points.count - 1) / Double(limit - 1)
        return (0..<limit).map { points[Int((Double($0) * step).rounded())] }
    }

    func render() -> String {
        let frame = ChartFrame(height: 280)
        let drawn = Array(groups.filter { $0.stats.dropOff.started > 0 }.prefix(ChartPalette.count))
        // Out to the longest stream, so a curve that never drops still shows how long it was watched.
        let ends = drawn.flatMap { g in
            [g.stats.requestWeighted[.e2e]?.max, g.stats.dropOff.survival.last?.time].compactMap { $0 }
        }
        let x = ChartScale.linear(upTo: ends.max() ?? 1, from: frame.left, to: frame.right)
        // Drop-off is usually a few percent: start the y axis just below the lowest curve.
        let lowest = drawn.compactMap { $0.stats.dropOff.survival.last?.survival }.min() ?? 1
        let floor = max(0, ((lowest - 0.02) * 20).rounded(.down) / 20)
        let y = ChartScale.linear(floor, 1, from: frame.bottom, to: frame.top)
        var out = frame.open(id: "survival", class: "survival", label: "Drop-off survival curve")
        out += frame.yAxis(y.ticks, y, label: ReportText.axisPercent)
        out += frame.xAxis(x, title: "time since the request was sent; share of streams not abandoned (Kaplan–Meier)")
        if drawn.isEmpty { out += frame.message("no finished tape") }
        for (index, group) in drawn.enumerated() {
            let d = group.stats.dropOff
            let points = Self.thinned(d.survival)
            var path = "M\(coord(x(0))),\(coord(y(1)))"
            for point in points { path += "H\(coord(x(point.time)))V\(coord(y(point.survival)))" }
            path += "H\(coord(frame.right))"
            out += frame.series(index, group.name, path: path, points: points.map { point in
                (x(point.time), y(point.survival),
                 "\(group.name): at \(ReportText.ms(point.time)) ms, \(point.drops) of \(point.atRisk) streams "
                    + "still going dropped; \(ReportText.percent(point.survival)) not abandoned")
            })
        }
        if !drawn.isEmpty, drawn.allSatisfy({ $0.stats.dropOff.dropped == 0 }) {
            out += frame.message("no stream was abandoned")
        }
        return out + "</svg>" + Legend.html(drawn.map(\.name), hidden: groups.filter { $0.stats.dropOff.started > 0 }.count - drawn.count)
    }
}
