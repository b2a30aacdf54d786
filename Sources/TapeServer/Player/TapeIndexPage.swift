import Foundation
import TapeCore

/// `/`: the served tapes, each a link to its player.
struct TapeIndexPage {
    var listing: [TapeListing]
    /// A tape asked for at `/play/{id}` that is not served.
    var missing: String?

    var html: String {
        var rows = ""
        for row in listing {
            let tape = row.metadata
            let name = PageText.escape(row.name)
            let end = tape.endReason.map { reason in
                reason.rawValue + (tape.endPhase.map { " (\($0.rawValue.replacingOccurrences(of: "_", with: " ")))" } ?? "")
            } ?? "recording"
            let endClass = tape.endReason?.isDropOff == false ? "good" : "bad"
            rows += """
                <tr><td><a href="/play/\(name)">\(name)</a></td>\
                <td>\(PageText.escape(tape.provider?.rawValue ?? "unknown"))</td>\
                <td>\(PageText.escape(tape.model ?? "–"))</td>\
                <td class="num">\(tape.timed ? PageText.duration(row.ttft) : "untimed")</td>\
                <td class="num">\(tape.timed ? PageText.duration(tape.tEnd) : "–")</td>\
                <td class="\(endClass)">\(PageText.escape(end))</td>\
                <td>\(tape.tags.map { "<span class=\"tag\">\(PageText.escape($0))</span>" }.joined(separator: " "))</td>\
                <td class="muted">\(Self.dateText(tape.startedAt))</td></tr>

                """
        }
        let notice = missing.map {
            "<p class=\"notice bad\">No tape '\(PageText.escape($0))' is served. Pick one below.</p>"
        } ?? ""
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="icon" href="data:,">
            <title>tokentape · \(listing.count) tapes</title>
            <style>
            \(PageText.style)
            main { max-width: 1100px; margin: 0 auto; padding: 20px 16px 40px; }
            h1 { font-size: 20px; margin: 0 0 4px; }
            table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
            th, td { padding: 7px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
            th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); font-weight: 600; }
            td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
            tr:hover td { background: color-mix(in srgb, var(--accent) 7%, transparent); }
            .tag { display: inline-block; padding: 0 7px; border-radius: 10px; background: var(--user); font-size: 12px; }
            .notice { padding: 8px 12px; border: 1px solid var(--line); border-radius: 8px; background: var(--card); }
            </style></head>
            <body><main>
            <h1>tokentape</h1>
            <p class="muted">\(listing.count) tapes served. Open one to replay it as a chat, at its recorded timing; \
            SDKs and chat UIs get the same streams on the providers' own paths.</p>
            \(notice)
            <table id="tapes">
            <thead><tr><th>tape</th><th>provider</th><th>model</th><th class="num">first token</th>\
            <th class="num">duration</th><th>end</th><th>tags</th><th>recorded</th></tr></thead>
            <tbody>
            \(rows)</tbody></table>
            </main></body></html>
            """
    }

    static func dateText(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date).replacingOccurrences(of: "T", with: " ")
    }
}
