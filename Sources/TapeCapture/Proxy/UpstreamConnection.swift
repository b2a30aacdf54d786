import NIOCore
import NIOHTTP1
import TapeCore

/// What an upstream connection tells the exchange it serves, on the
/// connection's loop, in this order: for each read, `upstreamRead(at:)`
/// (the time, before any byte is parsed), then what the read completed
/// (head, body parts, end), then `upstreamReadDone()`.
protocol UpstreamConnectionDelegate: AnyObject {
    /// A read arrived from the socket; `time` was taken before anything else.
    func upstreamRead(at time: Int64)
    /// The upstream closed the connection; `time` was taken before the HTTP decoder saw it
    /// (a body that ends with the connection ends then).
    func upstreamClosed(at time: Int64)
    func upstreamHead(_ head: HTTPResponseHead)
    func upstreamBody(_ buffer: ByteBuffer)
    /// Everything the last read carried has been delivered.
    func upstreamReadDone()
    func upstreamEnd(trailers: HTTPHeaders?)
    /// The connection failed or closed before the response ended.
    func upstreamFailed(_ error: any Error)
}

/// One HTTP/1.1 connection to the upstream, kept alive between exchanges.
///
/// Its pipeline is `ReadClock` (the time of every socket read, first of all),
/// TLS when the upstream is https, NIO's HTTP client codec, and `Responses`,
/// which hands the decoded response to the exchange it serves. Touched only
/// on its channel's loop.
final class UpstreamConnection: @unchecked Sendable {
    let channel: any Channel
    /// The exchange this connection serves now; nil while it waits in the pool.
    weak var delegate: (any UpstreamConnectionDelegate)?
    /// Whether it served an exchange before (a reused connection may have been closed by the upstream meanwhile).
    var exchanges = 0
    /// Called once when the channel closes (the pool forgets it).
    var onClose: (() -> Void)?
    /// The channel is gone.
    private(set) var closed = false
    /// The last request has gone out whole (an early answer may come before it has).
    private(set) var requestSent = false
    /// Closes the connection if it waits in the pool for too long.
    var idleExpiry: Scheduled<Void>?

    init(channel: any Channel) {
        self.channel = channel
    }

    /// Sends one request; the response goes to `delegate`.
    func send(_ head: HTTPRequestHead, body: ByteBuffer?, to delegate: any UpstreamConnectionDelegate) {
        self.delegate = delegate
        exchanges += 1
        requestSent = false
        idleExpiry?.cancel()
        idleExpiry = nil
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body, body.readableBytes > 0 { channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil)).assumeIsolated().whenSuccess { [self] in requestSent = true }
    }

    /// Reads from the upstream only while the client keeps up.
    func setReading(_ on: Bool) {
        try? channel.syncOptions?.setOption(.autoRead, value: on)
        if on { channel.read() }
    }

    /// Closes it at once (the exchange is over without a clean end).
    func close() {
        delegate = nil
        channel.close(promise: nil)
    }

    fileprivate func channelClosed() {
        guard !closed else { return }
        closed = true
        let delegate = self.delegate
        self.delegate = nil
        delegate?.upstreamFailed(ChannelError.eof)
        onClose?()
        onClose = nil
    }

    /// The handlers of a new connection's pipeline, first to last, given the TLS handler if any.
    func handlers(tls: (any ChannelHandler)?) -> (first: [any ChannelHandler], last: any ChannelHandler) {
        (first: [ReadClock(connection: self)] + (tls.map { [$0] } ?? []), last: Responses(connection: self))
    }

    /// First in the pipeline: the time of each socket read, before TLS or HTTP parse a byte of it.
    final class ReadClock: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer
        // Strong: the pipeline lets go of its handlers when the channel closes.
        let connection: UpstreamConnection

        init(connection: UpstreamConnection) {
            self.connection = connection
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            connection.delegate?.upstreamRead(at: MonotonicClock.now())
            context.fireChannelRead(data)
            connection.delegate?.upstreamReadDone()
        }

        func channelReadComplete(context: ChannelHandlerContext) {
            // TLS hands over what it decrypted here, after the reads.
            context.fireChannelReadComplete()
            connection.delegate?.upstreamReadDone()
        }

        func channelInactive(context: ChannelHandlerContext) {
            connection.delegate?.upstreamClosed(at: MonotonicClock.now())
            context.fireChannelInactive()
        }
    }

    /// Last in the pipeline: the decoded response, to the exchange.
    final class Responses: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPClientResponsePart
        let connection: UpstreamConnection

        init(connection: UpstreamConnection) {
            self.connection = connection
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard let delegate = connection.delegate else { return }
            switch unwrapInboundIn(data) {
            case .head(let head):
                // 1xx answers are not the response.
                guard head.status.code >= 200 else { return }
                delegate.upstreamHead(head)
            case .body(let buffer):
                delegate.upstreamBody(buffer)
            case .end(let trailers):
                connection.delegate = nil
                delegate.upstreamEnd(trailers: trailers)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            let delegate = connection.delegate
            connection.delegate = nil
            delegate?.upstreamFailed(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            connection.channelClosed()
            context.fireChannelInactive()
        }
    }
}

