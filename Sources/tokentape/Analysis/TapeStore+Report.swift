import Foundation
import TapeAnalysis
import TapeCore
import TapeReport
import TapeStore

extension TapeStore {
    /// What a report of a selection shows: the figures exactly as `stats`
    /// computes them, then one more pass, a share of the tapes per core, for
    /// the ttft curves, the worst tapes with their timelines and the longest stalls.
    func reportInput(
        _ filter: TapeFilter, by dimensions: [GroupDimension], settings: AnalysisSettings,
        timelines: ReportBuilder.TimelineLimit, selection: String, storeName: String
    ) throws -> ReportInput {
        let (all, groups) = try Stats.collect(self, filter, by: dimensions, settings: settings)
        let shards = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let builders = try parallelMap(shards) { k -> ReportBuilder in
            var share = filter
            share.shard = (k, shards)
            var builder = ReportBuilder(by: dimensions, settings: settings, timelines: timelines, expectedTapes: all.tapes)
            try forEachTimeline(share) { metadata, timeline in
                // Only a tape still being recorded has no timeline here.
                let timeline = timeline ?? TokenTimeline()
                builder.add(metadata, TapeMetrics(metadata: metadata, timeline: timeline, settings: settings), timeline)
            }
            return builder
        }
        var builder = builders[0]
        for other in builders.dropFirst() { builder.merge(other) }
        return builder.build(selection: selection, storeName: storeName, all: all, groups: groups)
    }
}
