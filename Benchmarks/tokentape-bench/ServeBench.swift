import CEpoll
import Foundation
import TapeCore
import TapeReplay
import TapeStore

/// Many streams at once from `tokentape serve`. Each connection names its
/// tape (`X-Tokentape-Tape`); one client thread (non-blocking sockets under
/// `epoll`) timestamps each read. A chunk has arrived when its last byte has;
/// its lateness is that time minus its deadline, the schedule anchored where
/// it fits the connection's arrivals best (so connection set-up does not count).
///
/// By default every stream plays a recording of its own (made-up tapes of one
/// timing model, different seeds), as real traffic would. `--tapes 1` plays one
/// tape on every connection: all 1,000 streams then write in the same instants
/// for their whole length, the worst case for a server.
enum ServeBench {
    /// One made-up tape: where each chunk ends in the body, and its time.
    struct Played {
        var uid: String
        var ends: [Int]
        var times: [Int64]
    }

    static func run(streams: Int, tapes tapeCount: Int, chunks: Int, runs: Int) throws {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tokentape")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tokentape-serve-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("bench.sqlite").path
        var timing = SyntheticTape.Timing()
        timing.ttft = 100_000_000
        timing.icl = 20_000_000
        timing.jitter = 5_000_000
        let text = (0..<chunks).map { " w\($0)" }.joined()
        let tapes = (0..<max(1, min(tapeCount, streams))).map {
            SyntheticTape.make(provider: .openaiChat, text: text, timing: timing, seed: UInt64(7 + $0))
        }
        let store = try TapeStore(path: db)
        try store.insert(tapes)
        try store.close()
        let played = tapes.map { tape in
            Played(
                uid: tape.metadata.uid,
                ends: tape.chunks.reduce(into: [Int]()) { $0.append(($0.last ?? 0) + $1.bytes.count) },
                times: tape.chunks.map(\.t))
        }
        let writes = played.first!.times.count
        print("\(streams) streams at once, \(tapes.count == 1 ? "all of one tape" : "\(tapes.count) different tapes"),"
              + " each \(writes) writes over about \(String(format: "%.2f", Double(played[0].times.last!) / 1e9)) s")

        var p50s: [Double] = []
        var p99s: [Double] = []
        var steadyP99s: [Double] = []
        var maxes: [Double] = []
        var cpuPerWrites: [Double] = []
        for run in 1...runs {
            let server = Process()
            server.executableURL = bin
            server.arguments = ["serve", "--db", db, "--listen", "127.0.0.1:0"]
            let out = Pipe()
            server.standardOutput = out
            try server.run()
            defer {
                server.interrupt()
                server.waitUntilExit()
            }
            let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
            guard let port = line.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
                throw BenchError("serve did not say where it listens: \(line)")
            }
            let cpuBefore = Memory.cpuSeconds(of: server.processIdentifier)
            let lateness = try load(port: port, plays: (0..<streams).map { played[$0 % played.count] })
            let cpuPerWrite = (Memory.cpuSeconds(of: server.processIdentifier) - cpuBefore) / Double(streams * writes) * 1e6
            cpuPerWrites.append(cpuPerWrite)
            let all = lateness.flatMap { $0 }.sorted()
            // The middle of the streams: neither the start-up nor the wind-down of 1,000 requests.
            let steady = lateness.flatMap { $0.dropFirst(5).dropLast(5) }.sorted()
            func rank(_ sorted: [Double], _ p: Double) -> Double { sorted[max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1)] }
            p50s.append(rank(all, 0.5))
            p99s.append(rank(all, 0.99))
            steadyP99s.append(rank(steady, 0.99))
            maxes.append(all.last!)
            print(String(format: "run %d: %d chunks timed, lateness p50 %.3f ms  p99 %.3f ms  max %.3f ms;"
                         + " mid-stream p99 %.3f ms; server CPU %.1f µs per write",
                         run, all.count, rank(all, 0.5), rank(all, 0.99), all.last!, rank(steady, 0.99), cpuPerWrite))
        }
        print(String(format: "\nmedians over %d runs: | %d streams | %d tapes | p50 %.3f ms | p99 %.3f ms | max %.3f ms | mid-stream p99 %.3f ms | %.1f µs |",
                     runs, streams, tapes.count, median(p50s), median(p99s), median(maxes), median(steadyP99s), median(cpuPerWrites)))
    }

    /// Opens every stream at once and times each chunk's arrival; the lateness
    /// of each connection's chunks, in ms. Connections are opened non-blocking
    /// and read from the first moment, so a stream never waits in the client's
    /// socket buffer while later ones connect; `epoll` keeps the client's own
    /// CPU small next to the server's.
    static func load(port: Int, plays: [Played]) throws -> [[Double]] {
        struct Connection {
            var fd: Int32
            var request: [UInt8]
            var sent = false
            var raw: [UInt8] = []
            var arrivals: [(t: Int64, rawCount: Int)] = []
        }
        var connections: [Connection] = []
        let epoll = epoll_create1(0)
        guard epoll >= 0 else { throw BenchError("epoll_create1 failed (errno \(errno))") }
        defer { close(epoll) }
        func watch(_ index: Int, _ events: UInt32, _ operation: Int32) throws {
            var event = epoll_event()
            event.events = events
            event.data.u64 = UInt64(index)
            guard epoll_ctl(epoll, operation, connections[index].fd, &event) == 0 else {
                throw BenchError("epoll_ctl failed (errno \(errno))")
            }
        }
        for (index, play) in plays.enumerated() {
            let request = Array(
                ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "X-Tokentape-Tape: \(play.uid)\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}").utf8)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let ok = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard ok == 0 || errno == EINPROGRESS else { throw BenchError("connect failed after \(index) connections (errno \(errno))") }
            connections.append(Connection(fd: fd, request: request))
            try watch(index, EPOLLOUT.rawValue, EPOLL_CTL_ADD)
        }
        var buffer = [UInt8](repeating: 0, count: 65536)
        var events = [epoll_event](repeating: epoll_event(), count: 512)
        var open = plays.count
        let deadline = MonotonicClock.now() + 120_000_000_000
        while open > 0, MonotonicClock.now() < deadline {
            let ready = Int(epoll_wait(epoll, &events, Int32(events.count), 1000))
            guard ready > 0 else { continue }
            let now = MonotonicClock.now()
            for e in events[0..<ready] {
                let i = Int(e.data.u64)
                let fd = connections[i].fd
                if !connections[i].sent {
                    guard e.events & EPOLLOUT.rawValue != 0 else { throw BenchError("a connection failed before its request") }
                    let sent = connections[i].request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    guard sent == connections[i].request.count else { throw BenchError("could not send a request (errno \(errno))") }
                    connections[i].sent = true
                    try watch(i, EPOLLIN.rawValue, EPOLL_CTL_MOD)
                    continue
                }
                let n = recv(fd, &buffer, buffer.count, 0)
                if n > 0 {
                    connections[i].raw += buffer[0..<n]
                    connections[i].arrivals.append((now, connections[i].raw.count))
                } else if n == 0 || errno != EAGAIN {
                    close(fd)  // also leaves the epoll set
                    open -= 1
                }
            }
        }
        guard open == 0 else { throw BenchError("\(open) of \(plays.count) streams did not finish within 120 s") }
        // Per connection: the payload offsets of the chunked body, then when each tape chunk was complete.
        var lateness: [[Double]] = []
        for (c, play) in zip(connections, plays) {
            let raw = c.raw
            guard let headEnd = raw.indices.first(where: { raw[$0...].starts(with: [13, 10, 13, 10]) }) else {
                throw BenchError("a stream ended without a response head")
            }
            var payloadEndRaw: [Int] = []  // raw offset after each payload byte
            var i = headEnd + 4
            while i < raw.count {
                guard let lineEnd = raw[i...].indices.first(where: { raw[$0...].starts(with: [13, 10]) }),
                    let size = Int(String(decoding: raw[i..<lineEnd], as: UTF8.self), radix: 16), size > 0,
                    lineEnd + 2 + size <= raw.count
                else { break }
                payloadEndRaw += Array((lineEnd + 3)...(lineEnd + 2 + size))
                i = lineEnd + 2 + size + 2
            }
            var at: [Int64] = []
            for end in play.ends where end <= payloadEndRaw.count {
                let rawNeeded = payloadEndRaw[end - 1]
                guard let arrival = c.arrivals.first(where: { $0.rawCount >= rawNeeded }) else { break }
                at.append(arrival.t)
            }
            guard at.count == play.times.count else {
                throw BenchError("a stream brought \(at.count) of its \(play.times.count) chunks")
            }
            // The schedule laid where it fits the arrivals best: at the smallest arrival − due time
            // (the server's start instant is not visible to the client). Under load the first
            // write can be the late one, so anchoring at it would make the rest look early.
            let anchor = at.indices.map { at[$0] - play.times[$0] }.min()!
            lateness.append(at.indices.map { Double(at[$0] - play.times[$0] - anchor) / 1e6 })
        }
        return lateness
    }
}
