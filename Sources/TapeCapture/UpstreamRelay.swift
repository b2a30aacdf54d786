import AsyncHTTPClient
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import TapeCore
import TapeStore

/// Receives one upstream response for `record URL` (async-http-client's
/// delegate). Each body part is timestamped the moment the HTTP client hands
/// it over, before anything else, then put on the tape and passed to whoever
/// reads `nextParts()` (the terminal). A slow reader slows the upstream
/// (back-pressure) instead of filling memory. (The proxy does not use it: it
/// drives NIO channels itself, `ProxyExchange`.)
///
/// The tape ends here too, whatever ends the exchange: the body's clean end,
/// an upstream failure, a timeout, or `cancel()` when the client goes away.
public final class UpstreamRelay: HTTPClientResponseDelegate, Sendable {
    public typealias Response = Void

    /// One read from the upstream, and the events it completed.
    public struct Part: Sendable {
        public var buffer: ByteBuffer
        public var events: [StreamEvent]
    }

    public let recording: Recording
    /// The response head, or the error that came instead.
    public let head: EventLoopFuture<HTTPResponseHead>
    /// Called once, with how the tape ended and the events the decoder still held.
    private let onFinish: @Sendable (TapeWriter.Ending, [StreamEvent]) -> Void
    private let headPromise: EventLoopPromise<HTTPResponseHead>
    private let loop: any EventLoop
    private let state = NIOLockedValueBox(State())

    /// Reads waiting for the reader beyond this many pause the upstream.
    static let highWatermark = 256

    private struct State {
        /// Reads the reader has not taken yet.
        var queue: [Part] = []
        /// The reader, waiting for reads.
        var reader: CheckedContinuation<[Part]?, any Error>?
        /// How the body ended, once it did: nil for a clean end.
        var ended: (any Error)??
        var task: HTTPClient.Task<Void>?
        /// The upstream read waiting for the reader to catch up.
        var paused: EventLoopPromise<Void>?
        var headDelivered = false
        /// Why the exchange was cancelled, once it was.
        var cancelled: String?
        var finished = false
    }

    /// - Parameter loop: where the HTTP client calls this delegate; pass the
    ///   same loop as the request's `.delegate(on:)` preference.
    public init(
        recording: Recording, loop: any EventLoop,
        onFinish: @escaping @Sendable (TapeWriter.Ending, [StreamEvent]) -> Void = { _, _ in }
    ) {
        self.recording = recording
        self.loop = loop
        self.onFinish = onFinish
        headPromise = loop.makePromise()
        head = headPromise.futureResult
    }

    /// The reads that came since the last call, in order (all of them, so a
    /// reader that fell behind forwards them in one write); nil at the body's
    /// clean end. Throws the upstream's failure, or when the task is cancelled.
    public func nextParts() async throws -> [Part]? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (reader: CheckedContinuation<[Part]?, any Error>) in
                let (parts, ended, paused) = state.withLockedValue { state -> ([Part], (any Error)??, EventLoopPromise<Void>?) in
                    if !state.queue.isEmpty || state.ended != nil {
                        defer {
                            state.queue = []
                            state.paused = nil
                        }
                        return (state.queue, state.ended, state.paused)
                    }
                    state.reader = reader
                    return ([], nil, nil)
                }
                paused?.succeed()
                if !parts.isEmpty {
                    reader.resume(returning: parts)
                } else if let ended {
                    if let error = ended { reader.resume(throwing: error) } else { reader.resume(returning: nil) }
                }
            }
        } onCancel: {
            let reader = state.withLockedValue { state in
                defer { state.reader = nil }
                return state.reader
            }
            reader?.resume(throwing: CancellationError())
            cancel(because: "the reader went away")
        }
    }

    /// Remembers the client task, so `cancel()` can stop the upstream.
    public func attach(_ task: HTTPClient.Task<Void>) {
        let cancelNow = state.withLockedValue {
            $0.task = task
            return $0.cancelled != nil
        }
        if cancelNow { task.cancel() }
        // A client already shut down fails the task without calling the delegate: end here then
        // (`end` keeps only the first end, so the usual path is unaffected).
        task.futureResult.whenFailure { [self] error in didReceiveError(task: task, error) }
    }

    /// The client went away (or the user stopped): stop the upstream request
    /// at once, so no more tokens are paid for. The tape ends `client_cancelled`.
    public func cancel(because reason: String = "cancelled") {
        let (task, paused) = state.withLockedValue { state -> (HTTPClient.Task<Void>?, EventLoopPromise<Void>?) in
            // A finished exchange has nothing to stop; its connection may already serve another.
            guard !state.finished else { return (nil, nil) }
            if state.cancelled == nil { state.cancelled = reason }
            defer { state.paused = nil }
            return (state.task, state.paused)
        }
        task?.cancel()
        // A read held back for a slow reader would keep the client from ever reporting the
        // cancel (it waits for that read's future first): release it.
        paused?.succeed()
    }

    /// Why the exchange was cancelled, if it was.
    public var cancellation: String? { state.withLockedValue { $0.cancelled } }

    // MARK: HTTPClientResponseDelegate, called on `loop`

    public func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        let now = MonotonicClock.now()
        recording.responded(
            ResponseHead(status: Int(head.status.code), headers: head.headers.map { HeaderField($0.name, $0.value) }), at: now)
        state.withLockedValue { $0.headDelivered = true }
        headPromise.succeed(head)
        return loop.makeSucceededVoidFuture()
    }

    public func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let now = MonotonicClock.now()
        let events = recording.received(Array(buffer.readableBytesView), at: now)
        let part = Part(buffer: buffer, events: events)
        let (reader, paused) = state.withLockedValue { state -> (CheckedContinuation<[Part]?, any Error>?, EventLoopPromise<Void>?) in
            if let reader = state.reader {
                state.reader = nil
                return (reader, nil)
            }
            state.queue.append(part)
            guard state.queue.count >= Self.highWatermark, state.cancelled == nil else { return (nil, nil) }
            let promise = loop.makePromise(of: Void.self)
            state.paused = promise
            return (nil, promise)
        }
        reader?.resume(returning: [part])
        return paused?.futureResult ?? loop.makeSucceededVoidFuture()
    }

    public func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {
        let cancelled = state.withLockedValue { $0.cancelled }
        let (transport, detail) = cancelled.map { (TransportEnd.cancelled, $0) } ?? Self.transportEnd(of: error)
        end(transport, detail: detail, error: error)
    }

    public func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        end(.eof, detail: nil, error: nil)
    }

    private func end(_ transport: TransportEnd, detail: String?, error: (any Error)?) {
        let now = MonotonicClock.now()
        let (reader, paused, headDelivered, first) = state.withLockedValue { state in
            defer {
                state.finished = true
                state.reader = nil
                state.paused = nil
                if state.ended == nil { state.ended = .some(error) }
            }
            return (state.reader, state.paused, state.headDelivered, !state.finished)
        }
        guard first else { return }
        let (ending, rest) = recording.finish(transport, at: now, detail: detail)
        onFinish(ending, rest)
        if let error {
            reader?.resume(throwing: error)
            if !headDelivered { headPromise.fail(error) }
        } else {
            reader?.resume(returning: nil)
            if !headDelivered { headPromise.fail(HTTPClientError.remoteConnectionClosed) }
        }
        paused?.succeed()
    }

    /// How an HTTP client error ended the transport, and what to tell the user.
    static func transportEnd(of error: any Error) -> (TransportEnd, String) {
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout: return (.timeoutIdle, "no byte from the upstream within the idle timeout")
            case .deadlineExceeded: return (.timeoutTotal, "the upstream did not finish within the total timeout")
            case .connectTimeout: return (.reset, "could not connect to the upstream within the connect timeout")
            case .cancelled: return (.cancelled, "cancelled")
            case .remoteConnectionClosed: return (.reset, "the upstream closed the connection before the body ended")
            default: break
            }
        }
        return (.reset, UpstreamClient.describe(error))
    }
}
