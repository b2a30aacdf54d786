import Foundation
import TapeCore
import TapeReplay
import TapeStore

/// Many streams at once from `tokentape serve`: every connection asks for the
/// same made-up tape, and one client thread (non-blocking sockets under
/// `poll`) timestamps each read. A chunk has arrived when its last byte has;
/// its lateness is that time minus its deadline, the schedule anchored where
/// it fits the connection's arrivals best (so connection set-up does not count).
enum ServeBench {
    static func run(streams: Int, chunks: Int, runs: Int) throws {
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
        let tape = SyntheticTape.make(provider: .openaiChat, text: text, timing: timing, seed: 7)
        let store = try TapeStore(path: db)
        try store.insert([tape])
        try store.close()
        let ends = tape.chunks.reduce(into: [Int]()) { $0.append(($0.last ?? 0) + $1.bytes.count) }
        let times = tape.chunks.map(\.t)
        print("\(streams) streams at once, each a tape of \(tape.chunks.count) writes over \(String(format: "%.2f", Double(times.last!) / 1e9)) s")

        var p50s: [Double] = []
        var p99s: [Double] = []
        var maxes: [Double] = []
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
            let lateness = try load(port: port, streams: streams, ends: ends, times: times)
            let sorted = lateness.sorted()
            func rank(_ p: Double) -> Double { sorted[max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1)] }
            p50s.append(rank(0.5))
            p99s.append(rank(0.99))
            maxes.append(sorted.last!)
            print(String(format: "run %d: %d chunks timed, lateness p50 %.3f ms  p99 %.3f ms  max %.3f ms", run, sorted.count,
                         rank(0.5), rank(0.99), sorted.last!))
        }
        print(String(format: "\nmedians over %d runs: | %d streams | p50 %.3f ms | p99 %.3f ms | max %.3f ms |", runs, streams,
                     median(p50s), median(p99s), median(maxes)))
    }

    /// Opens every stream at once and times each chunk's arrival.
    static func load(port: Int, streams: Int, ends: [Int], times: [Int64]) throws -> [Double] {
        struct Connection {
            var fd: Int32
            var raw: [UInt8] = []
            var bodyStart: Int?
            var arrivals: [(t: Int64, rawCount: Int)] = []
            var done = false
        }
        var connections: [Connection] = []
        let request = Array("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}".utf8)
        for _ in 0..<streams {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let ok = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard ok == 0 else { throw BenchError("connect failed after \(connections.count) connections") }
            _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            connections.append(Connection(fd: fd))
        }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = MonotonicClock.now() + 120_000_000_000
        while connections.contains(where: { !$0.done }), MonotonicClock.now() < deadline {
            var fds = connections.map { pollfd(fd: $0.fd, events: $0.done ? 0 : Int16(POLLIN), revents: 0) }
            guard poll(&fds, nfds_t(fds.count), 1000) > 0 else { continue }
            let now = MonotonicClock.now()
            for i in fds.indices where fds[i].revents != 0 && !connections[i].done {
                let n = recv(connections[i].fd, &buffer, buffer.count, 0)
                if n <= 0 {
                    connections[i].done = true
                    close(connections[i].fd)
                    continue
                }
                connections[i].raw += buffer[0..<n]
                connections[i].arrivals.append((now, connections[i].raw.count))
            }
        }
        // Per connection: the payload offsets of the chunked body, then when each tape chunk was complete.
        var lateness: [Double] = []
        for c in connections {
            let raw = c.raw
            guard let headEnd = raw.indices.first(where: { raw[$0...].starts(with: [13, 10, 13, 10]) }) else { continue }
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
            for end in ends where end <= payloadEndRaw.count {
                let rawNeeded = payloadEndRaw[end - 1]
                guard let arrival = c.arrivals.first(where: { $0.rawCount >= rawNeeded }) else { break }
                at.append(arrival.t)
            }
            // The schedule laid where it fits the arrivals best: at the smallest arrival − due time
            // (the server's start instant is not visible to the client). Under load the first
            // write can be the late one, so anchoring at it would make the rest look early.
            guard let anchor = at.indices.map({ at[$0] - times[$0] }).min() else { continue }
            for (k, t) in at.enumerated() { lateness.append(Double(t - times[k] - anchor) / 1e6) }
        }
        return lateness
    }
}
