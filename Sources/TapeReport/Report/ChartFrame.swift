/// The box of one chart: the SVG element, its plot area, grid and axes.
///
/// Sizes are SVG units of a fixed-width view box; the page scales the whole
/// chart to its column, so text keeps its proportions. Colours are CSS
/// classes (the page's light and dark custom properties), never literals.
struct ChartFrame {
    static let width = 960.0
    let height: Double
    let left: Double
    let right: Double
    let top: Double
    let bottom: Double

    init(height: Double, left: Double = 64, right: Double = 24, top: Double = 12, bottom: Double = 42) {
        self.height = height
        self.left = left
        self.right = Self.width - right
        self.top = top
        self.bottom = height - bottom
    }

    /// `<svg …>` with an id, a class and a label for screen readers.
    func open(id: String? = nil, class className: String, label: String) -> String {
        let idAttribute = id.map { #" id="\#($0)""# } ?? ""
        return #"<svg\#(idAttribute) class="chart \#(className)" viewBox="0 0 \#(coord(Self.width)) \#(coord(height))" "#
            + #"role="img" aria-label="\#(HTMLText.escape(label))">"#
    }

    /// Vertical grid lines and labels under the plot.
    func xAxis(_ scale: ChartScale, title: String, label: (Double) -> String = ReportText.duration) -> String {
        var out = #"<g class="axis x">"#
        for tick in scale.ticks {
            let x = scale(tick)
            out += #"<line class="grid" x1="\#(coord(x))" y1="\#(coord(top))" x2="\#(coord(x))" y2="\#(coord(bottom))"/>"#
            // A label at the right edge would be cut in half: it ends there instead.
            let anchor = x > right - 16 ? "end" : "middle"
            out += #"<text x="\#(coord(x))" y="\#(coord(bottom + 16))" text-anchor="\#(anchor)">\#(HTMLText.escape(label(tick)))</text>"#
        }
        out += #"<line class="frame" x1="\#(coord(left))" y1="\#(coord(bottom))" x2="\#(coord(right))" y2="\#(coord(bottom))"/>"#
        out += #"<text class="title" x="\#(coord((left + right) / 2))" y="\#(coord(height - 4))" text-anchor="middle">\#(HTMLText.escape(title))</text>"#
        return out + "</g>"
    }

    /// Horizontal grid lines and labels left of the plot.
    func yAxis(_ ticks: [Double], _ scale: ChartScale, label: (Double) -> String) -> String {
        var out = #"<g class="axis y">"#
        for tick in ticks {
            let y = scale(tick)
            out += #"<line class="grid" x1="\#(coord(left))" y1="\#(coord(y))" x2="\#(coord(right))" y2="\#(coord(y))"/>"#
            out += #"<text x="\#(coord(left - 6))" y="\#(coord(y + 4))" text-anchor="end">\#(HTMLText.escape(label(tick)))</text>"#
        }
        out += #"<line class="frame" x1="\#(coord(left))" y1="\#(coord(top))" x2="\#(coord(left))" y2="\#(coord(bottom))"/>"#
        return out + "</g>"
    }

    /// One group's line with a point to hover at each of its values.
    func series(_ index: Int, _ name: String, path: String, points: [(x: Double, y: Double, tip: String)]) -> String {
        var out = #"<g class="series \#(ChartPalette.series(index))" data-group="\#(HTMLText.escape(name))">"#
        out += #"<path class="line" d="\#(path)"/>"#
        for point in points {
            out += #"<circle class="point" cx="\#(coord(point.x))" cy="\#(coord(point.y))" r="4">"#
                + "<title>\(HTMLText.escape(point.tip))</title></circle>"
        }
        return out + "</g>"
    }

    /// A message in the middle of an empty plot.
    func message(_ text: String) -> String {
        #"<text class="empty" x="\#(coord((left + right) / 2))" y="\#(coord((top + bottom) / 2))" text-anchor="middle">\#(HTMLText.escape(text))</text>"#
    }
}

/// A coordinate with one decimal: enough for a chart, and a smaller file.
func coord(_ value: Double) -> String {
    let tenths = (value * 10).rounded()
    return tenths.truncatingRemainder(dividingBy: 10) == 0 ? String(Int(tenths / 10)) : String(tenths / 10)
}

/// The colours of series, defined by the page's style (`--s0` … `--s7`).
enum ChartPalette {
    static let count = 8

    /// The colour class of the `index`-th series.
    static func series(_ index: Int) -> String { "s\(index % count)" }
}
