import TapeAnalysis
import TapeCore

/// One tape's token arrivals on a time line from `t_send`: the wait for the
/// first token, a mark per arrival (or per bin of dense ones), stalls as
/// shaded gaps, and how it ended: a red cut for a drop-off.
struct TimelineChart {
    let timeline: ReportTimeline

    /// How a tape's end reads: `reset after the first token`.
    static func ending(_ tape: ReportInput.TapeRow) -> String {
        var text = tape.endReason.rawValue
        switch tape.endPhase {
        case .beforeFirstToken?: text += " before the first token"
        case .afterFirstToken?: text += " after the first token"
        case nil: break
        }
        return text
    }

    func render() -> String {
        let t = timeline
        let frame = ChartFrame(height: 78, top: 18, bottom: 26)
        let latest = [t.end, t.marks.last?.end, t.firstToken].compactMap { $0 }.max() ?? 0
        let x = ChartScale.linear(upTo: latest, from: frame.left, to: frame.right)
        let dropped = t.tape.endReason.outcome != .success
        let name = t.tape.number.map(String.init) ?? t.tape.uid
        var out = frame.open(
            id: "timeline-chart-\(HTMLText.escape(name))", class: "timeline" + (dropped ? " dropped" : ""),
            label: "Token arrivals of tape \(name)")
        out += frame.xAxis(x, title: "")
        let middle = (frame.top + frame.bottom) / 2
        // Stalls first, so the marks on their edges stay on top.
        for stall in t.stalls {
            let tip = "stall: \(ReportText.ms(stall.to - stall.from)) ms without a token after token event \(stall.afterToken) "
                + "(\(ReportText.ms(stall.from)) → \(ReportText.ms(stall.to)) ms)"
            out += #"<rect class="stall" x="\#(coord(x(stall.from)))" y="\#(coord(frame.top))" "#
                + #"width="\#(coord(max(x(stall.to) - x(stall.from), 2)))" height="\#(coord(frame.bottom - frame.top))">"#
                + "<title>\(HTMLText.escape(tip))</title></rect>"
        }
        if let end = t.end {
            out += #"<line class="base" x1="\#(coord(x(0)))" y1="\#(coord(middle))" x2="\#(coord(x(end)))" y2="\#(coord(middle))"/>"#
        }
        if let first = t.firstToken {
            out += #"<line class="wait" x1="\#(coord(x(0)))" y1="\#(coord(middle))" x2="\#(coord(x(first)))" y2="\#(coord(middle))">"#
                + "<title>waiting for the first token: \(ReportText.ms(first)) ms</title></line>"
        }
        let largest = Double(t.marks.map(\.events).max() ?? 1)
        let half = (frame.bottom - frame.top) / 2 - 2
        for mark in t.marks {
            // A bin's height says how many events it holds; a single arrival is a full tick.
            let h = t.binned ? max(half * Double(mark.events) / largest, 3) : half * 0.75
            let left = x(mark.start)
            let width = max(x(mark.end) - left, 1.5)
            let when = mark.start == mark.end
                ? "\(ReportText.ms(mark.start)) ms" : "\(ReportText.ms(mark.start))–\(ReportText.ms(mark.end)) ms"
            let tip = "\(when): \(mark.events) token event\(mark.events == 1 ? "" : "s")"
            out += #"<rect class="mark" x="\#(coord(left))" y="\#(coord(middle - h))" width="\#(coord(width))" "#
                + #"height="\#(coord(2 * h))"><title>\#(tip)</title></rect>"#
        }
        if let first = t.firstToken {
            let cx = x(first)
            out += #"<path class="first" d="M\#(coord(cx)),\#(coord(middle - 9))l6,9l-6,9l-6,-9z">"#
                + "<title>first token at \(ReportText.ms(first)) ms</title></path>"
        }
        if let end = t.end {
            let ex = x(end)
            var tip = "\(Self.ending(t.tape)) at \(ReportText.ms(end)) ms"
            if let detail = t.tape.endDetail, !detail.isEmpty { tip += ": " + String(detail.prefix(300)) }
            if dropped {
                out += #"<g class="cut"><title>\#(HTMLText.escape(tip))</title>"#
                    + #"<line x1="\#(coord(ex))" y1="\#(coord(frame.top - 2))" x2="\#(coord(ex))" y2="\#(coord(frame.bottom))"/>"#
                    + #"<path d="M\#(coord(ex - 5)),\#(coord(middle - 5))l10,10m0,-10l-10,10"/></g>"#
            } else {
                out += #"<line class="end" x1="\#(coord(ex))" y1="\#(coord(middle - 8))" x2="\#(coord(ex))" y2="\#(coord(middle + 8))">"#
                    + "<title>\(HTMLText.escape(tip))</title></line>"
            }
            // The end reason in words above the plot, kept inside the chart.
            let anchor = ex > (frame.left + frame.right) / 2 ? "end" : "start"
            out += #"<text class="ending\#(dropped ? " dropped" : "")" x="\#(coord(ex))" y="\#(coord(frame.top - 5))" "#
                + #"text-anchor="\#(anchor)">\#(HTMLText.escape(t.tape.endReason.rawValue))</text>"#
        }
        if t.events == 0 { out += frame.message("no token") }
        return out + "</svg>"
    }
}
