import TapeCore

/// A schedule as an `AsyncSequence` of writes, for replaying a tape into a
/// parser under test (XCTest, Swift Testing) or an async server.
///
/// On the real clock each write comes when it is due (`start + t / speed`
/// from one start instant, a late one at once); on the virtual clock every
/// write comes at once, carrying the time it was due, so a test of a parser's
/// timing logic runs in no time.
public struct ReplayStream: AsyncSequence, Sendable {
    public enum Clock: Sendable {
        case real
        case virtual
    }

    public struct Element: Sendable, Hashable {
        public var bytes: [UInt8]
        /// When it was due, ns after the start (speed applied).
        public var due: Int64
        /// How late it came, ns (0 on the virtual clock).
        public var lateness: Int64
    }

    public let schedule: ReplaySchedule
    public let clock: Clock

    public init(_ schedule: ReplaySchedule, clock: Clock = .real) {
        self.schedule = schedule
        self.clock = clock
    }

    /// A tape's replay under the options.
    public init(tape: Tape, options: ReplayOptions = ReplayOptions(), clock: Clock = .real) {
        self.init(ReplaySchedule(tape: tape, options: options), clock: clock)
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(schedule: schedule, clock: clock)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let schedule: ReplaySchedule
        let clock: Clock
        var index = 0
        var start: ContinuousClock.Instant?

        public mutating func next() async throws -> Element? {
            guard index < schedule.writes.count else { return nil }
            let write = schedule.writes[index]
            index += 1
            let speed = schedule.speed > 0 ? schedule.speed : 1
            let due = Int64((Double(write.t) / speed).rounded())
            guard clock == .real else { return Element(bytes: write.bytes, due: due, lateness: 0) }
            let start = self.start ?? ContinuousClock.now
            self.start = start
            let deadline = start + .nanoseconds(due)
            try await Task.sleep(until: deadline, tolerance: .zero, clock: .continuous)
            let late = ContinuousClock.now - deadline
            let ns = late.components.seconds * 1_000_000_000 + late.components.attoseconds / 1_000_000_000
            return Element(bytes: write.bytes, due: due, lateness: Swift.max(0, ns))
        }
    }
}
