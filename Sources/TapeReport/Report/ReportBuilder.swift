import Foundation
import TapeAnalysis
import TapeCore

/// Gathers what a report shows beyond `GroupStats`, a tape at a time, in
/// memory bounded by its limits: the ttft samples of each group (for the
/// curves), and only the worst tapes, their timelines and the longest stalls.
///
/// Feed it the same tapes as the `GroupStats` it will sit beside (one share
/// per thread if you like, then `merge`), then `build`.
public struct ReportBuilder: Sendable {
    /// How many timelines a report draws.
    public enum TimelineLimit: Sendable, Hashable {
        case count(Int)
        case all

        var value: Int {
            switch self {
            case .count(let n): n
            case .all: Int.max
            }
        }
    }

    /// Stall rows listed; the rest are counted.
    public static let stallLimit = 50
    /// Table rows at least, whatever the number of timelines.
    public static let tableMinimum = 100
    /// Marks across all timelines; each gets its share, within `marksPerTimeline`.
    public static let markBudget = 100_000
    public static let marksPerTimeline = 16...300

    public let dimensions: [GroupDimension]
    public let settings: AnalysisSettings
    public let timelineLimit: TimelineLimit
    private let maxMarks: Int
    private var ttft: [[String]: [Double]] = [:]
    private var allTTFT: [Double] = []
    private var rows: [ReportInput.TapeRow] = []
    private var timelines: [ReportTimeline] = []
    private var stalls: [ReportInput.StallRow] = []
    private var stallCount = 0
    private var tapeCount = 0
    private var untimed = 0
    private var firstStart: Date?
    private var lastStart: Date?

    /// - Parameter expectedTapes: about how many tapes will come, to share the mark budget.
    public init(
        by dimensions: [GroupDimension] = [], settings: AnalysisSettings = .standard, timelines: TimelineLimit = .count(12),
        expectedTapes: Int
    ) {
        // As `GroupedStats` orders them, so group keys match.
        self.dimensions = Array(Set(dimensions)).sorted()
        self.settings = settings
        timelineLimit = timelines
        let drawn = max(1, min(timelines.value, expectedTapes))
        maxMarks = min(max(Self.markBudget / drawn, Self.marksPerTimeline.lowerBound), Self.marksPerTimeline.upperBound)
    }

    private var tableLimit: Int { max(timelineLimit.value, Self.tableMinimum) }

    /// One tape. A tape still being recorded only counts towards the time span.
    public mutating func add(_ metadata: TapeMetadata, _ metrics: TapeMetrics, _ timeline: TokenTimeline) {
        firstStart = min(firstStart ?? metadata.startedAt, metadata.startedAt)
        lastStart = max(lastStart ?? metadata.startedAt, metadata.startedAt)
        guard let reason = metadata.endReason else { return }
        tapeCount += 1
        let row = ReportInput.TapeRow(metadata, metrics, endReason: reason)
        guard metadata.timed else {
            untimed += 1
            Self.keep(&rows, row, limit: tableLimit, by: ReportInput.TapeRow.precedes)
            return
        }
        // The same samples as the request-weighted ttft of `GroupStats`.
        if reason.outcome == .success, let t = row.ttft {
            allTTFT.append(t)
            for key in GroupDimension.keys(metadata, by: dimensions) { ttft[key, default: []].append(t) }
        }
        let spans = ReportTimeline.stalls(timeline.tokenTimes, threshold: settings.stallThreshold)
        stallCount += spans.count
        for span in spans {
            Self.keep(
                &stalls,
                ReportInput.StallRow(
                    number: metadata.number, uid: metadata.uid, at: span.from, length: span.to - span.from,
                    afterToken: span.afterToken),
                limit: Self.stallLimit, by: ReportInput.StallRow.precedes)
        }
        Self.keep(&rows, row, limit: tableLimit, by: ReportInput.TapeRow.precedes)
        // Only a tape that could still be among the worst is worth thinning.
        if timelines.count < timelineLimit.value || timelines.contains(where: { ReportInput.TapeRow.precedes(row, $0.tape) }) {
            let drawn = ReportTimeline(
                tape: row, tokenTimes: timeline.tokenTimes, end: metadata.tEnd, threshold: settings.stallThreshold,
                maxMarks: maxMarks)
            Self.keep(&timelines, drawn, limit: timelineLimit.value) { ReportInput.TapeRow.precedes($0.tape, $1.tape) }
        }
    }

    /// Takes in another share of the tapes.
    public mutating func merge(_ other: ReportBuilder) {
        if let theirs = other.firstStart { firstStart = min(firstStart ?? theirs, theirs) }
        if let theirs = other.lastStart { lastStart = max(lastStart ?? theirs, theirs) }
        allTTFT += other.allTTFT
        for (key, values) in other.ttft { ttft[key, default: []] += values }
        stallCount += other.stallCount
        tapeCount += other.tapeCount
        untimed += other.untimed
        for stall in other.stalls { Self.keep(&stalls, stall, limit: Self.stallLimit, by: ReportInput.StallRow.precedes) }
        for row in other.rows { Self.keep(&rows, row, limit: tableLimit, by: ReportInput.TapeRow.precedes) }
        for timeline in other.timelines {
            Self.keep(&timelines, timeline, limit: timelineLimit.value) { ReportInput.TapeRow.precedes($0.tape, $1.tape) }
        }
    }

    /// The report's input beside the stats of the same tapes (`GroupedStats.build()`).
    public consuming func build(
        selection: String, storeName: String, all: GroupStats, groups: [GroupStats], generatedAt: Date = Date()
    ) -> ReportInput {
        func trimmed<T>(_ values: [T], _ limit: Int, _ precedes: (T, T) -> Bool) -> [T] {
            Array(values.sorted(by: precedes).prefix(limit))
        }
        let header = ReportInput.Header(
            selection: selection, storeName: storeName, settings: settings, dimensions: dimensions, firstStart: firstStart,
            lastStart: lastStart, generatedAt: generatedAt)
        var reportGroups = [ReportInput.Group(name: "all", stats: all, ttft: allTTFT.sorted())]
        for group in groups {
            let key = dimensions.map { group.key[$0] ?? "" }
            let name = dimensions.map { "\($0.rawValue)=\(group.key[$0] ?? "")" }.joined(separator: " × ")
            reportGroups.append(ReportInput.Group(name: name, stats: group, ttft: (ttft[key] ?? []).sorted()))
        }
        return ReportInput(
            header: header, groups: reportGroups, stalls: trimmed(stalls, Self.stallLimit, ReportInput.StallRow.precedes),
            stallCount: stallCount, tapes: trimmed(rows, tableLimit, ReportInput.TapeRow.precedes), tapeCount: tapeCount,
            timelines: trimmed(timelines, timelineLimit.value) { ReportInput.TapeRow.precedes($0.tape, $1.tape) },
            untimed: untimed)
    }

    /// Keeps the first `limit` by `precedes`, sorting only once twice as many have piled up.
    private static func keep<T>(_ values: inout [T], _ value: T, limit: Int, by precedes: (T, T) -> Bool) {
        values.append(value)
        guard limit < Int.max / 2, values.count >= 2 * max(limit, 1) else { return }
        values.sort(by: precedes)
        values.removeSubrange(limit...)
    }
}
