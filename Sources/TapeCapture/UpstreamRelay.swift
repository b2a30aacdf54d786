import AsyncHTTPClient
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif
import TapeCore
import TapeStore

/// Receives one upstream response for a recording. Each body part is
/// timestamped the moment the HTTP client hands it over, before anything
/// else, then put on the tape and passed to whoever reads `body` (the proxy's
/// client, the record command's terminal). A slow reader slows the upstream
/// (back-pressure) instead of filling memory.
///
/// The tape ends here too, whatever ends the exchange: the body's clean end,
/// an upstream failure, a timeout, or `cancel()` when the client goes away.
public final class UpstreamRelay: HTTPClientResponseDelegate, NIOAsyncSequenceProducerDelegate, Sendable {
    public typealias Response = Void
    public typealias Body = NIOThrowingAsyncSequenceProducer<
        Part, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, UpstreamRelay
    >

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

    private struct State {
        var source: Body.Source?
        var task: HTTPClient.Task<Void>?
        /// The upstream read waiting for the reader to catch up.
        var paused: EventLoopPromise<Void>?
        var headDelivered = false
        /// Why the exchange was cancelled, once it was.
        var cancelled: String?
        var finished = false
    }

    /// - Parameter loop: where the HTTP client calls this delegate; pass the
    ///   same loop as the request's `.delegateAndChannel(on:)` preference.
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

    /// The body's reads, in order; iterate it once. Ends with an error when the
    /// upstream failed.
    public func makeBody() -> Body {
        // A few reads in flight: enough to keep the upstream busy, little to hold.
        let made = Body.makeSequence(
            backPressureStrategy: .init(lowWatermark: 4, highWatermark: 32), finishOnDeinit: false, delegate: self)
        state.withLockedValue { $0.source = made.source }
        return made.sequence
    }

    /// Remembers the client task, so `cancel()` can stop the upstream.
    public func attach(_ task: HTTPClient.Task<Void>) {
        let cancelNow = state.withLockedValue {
            $0.task = task
            return $0.cancelled != nil
        }
        if cancelNow { task.cancel() }
    }

    /// The client went away (or the user stopped): stop the upstream request
    /// at once, so no more tokens are paid for. The tape ends `client_cancelled`.
    public func cancel(because reason: String = "cancelled") {
        let task = state.withLockedValue {
            if $0.cancelled == nil { $0.cancelled = reason }
            return $0.task
        }
        task?.cancel()
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
        guard let source = state.withLockedValue({ $0.source }) else { return loop.makeSucceededVoidFuture() }
        switch source.yield(Part(buffer: buffer, events: events)) {
        case .produceMore, .dropped:
            return loop.makeSucceededVoidFuture()
        case .stopProducing:
            let promise = loop.makePromise(of: Void.self)
            state.withLockedValue { $0.paused = promise }
            return promise.futureResult
        }
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
        let (source, paused, headDelivered, first) = state.withLockedValue { state in
            defer {
                state.finished = true
                state.source = nil
                state.paused = nil
            }
            return (state.source, state.paused, state.headDelivered, !state.finished)
        }
        guard first else { return }
        let (ending, rest) = recording.finish(transport, at: now, detail: detail)
        onFinish(ending, rest)
        if let error {
            source?.finish(error)
            if !headDelivered { headPromise.fail(error) }
        } else {
            source?.finish()
            if !headDelivered { headPromise.fail(HTTPClientError.remoteConnectionClosed) }
        }
        paused?.succeed()
    }

    // MARK: NIOAsyncSequenceProducerDelegate, called from the reader's side

    public func produceMore() {
        let paused = state.withLockedValue { state in
            defer { state.paused = nil }
            return state.paused
        }
        paused?.succeed()
    }

    public func didTerminate() {
        // The reader is gone before the body ended: the client went away.
        let finished = state.withLockedValue { $0.finished }
        if !finished { cancel(because: "the reader went away") }
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
        return (.reset, describe(error))
    }

    /// The system's words for a socket error ("Connection refused"), not NIO's wrapping of them.
    static func describe(_ error: any Error) -> String {
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)).lowercased() }
        if let error = error as? NIOConnectionError {
            if error.dnsAAAAError != nil || error.dnsAError != nil, error.connectionErrors.isEmpty {
                return "cannot resolve \(error.host)"
            }
            if let first = error.connectionErrors.first { return describe(first.error) + " (\(error.host):\(error.port))" }
        }
        return String(describing: error)
    }
}
