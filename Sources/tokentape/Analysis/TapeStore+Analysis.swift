import Foundation
import TapeAnalysis
import TapeCore
import TapeStore

extension TapeStore {
    /// Every tape of a selection with its metrics: timelines missing from the
    /// metrics table (or built under older definitions) are rebuilt from the
    /// chunks and stored first, then all are read from the table.
    /// - Returns: how many tapes were (re)analysed from their chunks.
    @discardableResult
    func forEachAnalyzed(
        _ filter: TapeFilter, settings: AnalysisSettings, quiet: Bool = false,
        _ body: (TapeMetadata, TapeMetrics) throws -> Void
    ) throws -> Int {
        let stale = try tapesNeedingAnalysis(filter)
        if !stale.isEmpty {
            if !quiet && stale.count >= 100 {
                Terminal.note("analysing \(stale.count) tapes from their chunks (stored, so the next run is fast)…")
            }
            try analyze(stale, threads: ProcessInfo.processInfo.activeProcessorCount)
        }
        try forEachTimeline(filter) { metadata, timeline in
            // Only a tape still being recorded has no timeline here.
            try body(metadata, TapeMetrics(metadata: metadata, timeline: timeline ?? TokenTimeline(), settings: settings))
        }
        return stale.count
    }
}
