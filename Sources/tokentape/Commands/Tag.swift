import ArgumentParser
import TapeStore

struct Tag: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add or remove a tape's tags.",
        discussion: """
            +T (or T) adds a tag, -T removes one.

            Examples:
              tokentape tag last +baseline
              tokentape tag 3 +release-42 -draft
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: "The tape: a number, an id (tt_…) or `last`.", transform: TapeReference.argument)
    var tape: TapeReference

    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("Tags to add (+T or T) and remove (-T).", valueName: "±tag"))
    var changes: [String] = []

    func validate() throws {
        if changes.isEmpty { throw ValidationError("name at least one tag to add (+T) or remove (-T)") }
        for change in changes where change.dropFirst(change.hasPrefix("+") || change.hasPrefix("-") ? 1 : 0).isEmpty {
            throw ValidationError("'\(change)' is not a tag change: write +name or -name")
        }
    }

    func run() throws {
        let add = changes.filter { !$0.hasPrefix("-") }.map { $0.hasPrefix("+") ? String($0.dropFirst()) : $0 }
        let remove = changes.filter { $0.hasPrefix("-") }.map { String($0.dropFirst()) }
        let metadata = try store.open().tag(tape, adding: add, removing: remove)
        print("tape \(metadata.number!): \(metadata.tags.isEmpty ? "no tags" : metadata.tags.joined(separator: ", "))")
    }
}
