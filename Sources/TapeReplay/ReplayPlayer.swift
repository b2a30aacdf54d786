#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TapeCore

/// Plays a schedule in real time on the calling thread.
///
/// Every write is due at `origin + t / speed`, with one origin for the whole
/// replay, so waiting errors never add up; a late write goes out at once.
/// The wait is a condition wait on the monotonic clock with an absolute
/// deadline, so `pause`, `resume`, `setSpeed` and `stop` from another thread
/// (a key press) take effect at once: pausing moves the origin by the pause,
/// a new speed re-anchors it at the current position.
public final class ReplayPlayer: @unchecked Sendable {
    public let schedule: ReplaySchedule
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    // Guarded by `mutex`.
    private var origin: Int64 = 0
    private var speed: Double
    private var pausedAt: Int64?
    private var stopped = false

    /// What a replay achieved.
    public struct Outcome: Sendable {
        /// For each write made, ns between its deadline and the moment it was
        /// written (never negative: a write is never early).
        public var lateness: [Int64]
        /// True when `stop()` ended it before the last write.
        public var stopped: Bool
    }

    public init(_ schedule: ReplaySchedule) {
        self.schedule = schedule
        speed = schedule.speed > 0 ? schedule.speed : 1
        pthread_mutex_init(&mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(&condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    /// Writes each write when it is due; `write` runs outside the lock.
    public func play(_ write: (ReplaySchedule.Write, _ lateness: Int64) throws -> Void) rethrows -> Outcome {
        var lateness: [Int64] = []
        lateness.reserveCapacity(schedule.writes.count)
        Self.tightenTimerSlack()
        locked { origin = MonotonicClock.now() }
        for item in schedule.writes {
            guard let late = waitUntilDue(item.t) else { return Outcome(lateness: lateness, stopped: true) }
            lateness.append(late)
            try write(item, late)
        }
        return Outcome(lateness: lateness, stopped: false)
    }

    /// Linux lets a timed wait end up to 50 µs late by default (timer slack),
    /// to batch wake-ups; a player wants its deadlines. Best effort: the file
    /// sets the calling thread's slack when it is the process's main thread.
    static func tightenTimerSlack() {
        #if os(Linux)
        let fd = open("/proc/self/timerslack_ns", O_WRONLY)
        guard fd >= 0 else { return }
        _ = "1".withCString { write(fd, $0, 1) }
        close(fd)
        #endif
    }

    /// Sleeps until schedule time `t` is due; nil when stopped.
    private func waitUntilDue(_ t: Int64) -> Int64? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while true {
            if stopped { return nil }
            if pausedAt != nil {
                pthread_cond_wait(&condition, &mutex)
                continue
            }
            let deadline = origin + Int64((Double(t) / speed).rounded())
            let now = MonotonicClock.now()
            if now >= deadline { return now - deadline }
            var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
            pthread_cond_timedwait(&condition, &mutex, &ts)
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer {
            pthread_cond_broadcast(&condition)
            pthread_mutex_unlock(&mutex)
        }
        return body()
    }

    public var isPaused: Bool { locked { pausedAt != nil } }
    public var currentSpeed: Double { locked { speed } }

    public func pause() {
        locked { if pausedAt == nil { pausedAt = MonotonicClock.now() } }
    }

    public func resume() {
        locked {
            if let pausedAt {
                origin += MonotonicClock.now() - pausedAt
                self.pausedAt = nil
            }
        }
    }

    public func togglePause() {
        if isPaused { resume() } else { pause() }
    }

    /// A new speed from the current position on.
    public func setSpeed(_ newSpeed: Double) {
        guard newSpeed > 0, newSpeed.isFinite else { return }
        locked {
            let now = pausedAt ?? MonotonicClock.now()
            let position = Double(now - origin) * speed
            origin = now - Int64((position / newSpeed).rounded())
            speed = newSpeed
        }
    }

    public func stop() {
        locked { stopped = true }
    }
}
