#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import TapeCore

/// One client connection to the proxy, after NIO's HTTP/1.1 server codec:
/// collects each request, runs its exchange, and writes the answer back.
/// Requests on one connection are answered in order, one at a time (the
/// codec holds pipelined ones back until the answer before them has ended).
final class ProxyConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let proxy: RunningProxy
    private var context: ChannelHandlerContext?
    /// The request being read, its body so far, and when its head came.
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var bodyTooLarge = false
    private var arrived: Int64 = 0
    private var exchange: ProxyExchange?
    /// Close once the answer now being written has ended.
    private var closeAfterResponse = false
    /// Written, not yet flushed.
    private var unflushed = false
    /// The answer being written ends with the connection (an HTTP/1.0 body without a length).
    private var closeDelimited = false

    init(proxy: RunningProxy) {
        self.proxy = proxy
    }

    var allocator: ByteBufferAllocator { context?.channel.allocator ?? ByteBufferAllocator() }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        proxy.opened(self, channel: context.channel)
    }

    /// Always called, even for a channel that never became active: the proxy's stop waits for it.
    func handlerRemoved(context: ChannelHandlerContext) {
        clientGone()
        // The context holds this handler: let go of it, or both stay in memory.
        self.context = nil
    }

    /// The client went away: its exchange stops the upstream, and the proxy forgets the connection.
    private func clientGone() {
        exchange?.cancel(because: "the client went away")
        exchange = nil
        proxy.closed(self)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            arrived = MonotonicClock.now()
            self.head = head
            body = nil
            bodyTooLarge = false
            // curl and others wait for this before they send a large body.
            if head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
            }
        case .body(var part):
            guard !bodyTooLarge else { return }
            if (body?.readableBytes ?? 0) + part.readableBytes > proxy.configuration.maxRequestBody {
                bodyTooLarge = true
                body = nil
            } else if body == nil {
                body = part
            } else {
                body!.writeBuffer(&part)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            closeAfterResponse = !head.isKeepAlive
            if bodyTooLarge {
                closeAfterResponse = true
                let provider = ProviderDetection.provider(forPath: ProxyExchange.split(head.uri).path) ?? .openaiChat
                return respondWithError(
                    413, "the request body is larger than \(proxy.configuration.maxRequestBody >> 20) MiB", provider: provider, version: head.version)
            }
            let exchange = ProxyExchange(proxy: proxy, client: self, loop: context.eventLoop, request: head, body: body, arrived: arrived)
            body = nil
            self.exchange = exchange
            exchange.start()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { exchange?.clientWritable() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        clientGone()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A broken client connection: whatever streams to it stops.
        exchange?.cancel(because: "the client connection failed: \(UpstreamClient.describe(error))")
        exchange = nil
        context.close(promise: nil)
    }

    // MARK: For the exchange

    /// The answer's head. It leaves with the read that brought it (`flush()`),
    /// together with the first part of the body when that came in the same read.
    func respond(_ head: HTTPResponseHead) {
        var head = head
        // Without a length, only the connection's close ends an HTTP/1.0 body.
        closeDelimited = head.version == .http1_0 && !head.headers.contains(name: "content-length")
        if closeDelimited { closeAfterResponse = true }
        if closeAfterResponse { head.headers.replaceOrAdd(name: "Connection", value: "close") }
        context?.write(wrapOutboundOut(.head(head)), promise: nil)
        unflushed = true
    }

    /// Writes a part of the body; `flush()` sends it.
    func write(_ buffer: ByteBuffer) {
        context?.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        unflushed = true
    }

    /// Whether the client keeps up: false while more than NIO's high watermark waits for it.
    /// (Ask after the flush: a flush that empties the buffer says so as it happens.)
    var isWritable: Bool { context?.channel.isWritable ?? true }

    /// Sends what was written since the last flush: once per upstream read.
    func flush() {
        guard unflushed else { return }
        unflushed = false
        context?.flush()
    }

    /// The body's clean end, with the upstream's trailers if it sent any.
    func finishResponse(trailers: HTTPHeaders? = nil) {
        guard let context else { return }
        unflushed = false
        if closeAfterResponse {
            context.writeAndFlush(wrapOutboundOut(.end(trailers))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(trailers)), promise: nil)
        }
    }

    /// Cuts the connection without a clean end: the client must not take a broken answer for a whole one.
    ///
    /// What came before the failure goes out first, as it is on the tape: the close waits for
    /// the writes before it (an empty part, which the codec does not frame, marks where they end).
    /// An answer with a length or chunks shows a cut by its missing end; one whose end is the
    /// connection's close (HTTP/1.0) would look whole after a FIN, so it gets a reset instead.
    func cut() {
        guard let context else { return }
        unflushed = false
        let reset = closeDelimited
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer())))).assumeIsolated().whenComplete { _ in
            guard reset, let socket = context.channel as? any SocketOptionProvider else { return context.close(promise: nil) }
            // SO_LINGER 0: the close sends a reset, not a FIN.
            socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    /// The proxy's own answer, a JSON error in the provider's shape.
    func respondWithError(_ status: Int, _ message: String, provider: Provider, version: HTTPVersion = .http1_1) {
        let body = ProviderErrors.statusBody(status, provider: provider, message: message)
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", "\(body.count)")])
        if closeAfterResponse { headers.add(name: "Connection", value: "close") }
        context?.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: .init(statusCode: status), headers: headers))), promise: nil)
        context?.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        finishResponse()
    }

    func exchangeEnded(_ ended: ProxyExchange) {
        if exchange === ended { exchange = nil }
    }

    /// The proxy stops: the exchange ends `client_cancelled`, and the connection closes.
    func stop(because reason: String) {
        exchange?.cancel(because: reason)
        exchange = nil
        context?.close(promise: nil)
    }
}
