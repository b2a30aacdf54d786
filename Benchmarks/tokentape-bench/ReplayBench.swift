import Foundation
import TapeCore
import TapeStore

/// How punctually a player keeps a schedule, measured the same way for
/// `tokentape replay --raw` and for `asciinema play` (the peer), side by side:
/// each plays the same schedule into a pseudo-terminal, and one reader takes
/// the time of every byte as it comes out. A chunk arrives when its last byte
/// is read; its lateness is that time minus its deadline, the deadlines
/// anchored at the first chunk's arrival (so start-up time does not count).
enum ReplayBench {
    static func run(chunks: Int, runs: Int, asciinema: String) throws {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tokentape")
        guard FileManager.default.isExecutableFile(atPath: bin.path) else {
            throw BenchError("build the CLI in release first: swift build -c release (looked for \(bin.path))")
        }
        guard FileManager.default.isExecutableFile(atPath: asciinema) else {
            throw BenchError("asciinema not found at \(asciinema): bash Tests/Interop/setup.sh Benchmarks/requirements.txt .venv-bench")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tokentape-replay-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        // Gaps log-uniform from 1 to 500 ms (most short, some long), seeded; 8 ASCII bytes a chunk.
        var random = SplitMix64(seed: 42)
        var t: Int64 = 0
        var schedule: [(t: Int64, bytes: [UInt8])] = []
        for i in 0..<chunks {
            if i > 0 { t += Int64(exp(log(1.0) + Double(random.next() >> 11) / Double(1 << 53) * log(500.0)) * 1e6) }
            let letter = UInt8(ascii: "a") + UInt8(i % 26)
            schedule.append((t, [UInt8](repeating: letter, count: 8)))
        }
        let db = dir.appendingPathComponent("bench.sqlite").path
        let store = try TapeStore(path: db)
        let chunksOfTape = schedule.enumerated().map { Chunk(seq: $0.offset, t: $0.element.t, bytes: $0.element.bytes) }
        var metadata = TapeMetadata(source: .import, provider: .text, tEnd: t + 1_000_000)
        metadata.endReason = .completed
        try store.insert([Tape(metadata: metadata, chunks: chunksOfTape)])
        try store.close()
        // The same schedule as an asciicast v2 recording.
        var cast = #"{"version": 2, "width": 80, "height": 24}"# + "\n"
        for item in schedule {
            cast += String(format: "[%.6f, \"o\", \"%@\"]\n", Double(item.t) / 1e9, String(decoding: item.bytes, as: UTF8.self))
        }
        let castPath = dir.appendingPathComponent("bench.cast").path
        try cast.write(toFile: castPath, atomically: true, encoding: .utf8)
        print(String(format: "%d chunks, gaps 1–500 ms log-uniform, %.1f s of schedule at 1×", chunks, Double(t) / 1e9))

        var rows: [String] = []
        for speed in [1.0, 2.0] {
            var results: [String: [Summary]] = [:]
            for run in 1...runs {
                for player in ["tokentape", "asciinema"] {
                    let arguments = player == "tokentape"
                        ? [bin.path, "replay", "1", "--raw", "--db", db, "--speed", String(speed)]
                        : [asciinema, "play", "-s", String(speed), castPath]
                    let arrivals = try timeThroughPTY(arguments, expectBytes: chunks * 8)
                    let summary = Summary(schedule: schedule.map { $0.t }, arrivals: arrivals, chunkSize: 8, speed: speed)
                    results[player, default: []].append(summary)
                    print(String(format: "run %d  %.0f×  %-9@ p50 %.3f ms  p99 %.3f ms  max %.3f ms  drift %.3f ms", run, speed,
                                 player as NSString, summary.p50, summary.p99, summary.max, summary.drift))
                }
            }
            for player in ["tokentape", "asciinema"] {
                let s = results[player]!
                rows.append(String(format: "| %.0f× | %@ | %.3f | %.3f | %.3f | %.3f |", speed, player as NSString,
                                   median(s.map(\.p50)), median(s.map(\.p99)), median(s.map(\.max)), median(s.map(\.drift))))
            }
        }
        print("\nmedians over \(runs) runs (lateness in ms; deadlines anchored at the first chunk):")
        print("| speed | player | p50 | p99 | max | last chunk's drift |")
        print("|---|---|---|---|---|---|")
        rows.forEach { print($0) }
    }

    struct Summary {
        var p50: Double
        var p99: Double
        var max: Double
        var drift: Double

        init(schedule: [Int64], arrivals: [(t: Int64, total: Int)], chunkSize: Int, speed: Double) {
            // When the last byte of chunk i had been read.
            var at: [Int64] = []
            var next = 0
            for arrival in arrivals {
                while next < schedule.count, (next + 1) * chunkSize <= arrival.total {
                    at.append(arrival.t)
                    next += 1
                }
            }
            let anchor = at.first ?? 0
            let lateness = zip(at, schedule).map { Double($0 - anchor - Int64(Double($1) / speed)) / 1e6 }
            let sorted = lateness.sorted()
            func rank(_ p: Double) -> Double { sorted.isEmpty ? .nan : sorted[Swift.max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1)] }
            p50 = rank(0.5)
            p99 = rank(0.99)
            max = sorted.last ?? .nan
            drift = lateness.last ?? .nan
        }
    }

    /// Runs a command with a pseudo-terminal as its standard streams and
    /// returns, for each read of the terminal's output, its time and the bytes read so far.
    static func timeThroughPTY(_ arguments: [String], expectBytes: Int) throws -> [(t: Int64, total: Int)] {
        let master = PTY.openpt(O_RDWR | O_NOCTTY)
        guard master >= 0, PTY.grantpt(master) == 0, PTY.unlockpt(master) == 0, let name = PTY.ptsname(master) else {
            throw BenchError("no pseudo-terminal")
        }
        let slavePath = String(cString: name)
        // Raw: no newline translation or echo between the player and the reader.
        let slave = open(slavePath, O_RDWR | O_NOCTTY)
        var attributes = termios()
        tcgetattr(slave, &attributes)
        cfmakeraw(&attributes)
        tcsetattr(slave, TCSANOW, &attributes)
        // A session of its own whose controlling terminal is the pty, as in a real terminal:
        // asciinema paces only when it can open /dev/tty (without one it writes everything at once).
        var spawnAttributes = posix_spawnattr_t()
        posix_spawnattr_init(&spawnAttributes)
        defer { posix_spawnattr_destroy(&spawnAttributes) }
        posix_spawnattr_setflags(&spawnAttributes, Int16(0x80))  // POSIX_SPAWN_SETSID (glibc)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)  // no O_NOCTTY: it becomes the controlling terminal
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, arguments[0], &actions, &spawnAttributes, argv, environ) == 0 else {
            throw BenchError("could not start \(arguments[0])")
        }
        close(slave)
        var arrivals: [(Int64, Int)] = []
        var total = 0
        var buffer = [UInt8](repeating: 0, count: 65536)
        while total < expectBytes {
            let n = read(master, &buffer, buffer.count)
            let now = MonotonicClock.now()
            if n <= 0 { break }
            // Only the payload letters count (a player may write control sequences too).
            total += buffer[0..<n].filter { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }.count
            arrivals.append((now, total))
        }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(master)
        guard total >= expectBytes else { throw BenchError("\(arguments[0]) wrote \(total) of \(expectBytes) bytes") }
        return arrivals.map { (t: $0.0, total: $0.1) }
    }
}

/// The pseudo-terminal calls of the C library, which Swift's Glibc module
/// leaves out (they need _XOPEN_SOURCE): looked up by name, called as C.
enum PTY {
    private static func function<T>(_ name: String, as type: T.Type) -> T {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { fatalError("no \(name) in the C library") }
        return unsafeBitCast(symbol, to: type)
    }

    static let openpt = function("posix_openpt", as: (@convention(c) (Int32) -> Int32).self)
    static let grantpt = function("grantpt", as: (@convention(c) (Int32) -> Int32).self)
    static let unlockpt = function("unlockpt", as: (@convention(c) (Int32) -> Int32).self)
    static let ptsname = function("ptsname", as: (@convention(c) (Int32) -> UnsafeMutablePointer<CChar>?).self)
}
