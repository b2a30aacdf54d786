import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle
import TapeNIO
import NIOCore
import NIOHTTP1
import TapeCore
import TapeStore

/// A reverse proxy that puts every exchange on tape: the application points
/// its base URL here and changes nothing else.
///
/// The request goes upstream as it came (method, path, query, headers, body),
/// minus hop-by-hop headers and `X-Tokentape-Tag`. Each read of the response
/// is timestamped on arrival, forwarded to the client at once and queued for
/// the tape; the database writer commits in batches on its own thread, so
/// the stream never waits on the disk. The client gets byte-exact what the
/// upstream sent, and the tape holds byte-exact what the client got.
public struct RecordingProxy: Sendable {
    public struct Configuration: Sendable {
        /// Where requests go: scheme, host, port and an optional base path.
        public var upstream: URL
        public var host = "127.0.0.1"
        /// 0 picks a free port; `onListening` says which.
        public var port = 8787
        /// Tags for every tape (a request adds its own with `X-Tokentape-Tag`).
        public var tags: [String] = []
        /// Send the client's `Accept-Encoding` upstream instead of `identity`.
        public var keepEncoding = false
        public var client = UpstreamClient.Settings()
        /// Larger request bodies are refused with 413.
        public var maxRequestBody = 64 << 20

        public init(upstream: URL) {
            self.upstream = upstream
        }
    }

    /// One finished tape, for the log line.
    public struct Finished: Sendable {
        public var uid: String
        public var method: String
        public var path: String
        public var status: Int?
        public var chunks: Int
        public var ending: TapeWriter.Ending
    }

    public static let tagHeader = "x-tokentape-tag"

    public let configuration: Configuration
    public let recorder: Recorder

    public init(configuration: Configuration, recorder: Recorder) {
        self.configuration = configuration
        self.recorder = recorder
    }

    /// Proxies until the task is cancelled or SIGINT/SIGTERM; tapes still
    /// streaming then end `client_cancelled`.
    /// - Parameters:
    ///   - onListening: called with the bound port once the proxy accepts connections.
    ///   - onFinish: called once per finished tape.
    public func run(
        onListening: @escaping @Sendable (Int) -> Void = { _ in },
        onFinish: @escaping @Sendable (Finished) -> Void = { _ in }
    ) async throws {
        let client = try UpstreamClient(configuration.client)
        var logger = Logger(label: "tokentape.proxy")
        logger.logLevel = .warning
        let responder = Responder(proxy: self, client: client, onFinish: onFinish)
        let app = Application(
            responder: responder,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: nil, backlog: 4096),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        do {
            try await app.runService()
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    struct Responder: HTTPResponder {
        let proxy: RecordingProxy
        let client: UpstreamClient
        let onFinish: @Sendable (Finished) -> Void

        func respond(to request: Request, context: ProxyRequestContext) async throws -> Response {
            // The whole exchange on the client connection's loop, where the upstream reads are
            // handed over too (`.delegate(on:)`): no hop through Swift's global executor.
            try await withTaskExecutorPreference(EventLoopExecutor(context.channel.eventLoop)) {
                try await proxy.exchange(request, context: context, client: client, onFinish: onFinish)
            }
        }
    }

    /// One request: upstream, on tape, and back.
    func exchange(
        _ request: Request, context: ProxyRequestContext, client: UpstreamClient, onFinish: @escaping @Sendable (Finished) -> Void
    ) async throws -> Response {
        let arrived = MonotonicClock.now()
        var request = request
        let path = request.uri.path
        let provider = ProviderDetection.provider(forPath: path) ?? .openaiChat
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: configuration.maxRequestBody)
        } catch {
            return Self.error(413, "the request body is larger than \(configuration.maxRequestBody >> 20) MiB", provider: provider)
        }
        let target = Self.target(configuration.upstream, path: path, query: request.uri.query)
        var tags = configuration.tags
        var forwarded: [HeaderField] = []
        for field in request.headers {
            if field.name.canonicalName == Self.tagHeader {
                tags += field.value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            } else {
                forwarded.append(HeaderField(field.name.rawName, field.value))
            }
        }
        var dropped: Set<String> = ["host", "content-length", Self.tagHeader]
        if !configuration.keepEncoding { dropped.insert("accept-encoding") }
        forwarded = HopByHop.endToEnd(forwarded, also: dropped)
        if !configuration.keepEncoding { forwarded.append(HeaderField("Accept-Encoding", "identity")) }

        let bytes = Array(body.readableBytesView)
        var upstreamRequest: HTTPClient.Request
        do {
            upstreamRequest = try HTTPClient.Request(
                url: target, method: .init(rawValue: request.method.rawValue),
                headers: HTTPHeaders(forwarded.map { ($0.name, $0.value) }), body: bytes.isEmpty ? nil : .byteBuffer(body))
        } catch {
            return Self.error(400, "cannot forward to \(target): \(error)", provider: provider)
        }
        upstreamRequest.headers.replaceOrAdd(name: "Host", value: Self.hostHeader(configuration.upstream))

        let origin = MonotonicClock.now()
        let metadata = TapeMetadata(
            source: .proxy,
            request: RecordedRequest(method: request.method.rawValue, url: target, headers: forwarded, body: bytes.isEmpty ? nil : bytes),
            tSched: arrived - origin, tags: tags)
        let recording = recorder.start(metadata, decoder: StreamDecoder(path: path), origin: origin)
        let method = request.method.rawValue
        let relay = UpstreamRelay(recording: recording, loop: context.channel.eventLoop) { ending, _ in
            onFinish(Finished(
                uid: recording.uid, method: method, path: path, status: recording.responseStatus,
                chunks: recording.chunkCount, ending: ending))
        }
        // The client hanging up stops the upstream at once, even while it is silent.
        try? await HangUpWatcher.on(context.channel).onHangUp { [weak relay] in relay?.cancel(because: "the client went away") }
        // The delegate (timestamp, tape, hand-over) runs on this connection's loop; the upstream
        // connection may live on another: `.delegateAndChannel(on:)` made the pool open a new
        // upstream connection for every request (a TLS handshake each, against a real API).
        let task = client.http.execute(
            request: upstreamRequest, delegate: relay, eventLoop: .delegate(on: context.channel.eventLoop),
            deadline: client.deadline)
        relay.attach(task)
        // It may have hung up before the watcher was there to hear it.
        if !context.channel.isActive { relay.cancel(because: "the client went away") }

        let head: HTTPResponseHead
        do {
            // Stopping the proxy (or the task) while the upstream has not answered stops it too.
            head = try await withTaskCancellationOrGracefulShutdownHandler {
                try await relay.head.get()
            } onCancelOrGracefulShutdown: {
                relay.cancel(because: "the proxy stopped")
            }
        } catch {
            let (transport, detail) = UpstreamRelay.transportEnd(of: error)
            let status = transport == .timeoutIdle || transport == .timeoutTotal ? 504 : 502
            return Self.error(status, "tokentape proxy: the upstream \(configuration.upstream.absoluteString) failed: \(detail)", provider: provider)
        }

        var headers = HTTPFields()
        for field in HopByHop.endToEnd(head.headers.map { HeaderField($0.name, $0.value) }) {
            guard let name = HTTPField.Name(field.name) else { continue }
            headers.append(HTTPField(name: name, value: field.value))
        }
        return Response(
            status: .init(code: Int(head.status.code), reasonPhrase: head.status.reasonPhrase), headers: headers,
            body: ResponseBody { writer in
                try await withTaskExecutorPreference(EventLoopExecutor(context.channel.eventLoop)) {
                    do {
                        // Stopping the proxy stops the upstream too; the tape ends client_cancelled.
                        try await withTaskCancellationOrGracefulShutdownHandler {
                            // All the reads that came while the last write went out, in one write.
                            while let parts = try await relay.nextParts() {
                                if parts.count == 1 {
                                    try await writer.write(parts[0].buffer)
                                } else {
                                    try await writer.write(contentsOf: parts.map(\.buffer))
                                }
                            }
                        } onCancelOrGracefulShutdown: {
                            relay.cancel(because: "the proxy stopped")
                        }
                    } catch let error as UpstreamFailure {
                        throw error
                    } catch {
                        // Either side failed mid-body. Stop the upstream (a no-op when it was the
                        // one that failed), and cut the client's connection the same abrupt way:
                        // never a fake clean end.
                        relay.cancel(because: "the client went away")
                        throw UpstreamFailure()
                    }
                    try await writer.finish(nil)
                }
            })
    }

    /// The upstream URL for a request path: the base path, then the path and query.
    static func target(_ upstream: URL, path: String, query: String?) -> String {
        var base = upstream.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        let basePath = upstream.path.hasSuffix("/") ? String(upstream.path.dropLast()) : upstream.path
        // A client whose base URL already carries the upstream's base path (`/v1`) must not get it twice.
        let rest = !basePath.isEmpty && (path == basePath || path.hasPrefix(basePath + "/")) ? String(path.dropFirst(basePath.count)) : path
        return base + rest + (query.map { "?" + $0 } ?? "")
    }

    /// `host[:port]` as the upstream expects in `Host`.
    static func hostHeader(_ upstream: URL) -> String {
        let host = upstream.host ?? "localhost"
        guard let port = upstream.port else { return host }
        let usual = (upstream.scheme == "https" && port == 443) || (upstream.scheme == "http" && port == 80)
        return usual ? host : "\(host):\(port)"
    }

    /// A JSON error in the provider's shape, for the proxy's own answers.
    static func error(_ status: Int, _ message: String, provider: Provider) -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: ProviderErrors.statusBody(status, provider: provider, message: message))))
    }
}

/// Thrown from a body writer to cut the client's connection without a clean end.
struct UpstreamFailure: Error {}
