import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
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
    /// streaming then end `client_cancelled` ("the proxy stopped").
    /// - Parameters:
    ///   - onListening: called with the bound port once the proxy accepts connections.
    ///   - onFinish: called once per finished tape, on the loop of its connection.
    public func run(
        onListening: @escaping @Sendable (Int) -> Void = { _ in },
        onFinish: @escaping @Sendable (Finished) -> Void = { _ in }
    ) async throws {
        let origin = try UpstreamPool.Origin(configuration.upstream, settings: configuration.client)
        let running = RunningProxy(
            configuration: configuration, recorder: recorder,
            pool: UpstreamPool(origin: origin, connectTimeout: UpstreamClient.amount(configuration.client.connectTimeout)),
            onFinish: onFinish)
        var logger = Logger(label: "tokentape.proxy")
        logger.logLevel = .warning
        let service = Listener(running: running, onListening: onListening)
        try await ServiceGroup(configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
    }

    /// The listening socket, as a service: SIGINT, SIGTERM or cancellation stop it.
    ///
    /// NIO's HTTP/1.1 codec in front and NIO channels upstream, rather than a
    /// web framework and a general HTTP client: the exchange then runs on one
    /// event loop with no task, queue or thread hop between an upstream read
    /// and the client's write (BENCHMARKS.md has what each cost).
    struct Listener: Service {
        let running: RunningProxy
        let onListening: @Sendable (Int) -> Void

        func run() async throws {
            let running = self.running
            let server = try await ServerBootstrap(group: running.group)
                // Past the default 256, a burst of clients would wait for a SYN retry (a second).
                .serverChannelOption(.backlog, value: 4096)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                        try pipeline.addHandler(ProxyConnection(proxy: running))
                    }
                }
                .bind(host: running.configuration.host, port: running.configuration.port).get()
            onListening(server.localAddress?.port ?? 0)
            await withTaskCancellationOrGracefulShutdownHandler {
                try? await server.closeFuture.get()
            } onCancelOrGracefulShutdown: {
                server.close(promise: nil)
            }
            await running.stop(because: "the proxy stopped")
        }
    }
}
