import Foundation
import TapeCore

/// How a user names a tape: its number, its text id, or `last`.
public enum TapeReference: Sendable, Hashable, CustomStringConvertible {
    case number(Int64)
    case uid(String)
    case last

    public init(parsing text: String) throws {
        if text == "last" {
            self = .last
        } else if let n = Int64(text), n > 0 {
            self = .number(n)
        } else if text.hasPrefix("tt_"), text.count > 3 {
            self = .uid(text)
        } else {
            throw TapeStoreError.invalidReference(text)
        }
    }

    public var description: String {
        switch self {
        case .number(let n): "\(n)"
        case .uid(let uid): uid
        case .last: "last"
        }
    }
}

/// Which tapes a listing takes. Every condition given must hold.
public struct TapeFilter: Sendable {
    /// Only these tapes and those in `ranges`, when either is not empty.
    public var references: [TapeReference] = []
    /// Tape numbers, inclusive ranges.
    public var ranges: [ClosedRange<Int64>] = []
    /// Tapes carrying all of these tags.
    public var tags: [String] = []
    public var provider: Provider?
    public var model: String?
    /// Tapes started at or after this time.
    public var since: Date?
    /// At most this many, the newest.
    public var limit: Int?
    /// Only the tapes whose number is `index` modulo `count`: one share of
    /// the selection, for reading it on several threads.
    public var shard: (index: Int, count: Int)?

    public init(
        references: [TapeReference] = [], ranges: [ClosedRange<Int64>] = [], tags: [String] = [], provider: Provider? = nil, model: String? = nil,
        since: Date? = nil, limit: Int? = nil
    ) {
        self.references = references
        self.ranges = ranges
        self.tags = tags
        self.provider = provider
        self.model = model
        self.since = since
        self.limit = limit
    }
}
