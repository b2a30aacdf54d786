import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The proxy's connections to its upstream, kept alive between exchanges,
/// one set per event loop: an exchange takes a connection on its client's
/// own loop, so every read is forwarded on the thread that received it.
final class UpstreamPool: Sendable {
    /// Where the connections go.
    struct Origin: Sendable {
        var host: String
        var port: Int
        /// For https: the TLS context, and the name to ask for (none for an IP address).
        var tls: NIOSSLContext?
        var serverName: String?

        init(_ url: URL, settings: UpstreamClient.Settings) throws {
            host = url.host ?? "localhost"
            // `URL` keeps an IPv6 host's brackets; the resolver wants none.
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            let https = url.scheme?.lowercased() == "https"
            port = url.port ?? (https ? 443 : 80)
            if https {
                var configuration = try settings.tlsConfiguration()
                // The proxy speaks HTTP/1.1 upstream; say so, so a server that prefers h2 does not pick it.
                configuration.applicationProtocols = ["http/1.1"]
                do {
                    tls = try NIOSSLContext(configuration: configuration)
                } catch {
                    throw UpstreamClientError("cannot set up TLS for \(url.absoluteString): \(error)")
                }
                let isAddress = host.contains(":") || host.split(separator: ".").allSatisfy { UInt8($0) != nil }
                serverName = isAddress ? nil : host
            }
        }
    }

    let origin: Origin
    let connectTimeout: TimeAmount
    /// Idle connections kept per loop; more are closed when they come back.
    static let maxIdlePerLoop = 128
    /// How long a connection may wait in the pool (as async-http-client's pool): servers close idle
    /// connections on their own clock, and a request sent into one they just closed must not be retried
    /// when it is not safe to repeat.
    static let idleLifetime = TimeAmount.seconds(60)
    private let idle = NIOLockedValueBox<[ObjectIdentifier: [UpstreamConnection]]>([:])

    init(origin: Origin, connectTimeout: TimeAmount) {
        self.origin = origin
        self.connectTimeout = connectTimeout
    }

    /// An idle connection on `loop`, if one is open.
    func idleConnection(on loop: any EventLoop) -> UpstreamConnection? {
        let key = ObjectIdentifier(loop)
        return idle.withLockedValue { idle in
            while let connection = idle[key]?.popLast() {
                if !connection.closed && connection.channel.isActive { return connection }
            }
            return nil
        }
    }

    /// A new connection on `loop`.
    func connect(on loop: any EventLoop) -> EventLoopFuture<UpstreamConnection> {
        let origin = origin
        return ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = UpstreamConnection(channel: channel)
                    let tls = try origin.tls.map { try NIOSSLClientHandler(context: $0, serverHostname: origin.serverName) }
                    let (first, last) = connection.handlers(tls: tls)
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandlers(first)
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(last)
                }
            }
            .connect(host: origin.host, port: origin.port)
            .flatMapThrowing { channel in
                try channel.pipeline.syncOperations.handler(type: UpstreamConnection.Responses.self).connection
            }
    }

    /// Takes back a connection whose exchange ended cleanly, for the next one on its loop.
    func release(_ connection: UpstreamConnection) {
        let loop = connection.channel.eventLoop
        let key = ObjectIdentifier(loop)
        connection.delegate = nil
        connection.setReading(true)
        let kept = idle.withLockedValue { idle in
            guard (idle[key]?.count ?? 0) < Self.maxIdlePerLoop else { return false }
            idle[key, default: []].append(connection)
            return true
        }
        guard kept else { return connection.close() }
        // Closed by the upstream while it waits: forget it.
        connection.onClose = { [weak self, weak connection] in
            self?.idle.withLockedValue { idle in idle[key]?.removeAll { $0 === connection } }
        }
        // Still idle after its lifetime: close it (taking it out of the pool cancels this).
        connection.idleExpiry = loop.assumeIsolated().scheduleTask(in: Self.idleLifetime) { [weak connection] in
            connection?.close()
        }
    }

    /// Closes every idle connection (the proxy stops); returns once they are closed.
    func closeAll() async {
        let all = idle.withLockedValue { idle in
            defer { idle = [:] }
            return idle.values.flatMap { $0 }
        }
        for connection in all { try? await connection.channel.close() }
    }
}
