import ArgumentParser
import TapeCore
import TapeStore

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the recorded tapes.",
        discussion: """
            Examples:
              tokentape list
              tokentape list --tag release-42 --provider anthropic
              tokentape list --since 2h --json | jq '.[].id'
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var selection: SelectionOptions

    @Flag(name: .long, help: "Print JSON (an array of tapes) instead of a table.")
    var json = false

    func run() throws {
        let tapes = try store.open().tapes(selection.filter())
        if json { return try JSONOutput.print(tapes.map { TapeJSON($0) }) }
        guard !tapes.isEmpty else {
            Terminal.note("no tapes in \(store.path) match. Record one: tokentape demo, or curl -sN … | tokentape record --stdin")
            return
        }
        let rows = tapes.map { m in
            [
                "\(m.number ?? 0)", m.uid, m.startedAt.formatted(.iso8601), m.source.rawValue, m.provider?.rawValue ?? "–",
                m.model ?? "–", "\(m.chunkCount)", DurationText.bytes(m.byteCount), DurationText.seconds(m.tEnd),
                m.endReason?.rawValue ?? "recording", m.tags.joined(separator: ","),
            ]
        }
        print(Terminal.table(
            ["#", "id", "started (UTC)", "source", "provider", "model", "chunks", "bytes", "duration", "end", "tags"],
            rows, rightAligned: [0, 6, 7, 8]))
    }
}
