#if canImport(Glibc)
import Glibc
#endif
import NIOCore

extension EventLoopGroup {
    /// Puts every loop thread of the group at the process's own priority (its nice value).
    ///
    /// A Linux thread starts at the priority of the thread that made it, and a group is made
    /// lazily, by whatever first needs it: usually a Swift concurrency worker, which Dispatch
    /// runs at nice -2. A loop at -2 keeps the core from the client it has just written to
    /// when both share one, until it has nothing left to do: on this project's 2-core machine
    /// that was about 40 µs on a proxied first byte and 9 µs per chunk (BENCHMARKS.md). At the
    /// process's priority, `nice` and `renice` also mean what the user meant.
    ///
    /// Runs as each loop's next task, so before any connection of the group is served;
    /// calling it again changes nothing.
    public func runAtProcessPriority() {
        #if os(Linux)
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        // On Linux the process id is the main thread's id, and 0 is the calling thread.
        errno = 0
        let nice = getpriority(which, id_t(getpid()))
        guard errno == 0 else { return }
        for loop in makeIterator() {
            loop.execute { _ = setpriority(which, 0, nice) }
        }
        #endif
    }
}
