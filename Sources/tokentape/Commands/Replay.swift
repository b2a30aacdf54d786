import ArgumentParser
import Foundation
import TapeAnalysis
import TapeCore
import TapeReplay
import TapeStore

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Play a tape back at its recorded speed: as a user saw it, or the exact bytes.",
        discussion: """
            Every write is due at start + t / speed from one start instant, so waits never add up; \
            a late write goes out at once. Boundaries are a separate control (--rechunk) from \
            timing (--speed, --max-gap, --ttft, --rate, --instant), and faults (--fault) test what \
            a parser does when things go wrong. Everything random is seeded (--seed).

            On a terminal: space pauses, + and - double and halve the speed, q quits.

            Examples:
              tokentape replay last                          # the answer as it streamed
              tokentape replay 3 --speed 2 --max-gap 500ms
              tokentape replay 3 --raw | my-sse-parser       # the exact bytes, flushed write by write
              tokentape replay 3 --raw --rechunk utf8-split --fault truncate@10:reset | my-sse-parser
              tokentape replay 3 --instant --raw --stats     # and how late each write was, on stderr
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: "The tape: a number, an id (tt_…) or `last`.", transform: TapeReference.argument)
    var tape: TapeReference

    @OptionGroup var replay: ReplayOptionGroup

    @Flag(name: .long, help: "Write the exact bytes instead of the text (for a parser under test).")
    var raw = false

    @Flag(name: .long, help: "Print how late each write went out (p50, p99, max, the last one), on standard error.")
    var stats = false

    func run() throws {
        let options = try replay.options()
        let store = try self.store.open()
        let tape = try store.tape(self.tape)
        let schedule = ReplaySchedule(tape: tape, options: options)
        if let failure = schedule.failure {
            // What a client would get instead of the stream.
            if raw {
                FileHandle.standardOutput.write(Data(failure.body))
            } else {
                print("HTTP \(failure.status)" + (failure.retryAfter.map { " (Retry-After: \($0))" } ?? "") + ": "
                    + String(decoding: failure.body, as: UTF8.self))
            }
            return
        }
        let player = ReplayPlayer(schedule)
        let signals = StopSignals { _ in player.stop() }
        defer { signals.cancel() }
        let keys = Terminal.stdoutIsTTY && !raw
            ? KeyPresses { key in
                switch key {
                case UInt8(ascii: " "): player.togglePause()
                case UInt8(ascii: "+"), UInt8(ascii: "="): player.setSpeed(min(player.currentSpeed * 2, 64))
                case UInt8(ascii: "-"), UInt8(ascii: "_"): player.setSpeed(max(player.currentSpeed / 2, 1.0 / 64))
                case UInt8(ascii: "q"), UInt8(ascii: "Q"): player.stop()
                default: break
                }
            } : nil
        defer { keys?.stop() }

        var decoder = StreamDecoder(
            provider: schedule.provider, contentEncoding: tape.metadata.response?.header("content-encoding"))
        let live = LiveText(enabled: !raw)
        let outcome = player.play { write, _ in
            if raw {
                // Unbuffered: each write reaches the pipe as its own write.
                _ = write.bytes.withUnsafeBytes { Foundation.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            } else {
                live.show(decoder.feed(write.bytes, chunk: 0))
            }
        }
        if !raw, !outcome.stopped { live.show(decoder.finish()) }
        live.end()
        // On a terminal, let the last write reach the reader before exiting: the kernel hands
        // terminal output on in deferred work, and an exiting process (with a hang-up of its
        // terminal) delayed that last write by about half a millisecond.
        if isatty(STDOUT_FILENO) == 1 {
            tcdrain(STDOUT_FILENO)
            usleep(20_000)
        }
        keys?.stop()
        if schedule.ending == .reset, !outcome.stopped {
            Terminal.note("✗ the stream ends with a connection reset here (a fault): no clean end")
        }
        if stats { Terminal.note(Self.latenessLine(outcome.lateness)) }
        if outcome.stopped { throw ExitCode(130) }
    }

    /// `42 writes late by p50 0.080 ms · p99 0.210 ms · max 0.300 ms · last 0.090 ms`
    static func latenessLine(_ lateness: [Int64]) -> String {
        guard let last = lateness.last else { return "no writes" }
        let p = Percentiles(lateness.map { Double($0) / 1e6 }, method: .linear)
        func ms(_ x: Double?) -> String { String(format: "%.3f ms", x ?? 0) }
        return "\(lateness.count) writes late by p50 \(ms(p.p50)) · p99 \(ms(p.p99)) · max \(ms(p.max)) · last \(ms(Double(last) / 1e6))"
    }
}
