import Foundation
import TapeAnalysis
import TapeCore

/// A report as one self-contained HTML page: style inline, charts as inline
/// SVG, no script and nothing to fetch, so it opens from disk anywhere.
/// Every text that comes from tapes is escaped.
public enum HTMLReport {
    public static func render(_ input: ReportInput) -> String {
        var page = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="tokentape">
            <title>tokentape report · \(input.groups.first?.stats.tapes ?? 0) tapes</title>
            <style>\(ReportStyle.css)</style>
            </head><body><main>

            """
        page += header(input)
        if input.isEmpty {
            page += """
                <section id="empty"><h2>No tapes match</h2>
                <p>The selection (\(HTMLText.escape(input.header.selection))) found no tape in \
                <code>\(HTMLText.escape(input.header.storeName))</code>.</p>
                <p>Record some: <code>tokentape demo</code> records 12 streams with no network and no key; \
                <code>tokentape record</code> and <code>tokentape proxy</code> record real ones. Then run \
                <code>tokentape report</code> again.</p></section>

                """
        } else {
            page += summary(input)
            page += section(
                "ttft", "Time to first token",
                "Share of completed tapes that had their first token by each time (one sample per tape; "
                    + "dropped tapes are in the drop-off curve).", CDFChart(groups: input.groups).render())
            page += section(
                "icl", "Inter-chunk latency",
                "Every gap between consecutive token events of every tape, pooled (token-weighted).",
                HistogramChart(groups: input.groups).render())
            page += section(
                "drop-off", "Drop-off", dropOffText(input.groups[0].stats.dropOff),
                SurvivalChart(groups: input.groups).render())
            page += stallList(input)
            page += tapes(input)
        }
        page += """
            <footer>Made by tokentape. Every figure is defined in METRICS.md: request-weighted percentiles take one \
            sample per completed tape (linear interpolation); token-weighted ones pool every gap. \
            Hover a point, bar or mark for its numbers.</footer>
            </main></body></html>

            """
        return page
    }

    static func header(_ input: ReportInput) -> String {
        let h = input.header
        let all = input.groups.first?.stats
        var facts: [(String, String)] = [
            ("selection", HTMLText.escape(h.selection)),
            ("store", "<code>\(HTMLText.escape(h.storeName))</code>"),
        ]
        if let first = h.firstStart, let last = h.lastStart {
            let span = last.timeIntervalSince(first)
            facts.append((
                "recorded",
                "\(ReportText.date(first)) – \(ReportText.date(last)) (\(ReportText.duration(span * 1000)))"
            ))
        }
        if !h.dimensions.isEmpty { facts.append(("grouped by", h.dimensions.map(\.rawValue).joined(separator: " × "))) }
        let s = h.settings
        facts.append((
            "settings",
            "stall: a gap over \(ReportText.duration(Double(s.stallThreshold) / 1e6)) "
                + "(relative: over \(ReportText.trimmed(s.relativeStallFactor, 2))× the tape’s median gap); "
                + "reading rate \(ReportText.trimmed(s.readingRate, 2)) tokens/s"
        ))
        if input.untimed > 0 {
            facts.append((
                "untimed",
                "\(input.untimed) tape\(input.untimed == 1 ? "" : "s") without read times (imported bodies): "
                    + "counted, but left out of every time chart and figure"
            ))
        }
        if let all, all.recording > 0 { facts.append(("recording", "\(all.recording) tapes still being recorded: not counted")) }
        facts.append(("generated", ReportText.date(h.generatedAt)))
        var out = "<header><h1>tokentape report</h1>"
        if let all {
            out += #"<p class="lede">\#(all.tapes) tapes · \#(all.successes) completed · \#(all.dropOff.dropped) dropped"#
            if all.unknown > 0 { out += " · \(all.unknown) interrupted" }
            out += "</p>"
        }
        out += #"<dl class="facts">"#
        for (name, value) in facts { out += "<dt>\(name)</dt><dd>\(value)</dd>" }
        return out + "</dl></header>\n"
    }

    static func section(_ id: String, _ title: String, _ text: String, _ body: String) -> String {
        #"<section id="\#(id)"><h2>\#(title)</h2><p class="note">\#(HTMLText.escape(text))</p>"# + body + "</section>\n"
    }

    /// A cell of a number, with its exact value for scripts and tests.
    static func cell(_ metric: String, _ value: Double?, _ text: String? = nil) -> String {
        #"<td class="num" data-metric="\#(metric)" data-value="\#(ReportText.exact(value))">\#(text ?? ReportText.ms(value))</td>"#
    }

    static func summary(_ input: ReportInput) -> String {
        var out = #"<section id="summary"><h2>Summary</h2><p class="note">Times in ms from the request being sent. "#
            + "ttft, tpot and e2e: one sample per completed tape (n = how many define it); icl: every gap pooled. "
            + #"Drop-off: tapes that did not finish as the provider meant, of those whose end is known.</p>"#
        out += #"<div class="scroll"><table id="summary-table"><thead><tr><th rowspan="2">group</th><th rowspan="2" class="num">tapes</th>"#
            + #"<th colspan="4">ttft ms</th><th>tpot ms</th><th colspan="3">icl ms</th><th colspan="2">e2e ms</th>"#
            + #"<th colspan="3">stalls</th><th rowspan="2" class="num">drop-off</th></tr><tr>"#
        for name in ["n", "p50", "p90", "p99", "p50", "n", "p50", "p99", "p50", "p90", "tapes", "count", "longest ms"] {
            out += #"<th class="num">\#(name)</th>"#
        }
        out += "</tr></thead><tbody>"
        for group in input.groups {
            let g = group.stats
            let ttft = g.requestWeighted[.ttft]
            let d = g.dropOff
            out += #"<tr data-group="\#(HTMLText.escape(group.name))"><th>\#(HTMLText.escape(group.name))</th>"#
            out += #"<td class="num" data-metric="tapes" data-value="\#(g.tapes)">\#(g.tapes)</td>"#
            out += #"<td class="num" data-metric="ttft_n" data-value="\#(ttft?.n ?? 0)">\#(ttft?.n ?? 0)</td>"#
            out += cell("ttft_p50_ms", ttft?.p50) + cell("ttft_p90_ms", ttft?.p90) + cell("ttft_p99_ms", ttft?.p99)
            out += cell("tpot_p50_ms", g.requestWeighted[.tpot]?.p50)
            out += #"<td class="num" data-metric="icl_n" data-value="\#(g.icl.n)">\#(g.icl.n)</td>"#
            out += cell("icl_p50_ms", g.icl.p50) + cell("icl_p99_ms", g.icl.p99)
            out += cell("e2e_p50_ms", g.requestWeighted[.e2e]?.p50) + cell("e2e_p90_ms", g.requestWeighted[.e2e]?.p90)
            out += #"<td class="num" data-metric="stalled_tapes" data-value="\#(g.stalls.tapesWithStalls)">\#(g.stalls.tapesWithStalls)</td>"#
            out += #"<td class="num" data-metric="stalls" data-value="\#(g.stalls.count)">\#(g.stalls.count)</td>"#
            out += cell("stall_longest_ms", g.stalls.longest)
            out += cell("drop_off_rate", d.rate, d.rate.map { "\(ReportText.percent($0)) (\(d.dropped)/\(d.started))" } ?? "–")
            out += "</tr>"
        }
        out += "</tbody></table></div>"
        // Causes are long: beside the table they would stretch every row.
        let dropping = input.groups.filter { $0.stats.dropOff.dropped > 0 }
        if !dropping.isEmpty {
            out += #"<ul id="drop-off-causes" class="note">"#
            for group in dropping {
                out += "<li>drop-off in \(HTMLText.escape(group.name)): \(HTMLText.escape(causes(group.stats.dropOff)))</li>"
            }
            out += "</ul>"
        }
        return out + "</section>\n"
    }

    static func causes(_ d: DropOff) -> String {
        guard !d.byCause.isEmpty else { return d.started > 0 ? "none" : "–" }
        return d.byCause.map { c in
            "\(c.reason.rawValue) \(c.total) (\(c.beforeFirstToken) before first token, \(c.afterFirstToken) after)"
        }.joined(separator: ", ")
    }

    static func dropOffText(_ d: DropOff) -> String {
        guard let rate = d.rate else { return "No finished tape." }
        var text = "\(ReportText.percent(rate)) of streams were abandoned (\(d.dropped) of \(d.started))"
        if !d.byCause.isEmpty { text += ": " + causes(d) }
        return text + ". Each step down is a drop-off; completed streams leave the count at their end without one."
    }

    static func stallList(_ input: ReportInput) -> String {
        let threshold = ReportText.duration(Double(input.header.settings.stallThreshold) / 1e6)
        var out = #"<section id="stalls"><h2>Stalls</h2><p class="note">Gaps between token events over \#(threshold), "#
            + "longest first.</p>"
        guard input.stallCount > 0 else { return out + #"<p id="no-stalls">No stall in these tapes.</p></section>"# + "\n" }
        let drawn = Set(input.timelines.map(\.tape.uid))
        out += #"<div class="scroll"><table id="stall-list"><thead><tr><th>tape</th><th class="num">at ms</th>"#
            + #"<th class="num">length ms</th><th class="num">after token event</th></tr></thead><tbody>"#
        for stall in input.stalls {
            let name = stall.number.map { "#\($0)" } ?? stall.uid
            out += #"<tr><td title="\#(HTMLText.escape(stall.uid))">\#(link(name, stall.uid, drawn))</td>"#
                + cell("stall_at_ms", stall.at) + cell("stall_length_ms", stall.length)
                + #"<td class="num">\#(stall.afterToken)</td></tr>"#
        }
        out += "</tbody></table></div>"
        if input.stallCount > input.stalls.count {
            out += #"<p class="note more">\#(input.stallCount - input.stalls.count) more stalls not listed.</p>"#
        }
        return out + "</section>\n"
    }

    /// The id of a tape's timeline.
    static func anchor(_ uid: String) -> String { "tape-" + HTMLText.escape(uid) }

    /// A tape's name, linked to its timeline when the page draws one.
    static func link(_ name: String, _ uid: String, _ drawn: Set<String>) -> String {
        let text = HTMLText.escape(name)
        return drawn.contains(uid) ? ##"<a href="#\##(anchor(uid))">\##(text)</a>"## : text
    }

    static func tapes(_ input: ReportInput) -> String {
        var out = #"<section id="tapes"><h2>Tapes</h2><p class="note">Worst first: dropped tapes (longest wait first), "#
            + "then interrupted ones, then stalled (longest stall first), then the rest by slowest ttft.</p>"
        let drawn = Set(input.timelines.map(\.tape.uid))
        out += #"<div class="scroll"><table id="tape-table"><thead><tr><th>tape</th><th>provider</th><th>model</th>"#
            + #"<th class="num">ttft ms</th><th class="num">e2e ms</th><th class="num">tokens</th><th class="num">stalls</th>"#
            + "<th>end</th><th>tags</th></tr></thead><tbody>"
        for row in input.tapes {
            let rowClass = row.concern == .dropped || row.concern == .interrupted ? "dropped" : row.concern == .stalled ? "stalled" : ""
            out += #"<tr class="\#(rowClass)" data-uid="\#(HTMLText.escape(row.uid))">"#
                + #"<td title="\#(HTMLText.escape(row.uid))">\#(link(row.name, row.uid, drawn))</td>"#
                + "<td>\(HTMLText.escape(row.provider?.rawValue ?? "–"))</td><td>\(HTMLText.escape(row.model ?? "–"))</td>"
                + cell("ttft_ms", row.ttft) + cell("e2e_ms", row.e2e)
                + #"<td class="num">\#(row.outputTokens.map(String.init) ?? "–")</td><td class="num stalls">\#(row.stalls)</td>"#
                + #"<td class="end">\#(HTMLText.escape(TimelineChart.ending(row)))\#(row.timed ? "" : " (no read times)")</td>"#
                + #"<td class="tags">\#(HTMLText.escape(row.tags.joined(separator: ", ")))</td></tr>"#
        }
        out += "</tbody></table></div>"
        if input.tapeCount > input.tapes.count {
            out += #"<p class="note more">\#(input.tapeCount - input.tapes.count) more tapes not shown; "#
                + "use <code>--timelines all</code>.</p>"
        }
        out += "<h2>Timelines</h2>"
        out += #"<p class="note">Token arrivals from the request being sent, for the first \#(input.timelines.count) "#
            + "tapes above. Dense arrivals are merged into bins (taller: more events).</p>"
        out += #"<div class="key"><span><i class="k-first"></i>first token</span><span><i class="k-mark"></i>token events</span>"#
            + #"<span><i class="k-stall"></i>stall</span><span><i class="k-end"></i>end</span><span><i class="k-cut"></i>cut (drop-off)</span></div>"#
        out += #"<div id="timelines">"#
        for timeline in input.timelines {
            out += figure(timeline)
        }
        out += "</div>"
        if input.tapeCount > input.timelines.count {
            out += #"<p class="note more">\#(input.tapeCount - input.timelines.count) more tapes have no timeline here; "#
                + "use <code>--timelines N</code> or <code>--timelines all</code>.</p>"
        }
        return out + "</section>\n"
    }

    static func figure(_ timeline: ReportTimeline) -> String {
        let row = timeline.tape
        var caption = "<strong>\(HTMLText.escape(row.name))</strong> "
            + HTMLText.escape([row.provider?.rawValue, row.model].compactMap { $0 }.joined(separator: " "))
        caption += " · ttft \(row.ttft.map { ReportText.duration($0) } ?? "–")"
        caption += " · e2e \(row.e2e.map { ReportText.duration($0) } ?? "–")"
        caption += " · \(timeline.events) token event\(timeline.events == 1 ? "" : "s")"
        if row.stalls > 0 {
            caption += " · \(row.stalls) stall\(row.stalls == 1 ? "" : "s")"
            if let longest = row.longestStall { caption += " (longest \(ReportText.duration(longest)))" }
        }
        let dropped = row.endReason.outcome != .success
        caption += #" · <span class="end\#(dropped ? " dropped" : "")">\#(HTMLText.escape(TimelineChart.ending(row)))</span>"#
        if let detail = row.endDetail, !detail.isEmpty {
            caption += ": " + HTMLText.escape(String(detail.prefix(200)))
        }
        if !row.tags.isEmpty { caption += " · tags: " + HTMLText.escape(row.tags.joined(separator: ", ")) }
        return #"<figure class="tape" id="\#(anchor(row.uid))" data-end="\#(row.endReason.rawValue)" data-stalls="\#(timeline.stalls.count)">"#
            + "<figcaption>\(caption)</figcaption>" + TimelineChart(timeline: timeline).render() + "</figure>\n"
    }
}
