import ArgumentParser
import Foundation
import TapeCore
import TapeReport
import TapeStore

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bring tapes in from a file: tokentape JSONL, a HAR (a browser's too), an asciicast, or a raw .sse/.ndjson body.",
        discussion: """
            The format is told from the contents. A JSONL or HAR written by `tokentape export` comes \
            back with the same bytes and times (tagged `imported`); a browser's HAR gives one tape per \
            streaming response (text/event-stream, NDJSON, or a provider's stream path), its body as one \
            read since a browser keeps no read times. A raw body (.sse, .ndjson, curl's output) has no read \
            times at all: its tape says so, and the metrics that need time are null. An asciicast (.cast) \
            becomes a text tape of what the terminal showed, at its times. A file that cannot be \
            read whole writes nothing.

            Examples:
              tokentape export --all --format jsonl -o backup.jsonl && tokentape import backup.jsonl --db other.sqlite
              tokentape import chat-session.har --tag from-browser
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: ArgumentHelp("The file: .jsonl, .har, .cast, or a raw .sse/.ndjson body.", valueName: "file"))
    var file: String

    @Option(name: .long, help: "Tag the imported tapes (repeat for several).")
    var tag: [String] = []

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ValidationError("cannot read \(file)")
        }
        var tapes: [Tape]
        do {
            tapes = try Self.parse(data, name: URL(fileURLWithPath: file).lastPathComponent)
        } catch let error as ImportError {
            throw ValidationError("\(file): \(error.description); nothing was imported")
        }
        let store = try self.store.open()
        for uid in tapes.map(\.metadata.uid) where (try? store.metadata(.uid(uid))) != nil {
            throw ValidationError("\(file): tape \(uid) is already in \(self.store.path); nothing was imported")
        }
        for i in tapes.indices {
            tapes[i].metadata.tags = Array(Set(tapes[i].metadata.tags + tag)).sorted()
            if tapes[i].metadata.endReason == nil { Self.classifyEnd(&tapes[i]) }
        }
        let numbers = try store.insert(tapes)
        let range = numbers.count == 1 ? "tape \(numbers[0])" : "tapes \(numbers.first!)–\(numbers.last!)"
        print("imported \(numbers.count) tape\(numbers.count == 1 ? "" : "s") from \(file): \(range)")
    }

    /// JSONL when the first line is a tokentape tape line; a raw body when the
    /// name says .sse/.ndjson or the bytes are SSE; else HAR.
    static func parse(_ data: Data, name: String) throws -> [Tape] {
        let firstLine = data.prefix { $0 != 0x0A }
        if let object = (try? JSONSerialization.jsonObject(with: firstLine)) as? [String: Any], object["type"] as? String == "tape" {
            let tapes = try TapeJSONL.tapes(from: data)
            guard !tapes.isEmpty else { throw ImportError("no tape inside") }
            return tapes
        }
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { throw ImportError("the file is empty") }
        let ext = URL(fileURLWithPath: name).pathExtension.lowercased()
        if ext == "cast" || ((try? JSONSerialization.jsonObject(with: firstLine)) as? [String: Any])?["version"] is Int {
            return [try Asciicast.tape(from: data, name: name)]
        }
        if ["sse", "ndjson", "jsonl", "txt", "raw", "stream"].contains(ext) || data.starts(with: Array("data:".utf8))
            || data.starts(with: Array("event:".utf8)) {
            return [try RawBody.tape(Array(data), name: name)]
        }
        return try HAR.tapes(from: data)
    }

    /// How a tape that does not say ended: what its stream says, as a recording would.
    static func classifyEnd(_ tape: inout Tape) {
        let decoded = tape.decode()
        var outcome = StreamOutcome()
        for event in decoded.events { outcome.add(event) }
        tape.metadata.provider = tape.metadata.provider ?? decoded.provider
        tape.metadata.model = tape.metadata.model ?? decoded.model
        tape.metadata.endReason = outcome.endReason(provider: decoded.provider, transport: .eof, status: tape.metadata.response?.status)
        tape.metadata.endPhase = outcome.phase
    }
}
