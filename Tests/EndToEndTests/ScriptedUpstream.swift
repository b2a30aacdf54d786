import Foundation
import TapeCore

/// An upstream whose every answer the test scripts: the status and headers,
/// each chunk and when it goes out, and how the body ends (cleanly, with a
/// reset, or not at all). It notes the requests it got, when each chunk
/// left, and when the client side of a connection went away.
final class ScriptedUpstream: @unchecked Sendable {
    enum Step {
        /// Status line and headers; the body is chunked unless a Content-Length is given.
        case head(Int, [(String, String)])
        /// A body chunk, sent `at` ms after the request arrived.
        case chunk(String, at: Double)
        /// The bytes as they are, at `at` ms (a non-chunked body).
        case raw(String, at: Double)
        /// A body chunk of any bytes (compressed ones), at `at` ms.
        case binary([UInt8], at: Double)
        /// The chunked body's clean end, then close.
        case end
        /// Close with a TCP reset (SO_LINGER 0): no clean end.
        case reset
        /// Keep the connection open, sending nothing, until the client closes it (at most `seconds`).
        case waitForClose(seconds: Double)
        /// Close at once without a word: what a kept-alive connection the server dropped looks like.
        case hangUp
    }

    let port: Int
    private let listener: Int32
    private let lock = NSCondition()
    private var _requests: [String] = []
    private var _sent: [Int64] = []
    private var _closedByClient: [Int64] = []
    private var stopped = false
    private var _connections = 0
    /// Serve further requests on a connection whose answer ended cleanly, instead of closing it.
    private let keepAlive: Bool

    var requests: [String] { lock.withLock { _requests } }
    /// Connections accepted so far.
    var connections: Int { lock.withLock { _connections } }

    /// Waits (at most `timeout` s) for a first request; whether one came.
    func waitForRequest(timeout: Double) -> Bool {
        let deadline = Date() + timeout
        lock.lock()
        defer { lock.unlock() }
        while _requests.isEmpty, lock.wait(until: deadline) {}
        return !_requests.isEmpty
    }

    /// Waits (at most `timeout` s) until `count` chunks have gone out; their send times.
    func waitForSent(_ count: Int, timeout: Double) -> [Int64] {
        let deadline = Date() + timeout
        lock.lock()
        defer { lock.unlock() }
        while _sent.count < count, lock.wait(until: deadline) {}
        return _sent
    }

    /// Waits (at most `timeout` s) for a client to close a connection held open; when it did.
    func waitForClientClose(timeout: Double) -> Int64? {
        let deadline = Date() + timeout
        lock.lock()
        defer { lock.unlock() }
        while _closedByClient.isEmpty, lock.wait(until: deadline) {}
        return _closedByClient.first
    }
    /// Monotonic ns each chunk left, in order, over all connections.
    var sent: [Int64] { lock.withLock { _sent } }
    /// Monotonic ns when a client closed a connection this upstream was holding open.
    var closedByClient: [Int64] { lock.withLock { _closedByClient } }

    init(keepAlive: Bool = false, _ script: @escaping @Sendable (String) -> [Step]) throws {
        self.keepAlive = keepAlive
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 128) == 0 else { throw ProbeError("the scripted upstream could not listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [weak self] in
            while true {
                let fd = accept(listener, nil, nil)
                guard fd >= 0, let self else { return }
                self.lock.withLock { self._connections += 1 }
                // As providers do: each scripted write leaves at once, not held back for an ACK.
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                Thread { self.serve(fd, script) }.start()
            }
        }.start()
    }

    deinit { stop() }

    func stop() {
        let first = lock.withLock {
            defer { stopped = true }
            return !stopped
        }
        if first {
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
        }
    }

    private func serve(_ fd: Int32, _ script: (String) -> [Step]) {
        var tv = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        while answer(fd, script), keepAlive {}
        close(fd)
    }

    /// Reads one request and plays its script; whether the connection may serve another.
    private func answer(_ fd: Int32, _ script: (String) -> [Step]) -> Bool {
        guard let request = Self.readRequest(fd) else { return false }
        let arrived = MonotonicClock.now()
        lock.withLock {
            _requests.append(request)
            lock.broadcast()
        }
        var closed = false
        for step in script(request) {
            switch step {
            case .head(let status, let headers):
                var head = "HTTP/1.1 \(status) \(status < 400 ? "OK" : "Error")\r\n"
                for (name, value) in headers { head += "\(name): \(value)\r\n" }
                if !headers.contains(where: { $0.0.lowercased() == "content-length" }) { head += "Transfer-Encoding: chunked\r\n" }
                head += keepAlive ? "\r\n" : "Connection: close\r\n\r\n"
                _ = Self.send(fd, Array(head.utf8))
            case .chunk(_, let at), .raw(_, let at), .binary(_, let at):
                let due = arrived + Int64(at * 1e6)
                let wait = due - MonotonicClock.now()
                if wait > 0 { usleep(useconds_t(wait / 1000)) }
                var bytes: [UInt8]
                switch step {
                case .chunk(let text, _), .raw(let text, _): bytes = Array(text.utf8)
                case .binary(let data, _): bytes = data
                default: bytes = []
                }
                if case .raw = step {} else { bytes = Array((String(bytes.count, radix: 16) + "\r\n").utf8) + bytes + [13, 10] }
                let now = MonotonicClock.now()
                guard Self.send(fd, bytes) else {
                    lock.withLock {
                        _closedByClient.append(now)
                        lock.broadcast()
                    }
                    closed = true
                    break
                }
                lock.withLock {
                    _sent.append(now)
                    lock.broadcast()
                }
            case .end:
                _ = Self.send(fd, Array("0\r\n\r\n".utf8))
            case .hangUp:
                return false
            case .reset:
                var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
                closed = true
            case .waitForClose(let seconds):
                var poller = pollfd(fd: fd, events: Int16(POLLIN) | 0x2000 /* POLLRDHUP */, revents: 0)
                let deadline = MonotonicClock.now() + Int64(seconds * 1e9)
                while MonotonicClock.now() < deadline {
                    let left = Int32(max(1, (deadline - MonotonicClock.now()) / 1_000_000))
                    guard poll(&poller, 1, left) > 0 else { continue }
                    var byte: UInt8 = 0
                    if recv(fd, &byte, 1, Int32(MSG_DONTWAIT)) <= 0 {
                        lock.withLock {
                            _closedByClient.append(MonotonicClock.now())
                            lock.broadcast()
                        }
                        break
                    }
                }
                closed = true
            }
            if closed { break }
        }
        return !closed
    }

    private static func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    /// The Content-Length a message head gives, if any.
    static func contentLength(_ head: String) -> Int? {
        head.split(separator: "\r\n").compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }.first
    }

    /// The request head and its Content-Length body, as text.
    private static func readRequest(_ fd: Int32) -> String? {
        var raw: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            if let end = raw.indices.first(where: { raw[$0...].starts(with: [13, 10, 13, 10]) }) {
                let length = contentLength(String(decoding: raw[..<end], as: UTF8.self)) ?? 0
                if raw.count >= end + 4 + length { return String(decoding: raw, as: UTF8.self) }
            }
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { return nil }
            raw += buffer[0..<n]
        }
    }
}

/// OpenAI Chat Completions stream events (FORMATS.md), one per call.
enum ChatStream {
    static let head = #""id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini""#

    static func content(_ text: String) -> String {
        "data: {\(head),\"choices\":[{\"index\":0,\"delta\":{\"content\":\(JSONValue.string(text).canonicalText)},\"finish_reason\":null}]}\n\n"
    }

    static let role = "data: {\(head),\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n"
    static let finish = "data: {\(head),\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
    static let done = "data: [DONE]\n\n"
    static let headers = [("Content-Type", "text/event-stream")]
}
