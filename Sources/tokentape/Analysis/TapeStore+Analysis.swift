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
        let stale = try analyzeStale(filter, quiet: quiet)
        try forEachTimeline(filter) { metadata, timeline in
            // Only a tape still being recorded has no timeline here.
            try body(metadata, TapeMetrics(metadata: metadata, timeline: timeline ?? TokenTimeline(), settings: settings))
        }
        return stale
    }

    /// Builds and stores the timelines a selection lacks.
    /// - Returns: how many tapes were analysed from their chunks.
    @discardableResult
    func analyzeStale(_ filter: TapeFilter, quiet: Bool = false) throws -> Int {
        let stale = try tapesNeedingAnalysis(filter)
        guard !stale.isEmpty else { return 0 }
        if !quiet && stale.count >= 100 {
            Terminal.note("analysing \(stale.count) tapes from their chunks (stored, so the next run is fast)…")
        }
        try analyze(stale, threads: ProcessInfo.processInfo.activeProcessorCount)
        return stale.count
    }
}

/// Runs `body` for 0..<count on as many threads, and returns the results in order.
func parallelMap<T: Sendable>(_ count: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
    let results = ParallelResults<T>()
    DispatchQueue.concurrentPerform(iterations: count) { k in
        do {
            let value = try body(k)
            results.lock.withLock { results.values[k] = value }
        } catch {
            results.lock.withLock { results.error = results.error ?? error }
        }
    }
    if let error = results.error { throw error }
    return (0..<count).map { results.values[$0]! }
}

/// What the threads of `parallelMap` hand back, under a lock.
private final class ParallelResults<T>: @unchecked Sendable {
    let lock = NSLock()
    var values: [Int: T] = [:]
    var error: (any Error)?
}
