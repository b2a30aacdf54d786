import ArgumentParser
import Foundation
import TapeAnalysis
import TapeCore
import TapeReport
import TapeStore

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write tapes in the formats other tools read.",
        discussion: """
              asciicast  the visible text as it appeared, for `asciinema play` (v2; v3 with --v3). One tape.
              jsonl      tokentape's own lines: a tape line, every read (time, bytes), every decoded event
                         (time in ms, class, text). Lossless: `tokentape import` gives the same bytes and times.
              csv        one row of metrics per tape, for pandas and spreadsheets
              har        HTTP Archive 1.2, every read with its time in `_chunks`: lossless too
              raw        the exact bytes of the body (.sse, .ndjson …). One tape.

            Examples:
              tokentape export last --format asciicast -o answer.cast && asciinema play answer.cast
              tokentape export --tag demo --format csv -o demo.csv
              tokentape export 3-7 --format jsonl | jq 'select(.type == "event") | .text'
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var tapes: TapeSetOptions

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case asciicast, jsonl, csv, har, raw
    }

    @Option(name: .long, help: "asciicast, jsonl, csv, har or raw.")
    var format: Format

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var output: String?

    @Flag(name: .long, help: "asciicast v3 instead of v2.")
    var v3 = false

    func run() throws {
        guard !tapes.isUnspecified else {
            throw ValidationError("say which tapes to export: a number, a range (3-7), last, tag:T …, or --all")
        }
        let store = try self.store.open()
        let selected = try store.tapes(try tapes.filter()).filter { $0.endReason != nil }
        guard !selected.isEmpty else { throw ValidationError("no finished tape in \(self.store.path) matches") }
        if [.asciicast, .raw].contains(format), selected.count > 1 {
            throw ValidationError("\(format.rawValue) holds one tape and \(selected.count) match: name one (or use jsonl, csv or har)")
        }
        let loaded = try selected.map { try store.tape(with: $0) }
        let data: Data
        switch format {
        case .asciicast: data = try Asciicast.export(loaded[0], v3: v3)
        case .jsonl: data = try TapeJSONL.export(loaded)
        case .csv: data = Data(MetricsCSV.export(loaded.map { ($0.metadata, TapeMetrics(tape: $0)) }).utf8)
        case .har: data = try HAR.export(loaded)
        case .raw: data = Data(loaded[0].body)
        }
        if let output {
            do {
                try data.write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw ValidationError("cannot write \(output): \(error.localizedDescription)")
            }
            Terminal.note("wrote \(loaded.count) tape\(loaded.count == 1 ? "" : "s") as \(format.rawValue) to \(output)")
        } else {
            FileHandle.standardOutput.write(data)
        }
    }
}
