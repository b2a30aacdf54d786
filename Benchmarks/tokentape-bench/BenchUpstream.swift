import Foundation
import TapeCore

/// A native upstream for the proxy benchmark: faster than any proxy in front
/// of it, and it notes when it sent each chunk, so a recorded gap can be
/// checked against the send it came from.
///
/// `POST /stream?chunks=N&gap_us=G&size=S` with `X-Bench-Id: ID` answers an
/// SSE body of N events of about S bytes, one `send` each, G µs apart on an
/// absolute schedule from the request's arrival. Connections are kept alive.
final class BenchUpstream: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var sends: [String: [Int64]] = [:]
    private var accepted = 0

    /// Connections accepted so far: a proxy that keeps its upstream connections alive opens few.
    var connections: Int { lock.withLock { accepted } }

    init() throws {
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let listener = self.listener
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 1024) == 0 else { throw BenchError("the bench upstream could not listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [unowned self] in
            while true {
                let fd = accept(listener, nil, nil)
                guard fd >= 0 else { return }
                self.lock.withLock { self.accepted += 1 }
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                Thread { self.serve(fd) }.start()
            }
        }
        thread.start()
    }

    /// When each chunk of the request with this id left, monotonic ns.
    func sendTimes(_ id: String) -> [Int64] { lock.withLock { sends[id] ?? [] } }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            // One request: its head, then its Content-Length body.
            var headEnd: Int?
            var bodyLength = 0
            while true {
                if headEnd == nil, let end = BenchHTTP.find([13, 10, 13, 10], in: pending) {
                    headEnd = end
                    bodyLength = BenchHTTP.header("content-length", in: pending[..<end]).flatMap { Int($0) } ?? 0
                }
                if let end = headEnd, pending.count >= end + 4 + bodyLength { break }
                let n = recv(fd, &buffer, buffer.count, 0)
                guard n > 0 else { return }
                pending += buffer[0..<n]
            }
            let arrived = MonotonicClock.now()
            let head = pending[..<headEnd!]
            pending.removeFirst(headEnd! + 4 + bodyLength)
            let line = String(decoding: head.prefix { $0 != 13 }, as: UTF8.self)
            let query = line.split(separator: " ").dropFirst().first.flatMap { URLComponents(string: String($0))?.queryItems } ?? []
            func value(_ name: String, _ fallback: Int) -> Int { query.first { $0.name == name }?.value.flatMap { Int($0) } ?? fallback }
            let (chunks, gap, size) = (value("chunks", 10), Int64(value("gap_us", 0)) * 1000, value("size", 64))
            let id = BenchHTTP.header("x-bench-id", in: head) ?? UUID().uuidString
            let close = BenchHTTP.header("connection", in: head)?.lowercased() == "close"
            guard BenchHTTP.sendAll(fd, Array("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)) else { return }
            var times: [Int64] = []
            times.reserveCapacity(min(chunks, 100_000))
            var frame = Frame(padding: max(0, size - 30))
            for k in 0..<chunks {
                if gap > 0 {
                    let wait = arrived + Int64(k) * gap - MonotonicClock.now()
                    if wait > 0 { BenchHTTP.sleep(ns: wait) }
                }
                frame.set(k)
                let now = MonotonicClock.now()
                guard BenchHTTP.sendAll(fd, frame.bytes) else { return }
                if times.count < 100_000 { times.append(now) }
            }
            guard BenchHTTP.sendAll(fd, Array("0\r\n\r\n".utf8)) else { return }
            lock.withLock { sends[id] = times }
            if close { return }
        }
    }
}

/// One chunk of the upstream's body, `data: {"i":K,"p":"xxx…"}` and a blank line in its
/// HTTP chunk framing, rebuilt in place for each K: no String or allocation per chunk,
/// so the upstream stays faster than any proxy in front of it.
struct Frame {
    private(set) var bytes: [UInt8] = []
    private let padding: [UInt8]

    init(padding: Int) {
        self.padding = [UInt8](repeating: UInt8(ascii: "x"), count: padding)
        bytes.reserveCapacity(padding + 64)
    }

    mutating func set(_ index: Int) {
        bytes.removeAll(keepingCapacity: true)
        let digits = Self.count(index, base: 10)
        // `data: {"i":` digits `,"p":"` padding `"}` LF LF
        let length = Self.start.count + digits + Self.middle.count + padding.count + Self.end.count - 2
        Self.append(length, base: 16, digits: Self.count(length, base: 16), to: &bytes)
        bytes.append(13)
        bytes.append(10)
        bytes.append(contentsOf: Self.start)
        Self.append(index, base: 10, digits: digits, to: &bytes)
        bytes.append(contentsOf: Self.middle)
        bytes.append(contentsOf: padding)
        bytes.append(contentsOf: Self.end)
    }

    private static func count(_ value: Int, base: Int) -> Int {
        var (n, digits) = (value / base, 1)
        while n > 0 { (n, digits) = (n / base, digits + 1) }
        return digits
    }

    private static func append(_ value: Int, base: Int, digits: Int, to bytes: inout [UInt8]) {
        let first = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: digits))
        var n = value
        for i in stride(from: first + digits - 1, through: first, by: -1) {
            bytes[i] = hexDigits[n % base]
            n /= base
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
    private static let start = Array("data: {\"i\":".utf8)
    private static let middle = Array(",\"p\":\"".utf8)
    private static let end = Array("\"}\n\n\r\n".utf8)
}

/// The few pieces of HTTP/1.1 the benchmark's upstream and client need.
enum BenchHTTP {
    static func find(_ needle: [UInt8], in haystack: some Collection<UInt8>) -> Int? {
        let bytes = Array(haystack)
        guard bytes.count >= needle.count else { return nil }
        for i in 0...(bytes.count - needle.count) where bytes[i] == needle[0] && Array(bytes[i..<i + needle.count]) == needle {
            return i
        }
        return nil
    }

    static func header(_ name: String, in head: some Collection<UInt8>) -> String? {
        for line in String(decoding: Array(head), as: UTF8.self).split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name { return parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }

    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    static func sleep(ns: Int64) {
        var request = timespec(tv_sec: Int(ns / 1_000_000_000), tv_nsec: Int(ns % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    static func connectLoopback(_ port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else {
            close(fd)
            return nil
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }
}
