import Dispatch

/// Runs async work (a server) from a synchronous command and waits for it:
/// the command's `main` stays synchronous, so signals and exit codes work as
/// in every other command.
enum AsyncWork {
    static func wait(_ body: @escaping @Sendable () async throws -> Void) throws {
        let outcome = Outcome()
        Task {
            do {
                try await body()
            } catch {
                outcome.error = error
            }
            outcome.done.signal()
        }
        outcome.done.wait()
        if let error = outcome.error { throw error }
    }

    private final class Outcome: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        // Written before `done` is signalled, read after it is waited for.
        var error: (any Error)?
    }
}
