import Foundation
import TapeAnalysis
import TapeCore

extension ReportInput {
    /// One finished tape as the report's table and timelines show it.
    public struct TapeRow: Sendable, Hashable {
        public var number: Int64?
        public var uid: String
        public var provider: Provider?
        public var model: String?
        public var tags: [String]
        public var endReason: EndReason
        public var endPhase: EndPhase?
        /// What the recorder said about the end (an error message, a status); user data.
        public var endDetail: String?
        /// ms; nil when undefined (no token, or no read times).
        public var ttft: Double?
        public var e2e: Double?
        public var outputTokens: Int?
        public var stalls: Int
        /// ms.
        public var longestStall: Double?
        /// False for a tape without read times.
        public var timed: Bool

        public init(_ metadata: TapeMetadata, _ metrics: TapeMetrics, endReason: EndReason) {
            number = metadata.number
            uid = metadata.uid
            provider = metadata.provider
            model = metadata.model
            tags = metadata.tags
            self.endReason = endReason
            endPhase = metadata.endPhase
            endDetail = metadata.endDetail
            ttft = metrics.ttft.map { Double($0) / 1e6 }
            e2e = metrics.e2e.map { Double($0) / 1e6 }
            outputTokens = metrics.outputTokens
            stalls = metrics.stalls.count
            longestStall = metrics.stalls.longest.map { Double($0) / 1e6 }
            timed = metadata.timed
        }

        /// Why a tape is worth a look, most urgent first.
        public enum Concern: Int, Sendable, Comparable {
            case dropped, interrupted, stalled, none

            public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
        }

        public var concern: Concern {
            switch endReason.outcome {
            case .dropped: .dropped
            case .unknown: .interrupted
            case .success: stalls > 0 ? .stalled : .none
            }
        }

        /// How bad within its concern: the wait of a dropped tape, the longest
        /// stall of a stalled one, else the ttft (undefined sorts last).
        var severity: Double {
            switch concern {
            case .dropped, .interrupted: e2e ?? -1
            case .stalled: longestStall ?? -1
            case .none: ttft ?? -1
            }
        }

        /// The rule of "worst first": dropped tapes (longest wait first), then
        /// interrupted ones, then stalled (longest stall first), then the rest
        /// by slowest ttft; ties by tape number.
        public static func precedes(_ a: Self, _ b: Self) -> Bool {
            if a.concern != b.concern { return a.concern < b.concern }
            if a.severity != b.severity { return a.severity > b.severity }
            return (a.number ?? 0, a.uid) < (b.number ?? 0, b.uid)
        }

        /// `#12`, or the text id of a tape without a number.
        public var name: String { number.map { "#\($0)" } ?? uid }
    }
}
