import Foundation
import TapeCore
import TapeReplay
import Testing

/// Real-time playback: writes are never early, lateness is reported, and the
/// controls act at once. Bounds are generous: tight figures belong in the benchmark.
struct ReplayPlayerTests {
    func schedule(_ ms: [Int64], speed: Double = 1) -> ReplaySchedule {
        ReplaySchedule(
            writes: ms.enumerated().map { ReplaySchedule.Write(bytes: [UInt8($0.offset)], t: $0.element * 1_000_000) },
            provider: .text, speed: speed)
    }

    @Test("each write goes out at its deadline from one start instant, never early; lateness is what was measured")
    func deadlines() {
        for speed in [1.0, 2.0] {
            let player = ReplayPlayer(schedule([0, 20, 40, 100, 101], speed: speed))
            let start = MonotonicClock.now()
            var at: [Int64] = []
            let outcome = player.play { _, _ in at.append(MonotonicClock.now() - start) }
            #expect(!outcome.stopped)
            #expect(outcome.lateness.count == 5)
            for (i, t) in [0, 20, 40, 100, 101].enumerated() {
                let deadline = Int64(Double(t) * 1e6 / speed)
                #expect(at[i] >= deadline, "write \(i) early at speed \(speed)")
                #expect(outcome.lateness[i] >= 0 && outcome.lateness[i] < 50_000_000)
                #expect(at[i] - deadline < 60_000_000)
            }
        }
    }

    @Test("pause holds the schedule for as long as it lasts; stop ends it")
    func pauseAndStop() {
        let player = ReplayPlayer(schedule([0, 30, 60]))
        let first = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let times = Times()
        let start = MonotonicClock.now()
        Thread {
            _ = player.play { write, _ in
                times.add(MonotonicClock.now() - start)
                if write.bytes == [0] { first.signal() }
            }
            done.signal()
        }.start()
        #expect(first.wait(timeout: .now() + 5) == .success)
        player.pause()
        Thread.sleep(forTimeInterval: 0.2)
        player.resume()
        #expect(done.wait(timeout: .now() + 5) == .success)
        // Due at 30 and 60 ms; a pause of at least 200 ms moved the origin, so at least 230 and 260 ms.
        let at = times.values
        #expect(at.count == 3)
        #expect(at[1] >= 230_000_000)
        #expect(at[2] >= 260_000_000)

        let stopped = ReplayPlayer(schedule([0, 10_000]))
        let stopper = Thread {
            Thread.sleep(forTimeInterval: 0.05)
            stopped.stop()
        }
        stopper.start()
        let outcome = stopped.play { _, _ in }
        #expect(outcome.stopped)
        #expect(outcome.lateness.count == 1)
    }

    @Test("a new speed applies from the current position on")
    func speedChange() {
        let player = ReplayPlayer(schedule([0, 400]))
        let start = MonotonicClock.now()
        var last: Int64 = 0
        let changer = Thread {
            Thread.sleep(forTimeInterval: 0.1)
            player.setSpeed(4)
        }
        changer.start()
        _ = player.play { _, _ in last = MonotonicClock.now() - start }
        // 100 ms at 1× covers 100 ms of the schedule; the other 300 ms take 75 ms at 4×.
        #expect(last >= 170_000_000)
        #expect(last < 380_000_000)
        #expect(player.currentSpeed == 4)
    }

    @Test("the async stream: the virtual clock gives every write at once with its due time; the real clock is never early")
    func stream() async throws {
        var virtual: [ReplayStream.Element] = []
        for try await write in ReplayStream(schedule([0, 500, 1000], speed: 2), clock: .virtual) { virtual.append(write) }
        #expect(virtual.map(\.due) == [0, 250_000_000, 500_000_000])
        #expect(virtual.map(\.bytes) == [[0], [1], [2]])

        let start = ContinuousClock.now
        var offsets: [Duration] = []
        for try await _ in ReplayStream(schedule([0, 30, 60]), clock: .real) { offsets.append(ContinuousClock.now - start) }
        #expect(offsets.count == 3)
        #expect(offsets[1] >= .milliseconds(30))
        #expect(offsets[2] >= .milliseconds(60))
    }
}

/// Times written by a player thread, read by the test.
final class Times: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Int64] = []
    func add(_ t: Int64) { lock.withLock { list.append(t) } }
    var values: [Int64] { lock.withLock { list } }
}
