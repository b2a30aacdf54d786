import Foundation

/// Lines written to stdout on a thread of their own, so a slow or stopped
/// reader of the proxy's log (a paused `| less`, a full pipe) never holds up
/// the streams whose tapes the lines describe.
///
/// At most `limit` lines wait; past that they are counted instead, and the
/// count is written once the reader takes lines again.
final class LogLines: @unchecked Sendable {
    /// Below the streams' priority: a line is not worth a stream's core. (A default queue runs
    /// on a Dispatch worker at nice -4, which took the core from a client just woken for its
    /// first byte; BENCHMARKS.md.)
    private let queue = DispatchQueue(label: "tokentape.log", qos: .utility)
    private let lock = NSLock()
    private var waiting = 0
    private var dropped = 0
    let limit: Int

    init(limit: Int = 10_000) {
        self.limit = limit
    }

    /// Queues a line; `make` builds it on the log's thread.
    func write(_ make: @escaping @Sendable () -> String) {
        let kept = lock.withLock {
            guard waiting < limit else {
                dropped += 1
                return false
            }
            waiting += 1
            return true
        }
        guard kept else { return }
        queue.async { [self] in
            let missed = lock.withLock {
                defer { dropped = 0 }
                return dropped
            }
            var text = make() + "\n"
            if missed > 0 { text = "(\(missed) log lines left out: stdout was not being read)\n" + text }
            Self.writeOut(text)
            lock.withLock { waiting -= 1 }
        }
    }

    /// Straight to fd 1, not through stdio: a write blocked on a full pipe then holds no stdio
    /// lock, so the process can still exit (exit flushes stdio, and would wait for that lock).
    private static func writeOut(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Foundation.write(1, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }  // stdout closed: the lines have nowhere to go
            bytes = bytes.dropFirst(n)
        }
    }

    /// Waits until every queued line is written, for at most `timeout` seconds: a stdout
    /// nobody reads must not keep the process from exiting (the tapes are committed by then).
    func drain(timeout: Double = 5) {
        let written = DispatchSemaphore(value: 0)
        queue.async { written.signal() }
        if written.wait(timeout: .now() + timeout) == .timedOut {
            let left = lock.withLock { waiting + dropped }
            FileHandle.standardError.write(Data("tokentape: \(left) log lines were not written: stdout was not being read\n".utf8))
        }
    }
}
