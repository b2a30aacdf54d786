import ArgumentParser
import Foundation
import TapeAnalysis
import TapeCore
import TapeStore

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show one tape: its summary, events, chunks or text.",
        discussion: """
            TAPE is a number, an id (tt_…) or `last`. Chunks are read a page at a time, \
            so a tape of any size prints without being held in memory.

            Examples:
              tokentape show last                 # summary
              tokentape show 3 --events           # decoded events with their time
              tokentape show 3 --chunks --json    # every read, bytes in base64
              tokentape show 3 --text             # the answer's text
              tokentape show 3 --metrics          # latency figures and a timeline that shows stalls
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: "The tape: a number, an id (tt_…) or `last`.", transform: TapeReference.argument)
    var tape: TapeReference

    @Flag(help: "What to show (default: the summary).")
    var view: View = .summary

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @OptionGroup var analysis: AnalysisOptions

    enum View: String, EnumerableFlag {
        case summary, events, chunks, text, metrics

        static func help(for value: View) -> ArgumentHelp? {
            switch value {
            case .summary: "The tape's metadata and event counts."
            case .events: "The decoded events, with time, class and what each says."
            case .chunks: "Every read: time, gap, size and bytes."
            case .text: "The answer's text (content events), as a user saw it."
            case .metrics: "The tape's metrics (METRICS.md) and its timeline: time, gap, class, text; stalls marked."
            }
        }
    }

    func run() throws {
        let store = try self.store.open()
        let metadata = try store.metadata(tape)
        switch view {
        case .summary: try summary(metadata, store)
        case .events: try events(metadata, store)
        case .chunks: try chunks(metadata, store)
        case .text: try text(metadata, store)
        case .metrics: try metrics(metadata, store)
        }
    }

    /// Decodes the tape page by page, handing each event over with its time.
    private func forEachEvent(_ m: TapeMetadata, _ store: TapeStore, _ body: (StreamEvent, Int64) throws -> Void) throws {
        var decoder = m.makeDecoder()
        var times: [Int64] = []
        func time(_ e: StreamEvent) -> Int64 { times.indices.contains(e.chunk) ? times[e.chunk] : 0 }
        try store.forEachChunk(of: m.number!) { chunk in
            times.append(chunk.t)
            for e in decoder.feed(chunk.bytes, chunk: times.count - 1) { try body(e, time(e)) }
        }
        for e in decoder.finish() { try body(e, time(e)) }
    }

    private func summary(_ m: TapeMetadata, _ store: TapeStore) throws {
        var events: [StreamEvent] = []
        try forEachEvent(m, store) { e, _ in events.append(StreamEvent(e.kind)) }
        if json {
            struct Summary: Encodable {
                var tape: TapeJSON
                var events: [String: Int]
            }
            let counts = Dictionary(grouping: events, by: \.kind.rawValue).mapValues(\.count)
            return try JSONOutput.print(Summary(tape: TapeJSON(m, detailed: true), events: counts))
        }
        print(TapeSummary.block(m, events: events))
    }

    private func events(_ m: TapeMetadata, _ store: TapeStore) throws {
        let list = JSONList(enabled: json)
        if !json { print(Self.row("t (ms)", "chunk", "class", "event")) }
        try forEachEvent(m, store) { e, t in
            if json { return try list.add(TimedEventJSON(tMs: Double(t) / 1e6, event: e)) }
            print(Self.row(String(format: "%.1f", Double(t) / 1e6), "\(e.chunk)", e.kind.rawValue, TapeSummary.describe(e)))
        }
        list.end()
    }

    private func chunks(_ m: TapeMetadata, _ store: TapeStore) throws {
        let list = JSONList(enabled: json)
        if !json { print(Self.row("seq", "t (ms)", "gap (ms)", "size", "bytes")) }
        var previous: Int64?
        try store.forEachChunk(of: m.number!) { c in
            defer { previous = c.t }
            if json { return try list.add(ChunkJSON(c)) }
            let gap = previous.map { String(format: "+%.1f", Double(c.t - $0) / 1e6) } ?? ""
            print(Self.row("\(c.seq)", String(format: "%.1f", Double(c.t) / 1e6), gap, "\(c.bytes.count)", Terminal.escaped(c.bytes)))
        }
        list.end()
    }

    private func text(_ m: TapeMetadata, _ store: TapeStore) throws {
        var text = ""
        try forEachEvent(m, store) { e, _ in
            guard e.kind == .content, let t = e.text else { return }
            if json { text += t } else { Terminal.write(t) }
        }
        if json { try JSONOutput.print(["text": text]) } else { print() }
    }

    /// The metrics from the events decoded here (the truth, not the stored
    /// row), then every event with the gap since the previous token.
    private func metrics(_ m: TapeMetadata, _ store: TapeStore) throws {
        let settings = try analysis.settings()
        var timed: [(StreamEvent, Int64)] = []
        var builder = TokenTimeline.Builder()
        try forEachEvent(m, store) { e, t in timed.append((e, t)) }
        if let chunk = try store.chunks(of: m.number!, limit: 1).first { builder.read(at: chunk.t) }
        for (e, t) in timed { builder.add(e, at: t) }
        let metrics = TapeMetrics(metadata: m, timeline: builder.build(), settings: settings)
        if json {
            struct Row: Encodable {
                var t_ms: Double
                var gap_ms: Double?
                var `class`: String
                var text: String?
                var stall: Bool
            }
            struct Output: Encodable {
                var tape: TapeJSON
                var metrics: TapeMetricsJSON
                var timeline: [Row]
            }
            var previous: Int64?
            let rows = timed.map { e, t -> Row in
                let gap = e.isTokenBearing ? previous.map { t - $0 } : nil
                if e.isTokenBearing { previous = t }
                return Row(
                    t_ms: Double(t) / 1e6, gap_ms: gap.map { Double($0) / 1e6 }, class: e.kind.rawValue,
                    text: TapeSummary.describe(e), stall: (gap ?? 0) > settings.stallThreshold)
            }
            return try JSONOutput.print(Output(tape: TapeJSON(m), metrics: TapeMetricsJSON(metrics: metrics), timeline: rows))
        }
        print(TapeSummary.metricsBlock(m, metrics))
        print("")
        print(Self.row("t (ms)", "gap (ms)", "class", "event"))
        var previous: Int64?
        for (e, t) in timed {
            var gap = ""
            var mark = ""
            if e.isTokenBearing {
                if let previous {
                    gap = String(format: "+%.1f", Double(t - previous) / 1e6)
                    if t - previous > settings.stallThreshold {
                        mark = Terminal.bold("  ◀ stall " + DurationText.ms(t - previous))
                    } else if let r = metrics.relativeStalls, t - previous > r.threshold {
                        mark = "  ◀ \(StatsText.figure(settings.relativeStallFactor, .tokens))× median"
                    }
                } else {
                    mark = "  ◀ first token"
                }
                previous = t
            }
            print(Self.row(String(format: "%.1f", Double(t) / 1e6), gap, e.kind.rawValue, TapeSummary.describe(e)) + mark)
        }
        if let end = m.tEnd {
            print(Self.row(String(format: "%.1f", Double(end) / 1e6), "", "end", m.endReason?.rawValue ?? "recording"))
        }
    }

    /// Fixed-width columns, so rows can print as they are decoded.
    static func row(_ cells: String...) -> String {
        let widths = [10, 7, 10, 7]
        return cells.enumerated().map { i, cell in
            guard i < widths.count, i < cells.count - 1 else { return cell }
            let pad = String(repeating: " ", count: max(0, widths[i] - cell.count))
            return i == 2 && cells.count == 4 ? cell + pad : pad + cell
        }.joined(separator: "  ").replacingOccurrences(of: " +$", with: "", options: .regularExpression)
    }
}

/// A JSON array printed one element at a time.
final class JSONList {
    private let enabled: Bool
    private var count = 0
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    init(enabled: Bool) {
        self.enabled = enabled
        if enabled { Terminal.write("[") }
    }

    func add(_ value: some Encodable) throws {
        Terminal.write((count == 0 ? "\n  " : ",\n  ") + String(decoding: try encoder.encode(value), as: UTF8.self))
        count += 1
    }

    func end() {
        if enabled { Terminal.write(count == 0 ? "]\n" : "\n]\n") }
    }
}
