import Foundation
import TapeCore
import TapeStore

/// `tokentape proxy` beside mitmproxy (`mitmdump`, streaming addon) in front
/// of the same native upstream, requests to direct / tokentape / mitmproxy
/// interleaved. One client thread of raw sockets timestamps every read.
enum ProxyBench {
    struct Target {
        var name: String
        var port: Int
        var process: Process?
    }

    /// - Parameters:
    ///   - throughputOnly: only the throughput and CPU runs (for comparing builds quickly).
    ///   - compare: a second `tokentape` binary, run as one more target beside the first, so two
    ///     builds meet the same noise (this machine's batches differ more than builds do).
    static func run(requests: Int, runs: Int, mitmdump: String, throughputOnly: Bool = false, compare: String? = nil) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tokentape-proxy-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let upstream = try BenchUpstream()
        defer { upstream.stop() }
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tokentape")
        let db = dir.appendingPathComponent("proxy.sqlite").path
        let tokentape = try startTokentape(bin, db: db, upstream: upstream.port)
        defer { stop(tokentape.process) }
        let mitm = try startMitm(mitmdump, upstream: upstream.port)
        defer { stop(mitm.process) }
        var targets = [
            Target(name: "direct", port: upstream.port), Target(name: "tokentape", port: tokentape.port, process: tokentape.process),
            Target(name: "mitmproxy", port: mitm.port, process: mitm.process),
        ]
        var other: Process?
        defer { other.map(stop) }
        if let compare {
            let b = try startTokentape(URL(fileURLWithPath: compare), db: dir.appendingPathComponent("compare.sqlite").path, upstream: upstream.port)
            other = b.process
            targets.append(Target(name: "compared", port: b.port, process: b.process))
            print("compared: \(compare), as one more target")
        }
        print("upstream: native, in this process, one send per chunk; \(requests) requests per target, interleaved\n")

        // Warm-up: connections, caches, mitmproxy's first-flow work.
        for target in targets {
            let client = try Client(port: target.port)
            for k in 0..<10 { _ = try client.exchange("/stream?chunks=3", id: "warm-\(target.name)-\(k)") }
        }

        if throughputOnly {
            try throughput(targets: targets, runs: runs)
            // How many reads each stream took: the fewer, the more each read carried.
            for (name, process, path) in [("tokentape", tokentape.process, db)] + (other.map { [("compared", $0, dir.appendingPathComponent("compare.sqlite").path)] } ?? []) {
                stop(process)
                let reads = try TapeStore(path: path).tapes(TapeFilter()).filter { $0.request?.headers.contains { $0.value.hasPrefix("tput-") } ?? false }
                    .map { Double($0.chunkCount) }
                print(String(format: "  %@: %.0f upstream reads per stream of 20000 chunks (median)", name, median(reads)))
            }
            return
        }

        // First content byte, kept-alive connections and new ones.
        for keepAlive in [true, false] {
            var firstByte: [String: [Double]] = [:]
            var clients: [String: Client] = [:]
            for i in 0..<requests {
                for target in ordered(targets, round: i) {
                    let client = try keepAlive ? (clients[target.name] ?? Client(port: target.port)) : Client(port: target.port, connectNow: false)
                    clients[target.name] = keepAlive ? client : nil
                    let exchange = try client.exchange("/stream?chunks=3&size=64", id: "ttfb-\(keepAlive)-\(target.name)-\(i)", close: !keepAlive)
                    firstByte[target.name, default: []].append(Double(exchange.firstByte - exchange.started) / 1e6)
                }
            }
            print("First content byte, \(keepAlive ? "kept-alive connection" : "new connection each request") (ms; \(requests) requests each; upstream connections so far: \(upstream.connections)):")
            report(firstByte, targets: targets)
        }

        // Per chunk: each chunk's arrival minus the upstream's send of it.
        var transit: [String: [Double]] = [:]
        var chunkIDs: [String] = []
        let perChunkRequests = max(10, requests / 10)
        var clients = try Dictionary(uniqueKeysWithValues: targets.map { ($0.name, try Client(port: $0.port)) })
        for i in 0..<perChunkRequests {
            for target in ordered(targets, round: i) {
                let id = "chunks-\(target.name)-\(i)"
                let exchange = try clients[target.name]!.exchange("/stream?chunks=50&gap_us=2000&size=120", id: id)
                let sent = upstream.sendTimes(id)
                for (k, arrival) in exchange.events.enumerated() where k < sent.count {
                    transit[target.name, default: []].append(Double(arrival - sent[k]) / 1e6)
                }
                if target.name == "tokentape" { chunkIDs.append(id) }
            }
        }
        print("Transit per chunk, upstream send → client read (ms; \(perChunkRequests) streams of 50 chunks 2 ms apart each):")
        report(transit, targets: targets)

        try throughput(targets: targets, runs: runs)
        clients = [:]

        // Memory while a 1,000,000-chunk stream passes through tokentape.
        let million = 1_000_000
        let client = try Client(port: tokentape.port)
        var samples: [Double] = [Memory.residentMiB(of: tokentape.process.processIdentifier)]
        let exchange = try client.exchange("/stream?chunks=\(million)&size=40", id: "million", keepEvents: false) { count in
            if count % 100_000 == 0 { samples.append(Memory.residentMiB(of: tokentape.process.processIdentifier)) }
        }
        samples.append(Memory.residentMiB(of: tokentape.process.processIdentifier))
        guard exchange.eventCount == million else { throw BenchError("tokentape passed \(exchange.eventCount) of \(million) chunks") }
        print(String(format: "Memory of the tokentape proxy while %d chunks pass (%.1f s): RSS %@ MiB",
                     million, Double(exchange.ended - exchange.started) / 1e9, samples.map { String(format: "%.0f", $0) }.joined(separator: " → ")))

        // The recorded gaps against the upstream's own send times.
        stop(tokentape.process)
        let store = try TapeStore(path: db)
        var errors: [Double] = []
        var compared = 0
        for metadata in try store.tapes(TapeFilter()) {
            guard let id = metadata.request?.headers.first(where: { $0.name.lowercased() == "x-bench-id" })?.value, chunkIDs.contains(id) else { continue }
            let tape = try store.tape(with: metadata)
            let sent = upstream.sendTimes(id)
            guard tape.chunks.count == sent.count, sent.count > 1 else { continue }
            compared += 1
            for k in 1..<sent.count {
                errors.append(abs(Double((tape.chunks[k].t - tape.chunks[0].t) - (sent[k] - sent[0])) / 1e6))
            }
        }
        errors.sort()
        guard !errors.isEmpty else { throw BenchError("no tape could be matched read for read with the upstream's sends") }
        print(String(format: "Recorded gap error, tape vs upstream send times (%d of %d streams read for read, %d gaps): p50 %.3f ms, p99 %.3f ms, max %.3f ms",
                     compared, chunkIDs.count, errors.count, rank(errors, 0.5), rank(errors, 0.99), errors.last!))
    }

    /// Throughput and CPU: 20,000 tiny chunks with no gap, on fresh kept-alive connections.
    static func throughput(targets: [Target], runs: Int) throws {
        var rates: [String: [Double]] = [:]
        var cpu: [String: [Double]] = [:]
        let tiny = 20_000
        for run in 0..<runs {
            for target in ordered(targets, round: run) {
                let client = try Client(port: target.port)
                let before = target.process.map { Memory.cpuSeconds(of: $0.processIdentifier) } ?? 0
                let exchange = try client.exchange("/stream?chunks=\(tiny)&size=40", id: "tput-\(target.name)-\(run)", keepEvents: false)
                if let process = target.process { cpu[target.name, default: []].append((Memory.cpuSeconds(of: process.processIdentifier) - before) / Double(tiny) * 1e6) }
                guard exchange.eventCount == tiny else { throw BenchError("\(target.name) passed \(exchange.eventCount) of \(tiny) chunks") }
                rates[target.name, default: []].append(Double(tiny) / (Double(exchange.ended - exchange.started) / 1e9))
            }
        }
        print("Throughput, \(tiny) chunks of about 40 bytes with no gap (median of \(runs) runs):")
        let direct = median(rates["direct"]!)
        for target in targets {
            let rate = median(rates[target.name]!)
            var line = "  \(target.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(Int(rate)) chunks/s (\(String(format: "%.2f", rate / direct))× direct)"
            if let c = cpu[target.name] { line += String(format: ", proxy CPU %.1f µs per chunk", median(c)) }
            print(line)
        }
        print(String(format: "  tokentape ÷ mitmproxy: %.1f×", median(rates["tokentape"]!) / median(rates["mitmproxy"]!)))
        if let compared = rates["compared"] {
            print(String(format: "  compared ÷ mitmproxy: %.1f×; compared ÷ tokentape: %.2f×", median(compared) / median(rates["mitmproxy"]!),
                         median(compared) / median(rates["tokentape"]!)))
        }
        print("")
    }

    /// The targets in another order each round, so that every target follows every other equally
    /// often: what runs just before a target (mitmproxy's CPU burst, say) moves its figure, and a
    /// plain rotation keeps each target's predecessor. A Williams design: balanced over n rounds
    /// for n targets when n is even, over 2n (each order then reversed) when it is odd.
    static func ordered(_ targets: [Target], round: Int) -> [Target] {
        let n = targets.count
        guard n > 1 else { return targets }
        let base = (0..<n).map { j in j == 0 ? 0 : j % 2 == 1 ? (j + 1) / 2 : n - j / 2 }
        let row = base.map { targets[($0 + round) % n] }
        return n % 2 == 1 && (round / n) % 2 == 1 ? row.reversed() : row
    }

    static func report(_ samples: [String: [Double]], targets: [Target]) {
        let direct = samples["direct"]!.sorted()
        for target in targets {
            let s = samples[target.name]!.sorted()
            var line = String(format: "  %@ p50 %.3f  p99 %.3f", target.name.padding(toLength: 10, withPad: " ", startingAt: 0), rank(s, 0.5), rank(s, 0.99))
            if target.name != "direct" {
                line += String(format: "   added: p50 %.3f  p99 %.3f", rank(s, 0.5) - rank(direct, 0.5), rank(s, 0.99) - rank(direct, 0.99))
            }
            print(line)
        }
        print("")
    }

    static func rank(_ sorted: [Double], _ p: Double) -> Double { sorted[max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1)] }

    static func startTokentape(_ bin: URL, db: String, upstream: Int) throws -> (process: Process, port: Int) {
        let process = Process()
        process.executableURL = bin
        process.arguments = ["proxy", "--db", db, "--upstream", "http://127.0.0.1:\(upstream)", "--listen", "127.0.0.1:0"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        guard let port = line.split(separator: "\n").first?.split(separator: ":").last.flatMap({ Int($0) }) else {
            throw BenchError("tokentape proxy did not say where it listens: \(line)")
        }
        // Its log lines are not read: send them nowhere rather than fill the pipe.
        Thread { while !out.fileHandleForReading.availableData.isEmpty {} }.start()
        return (process, port)
    }

    static func startMitm(_ mitmdump: String, upstream: Int) throws -> (process: Process, port: Int) {
        guard FileManager.default.isExecutableFile(atPath: mitmdump) else {
            throw BenchError("no mitmdump at \(mitmdump), the peer: make it with `bash Tests/Interop/setup.sh Benchmarks/requirements.txt .venv-bench`, or say where it is with --mitmdump PATH")
        }
        let port = try freePort()
        let addon = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("peers/mitm_stream.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mitmdump)
        process.arguments = [
            "--mode", "reverse:http://127.0.0.1:\(upstream)/", "--listen-host", "127.0.0.1", "--listen-port", "\(port)", "-s", addon, "-q",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // mitmdump prints nothing when quiet: wait (bounded) until it accepts a connection.
        let deadline = MonotonicClock.now() + 30_000_000_000
        while MonotonicClock.now() < deadline {
            if let fd = BenchHTTP.connectLoopback(port) {
                close(fd)
                return (process, port)
            }
            BenchHTTP.sleep(ns: 100_000_000)
        }
        process.terminate()
        throw BenchError("mitmdump did not listen on \(port) within 30 s")
    }

    static func stop(_ process: Process) {
        guard process.isRunning else { return }
        process.interrupt()
        process.waitUntilExit()
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw BenchError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// An HTTP/1.1 client on one socket that timestamps every read and
    /// decodes the chunked body as it comes, noting when each SSE event completes.
    final class Client {
        struct Exchange {
            var started: Int64
            var firstByte: Int64
            var ended: Int64
            var events: [Int64]
            var eventCount: Int
        }

        let port: Int
        private var fd: Int32?
        private var buffer = [UInt8](repeating: 0, count: 1 << 16)

        init(port: Int, connectNow: Bool = true) throws {
            self.port = port
            if connectNow { fd = try Self.open(port) }
        }

        deinit { if let fd { close(fd) } }

        static func hexDigit(_ byte: UInt8) -> Int? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
            default: nil
            }
        }

        static func open(_ port: Int) throws -> Int32 {
            guard let fd = BenchHTTP.connectLoopback(port) else { throw BenchError("cannot connect to port \(port)") }
            return fd
        }

        /// One request and its whole response. `started` is taken before connecting when there is no connection yet.
        func exchange(_ path: String, id: String, close: Bool = false, keepEvents: Bool = true, onEvent: (Int) -> Void = { _ in }) throws -> Exchange {
            let started = MonotonicClock.now()
            let fd = try self.fd ?? Self.open(port)
            self.fd = close ? nil : fd
            defer { if close { Glibc.close(fd) } }
            let request = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Bench-Id: \(id)\r\n"
                + "Content-Length: 2\r\n\(close ? "Connection: close\r\n" : "")\r\n{}"
            guard BenchHTTP.sendAll(fd, Array(request.utf8)) else { throw BenchError("send failed") }
            enum Phase { case head, size, data, dataEnd, trailer }
            var phase = Phase.head
            var headTail: [UInt8] = []
            var size = 0
            var remaining = 0
            var skip = 0
            var previousLF = false
            var firstByte: Int64?
            var events: [Int64] = []
            var count = 0
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                let now = MonotonicClock.now()
                guard n > 0 else { throw BenchError("the connection ended inside a response (\(count) events)") }
                var i = 0
                while i < n {
                    let byte = buffer[i]
                    switch phase {
                    case .head:
                        headTail.append(byte)
                        if headTail.count > 4 { headTail.removeFirst() }
                        if headTail == [13, 10, 13, 10] { phase = .size }
                        i += 1
                    case .size:
                        if byte == 10 {
                            if size == 0 { phase = .trailer } else { (phase, remaining) = (.data, size) }
                            size = 0
                        } else if let digit = Self.hexDigit(byte) {
                            // No String per byte: the client must be faster than what it measures.
                            size = size * 16 + digit
                        }
                        i += 1
                    case .data:
                        // Payload bytes: an SSE event ends at a blank line.
                        let take = min(remaining, n - i)
                        if firstByte == nil { firstByte = now }
                        for j in i..<(i + take) {
                            let lf = buffer[j] == 10
                            if lf && previousLF {
                                count += 1
                                if keepEvents { events.append(now) }
                                onEvent(count)
                            }
                            previousLF = lf
                        }
                        i += take
                        remaining -= take
                        if remaining == 0 { (phase, skip) = (.dataEnd, 2) }
                    case .dataEnd:
                        skip -= 1
                        i += 1
                        if skip == 0 { phase = .size }
                    case .trailer:
                        // The last chunk's CRLF: the response is complete.
                        i += 1
                        if byte == 10 {
                            return Exchange(started: started, firstByte: firstByte ?? now, ended: now, events: events, eventCount: count)
                        }
                    }
                }
            }
        }
    }
}
