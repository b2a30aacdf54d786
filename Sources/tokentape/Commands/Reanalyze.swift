import ArgumentParser
import Foundation
import TapeAnalysis
import TapeCore
import TapeStore

struct Reanalyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild the metrics table from the tapes' chunks.",
        discussion: """
            Each finished tape's timeline (when each token arrived, token counts) is derived from its \
            chunks and stored in the metrics table, which stats, check and compare read. It is filled \
            when a tape finishes and rebuilt on demand when the definitions change; this command \
            rebuilds it for a selection (default: every tape), e.g. after importing tapes by hand. \
            The chunks stay the truth: nothing else changes.

            Examples:
              tokentape reanalyze
              tokentape reanalyze --tag release-42
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var tapes: TapeSetOptions

    @Option(name: .long, help: "Decoding threads (default: one per core).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func run() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        let store = try self.store.open()
        let numbers = try store.tapes(tapes.filter()).filter { $0.endReason != nil }.compactMap(\.number)
        let start = ContinuousClock.now
        try store.analyze(numbers, threads: threads)
        let elapsed = ContinuousClock.now - start
        print("reanalysed \(numbers.count) tapes in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))")
    }
}
