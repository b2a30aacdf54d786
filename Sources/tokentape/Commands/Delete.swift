import ArgumentParser
import TapeStore

struct Delete: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete a tape with its chunks and tags.",
        discussion: "Example: tokentape delete 3")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The tape: a number, an id (tt_…) or `last`.", transform: TapeReference.argument)
    var tape: TapeReference

    func run() throws {
        let metadata = try store.open().delete(tape)
        print("deleted tape \(metadata.number!) (\(metadata.uid))")
    }
}
