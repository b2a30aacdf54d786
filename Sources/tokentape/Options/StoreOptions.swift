import ArgumentParser
import Foundation
import TapeStore

/// `--db`, shared by every command that opens the store.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The tokentape database file.", discussion: "Default: $TOKENTAPE_DB, else ./tokentape.sqlite.",
            valueName: "path"))
    var db: String?

    var path: String {
        db ?? ProcessInfo.processInfo.environment["TOKENTAPE_DB"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "./tokentape.sqlite"
    }

    func open() throws -> TapeStore {
        let store = try TapeStore(path: path)
        for number in store.interruptedOnOpen {
            Terminal.note("tape \(number) was left open by a recorder that stopped; it is now marked interrupted")
        }
        return store
    }
}

extension TapeReference {
    /// For `@Argument(transform:)`: a bad reference names itself and what would do.
    static func argument(_ text: String) throws -> TapeReference {
        do {
            return try TapeReference(parsing: text)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
