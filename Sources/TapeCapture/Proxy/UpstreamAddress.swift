import Foundation

/// The proxy's upstream URL taken apart once, so a request pays no URL
/// parsing: where a request path goes, and the `Host` the upstream expects.
struct UpstreamAddress: Sendable {
    /// `scheme://host[:port]` as the user wrote it.
    let origin: String
    /// The base path, without a trailing slash (`/v1`, or empty).
    let basePath: String
    /// `host[:port]`, the port left out when it is the scheme's own.
    let hostHeader: String

    init(_ url: URL) {
        var base = url.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        var path = url.path
        while path.hasSuffix("/") { path.removeLast() }
        basePath = path
        origin = base.hasSuffix(path) ? String(base.dropLast(path.count)) : base
        var host = url.host ?? "localhost"
        // `URL` gives an IPv6 host without its brackets; `Host` needs them.
        if host.contains(":"), !host.hasPrefix("[") { host = "[\(host)]" }
        if let port = url.port, !((url.scheme == "https" && port == 443) || (url.scheme == "http" && port == 80)) {
            hostHeader = "\(host):\(port)"
        } else {
            hostHeader = host
        }
    }

    /// The request target upstream for a client's path and query: the base
    /// path, then the path. A client whose base URL already carries the base
    /// path (`/v1`) does not get it twice.
    func requestTarget(path: String, query: String?) -> String {
        let rest = !basePath.isEmpty && (path == basePath || path.hasPrefix(basePath + "/")) ? String(path.dropFirst(basePath.count)) : path
        let target = basePath + rest
        return (target.isEmpty ? "/" : target) + (query.map { "?" + $0 } ?? "")
    }

    /// The whole URL, for the tape.
    func url(path: String, query: String?) -> String {
        origin + requestTarget(path: path, query: query)
    }
}
