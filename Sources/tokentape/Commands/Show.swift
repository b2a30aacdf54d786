import ArgumentParser
import Foundation
import TapeCore
import TapeStore

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show one tape: its summary, events, chunks or text.",
        discussion: """
            TAPE is a number, an id (tt_…) or `last`.

            Examples:
              tokentape show last                 # summary
              tokentape show 3 --events           # decoded events with their time
              tokentape show 3 --chunks --json    # every read, bytes in base64
              tokentape show 3 --text             # the answer's text
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: "The tape: a number, an id (tt_…) or `last`.", transform: TapeReference.argument)
    var tape: TapeReference

    @Flag(help: "What to show (default: the summary).")
    var view: View = .summary

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    enum View: String, EnumerableFlag {
        case summary, events, chunks, text

        static func help(for value: View) -> ArgumentHelp? {
            switch value {
            case .summary: "The tape's metadata and event counts."
            case .events: "The decoded events, with time, class and what each says."
            case .chunks: "Every read: time, gap, size and bytes."
            case .text: "The answer's text (content events), as a user saw it."
            }
        }
    }

    func run() throws {
        let tape = try store.open().tape(self.tape)
        switch view {
        case .summary: try summary(tape)
        case .events: try events(tape)
        case .chunks: try chunks(tape)
        case .text: try text(tape)
        }
    }

    private func summary(_ tape: Tape) throws {
        let events = tape.decode().events
        if json {
            struct Summary: Encodable {
                var tape: TapeJSON
                var events: [String: Int]
            }
            let counts = Dictionary(grouping: events, by: \.kind.rawValue).mapValues(\.count)
            return try JSONOutput.print(Summary(tape: TapeJSON(tape.metadata, detailed: true), events: counts))
        }
        print(TapeSummary.block(tape.metadata, events: events))
    }

    private func events(_ tape: Tape) throws {
        let events = tape.decode().events
        let times = tape.chunks.map(\.t)
        func t(_ e: StreamEvent) -> Int64 { times.indices.contains(e.chunk) ? times[e.chunk] : 0 }
        if json { return try JSONOutput.print(events.map { TimedEventJSON(tMs: Double(t($0)) / 1e6, event: $0) }) }
        let rows = events.map { e in
            [String(format: "%.1f", Double(t(e)) / 1e6), "\(e.chunk)", e.kind.rawValue, TapeSummary.describe(e)]
        }
        print(Terminal.table(["t (ms)", "chunk", "class", "event"], rows, rightAligned: [0, 1]))
    }

    private func chunks(_ tape: Tape) throws {
        if json { return try JSONOutput.print(tape.chunks.map(ChunkJSON.init)) }
        var previous: Int64?
        let rows = tape.chunks.map { c -> [String] in
            defer { previous = c.t }
            let gap = previous.map { String(format: "+%.1f", Double(c.t - $0) / 1e6) } ?? ""
            return ["\(c.seq)", String(format: "%.1f", Double(c.t) / 1e6), gap, "\(c.bytes.count)", Terminal.escaped(c.bytes)]
        }
        print(Terminal.table(["seq", "t (ms)", "gap (ms)", "size", "bytes"], rows, rightAligned: [0, 1, 2, 3]))
    }

    private func text(_ tape: Tape) throws {
        let text = tape.decode().events.filter { $0.kind == .content }.compactMap(\.text).joined()
        if json { return try JSONOutput.print(["text": text]) }
        print(text)
    }
}
