import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TapeNIO

/// What every connection of one running proxy shares: its settings, the
/// recorder, the upstream connections, and the list of open client
/// connections, so that stopping ends every tape still streaming.
final class RunningProxy: Sendable {
    let configuration: RecordingProxy.Configuration
    let address: UpstreamAddress
    let recorder: Recorder
    let pool: UpstreamPool
    let onFinish: @Sendable (RecordingProxy.Finished) -> Void
    /// The loop every connection, client and upstream, runs on.
    let group: any EventLoopGroup = RunningProxy.loop

    /// One loop for every proxy in the process, for the life of the process.
    ///
    /// With a loop per core, a new client connection is accepted on one thread and served on
    /// another, which must wake up first: one loop takes about 50 µs off a new connection's first
    /// byte (BENCHMARKS.md). One core is far more than streams need: it passes about 400,000
    /// chunks a second while recording them, and the database writer has a thread of its own.
    /// Its thread runs at the process's priority (`runAtProcessPriority()` says why).
    static let loop: MultiThreadedEventLoopGroup = {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        group.runAtProcessPriority()
        return group
    }()
    private let state = NIOLockedValueBox(State())

    private struct State {
        var connections: [ObjectIdentifier: NIOLoopBound<ProxyConnection>] = [:]
        var stopping = false
        /// Resumed when the last connection has closed after `stop`.
        var drained: CheckedContinuation<Void, Never>?
    }

    init(
        configuration: RecordingProxy.Configuration, recorder: Recorder, pool: UpstreamPool,
        onFinish: @escaping @Sendable (RecordingProxy.Finished) -> Void
    ) {
        self.configuration = configuration
        address = UpstreamAddress(configuration.upstream)
        self.recorder = recorder
        self.pool = pool
        self.onFinish = onFinish
    }

    /// A client connected (on its channel's loop).
    func opened(_ connection: ProxyConnection, channel: any Channel) {
        let stopping = state.withLockedValue { state in
            if !state.stopping { state.connections[ObjectIdentifier(connection)] = NIOLoopBound(connection, eventLoop: channel.eventLoop) }
            return state.stopping
        }
        if stopping { channel.close(promise: nil) }
    }

    /// A client connection closed.
    func closed(_ connection: ProxyConnection) {
        let drained = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.connections[ObjectIdentifier(connection)] = nil
            guard state.stopping, state.connections.isEmpty else { return nil }
            defer { state.drained = nil }
            return state.drained
        }
        drained?.resume()
    }

    /// Ends every exchange in flight (`client_cancelled` with `reason`),
    /// closes every client connection and waits until they have closed, then
    /// closes the idle upstream connections.
    ///
    /// A connection can close while its loop is still ending the tape it carried (the
    /// client is sent the end first, and may close at once): one task on every loop,
    /// queued behind that work, waits for it, so the tape is ended before the recorder closes.
    func stop(because reason: String) async {
        await withCheckedContinuation { (drained: CheckedContinuation<Void, Never>) in
            let open = state.withLockedValue { state -> [NIOLoopBound<ProxyConnection>] in
                state.stopping = true
                guard !state.connections.isEmpty else { return [] }
                state.drained = drained
                return Array(state.connections.values)
            }
            if open.isEmpty { return drained.resume() }
            for connection in open {
                connection.eventLoop.execute { connection.value.stop(because: reason) }
            }
        }
        for loop in group.makeIterator() { try? await loop.submit {}.get() }
        await pool.closeAll()
    }
}
