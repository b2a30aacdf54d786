import TapeAnalysis

/// The inter-chunk latency histogram (`GroupStats.iclHistogram`): each
/// group's share of its gaps per bucket, side by side, so groups of
/// different sizes compare.
struct HistogramChart {
    let groups: [ReportInput.Group]

    /// A bucket edge as the axis shows it: ms below a second, then seconds.
    static func edge(_ ms: Double) -> String {
        ms < 1000 ? ReportText.trimmed(ms, 0) : ReportText.trimmed(ms / 1000, 1) + " s"
    }

    func render() -> String {
        let frame = ChartFrame(height: 280)
        let drawn = Array(groups.filter { $0.stats.icl.n > 0 }.prefix(ChartPalette.count))
        var out = frame.open(id: "icl-histogram", class: "histogram", label: "Inter-chunk latency histogram")
        let counts = drawn.map(\.stats.iclHistogram.counts)
        let used = Histogram.edges.indices.filter { i in counts.contains { $0[i] > 0 } }
        guard let first = used.first, let last = used.last else {
            out += frame.yAxis([], ChartScale.linear(0, 1, from: frame.bottom, to: frame.top)) { _ in "" }
            return out + frame.message("no gaps between token events") + "</svg>"
        }
        let shares = counts.map { row in
            let total = Double(max(row.reduce(0, +), 1))
            return row.map { Double($0) / total }
        }
        let buckets = Array(first...last)
        let band = (frame.right - frame.left) / Double(buckets.count)
        let y = ChartScale.linear(upTo: shares.flatMap { $0 }.max() ?? 1, from: frame.bottom, to: frame.top)
        out += frame.yAxis(y.ticks, y, label: ReportText.axisPercent)
        out += #"<g class="axis x">"#
        for (position, bucket) in buckets.enumerated() {
            let x = frame.left + Double(position) * band
            out += #"<text x="\#(coord(x))" y="\#(coord(frame.bottom + 16))" text-anchor="middle">\#(Self.edge(Histogram.edges[bucket]))</text>"#
        }
        // The right edge of the last bucket, unless it is the open one.
        if last + 1 < Histogram.edges.count {
            out += #"<text x="\#(coord(frame.right))" y="\#(coord(frame.bottom + 16))" text-anchor="end">\#(Self.edge(Histogram.edges[last + 1]))</text>"#
        }
        out += #"<line class="frame" x1="\#(coord(frame.left))" y1="\#(coord(frame.bottom))" x2="\#(coord(frame.right))" y2="\#(coord(frame.bottom))"/>"#
        out += #"<text class="title" x="\#(coord((frame.left + frame.right) / 2))" y="\#(coord(frame.height - 4))" text-anchor="middle">"#
            + "gap between token events (icl), ms; share of each group’s gaps</text></g>"
        let barWidth = band * 0.8 / Double(drawn.count)
        for (index, group) in drawn.enumerated() {
            out += #"<g class="series \#(ChartPalette.series(index))" data-group="\#(HTMLText.escape(group.name))">"#
            for (position, bucket) in buckets.enumerated() {
                let count = counts[index][bucket]
                guard count > 0 else { continue }
                let x = frame.left + Double(position) * band + band * 0.1 + Double(index) * barWidth
                let top = y(shares[index][bucket])
                let tip = "\(group.name): \(count) gaps of \(Histogram.label(bucket)) ms (\(ReportText.percent(shares[index][bucket])))"
                out += #"<rect class="bar" x="\#(coord(x))" y="\#(coord(top))" width="\#(coord(barWidth))" "#
                    + #"height="\#(coord(max(frame.bottom - top, 1)))"><title>\#(HTMLText.escape(tip))</title></rect>"#
            }
            out += "</g>"
        }
        return out + "</svg>" + Legend.html(drawn.map(\.name), hidden: groups.filter { $0.stats.icl.n > 0 }.count - drawn.count)
    }
}
