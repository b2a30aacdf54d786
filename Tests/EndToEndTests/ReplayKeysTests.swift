import Foundation
import TapeCore
import TapeStore
import Testing

/// `replay` on a real terminal (a pseudo-terminal): q quits, space pauses and resumes.
struct ReplayKeysTests {
    /// The binary with a pseudo-terminal as its standard streams and controlling terminal.
    final class Terminal {
        let master: Int32
        let pid: pid_t

        init(_ arguments: [String]) throws {
            master = PTY.openpt(O_RDWR | O_NOCTTY)
            guard master >= 0, PTY.grantpt(master) == 0, PTY.unlockpt(master) == 0, let name = PTY.ptsname(master) else {
                throw ProbeError("no pseudo-terminal")
            }
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            posix_spawnattr_setflags(&attributes, Int16(0x80))  // POSIX_SPAWN_SETSID (glibc): a session of its own
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, name, O_RDWR, 0)
            posix_spawn_file_actions_adddup2(&actions, 0, 1)
            posix_spawn_file_actions_adddup2(&actions, 0, 2)
            let argv = ([CLI.binary.path] + arguments).map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            var pid: pid_t = 0
            guard posix_spawn(&pid, CLI.binary.path, &actions, &attributes, argv, environ) == 0 else { throw ProbeError("spawn failed") }
            self.pid = pid
        }

        /// Output until `text` shows (or `timeout` s pass); everything read.
        func read(until text: String? = nil, timeout: Double) -> String {
            var out = Data()
            let deadline = MonotonicClock.now() + Int64(timeout * 1e9)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while MonotonicClock.now() < deadline {
                var fds = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
                let left = Int32(max(1, (deadline - MonotonicClock.now()) / 1_000_000))
                guard poll(&fds, 1, left) > 0 else { break }
                let n = Foundation.read(master, &buffer, buffer.count)
                if n <= 0 { break }
                out += buffer[0..<n]
                if let text, String(decoding: out, as: UTF8.self).contains(text) { break }
            }
            return String(decoding: out, as: UTF8.self)
        }

        func press(_ key: String) { _ = key.withCString { write(master, $0, strlen($0)) } }

        /// The exit status, waiting at most `timeout` s (then killing it and returning nil).
        func exitStatus(timeout: Double) -> Int32? {
            let deadline = MonotonicClock.now() + Int64(timeout * 1e9)
            var status: Int32 = 0
            while MonotonicClock.now() < deadline {
                if waitpid(pid, &status, WNOHANG) == pid { return (status >> 8) & 0xFF }
                _ = read(timeout: 0.05)  // drain, so the child never blocks writing
            }
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
            return nil
        }

        deinit { close(master) }
    }

    func store(_ ms: [Double], _ words: [String], at db: String) throws {
        let store = try TapeStore(path: db)
        var metadata = TapeMetadata(source: .import, provider: .text, tEnd: Int64(ms.last! * 1e6))
        metadata.endReason = .completed
        try store.insert([Tape(metadata: metadata, chunks: zip(ms, words).enumerated().map {
            Chunk(seq: $0.offset, t: Int64($0.element.0 * 1e6), bytes: Array($0.element.1.utf8))
        })])
        try store.close()
    }

    @Test("q quits at once (exit 130), space pauses until pressed again")
    func keys() throws {
        let scratch = try Scratch()
        let db = scratch.path("t.sqlite")
        try store([0, 100, 20_000], ["first ", "second ", "last"], at: db)
        let quit = try Terminal(["replay", "1", "--db", db])
        #expect(quit.read(until: "second", timeout: 10).contains("second"))
        let pressed = MonotonicClock.now()
        quit.press("q")
        #expect(quit.exitStatus(timeout: 5) == 130)
        #expect(MonotonicClock.now() - pressed < 3_000_000_000)

        try store([0, 300, 600], ["one ", "two ", "three"], at: db)
        let paused = try Terminal(["replay", "2", "--db", db])
        #expect(paused.read(until: "one", timeout: 10).contains("one"))
        paused.press(" ")
        // Paused before "two" was due: nothing more for a second.
        #expect(!paused.read(timeout: 1).contains("two"))
        paused.press(" ")
        let rest = paused.read(until: "three", timeout: 5)
        #expect(rest.contains("two") && rest.contains("three"))
        #expect(paused.exitStatus(timeout: 5) == 0)
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
