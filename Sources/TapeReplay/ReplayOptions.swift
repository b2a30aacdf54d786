import TapeCore

/// How a tape is played back: timing, boundaries and faults are separate
/// controls, and all of them are seeded, so the same options give the same
/// bytes and the same schedule.
public struct ReplayOptions: Sendable, Hashable {
    /// Divides every time; applied at play time, so a player can change it.
    public var speed: Double = 1
    /// Every write at once.
    public var instant = false
    /// Caps every wait (the first included), like asciinema's idle time limit; ns.
    public var maxGap: Int64?
    /// Sets the first wait; everything after moves with it; ns.
    public var firstWait: Int64?
    /// At most this many bytes (or events) a second.
    public var rate: Rate?
    public var rechunk: Rechunk = .original
    public var faults: [Fault] = []
    public var seed: UInt64 = 1

    public init() {}

    public enum Rate: Sendable, Hashable {
        case bytesPerSecond(Double)
        case eventsPerSecond(Double)
    }

    /// Where the writes begin and end. The bytes written are always the
    /// tape's (before faults), whatever the boundaries.
    public enum Rechunk: String, Sendable, Hashable, CaseIterable {
        /// The reads as recorded.
        case original
        /// One write per decoded event.
        case event
        /// Every byte its own write.
        case byte
        /// Seeded random cuts, independent of the recorded ones.
        case random
        /// The recorded cuts plus one inside every multibyte UTF-8 character.
        case utf8Split = "utf8-split"
        /// The recorded cuts plus one between every CR and LF.
        case crlfSplit = "crlf-split"
    }
}

/// Something going wrong on purpose, shaped like the tape's provider where that matters.
public enum Fault: Sendable, Hashable, CustomStringConvertible {
    /// Stop after `n` recorded reads (or bytes), closing cleanly or resetting the connection.
    case truncateAfterReads(Int, reset: Bool)
    case truncateAfterBytes(Int, reset: Bool)
    /// Hold read `k` (from 0) and everything after it back by `ns`.
    case stall(atRead: Int, ns: Int64)
    /// A provider-shaped error event before read `k`, then the end.
    case errorEvent(atRead: Int)
    /// Leave out, or send twice, decoded event `k` (from 0).
    case dropEvent(Int)
    case duplicateEvent(Int)
    /// Overwrite `n` seeded-random bytes with seeded-random values.
    case corrupt(bytes: Int)
    /// Answer with this HTTP status and a provider-shaped error body instead of the stream.
    case status(Int, retryAfter: Int?)

    public var description: String {
        switch self {
        case .truncateAfterReads(let n, let reset): "truncate after \(n) reads\(reset ? " (reset)" : "")"
        case .truncateAfterBytes(let n, let reset): "truncate after \(n) bytes\(reset ? " (reset)" : "")"
        case .stall(let k, let ns): "stall \(Double(ns) / 1e6) ms at read \(k)"
        case .errorEvent(let k): "error event at read \(k)"
        case .dropEvent(let k): "drop event \(k)"
        case .duplicateEvent(let k): "duplicate event \(k)"
        case .corrupt(let n): "corrupt \(n) bytes"
        case .status(let s, _): "HTTP \(s) before the stream"
        }
    }
}
