import ArgumentParser
import Foundation
import TapeCore
import TapeReplay

/// How a tape is played back, shared by `replay` and `serve`: timing,
/// boundaries and faults, all seeded.
struct ReplayOptionGroup: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Play this many times faster (0.5 is half speed).", valueName: "x"))
    var speed: Double = 1

    @Flag(name: .long, help: "Every write at once: no waiting at all.")
    var instant = false

    @Option(
        name: .customLong("max-gap"),
        help: ArgumentHelp("Cap every wait at this (like asciinema's idle time limit).", valueName: "duration"),
        transform: DurationText.argument)
    var maxGap: Double?

    @Option(name: .long, help: ArgumentHelp("Set the wait for the first write.", valueName: "duration"), transform: DurationText.argument)
    var ttft: Double?

    @Option(name: .long, help: ArgumentHelp("At most this throughput: 2000B/s or 20ev/s.", valueName: "rate"))
    var rate: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Where writes begin and end: original, event, byte, random, utf8-split, crlf-split.",
            discussion: "The bytes written are the tape's whatever the boundaries; each write is due when its last byte arrived."))
    var rechunk: ReplayOptions.Rechunk = .original

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A fault (repeat for several).",
            discussion: """
                truncate@N[:reset] (after N reads), truncate-bytes@N[:reset], stall@K:2s (hold read K on), \
                error@K (a provider-shaped error event before read K, then the end), drop@E / duplicate@E \
                (decoded event E), corrupt:N (N seeded bytes), status:429[:retry=2] / status:500 / status:503 \
                (an HTTP error instead of the stream). Reads and events count from 0.
                """,
            valueName: "fault"))
    var fault: [String] = []

    @Option(name: .long, help: "Seed of the random choices (rechunk random, corrupt).")
    var seed: UInt64 = 1

    func options() throws -> ReplayOptions {
        guard speed > 0, speed.isFinite else { throw ValidationError("--speed must be a positive number, like 2 or 0.5") }
        var o = ReplayOptions()
        o.speed = speed
        o.instant = instant
        o.maxGap = maxGap.map { Int64($0 * 1e9) }
        o.firstWait = ttft.map { Int64($0 * 1e9) }
        o.rechunk = rechunk
        o.seed = seed
        if let rate {
            let lower = rate.lowercased()
            if lower.hasSuffix("b/s"), let n = Double(lower.dropLast(3)), n > 0 {
                o.rate = .bytesPerSecond(n)
            } else if lower.hasSuffix("ev/s"), let n = Double(lower.dropLast(4)), n > 0 {
                o.rate = .eventsPerSecond(n)
            } else {
                throw ValidationError("--rate '\(rate)' is not a rate: write 2000B/s or 20ev/s")
            }
        }
        o.faults = try fault.map(FaultText.parse)
        return o
    }
}

extension ReplayOptions.Rechunk: ExpressibleByArgument {}

/// Faults as users write them: `truncate@5:reset`, `stall@3:2s`, `status:429:retry=2`.
enum FaultText {
    static func parse(_ text: String) throws -> Fault {
        func fail(_ why: String) -> ValidationError {
            ValidationError("--fault '\(text)': \(why). Forms: truncate@N[:reset], truncate-bytes@N[:reset], stall@K:2s, error@K, drop@E, duplicate@E, corrupt:N, status:429[:retry=2]")
        }
        var parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let head = parts.removeFirst()
        let name: String
        var index: Int?
        if let at = head.firstIndex(of: "@") {
            name = String(head[..<at])
            guard let k = Int(head[head.index(after: at)...]), k >= 0 else { throw fail("the number after @ must be 0 or more") }
            index = k
        } else {
            name = head
        }
        func needIndex() throws -> Int {
            guard let index else { throw fail("say where with @, like \(name)@3") }
            return index
        }
        switch name {
        case "truncate", "truncate-bytes":
            let n = try needIndex()
            guard parts.isEmpty || parts == ["reset"] else { throw fail("the only option is :reset") }
            let reset = parts == ["reset"]
            return name == "truncate" ? .truncateAfterReads(n, reset: reset) : .truncateAfterBytes(n, reset: reset)
        case "stall":
            let k = try needIndex()
            guard parts.count == 1, let seconds = DurationText.seconds(parts[0]) else { throw fail("say how long, like stall@3:2s") }
            return .stall(atRead: k, ns: Int64(seconds * 1e9))
        case "error": return .errorEvent(atRead: try needIndex())
        case "drop": return .dropEvent(try needIndex())
        case "duplicate": return .duplicateEvent(try needIndex())
        case "corrupt":
            guard parts.count == 1, let n = Int(parts[0]), n > 0 else { throw fail("say how many bytes, like corrupt:3") }
            return .corrupt(bytes: n)
        case "status":
            guard let code = parts.first.flatMap(Int.init), (400...599).contains(code) else {
                throw fail("say which error status, like status:429")
            }
            var retry: Int? = code == 429 ? 1 : nil
            if parts.count == 2 {
                guard parts[1].hasPrefix("retry="), let r = Int(parts[1].dropFirst(6)), r >= 0 else { throw fail("the option is retry=SECONDS") }
                retry = r
            } else if parts.count > 2 {
                throw fail("too many parts")
            }
            return .status(code, retryAfter: retry)
        default:
            throw fail("unknown fault '\(name)'")
        }
    }
}
