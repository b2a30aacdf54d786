import Foundation

/// Lines written to stdout on a thread of their own, so a slow or stopped
/// reader of the proxy's log (a paused `| less`, a full pipe) never holds up
/// the streams whose tapes the lines describe.
///
/// At most `limit` lines wait; past that they are counted instead, and the
/// count is written once the reader takes lines again.
final class LogLines: @unchecked Sendable {
    private let queue = DispatchQueue(label: "tokentape.log")
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
            Terminal.write(text)
            lock.withLock { waiting -= 1 }
        }
    }

    /// Waits until every queued line is written.
    func drain() {
        queue.sync {}
    }
}
