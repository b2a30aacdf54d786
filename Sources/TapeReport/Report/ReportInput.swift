import Foundation
import TapeAnalysis
import TapeCore

/// Everything an HTML report shows, gathered by the caller from the store
/// (`ReportBuilder` does the gathering a tape at a time): the renderer never
/// opens the database.
public struct ReportInput: Sendable {
    public var header: Header
    /// All tapes first, then each group, as `stats --by` gives them.
    public var groups: [Group]
    /// The longest stalls, longest first, capped.
    public var stalls: [StallRow]
    /// Every stall of the selection, listed or not.
    public var stallCount: Int
    /// Finished tapes, worst first (`TapeRow.precedes`), capped.
    public var tapes: [TapeRow]
    /// Finished tapes in all, listed or not.
    public var tapeCount: Int
    /// The token arrivals of the first tapes of `tapes`.
    public var timelines: [ReportTimeline]
    /// Tapes without read times (imported bodies): left out of every time chart.
    public var untimed: Int

    public init(
        header: Header, groups: [Group], stalls: [StallRow], stallCount: Int, tapes: [TapeRow], tapeCount: Int,
        timelines: [ReportTimeline], untimed: Int
    ) {
        self.header = header
        self.groups = groups
        self.stalls = stalls
        self.stallCount = stallCount
        self.tapes = tapes
        self.tapeCount = tapeCount
        self.timelines = timelines
        self.untimed = untimed
    }

    /// The selection has no tape at all.
    public var isEmpty: Bool { groups.first.map { $0.stats.tapes == 0 } ?? true }

    /// What was selected and under which settings.
    public struct Header: Sendable {
        /// The selection as the user wrote it, e.g. `tag:v1 --provider openai-chat`, or `all tapes`.
        public var selection: String
        /// The store file's name (its folder says nothing to a reader of the page).
        public var storeName: String
        public var settings: AnalysisSettings
        public var dimensions: [GroupDimension]
        /// The first and last `startedAt` of the selected tapes.
        public var firstStart: Date?
        public var lastStart: Date?
        public var generatedAt: Date

        public init(
            selection: String, storeName: String, settings: AnalysisSettings, dimensions: [GroupDimension],
            firstStart: Date?, lastStart: Date?, generatedAt: Date
        ) {
            self.selection = selection
            self.storeName = storeName
            self.settings = settings
            self.dimensions = dimensions
            self.firstStart = firstStart
            self.lastStart = lastStart
            self.generatedAt = generatedAt
        }
    }

    /// One group's figures and the samples its TTFT curve is drawn from.
    public struct Group: Sendable {
        /// `all`, or the group's values such as `tag=v1 × model=gpt-4o`.
        public var name: String
        public var stats: GroupStats
        /// ttft of each completed, timed tape, ms, ascending: the samples of `stats`' request-weighted ttft.
        public var ttft: [Double]

        public init(name: String, stats: GroupStats, ttft: [Double]) {
            self.name = name
            self.stats = stats
            self.ttft = ttft
        }
    }

    /// One stall: a gap between token events longer than the threshold.
    public struct StallRow: Sendable, Hashable {
        public var number: Int64?
        public var uid: String
        /// ms after `t_send` at which the wait began (the token before the gap).
        public var at: Double
        /// ms.
        public var length: Double
        /// Token events delivered before the gap.
        public var afterToken: Int

        public init(number: Int64?, uid: String, at: Double, length: Double, afterToken: Int) {
            self.number = number
            self.uid = uid
            self.at = at
            self.length = length
            self.afterToken = afterToken
        }

        /// Longest first; ties by tape, then time.
        public static func precedes(_ a: Self, _ b: Self) -> Bool {
            (b.length, a.number ?? 0, a.at) < (a.length, b.number ?? 0, b.at)
        }
    }
}
