import Foundation
import TapeAnalysis
import TapeCore
@testable import TapeReport
import Testing

/// `tokentape report` through the built binary, on stores made by `simulate`,
/// and the page it writes loaded in headless Chromium.
@Suite("report")
struct ReportTests {
    let scratch: Scratch
    let db: String

    init() throws {
        scratch = try Scratch()
        db = scratch.path("t.sqlite")
    }

    func run(_ arguments: [String]) throws -> CLI.Result {
        try CLI.run(arguments + ["--db", db])
    }

    /// Tapes 1–4 fast, 5 with a 1.5 s stall (and a hostile tag), 6 cut by a reset after 8 chunks.
    func makeStore() throws {
        for arguments in [
            ["simulate", "--count", "4", "--ttft", "200ms", "--tag", "fast"],
            ["simulate", "--ttft", "400ms", "--stall", "10:1500ms", "--tag", "stall", "--seed", "5"],
            ["simulate", "--abort-after", "8", "--tag", "cut", "--seed", "7"],
            ["tag", "5", "+<script>alert(1)</script>"],
        ] {
            let made = try run(arguments)
            try #require(made.status == 0, "\(arguments): \(made.stderr)")
        }
    }

    func read(_ path: String) throws -> String {
        String(decoding: try #require(FileManager.default.contents(atPath: path), "no file at \(path)"), as: UTF8.self)
    }

    /// The element with this id, up to its closing tag (charts do not nest svg).
    func element(_ html: String, _ tag: String, id: String) -> String? {
        guard let start = html.range(of: #"<\#(tag) id="\#(id)""#),
            let end = html.range(of: "</\(tag)>", range: start.upperBound..<html.endIndex)
        else { return nil }
        return String(html[start.lowerBound..<end.upperBound])
    }

    /// The exact value of a summary cell: `data-metric` in the row of `group`.
    func summaryValue(_ html: String, group: String, metric: String) -> Double? {
        guard let table = element(html, "table", id: "summary-table"),
            let row = table.range(of: #"<tr data-group="\#(group)">"#),
            let rowEnd = table.range(of: "</tr>", range: row.upperBound..<table.endIndex),
            let cell = table.range(of: #"data-metric="\#(metric)" data-value=""#, range: row.upperBound..<rowEnd.lowerBound),
            let quote = table[cell.upperBound...].firstIndex(of: "\"")
        else { return nil }
        return Double(table[cell.upperBound..<quote])
    }

    /// Each tape's timeline figure, by the tape's name in its caption (`#5`).
    func figures(_ html: String) -> [String: String] {
        var figures: [String: String] = [:]
        for part in html.components(separatedBy: #"<figure class="tape""#).dropFirst() {
            let figure = String(part[..<(part.range(of: "</figure>")?.upperBound ?? part.endIndex)])
            guard let start = figure.range(of: "<strong>"), let end = figure.range(of: "</strong>") else { continue }
            figures[String(figure[start.upperBound..<end.lowerBound])] = figure
        }
        return figures
    }

    func statsJSON(_ arguments: [String] = []) throws -> [String: Any] {
        let stats = try run(["stats", "--json"] + arguments)
        try #require(stats.status == 0, "\(stats.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: stats.stdout) as? [String: Any])
    }

    func ttftP50(_ group: [String: Any]) -> Double? {
        ((group["request_weighted"] as? [String: Any])?["ttft_ms"] as? [String: Any])?["p50"] as? Double
    }

    @Test("a report: offline, every chart drawn, figures equal to stats, the stall and the cut shown, user text escaped")
    func report() throws {
        try makeStore()
        let file = scratch.path("report.html")
        let result = try run(["report", "--by", "tag", "-o", file])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("wrote \(file): 6 tapes"))
        let html = try read(file)
        #expect(html.hasPrefix("<!doctype html>"))

        // Nothing to fetch: no address at all, no external script, style sheet, image or font.
        for needle in ["http://", "https://", "<script", "<link", "<img", "src=", "@import", "url("] {
            #expect(!html.contains(needle), "the page holds \(needle)")
        }

        let cdf = try #require(element(html, "svg", id: "ttft-cdf"))
        #expect(cdf.contains(#"<path class="line" d="M"#))
        #expect(cdf.contains("<title>all: 100.0% of 5 completed tapes had their first token by"))
        let histogram = try #require(element(html, "svg", id: "icl-histogram"))
        #expect(histogram.contains(#"<rect class="bar""#))
        let survival = try #require(element(html, "svg", id: "survival"))
        #expect(survival.contains(#"<path class="line""#))
        #expect(survival.contains("1 of 6 streams still going dropped"))

        // The summary's figures are the ones `stats --json` gives for the same store.
        let stats = try statsJSON(["--by", "tag"])
        let all = try #require(stats["all"] as? [String: Any])
        let p50 = try #require(ttftP50(all))
        #expect(summaryValue(html, group: "all", metric: "ttft_p50_ms") == p50)
        let groups = try #require(stats["groups"] as? [[String: Any]])
        let fast = try #require(groups.first { ($0["group"] as? [String: String])?["tag"] == "fast" })
        #expect(summaryValue(html, group: "tag=fast", metric: "ttft_p50_ms") == ttftP50(fast))
        #expect(summaryValue(html, group: "all", metric: "stalls") == 1)
        #expect(summaryValue(html, group: "all", metric: "drop_off_rate") == 1.0 / 6)
        #expect(html.contains("drop-off in all: reset 1 (0 before first token, 1 after)"))

        // The stalled tape: a shaded gap on its timeline and a row in the stall list.
        let timelines = figures(html)
        let stalled = try #require(timelines["#5"])
        #expect(stalled.contains(#"data-stalls="1""#))
        #expect(stalled.contains(#"<rect class="stall""#))
        #expect(stalled.contains("ms without a token after token event 10"))
        let stallList = try #require(element(html, "table", id: "stall-list"))
        #expect(stallList.contains(">#5</a>"))
        let length = try #require(summaryLength(stallList))
        #expect(length >= 1500 && length < 1700)
        // The cut tape: its end reason in words and a cut mark at its end.
        let cut = try #require(timelines["#6"])
        #expect(cut.contains(#"data-end="reset""#))
        #expect(cut.contains(#"<g class="cut"><title>reset after the first token at"#))
        #expect(cut.contains(#">reset</text>"#))
        #expect(timelines["#1"]?.contains(#"<line class="end""#) == true)
        // Worst first: the dropped tape, then the stalled one.
        let table = try #require(element(html, "table", id: "tape-table"))
        let order = ["#6", "#5", "#1"].compactMap { table.range(of: ">\($0)</a>")?.lowerBound }
        #expect(order.count == 3 && order == order.sorted())

        // User text is escaped wherever it appears (tags in the summary, legends, table, captions).
        #expect(!html.contains("<script>alert(1)</script>"))
        #expect(html.contains("tag=&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;, stall"))

        // The same page on standard output.
        let stdout = try run(["report", "--by", "tag", "-o", "-"])
        #expect(stdout.status == 0)
        #expect(stdout.out.hasPrefix("<!doctype html>") && stdout.out.contains(#"<svg id="ttft-cdf""#))
    }

    /// The length of the first stall row.
    func summaryLength(_ stallList: String) -> Double? {
        guard let cell = stallList.range(of: #"data-metric="stall_length_ms" data-value=""#),
            let quote = stallList[cell.upperBound...].firstIndex(of: "\"")
        else { return nil }
        return Double(stallList[cell.upperBound..<quote])
    }

    @Test("an empty selection writes a page that says so and how to record tapes, notes it, and exits 0")
    func emptySelection() throws {
        try makeStore()
        for (arguments, name) in [(["--tag", "nope"], "none.html"), (["provider:anthropic"], "other.html")] {
            let file = scratch.path(name)
            let result = try run(["report"] + arguments + ["-o", file])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("no tapes in") && result.stderr.contains("tokentape demo"))
            let html = try read(file)
            #expect(html.contains(#"<section id="empty"><h2>No tapes match</h2>"#))
            #expect(html.contains("<code>tokentape demo</code>"))
            #expect(!html.contains(#"<svg id="ttft-cdf""#))
            #expect(html.hasSuffix("</html>\n"))
        }
        // A store with no tape at all.
        let fresh = try CLI.run(["report", "--db", scratch.path("fresh.sqlite"), "-o", scratch.path("fresh.html")])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(try read(scratch.path("fresh.html")).contains("No tapes match"))
    }

    @Test("bad inputs: an unwritable output or a bad selection is a clear error, a non-zero exit, and no file")
    func badInputs() throws {
        try makeStore()
        let folder = scratch.path("folder")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: scratch.path("plain")))
        for (output, message) in [
            (scratch.path("missing/report.html"), "does not exist"),
            (scratch.path("plain/report.html"), "does not exist"),
            (folder, "it is a folder"),
        ] {
            let result = try run(["report", "-o", output])
            #expect(result.status != 0)
            #expect(result.stderr.contains("cannot write \(output)") && result.stderr.contains(message), "\(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.path("missing")))
        #expect((try? FileManager.default.contentsOfDirectory(atPath: folder)) == [])

        // A bad selection or option: refused before anything is written, and an older report stays as it was.
        let file = scratch.path("report.html")
        try Data("older".utf8).write(to: URL(fileURLWithPath: file))
        for (arguments, message) in [
            (["provider:nope"], "unknown provider"),
            (["colour:red"], "unknown key 'colour'"),
            (["--since", "someday"], "--since 'someday'"),
            (["--timelines", "many"], "--timelines"),
            (["--by", "colour"], "--by"),
            (["--stall-factor", "0"], "--stall-factor"),
        ] {
            let result = try run(["report"] + arguments + ["-o", file])
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(try read(file) == "older")
        }
        let other = scratch.path("other.html")
        _ = try run(["report", "provider:nope", "-o", other])
        #expect(!FileManager.default.fileExists(atPath: other))
    }

    @Test("timelines: the worst N by default, --timelines N and all; dense tapes thinned to a bounded number of marks")
    func timelineLimits() throws {
        try makeStore()
        let long = String(repeating: "word ", count: 3000)
        let made = try run(["simulate", "--count", "20", "--text", long, "--icl", "2ms", "--jitter", "1ms", "--tag", "long"])
        try #require(made.status == 0, "\(made.stderr)")

        let standard = try read(try write([]))
        #expect(figures(standard).count == 12)
        #expect(standard.contains("14 more tapes have no timeline here"))
        #expect(figures(standard).keys.contains("#6") && figures(standard).keys.contains("#5"))
        // Every long tape's marks are bins, at most the cap, and count every event.
        for (_, figure) in figures(standard) where figure.contains("3000 token events") {
            let marks = figure.components(separatedBy: #"<rect class="mark""#).count - 1
            #expect(marks <= ReportBuilder.marksPerTimeline.upperBound && marks > 100)
        }
        #expect(try read(try write(["--timelines", "3"])).components(separatedBy: #"<figure class="tape""#).count - 1 == 3)
        let everything = try read(try write(["--timelines", "all"]))
        #expect(figures(everything).count == 26)
        #expect(!everything.contains("more tapes have no timeline"))
        #expect(try read(try write(["--timelines", "0"])).components(separatedBy: #"<figure class="tape""#).count == 1)
    }

    func write(_ arguments: [String]) throws -> String {
        let file = scratch.path("report-\(arguments.joined(separator: "-")).html")
        let result = try run(["report"] + arguments + ["-o", file])
        try #require(result.status == 0, "\(result.stderr)")
        return file
    }

    @Test("tapes without read times are counted, left out of the time charts, and said to be")
    func untimedTapes() throws {
        try makeStore()
        let body = scratch.path("body.sse")
        #expect(try run(["export", "1", "--format", "raw", "-o", body]).status == 0)
        #expect(try run(["import", body]).status == 0)
        let html = try read(try write([]))
        #expect(html.contains("<dt>untimed</dt><dd>1 tape without read times"))
        #expect(summaryValue(html, group: "all", metric: "tapes") == 7)
        // Its ttft is not a sample of the curve: 5 completed, timed tapes.
        #expect(summaryValue(html, group: "all", metric: "ttft_n") == 5)
        #expect(try #require(element(html, "svg", id: "ttft-cdf")).contains("of 5 completed tapes"))
        #expect(html.contains("completed after the first token (no read times)"))
    }

    // MARK: In a browser

    /// Every chart's drawn size and element count, the page's colours, and a screenshot.
    static let probe = """
        JSON.stringify({
          charts: [...document.querySelectorAll('svg.chart')].map(s => {
            const r = s.getBoundingClientRect();
            return {id: s.id || s.getAttribute('class'), width: r.width, height: r.height,
                    shapes: s.querySelectorAll('path, rect, circle, line').length};
          }),
          background: getComputedStyle(document.body).backgroundColor,
          text: getComputedStyle(document.body).color,
          axis: (() => { const t = document.querySelector('svg.chart text'); return t ? getComputedStyle(t).fill : null; })(),
          heading: document.querySelector('h2') ? document.querySelector('h2').textContent : null
        })
        """

    /// Loads a page from disk, light or dark: no error, nothing fetched beyond the file; a screenshot kept.
    func load(_ file: String, dark: Bool, screenshot name: String) throws -> [String: Any] {
        let shot = scratch.path(name)
        let outcome = try Browser.run(
            URL(fileURLWithPath: file).absoluteString,
            steps: [["eval": Self.probe, "as": "probe"], ["screenshot": shot]], dark: dark, width: 1280, height: 2600)
        #expect(outcome.error == nil, "\(outcome.raw)")
        #expect(outcome.consoleErrors.isEmpty, "\(outcome.consoleErrors)")
        #expect(outcome.exceptions.isEmpty, "\(outcome.exceptions)")
        #expect(!outcome.requests.isEmpty && outcome.requests.allSatisfy { $0.hasPrefix("file://") }, "\(outcome.requests)")
        #expect(FileManager.default.fileExists(atPath: shot))
        Browser.keep(shot, as: name)
        let probe = try #require(outcome.string("probe"), "\(outcome.raw)")
        return try #require(try JSONSerialization.jsonObject(with: Data(probe.utf8)) as? [String: Any])
    }

    @Test(
        "the report in headless Chromium, light and dark: offline, no errors, every chart drawn and not empty",
        .enabled(if: Browser.available, "chromium is not installed (apt-get install chromium); CI installs it and runs this"))
    func inChromium() throws {
        try makeStore()
        let file = try write(["--by", "tag"])
        var backgrounds: [String] = []
        for dark in [false, true] {
            let probe = try load(file, dark: dark, screenshot: dark ? "report-dark.png" : "report.png")
            let charts = try #require(probe["charts"] as? [[String: Any]])
            let ids = charts.compactMap { $0["id"] as? String }
            #expect(Array(ids.prefix(3)) == ["ttft-cdf", "icl-histogram", "survival"])
            #expect(ids.filter { $0.hasPrefix("timeline-chart-") }.count == 6)
            for chart in charts {
                #expect((chart["width"] as? Double ?? 0) > 300, "\(chart)")
                #expect((chart["height"] as? Double ?? 0) > 40, "\(chart)")
                #expect((chart["shapes"] as? Int ?? 0) > 5, "\(chart)")
            }
            // Readable: text and axis labels differ from the background in both schemes.
            let background = try #require(probe["background"] as? String)
            #expect(background != probe["text"] as? String && background != probe["axis"] as? String)
            backgrounds.append(background)
        }
        #expect(backgrounds[0] == "rgb(255, 255, 255)" && backgrounds[1] != backgrounds[0])
    }

    @Test(
        "the empty report in headless Chromium: the message, no errors",
        .enabled(if: Browser.available, "chromium is not installed (apt-get install chromium); CI installs it and runs this"))
    func emptyInChromium() throws {
        let file = scratch.path("empty.html")
        #expect(try run(["report", "-o", file]).status == 0)
        let probe = try load(file, dark: false, screenshot: "report-empty.png")
        #expect(probe["heading"] as? String == "No tapes match")
        #expect((probe["charts"] as? [Any])?.isEmpty == true)
    }

    // MARK: The renderer, without a store

    @Test("the ttft curve takes at most 200 quantiles of any number of samples, first and last included")
    func cdfPoints() {
        let samples = (1...10_000).map(Double.init)
        let points = CDFChart.points(samples)
        #expect(points.count == CDFChart.maxPoints)
        #expect(points.first! == (1, 1.0 / 10_000) && points.last! == (10_000, 1))
        #expect(zip(points, points.dropFirst()).allSatisfy { $0.value < $1.value && $0.share < $1.share })
        #expect(CDFChart.points([3, 5]).map(\.share) == [0.5, 1])
    }

    @Test("a timeline keeps stalls, first token and end exact while thinning dense arrivals")
    func timelineThinning() {
        var metadata = TapeMetadata(source: .simulate, provider: .openaiChat, model: "m", tags: [])
        metadata.endReason = .completed
        // 5,000 events 1 ms apart from 100 ms, a 2 s stall after the 2,500th.
        let times = (0..<5000).map { Int64(100 + $0 + ($0 >= 2500 ? 2000 : 0)) * 1_000_000 }
        metadata.tEnd = times.last! + 5_000_000
        let row = ReportInput.TapeRow(metadata, TapeMetrics(metadata: metadata, timeline: TokenTimeline(tokenTimes: times)),
                                      endReason: .completed)
        let timeline = ReportTimeline(tape: row, tokenTimes: times, end: metadata.tEnd, threshold: 1_000_000_000, maxMarks: 100)
        #expect(timeline.binned && timeline.marks.count <= 100)
        #expect(timeline.marks.map(\.events).reduce(0, +) == 5000)
        #expect(timeline.stalls == [ReportTimeline.Stall(from: 2599, to: 4600, afterToken: 2500)])
        #expect(timeline.firstToken == 100 && timeline.end == 7104)
        let svg = TimelineChart(timeline: timeline).render()
        #expect(svg.components(separatedBy: "<rect").count - 1 == timeline.marks.count + 1)
    }
}
