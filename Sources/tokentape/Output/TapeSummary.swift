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
            ("duration", DurationText.seconds(m.tEnd)),
            ("end", ending(m)),
            ("tags", m.tags.isEmpty ? "–" : m.tags.joined(separator: ", ")),
            ("events", eventCounts(events)),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        let head = "tape \(m.number.map(String.init) ?? "?")  \(m.uid)"
        return ([Terminal.bold(head)] + rows.map { "  " + $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 })
            .joined(separator: "\n")
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
