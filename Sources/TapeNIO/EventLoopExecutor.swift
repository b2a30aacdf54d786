import NIOCore

/// Runs a task's code on one NIO event loop: the loop of the connection it
/// serves. With `withTaskExecutorPreference(EventLoopExecutor(loop))`, timers,
/// reads from an HTTP client on the same loop, and writes to the connection
/// all happen on one thread, with no hop through Swift's global executor
/// (measured: tens of µs of CPU per write otherwise, and the wake-up latency
/// of another thread).
public final class EventLoopExecutor: TaskExecutor {
    public let loop: any EventLoop

    public init(_ loop: any EventLoop) {
        self.loop = loop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }
}
