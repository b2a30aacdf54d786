import Foundation
import NIOCore
import NIOHTTP1
import TapeCore
import TapeStore

/// One request through the proxy: upstream, on tape, and back, all on the
/// client connection's event loop.
///
/// Each upstream read is timestamped before it is parsed (`ReadClock`); what
/// it carried is put on the tape as one chunk and written to the client in
/// one write, at once. A client that cannot keep up pauses the upstream
/// reads (back-pressure) instead of filling memory. Whatever ends the
/// exchange ends the tape, once: the body's end, an upstream failure, a
/// timeout, the client hanging up, or the proxy stopping.
final class ProxyExchange: UpstreamConnectionDelegate {
    enum State {
        /// The request is on its way (or its connection is being made).
        case waitingForHead
        case streaming
        case finished
    }

    let proxy: RunningProxy
    let client: ProxyConnection
    let loop: any EventLoop
    let request: HTTPRequestHead
    let path: String
    /// The shape of the proxy's own error answers (worked out only for one).
    var provider: Provider { ProviderDetection.provider(forPath: path) ?? .openaiChat }
    private let upstreamHead: HTTPRequestHead
    private let body: ByteBuffer?
    /// What the tape says of the request: the headers as forwarded (redacted when stored), the tags.
    private let forwarded: [HeaderField]
    private let tags: [String]
    private let query: String?
    private let arrived: Int64
    /// `t_send`: when the request was about to go (a connection still to make counts, as it would for the app).
    private var origin: Int64 = 0
    /// The tape. Building it (redaction, id, decoder, the writer's wake-up) is most of the work of
    /// a request, so it is made while the upstream works on the answer: `tapeDelay` after the
    /// request left, or after the first body bytes have gone to the client if the upstream is quicker.
    private var recording: Recording {
        if let tape { return tape }
        tapeTimer?.cancel()
        let bytes = body.map { Array($0.readableBytesView) } ?? []
        let metadata = TapeMetadata(
            source: .proxy,
            request: RecordedRequest(
                method: request.method.rawValue, url: proxy.address.url(path: path, query: query), headers: forwarded,
                body: bytes.isEmpty ? nil : bytes),
            tSched: arrived - origin, tags: tags)
        let recording = proxy.recorder.start(metadata, decoder: StreamDecoder(path: path), origin: origin)
        if let (fields, time) = headForTape {
            recording.responded(ResponseHead(status: Int(fields.status.code), headers: fields.headers), at: time)
            headForTape = nil
        }
        tape = recording
        return recording
    }
    private var tape: Recording?
    /// An answer slower than this is waited for with the tape already made (every real provider's is).
    static let tapeDelay = TimeAmount.milliseconds(1)
    private var tapeTimer: Scheduled<Void>?
    /// The response head and when it came, while the tape is not made yet.
    private var headForTape: ((status: HTTPResponseStatus, headers: [HeaderField]), Int64)?
    private(set) var state = State.waitingForHead
    private var upstream: UpstreamConnection?
    /// A reused connection the upstream closed while it sat idle fails before any answer: one retry, on a new one.
    private var retried = false
    /// A byte of the answer has come (so the request reached the upstream).
    private var answered = false
    /// The time of the upstream read being delivered now (or of the upstream's close).
    private var readTime: Int64 = 0
    /// What the current read carried so far, and when it came.
    private var pending: [ByteBuffer] = []
    private var pendingTime: Int64 = 0
    private var lastActivity: Int64 = 0
    /// Upstream reads are paused because the client is not keeping up: the upstream is not idle then.
    private var pausedForClient = false
    private var idleTimer: Scheduled<Void>?
    private var totalTimer: Scheduled<Void>?
    private var upstreamKeepsAlive = false

    /// Builds the upstream request; `start()` sends it and starts the tape.
    init(proxy: RunningProxy, client: ProxyConnection, loop: any EventLoop, request: HTTPRequestHead, body: ByteBuffer?, arrived: Int64) {
        self.proxy = proxy
        self.client = client
        self.loop = loop
        self.request = request
        self.body = body
        self.arrived = arrived
        let configuration = proxy.configuration
        let (path, query) = Self.split(request.uri)
        self.path = path
        self.query = query

        var tags = configuration.tags
        var fields: [HeaderField] = []
        fields.reserveCapacity(request.headers.count + 2)
        for (name, value) in request.headers {
            if name.utf8.count == RecordingProxy.tagHeader.utf8.count, name.lowercased() == RecordingProxy.tagHeader {
                tags += value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            } else {
                fields.append(HeaderField(name, value))
            }
        }
        self.tags = tags
        // Expect is answered here (100 Continue), and the body goes up whole.
        fields = HopByHop.endToEnd(fields, also: configuration.keepEncoding ? Self.notForwarded : Self.notForwardedNorEncoding)
        if !configuration.keepEncoding { fields.append(HeaderField("Accept-Encoding", "identity")) }
        forwarded = fields

        var headers = HTTPHeaders(fields.map { ($0.name, $0.value) })
        headers.add(name: "Host", value: proxy.address.hostHeader)
        let length = body?.readableBytes ?? 0
        if length > 0 || [.POST, .PUT, .PATCH].contains(request.method) { headers.add(name: "Content-Length", value: String(length)) }
        upstreamHead = HTTPRequestHead(
            version: .http1_1, method: request.method, uri: proxy.address.requestTarget(path: path, query: query), headers: headers)
    }

    /// Request headers the proxy answers or sets itself.
    static let notForwarded: Set<String> = ["host", "content-length", "expect", RecordingProxy.tagHeader]
    static let notForwardedNorEncoding = notForwarded.union(["accept-encoding"])

    /// Sends the request upstream, on a kept-alive connection if one is idle, and starts the tape.
    func start() {
        origin = MonotonicClock.now()
        lastActivity = origin
        if let connection = proxy.pool.idleConnection(on: loop) {
            send(on: connection)
        } else {
            connect()
        }
        guard state != .finished else { return }
        tapeTimer = loop.assumeIsolated().scheduleTask(in: Self.tapeDelay) { [self] in _ = recording }
        let settings = proxy.configuration.client
        if let idle = settings.idleTimeout { armIdleTimer(after: UpstreamClient.amount(idle).nanoseconds) }
        if let total = settings.totalTimeout {
            totalTimer = loop.assumeIsolated().scheduleTask(at: origin + UpstreamClient.amount(total).nanoseconds) {
                [self] in timedOut(.timeoutTotal, "the upstream did not finish within the total timeout")
            }
        }
    }

    private func connect() {
        proxy.pool.connect(on: loop).assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let connection):
                guard state != .finished else { return connection.close() }
                send(on: connection)
            case .failure(let error):
                failed(error)
            }
        }
    }

    private func send(on connection: UpstreamConnection) {
        upstream = connection
        connection.send(upstreamHead, body: body, to: self)
    }

    // MARK: From the upstream connection

    func upstreamRead(at time: Int64) {
        readTime = time
        lastActivity = time
        answered = true
    }

    func upstreamClosed(at time: Int64) {
        readTime = time
    }

    func upstreamHead(_ head: HTTPResponseHead) {
        guard state == .waitingForHead else { return }
        state = .streaming
        upstreamKeepsAlive = head.isKeepAlive
        let fields = head.headers.map { HeaderField($0.name, $0.value) }
        var headers = HTTPHeaders()
        for field in HopByHop.endToEnd(fields) { headers.add(name: field.name, value: field.value) }
        // To the client first (it leaves with the end of this read), then on tape.
        client.respond(HTTPResponseHead(version: request.version, status: head.status, headers: headers))
        if let tape {
            tape.responded(ResponseHead(status: Int(head.status.code), headers: fields), at: readTime)
        } else {
            headForTape = ((head.status, fields), readTime)
        }
    }

    func upstreamBody(_ buffer: ByteBuffer) {
        guard state == .streaming, buffer.readableBytes > 0 else { return }
        if pending.isEmpty { pendingTime = readTime }
        pending.append(buffer)
    }

    func upstreamReadDone() {
        forwardPending()
        client.flush()
    }

    func upstreamEnd(trailers: HTTPHeaders?) {
        forwardPending()
        let connection = upstream
        upstream = nil
        guard state == .streaming else {
            connection?.close()
            return failed(UpstreamAnswer.endedWithoutResponse)
        }
        // The end goes to the client before the tape is ended and logged: that bookkeeping (and
        // the writer and log threads it wakes) is not the client's wait. The client may close
        // once it has the end, which is not a cancel; a stop meanwhile waits for this loop.
        client.exchangeEnded(self)
        client.finishResponse(trailers: trailers)
        finish(.eof, detail: nil, at: readTime)
        if let connection {
            // Only a connection whose request has gone out whole can carry the next one.
            if upstreamKeepsAlive, connection.requestSent { proxy.pool.release(connection) } else { connection.close() }
        }
    }

    func upstreamFailed(_ error: any Error) {
        guard state != .finished else { return }
        forwardPending()
        let connection = upstream
        upstream = nil
        connection?.close()
        if state == .waitingForHead, !retried, !answered, let connection, connection.exchanges > 1, isReplayable {
            retried = true
            return connect()
        }
        failed(error)
    }

    /// Whether the request may go again when a kept-alive connection died before a byte of the answer:
    /// the upstream may have started on it (and billed it), so only a method that is safe to repeat
    /// (RFC 9110 §9.2.2) or a request with an `Idempotency-Key` is.
    private var isReplayable: Bool {
        [.GET, .HEAD, .OPTIONS, .PUT, .DELETE, .TRACE].contains(request.method) || request.headers.contains(name: "idempotency-key")
    }

    // MARK: Ends

    /// The upstream failed: before the head the client gets a 502 (504 for a
    /// timeout) in the provider's error shape, after it the connection is cut
    /// the same abrupt way.
    private func failed(_ error: any Error) {
        guard state != .finished else { return }
        let detail: String
        if case ChannelError.eof = error {
            detail = state == .streaming ? "the upstream closed the connection before the body ended" : "the upstream closed the connection before answering"
        } else if let error = error as? UpstreamAnswer {
            detail = error.description
        } else if error is HTTPParserError {
            detail = "the upstream's answer is not valid HTTP/1.1: \(error)"
        } else {
            detail = UpstreamClient.describe(error)
        }
        end(.reset, detail: detail)
    }

    private func timedOut(_ transport: TransportEnd, _ detail: String) {
        guard state != .finished else { return }
        forwardPending()
        upstream?.close()
        upstream = nil
        end(transport, detail: detail)
    }

    private func end(_ transport: TransportEnd, detail: String) {
        let answered = state == .streaming
        finish(transport, detail: detail)
        if answered {
            client.cut()
        } else {
            let status = transport == .timeoutIdle || transport == .timeoutTotal ? 504 : 502
            client.respondWithError(
                status, "tokentape proxy: the upstream \(proxy.configuration.upstream.absoluteString) failed: \(detail)",
                provider: provider, version: request.version)
        }
    }

    /// The client went away, or the proxy stops: the upstream request stops at once, so no
    /// more tokens are paid for. The tape ends `client_cancelled`.
    func cancel(because reason: String) {
        guard state != .finished else { return }
        upstream?.close()
        upstream = nil
        finish(.cancelled, detail: reason)
    }

    /// Ends the tape, once. `t_end` is the read that carried the body's end, or now.
    private func finish(_ transport: TransportEnd, detail: String?, at end: Int64 = MonotonicClock.now()) {
        guard state != .finished else { return }
        state = .finished
        idleTimer?.cancel()
        totalTimer?.cancel()
        let (ending, _) = recording.finish(transport, at: end, detail: detail)
        proxy.onFinish(RecordingProxy.Finished(
            uid: recording.uid, method: request.method.rawValue, path: path, status: recording.responseStatus,
            chunks: recording.chunkCount, ending: ending))
        client.exchangeEnded(self)
    }

    // MARK: Forwarding

    /// What the last read carried: on tape as one chunk, to the client in one write.
    private func forwardPending() {
        guard !pending.isEmpty, state == .streaming else { return }
        var buffer: ByteBuffer
        if pending.count == 1 {
            buffer = pending[0]
        } else {
            buffer = client.allocator.buffer(capacity: pending.reduce(0) { $0 + $1.readableBytes })
            for part in pending { buffer.writeImmutableBuffer(part) }
        }
        pending.removeAll(keepingCapacity: true)
        // To the client first, then on tape: decoding for the tape does not delay the stream.
        client.write(buffer)
        client.flush()
        recording.received(Array(buffer.readableBytesView), at: pendingTime)
        if !client.isWritable, !pausedForClient {
            pausedForClient = true
            upstream?.setReading(false)
        }
    }

    /// The client can take more: read from the upstream again.
    func clientWritable() {
        guard pausedForClient else { return }
        pausedForClient = false
        lastActivity = MonotonicClock.now()
        upstream?.setReading(true)
    }

    // MARK: Timers

    /// Fires when no byte came for `idle` ns; re-arms from the last read instead of on every read.
    private func armIdleTimer(after idle: Int64) {
        idleTimer = loop.assumeIsolated().scheduleTask(at: lastActivity + idle) { [self] in
            guard state != .finished else { return }
            if pausedForClient {
                // Waiting for the client, not for the upstream: count from now.
                lastActivity = MonotonicClock.now()
                armIdleTimer(after: idle)
            } else if MonotonicClock.now() - lastActivity >= idle {
                timedOut(.timeoutIdle, "no byte from the upstream within the idle timeout")
            } else {
                armIdleTimer(after: idle)
            }
        }
    }

    /// A request target's path and query.
    static func split(_ uri: String) -> (path: String, query: String?) {
        var uri = Substring(uri)
        // An absolute-form target (`http://host/path`): only its path and query count.
        if uri.hasPrefix("http://") || uri.hasPrefix("https://"), let scheme = uri.range(of: "://") {
            uri = uri[scheme.upperBound...]
            uri = uri.firstIndex(where: { $0 == "/" || $0 == "?" }).map { uri[$0...] } ?? "/"
        }
        guard let mark = uri.firstIndex(of: "?") else { return (uri.isEmpty ? "/" : String(uri), nil) }
        let path = uri[..<mark]
        return (path.isEmpty ? "/" : String(path), String(uri[uri.index(after: mark)...]))
    }
}

extension NIOIsolatedEventLoop {
    /// Runs `task` at a `MonotonicClock` instant.
    fileprivate func scheduleTask(at instant: Int64, _ task: @escaping () -> Void) -> Scheduled<Void> {
        scheduleTask(deadline: .now() + .nanoseconds(instant - MonotonicClock.now()), task)
    }
}

/// An upstream answer the proxy cannot pass on.
enum UpstreamAnswer: Error, CustomStringConvertible {
    case endedWithoutResponse

    var description: String {
        switch self {
        case .endedWithoutResponse: "the upstream ended its answer without a final response (only 1xx, or an upgrade the proxy does not take)"
        }
    }
}
