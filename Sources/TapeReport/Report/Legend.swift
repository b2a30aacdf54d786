/// The key under a chart: a swatch in each series' colour and its group's name.
enum Legend {
    static func html(_ names: [String], hidden: Int = 0) -> String {
        guard names.count > 1 || hidden > 0 else { return "" }
        var out = #"<ul class="legend">"#
        for (index, name) in names.enumerated() {
            out += #"<li class="\#(ChartPalette.series(index))"><span class="swatch"></span>\#(HTMLText.escape(name))</li>"#
        }
        if hidden > 0 { out += #"<li class="more">\#(hidden) more groups in the summary table</li>"# }
        return out + "</ul>"
    }
}
