import Dispatch
import NIOConcurrencyHelpers

/// Runs async work (a server, a batch of requests) from a synchronous
/// command and waits for it: the command's `main` stays synchronous, so
/// signals and exit codes work as in every other command.
final class AsyncWork<Result: Sendable>: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let state = NIOLockedValueBox<(task: Task<Void, Never>?, outcome: Swift.Result<Result, any Error>?)>((nil, nil))

    private init() {}

    /// Runs `body` and returns what it returns, or throws what it throws.
    static func wait(_ body: @escaping @Sendable () async throws -> Result) throws -> Result {
        try start(body).result()
    }

    /// Starts `body`; `result()` waits for it, `cancel()` (from a signal handler) cancels it.
    static func start(_ body: @escaping @Sendable () async throws -> Result) -> AsyncWork {
        let work = AsyncWork()
        let task = Task {
            let outcome: Swift.Result<Result, any Error>
            do {
                outcome = .success(try await body())
            } catch {
                outcome = .failure(error)
            }
            work.state.withLockedValue { $0.outcome = outcome }
            work.done.signal()
        }
        work.state.withLockedValue { $0.task = task }
        return work
    }

    func cancel() {
        state.withLockedValue { $0.task }?.cancel()
    }

    func result() throws -> Result {
        done.wait()
        return try state.withLockedValue { $0.outcome! }.get()
    }
}
