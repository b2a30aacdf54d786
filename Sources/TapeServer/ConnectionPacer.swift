import Hummingbird
import NIOCore
import TapeReplay

/// Writes a schedule into a response body from the connection's own event
/// loop: the timer, the write and the flush all run on one thread.
///
/// Sleeping with `Task.sleep` and writing from Swift's global executor cost
/// about 30–60 µs of CPU per write (a dispatch timer, then thread hops); with
/// 1,000 streams at 50 writes/s that saturated two cores and made the p99
/// lateness 25–35 ms. On the event loop the timer is one entry in NIO's timer
/// heap and the write goes straight to the channel.
final class ConnectionPacer: TaskExecutor {
    let loop: any EventLoop

    init(loop: any EventLoop) {
        self.loop = loop
    }

    /// Every write at `start + t / speed` from one start instant (a late one at once).
    func play(_ writes: [ReplaySchedule.Write], speed: Double, into writer: inout any ResponseBodyWriter) async throws {
        try await withTaskExecutorPreference(self) {
            let start = NIODeadline.now()
            for write in writes {
                let deadline = start + .nanoseconds(Int64((Double(write.t) / speed).rounded()))
                if NIODeadline.now() < deadline { try await sleep(until: deadline) }
                try await writer.write(ByteBuffer(bytes: write.bytes))
            }
        }
    }

    /// Sleeps on the loop's timer heap; cancelling the task (server shutdown) ends the wait.
    private func sleep(until deadline: NIODeadline) async throws {
        let scheduled = loop.scheduleTask(deadline: deadline) {}
        try await withTaskCancellationHandler {
            try await scheduled.futureResult.get()
        } onCancel: {
            scheduled.cancel()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }
}
