import TapeAnalysis
import TapeCore

/// One-line and block descriptions of a tape.
enum TapeSummary {
    /// `tape 3 (tt_…): openai-chat gpt-4o-mini · 42 chunks, 5.1 kB in 1.23 s · completed`
    static func line(_ m: TapeMetadata) -> String {
        let what = [m.provider?.rawValue, m.model].compactMap { $0 }.joined(separator: " ")
        return "tape \(m.number.map(String.init) ?? "?") (\(m.uid)): \(what.isEmpty ? "unknown stream" : what)"
            + " · \(m.chunkCount) chunks, \(DurationText.bytes(m.byteCount)) in \(DurationText.seconds(m.tEnd))"
            + " · \(ending(m))"
    }

    /// `completed`, or `client_cancelled (after first token): detail`.
    static func ending(_ m: TapeMetadata) -> String {
        guard let reason = m.endReason else { return "recording" }
        var text = reason.rawValue
        if reason.isDropOff, let phase = m.endPhase { text += " (\(phase.rawValue.replacingOccurrences(of: "_", with: " ")))" }
        if let detail = m.endDetail { text += ": \(detail)" }
        return text
    }

    static func block(_ m: TapeMetadata, events: [StreamEvent]) -> String {
        var rows: [(String, String)] = [
            ("source", m.source.rawValue),
            ("started", m.startedAt.formatted(.iso8601)),
            ("provider", m.provider?.rawValue ?? "–"),
            ("model", m.model ?? "–"),
        ]
        if let r = m.request { rows.append(("request", "\(r.method) \(r.url)")) }
        if let h = m.response { rows.append(("status", "\(h.status) (head at \(DurationText.ms(m.tHeaders)))")) }
        rows += [
            ("chunks", "\(m.chunkCount) (\(DurationText.bytes(m.byteCount)))"),
            ("duration", m.timed ? DurationText.seconds(m.tEnd) : "unknown: no read times (imported from a file)"),
            ("end", ending(m)),
            ("tags", m.tags.isEmpty ? "–" : m.tags.joined(separator: ", ")),
            ("events", eventCounts(events)),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        let head = "tape \(m.number.map(String.init) ?? "?")  \(m.uid)"
        return ([Terminal.bold(head)] + rows.map { "  " + $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 })
            .joined(separator: "\n")
    }

    /// One tape's metrics, one per line, `–` where undefined.
    static func metricsBlock(_ m: TapeMetadata, _ x: TapeMetrics) -> String {
        func ms(_ ns: Int64?) -> String { ns.map { StatsText.figure(Double($0) / 1e6) + " ms" } ?? "–" }
        func stalls(_ s: TapeMetrics.Stalls?) -> String {
            guard let s else { return "– (median gap is 0 or undefined)" }
            guard s.count > 0, let longest = s.longest, let first = s.firstTokenIndex else {
                return "none over \(ms(s.threshold))"
            }
            return "\(s.count) over \(ms(s.threshold)): \(ms(s.total)) in all, longest \(ms(longest)), first after token event \(first)"
        }
        var tokens = "–"
        if let n = x.outputTokens, let source = x.tokenSource {
            tokens = "\(n) (\(source == .lowerBound ? "lower bound: token events" : source.rawValue))"
            if let r = x.reasoningTokens { tokens += ", \(r) reasoning" }
        }
        let rows: [(String, String)] = [
            ("ttft", ms(x.ttft) + (x.ttft == nil ? "  (no token-bearing event)" : "")),
            ("ttfo", ms(x.ttfo)),
            ("ttfb", ms(x.ttfb)),
            ("ttfc", ms(x.ttfc)),
            ("ttft_user", ms(x.ttftUser)),
            ("setup", ms(x.setup)),
            ("e2e_last_token", ms(x.e2eLastToken)),
            ("e2e", ms(x.e2e)),
            ("tpot", x.tpot.map { StatsText.figure($0 / 1e6) + " ms" } ?? "–"),
            ("decode_rate", x.decodeRate.map { StatsText.figure($0, .tokensPerSecond) + " tok/s" } ?? "–"),
            ("output tokens", tokens),
            ("token events", "\(x.tokenEvents)"),
            ("icl", x.icl.isEmpty ? "– (< 2 token events)" : icl(x.icl)),
            ("itl", x.itl == nil ? "– (token split unknown; see icl)" : "known for every event"),
            ("stalls", stalls(x.stalls)),
            ("relative stalls", stalls(x.relativeStalls)),
            ("fluidity", x.fluidity.map {
                "\(StatsText.percent($0.onTime)) of \($0.unit) on time for a reader at \(StatsText.figure($0.readingRate, .tokens)) tok/s, "
                    + "\(ms($0.lateness)) late in all"
            } ?? "–"),
            ("end", ending(m)),
            ("last gap", ms(x.lastGap) + " (last token to end)"),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        let head = "tape \(m.number.map(String.init) ?? "?")  \(m.uid)  metrics"
        return ([Terminal.bold(head)] + rows.map { "  " + $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 })
            .joined(separator: "\n")
    }

    /// `p50 39.5 · p99 900.0 · max 900.0 ms (56 gaps)`
    private static func icl(_ gaps: [Int64]) -> String {
        let p = Percentiles(gaps.map { Double($0) / 1e6 }, method: .linear)
        return "p50 \(StatsText.figure(p.p50)) · p99 \(StatsText.figure(p.p99)) · max \(StatsText.figure(p.max)) ms (\(p.n) gaps)"
    }

    /// `12 content, 1 role_only, 1 done`
    static func eventCounts(_ events: [StreamEvent]) -> String {
        let counts = Dictionary(grouping: events, by: \.kind).mapValues(\.count)
        let parts = EventClass.allCases.compactMap { kind in counts[kind].map { "\($0) \(kind.rawValue)" } }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    /// What an event says, on one line, for the events table.
    static func describe(_ e: StreamEvent) -> String {
        var parts: [String] = []
        if let text = e.text { parts.append("\"" + Terminal.oneLine(text) + "\"") }
        if let tool = e.tool {
            var call = tool.name.map { "\($0)(" } ?? "("
            call += Terminal.oneLine(tool.arguments ?? "", limit: 40) + ")"
            if let index = tool.index { call = "#\(index) " + call }
            parts.append(call)
        }
        if let u = e.usage {
            let counts = [("in", u.input), ("out", u.output), ("reasoning", u.reasoning), ("cached", u.cached)]
                .compactMap { name, value in value.map { "\(name) \($0)" } }
            parts.append("usage: " + counts.joined(separator: ", "))
        }
        if let finish = e.finish { parts.append("finish: \(finish)") }
        if let error = e.error { parts.append("error: \(Terminal.oneLine(error.message))" + (error.code.map { " [\($0)]" } ?? "")) }
        if let anomaly = e.anomaly { parts.append("anomaly: \(anomaly)") }
        if e.incomplete { parts.append("(incomplete)") }
        return parts.joined(separator: "  ")
    }
}
