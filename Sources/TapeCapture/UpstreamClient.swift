import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import TapeNIO
#if canImport(Glibc)
import Glibc
#endif

/// How tokentape talks to an upstream: the timeouts and the TLS trust the
/// user chose (`Settings`, which the proxy uses too), and the HTTP client of
/// `record URL`. Shut it down with `shutdown()`.
public struct UpstreamClient: Sendable {
    public enum Trust: Sendable, Hashable {
        /// The system's certificate authorities.
        case system
        /// Also these certificate authorities (a PEM file), e.g. a local test server's.
        case caFile(String)
        /// Any certificate: for a local server only.
        case insecure
    }

    public struct Settings: Sendable {
        /// Longest wait for the next byte once the request went out (`timeout_idle`); nil waits forever.
        public var idleTimeout: Duration? = .seconds(300)
        /// Longest a whole exchange may take (`timeout_total`); nil for no limit.
        public var totalTimeout: Duration?
        public var connectTimeout: Duration = .seconds(10)
        public var trust: Trust = .system
        /// Streams open at once to one upstream host.
        public var connectionsPerHost = 1024

        public init() {}

        /// The TLS settings for `trust`; throws when the CA file cannot be read or holds no certificate.
        public func tlsConfiguration() throws -> TLSConfiguration {
            var tls = TLSConfiguration.makeClientConfiguration()
            switch trust {
            case .system: break
            case .caFile(let path):
                guard FileManager.default.isReadableFile(atPath: path) else {
                    throw UpstreamClientError("cannot read the CA file \(path)")
                }
                do {
                    tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(path))]
                } catch {
                    throw UpstreamClientError("\(path) holds no PEM certificate: \(error)")
                }
            case .insecure: tls.certificateVerification = .none
            }
            return tls
        }
    }

    public let http: HTTPClient
    public let settings: Settings

    public init(_ settings: Settings) throws {
        let tls = try settings.tlsConfiguration()
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: Self.amount(settings.connectTimeout), read: settings.idleTimeout.map(Self.amount)),
            decompression: .disabled)
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = settings.connectionsPerHost
        // A refused connection is an answer: say so at once instead of retrying until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        // The same loops as the server in front, so a proxied read is handed over without a thread of its own.
        MultiThreadedEventLoopGroup.singleton.runAtProcessPriority()
        http = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
        self.settings = settings
    }

    /// The deadline of an exchange starting now.
    public var deadline: NIODeadline? { settings.totalTimeout.map { .now() + Self.amount($0) } }

    public func shutdown() async throws {
        try await http.shutdown()
    }

    /// The system's words for a socket error ("connection refused"), not NIO's wrapping of them.
    static func describe(_ error: any Error) -> String {
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)).lowercased() }
        if let error = error as? NIOConnectionError {
            if error.dnsAAAAError != nil || error.dnsAError != nil, error.connectionErrors.isEmpty {
                return "cannot resolve \(error.host)"
            }
            if let first = error.connectionErrors.first { return describe(first.error) + " (\(error.host):\(error.port))" }
        }
        if case ChannelError.connectTimeout = error { return "could not connect to the upstream within the connect timeout" }
        return String(describing: error)
    }

    static func amount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

public struct UpstreamClientError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
