import ArgumentParser
import Foundation
import GRDB
import GRDBSQLite
import TapeCore
import TapeStore

/// tokentape-bench: speed and memory of tokentape in release, beside a peer where there is one.
///
///   swift build -c release
///   bash Tests/Interop/setup.sh Benchmarks/requirements.txt .venv-bench   # the peers: asciinema, mitmproxy
///   .build/release/tokentape-bench store | decode | analysis | replay | serve | proxy [options]
///
/// `tokentape-bench help SUBCOMMAND` says what each measures. Each store variant runs in a child
/// process of its own, so its peak memory is its own.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokentape-bench",
        abstract: "Speed and memory of tokentape, in release, beside a peer where there is one (BENCHMARKS.md has the figures).",
        subcommands: [Store.self, Decode.self, Analysis.self, Replay.self, ServeCommand.self, Proxy.self, StoreVariant.self, AnalysisGenerate.self])

    /// How often each measurement is repeated; figures are the median.
    struct Runs: ParsableArguments {
        @Option(help: "How many times each measurement runs (the figure is their median).")
        var runs = 3

        func validate() throws {
            guard runs >= 1 else { throw ValidationError("--runs must be at least 1, not \(runs).") }
        }
    }

    struct Store: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Writing chunks to SQLite: GRDB against raw SQLite, and the batch sizes.")
        @Option(help: "Chunks written per run.") var chunks = 1_000_000
        @OptionGroup var runs: Runs
        func validate() throws { try atLeastOne(chunks, "--chunks") }
        func run() throws { try StoreBench.compare(chunks: chunks, runs: runs.runs) }
    }

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decoding an OpenAI chat stream into events, MB/s.")
        @Option(help: "Megabytes of stream decoded per run.") var megabytes = 64
        @Option(help: "How many times the decode runs (the figure is their median).") var runs = 5
        func validate() throws {
            try atLeastOne(megabytes, "--megabytes")
            try atLeastOne(runs, "--runs")
        }
        func run() throws { DecodeBench.run(megabytes: megabytes, runs: runs) }
    }

    struct Analysis: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "`stats` over many tapes: time and peak memory.")
        @Option(help: "Tapes in the generated database.") var tapes = 10_000
        @Option(help: "Chunks per tape.") var chunks = 500
        @Option(help: "Use this database instead of generating one.") var db: String?
        @OptionGroup var runs: Runs
        func validate() throws {
            try atLeastOne(tapes, "--tapes")
            try atLeastOne(chunks, "--chunks")
        }
        func run() throws { try AnalysisBench.run(tapes: tapes, chunks: chunks, runs: runs.runs, path: db) }
    }

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replay timing to a terminal beside asciinema's player.")
        @Option(help: "Chunks in the replayed tape.") var chunks = 500
        @Option(help: "The asciinema executable (the peer).") var asciinema = ".venv-bench/bin/asciinema"
        @OptionGroup var runs: Runs
        func validate() throws { try atLeastOne(chunks, "--chunks") }
        func run() throws { try ReplayBench.run(chunks: chunks, runs: runs.runs, asciinema: asciinema) }
    }

    struct ServeCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "serve", abstract: "`serve` answering many streams at once: timing error and throughput.")
        @Option(help: "Streams at once.") var streams = 1000
        @Option(help: "Tapes to choose from (default: one per stream).") var tapes: Int?
        @Option(help: "Chunks per tape.") var chunks = 50
        @OptionGroup var runs: Runs
        func validate() throws {
            try atLeastOne(streams, "--streams")
            try atLeastOne(tapes ?? streams, "--tapes")
            try atLeastOne(chunks, "--chunks")
        }
        func run() throws { try ServeBench.run(streams: streams, tapes: tapes ?? streams, chunks: chunks, runs: runs.runs) }
    }

    struct Proxy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The recording proxy beside mitmproxy in front of the same native upstream.",
            discussion: """
                Requests go to direct / tokentape / mitmproxy interleaved, in a balanced order: added time \
                to first content byte (kept-alive and new connections), added latency per chunk, \
                throughput of 20,000 tiny chunks with the proxy's CPU per chunk, memory while 1,000,000 \
                chunks pass, and the recorded gaps against the upstream's send times.
                """)
        @Option(help: "Requests per target for the first-byte figures.") var requests = 200
        @OptionGroup var runs: Runs
        @Option(help: "The mitmdump executable (mitmproxy 11, the peer).") var mitmdump = ".venv-bench/bin/mitmdump"
        @Flag(help: "Only the throughput and CPU runs, with the upstream reads per stream: for comparing builds quickly.")
        var throughputOnly = false
        @Option(help: ArgumentHelp(
            "A second tokentape binary, run as one more target (\"compared\") in the same run.",
            discussion: "This machine's batches differ more than builds do: compare two builds side by side like this.",
            valueName: "tokentape"))
        var compare: String?

        func validate() throws {
            try atLeastOne(requests, "--requests")
            if let compare, !FileManager.default.isExecutableFile(atPath: compare) {
                throw ValidationError("--compare \(compare): no executable there. Give the path of another build's tokentape (.build/release/tokentape).")
            }
        }

        func run() throws {
            try ProxyBench.run(requests: requests, runs: runs.runs, mitmdump: mitmdump, throughputOnly: throughputOnly, compare: compare)
        }
    }

    /// One store variant, in a child process of its own (run by `store`).
    struct StoreVariant: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "store-variant", shouldDisplay: false)
        @Argument var variant: String
        @Argument var chunks: Int
        @Argument var tapes: Int
        func run() throws { try StoreBench.runVariant(variant, chunks: chunks, tapes: tapes) }
    }

    /// Writes the database `analysis` measures, in a child process (run by `analysis`).
    struct AnalysisGenerate: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "analysis-generate", shouldDisplay: false)
        @Argument var path: String
        @Argument var tapes: Int
        @Argument var chunks: Int
        func run() throws { try AnalysisBench.generate(path, tapes: tapes, chunks: chunks) }
    }
}

private func atLeastOne(_ value: Int, _ name: String) throws {
    guard value >= 1 else { throw ValidationError("\(name) must be at least 1, not \(value).") }
}

/// Memory and CPU of a process (this one unless told), from /proc.
enum Memory {
    /// A `/proc/PID/status` field in kB, as MiB.
    static func field(_ name: String, pid: Int32? = nil) -> Double {
        let path = "/proc/\(pid.map(String.init) ?? "self")/status"
        guard let status = try? String(contentsOfFile: path, encoding: .utf8) else { return .nan }
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            let kb = line.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? .nan
            return kb / 1024
        }
        return .nan
    }

    static var peakMiB: Double { field("VmHWM") }
    static var currentMiB: Double { field("VmRSS") }

    /// Resident memory of another process, MiB.
    static func residentMiB(of pid: Int32) -> Double { field("VmRSS", pid: pid) }

    /// User plus system CPU seconds of a process so far (/proc/PID/stat fields 14 and 15).
    static func cpuSeconds(of pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3), so utime (14) and stime (15) are at 11 and 12.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}
