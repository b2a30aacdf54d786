import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle
import TapeNIO
import TapeReplay

/// Writes a schedule into a response body from the connection's own event
/// loop: the timer, the write and the flush all run on one thread.
///
/// Sleeping with `Task.sleep` and writing from Swift's global executor cost
/// about 30–60 µs of CPU per write (a dispatch timer, then thread hops); with
/// 1,000 streams at 50 writes/s that saturated two cores and made the p99
/// lateness 25–35 ms. On the event loop the timer is one entry in NIO's timer
/// heap and the write goes straight to the channel.
final class ConnectionPacer: Sendable {
    let loop: any EventLoop
    /// Set when the server shuts down: a replay can last minutes, and the
    /// user who pressed Ctrl-C wants the server gone now, not after it.
    private let state = NIOLockedValueBox(State())

    private struct State {
        var stopping = false
        var timer: Scheduled<Void>?
    }

    init(loop: any EventLoop) {
        self.loop = loop
    }

    /// Every write at `start + t / speed` from one start instant (a late one
    /// at once). Throws `ReplayStopped` when the server shuts down or the
    /// task is cancelled, which cuts the connection.
    func play(_ writes: [ReplaySchedule.Write], speed: Double, into writer: inout any ResponseBodyWriter) async throws {
        try await withTaskExecutorPreference(EventLoopExecutor(loop)) {
            try await withTaskCancellationOrGracefulShutdownHandler {
                let start = NIODeadline.now()
                for write in writes {
                    let deadline = start + .nanoseconds(Int64((Double(write.t) / speed).rounded()))
                    if NIODeadline.now() < deadline { try await sleep(until: deadline) }
                    if state.withLockedValue(\.stopping) { throw ReplayStopped() }
                    try await writer.write(ByteBuffer(bytes: write.bytes))
                }
            } onCancelOrGracefulShutdown: {
                self.state.withLockedValue {
                    $0.stopping = true
                    $0.timer?.cancel()
                }
            }
        }
    }

    /// Sleeps on the loop's timer heap, unless the replay is stopping.
    private func sleep(until deadline: NIODeadline) async throws {
        let scheduled = loop.scheduleTask(deadline: deadline) {}
        let stopping = state.withLockedValue {
            $0.timer = $0.stopping ? nil : scheduled
            return $0.stopping
        }
        if stopping { scheduled.cancel() }
        _ = try? await scheduled.futureResult.get()
        state.withLockedValue { $0.timer = nil }
        if state.withLockedValue(\.stopping) { throw ReplayStopped() }
    }
}

/// A replay cut short because the server is stopping.
struct ReplayStopped: Error {}
