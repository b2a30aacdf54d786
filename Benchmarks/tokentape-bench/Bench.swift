import Foundation
import GRDB
import GRDBSQLite
import TapeCore
import TapeStore

/// tokentape-bench: speed and memory of the store and the decoder, in release.
///
///   swift run -c release tokentape-bench store [--chunks N] [--runs R]
///   swift run -c release tokentape-bench decode [--megabytes M] [--runs R]
///   swift build -c release && .build/release/tokentape-bench analysis [--tapes N] [--chunks C] [--runs R]
///   bash Tests/Interop/setup.sh Benchmarks/requirements.txt .venv-bench   # asciinema 2.4.0, the peer
///   .build/release/tokentape-bench replay [--chunks N] [--runs R]
///   .build/release/tokentape-bench serve [--streams N] [--tapes T] [--chunks C] [--runs R]
///   .build/release/tokentape-bench proxy [--requests N] [--runs R]   # beside mitmdump from .venv-bench
///       [--throughput-only] [--compare OTHER_TOKENTAPE_BINARY]              # two builds side by side
///
/// Each store variant runs in a child process of its own, so its peak memory is its own.
@main
enum Bench {
    static func main() throws {
        var args = Array(CommandLine.arguments.dropFirst())
        let command = args.isEmpty ? "help" : args.removeFirst()
        func option(_ name: String, _ fallback: Int) -> Int {
            guard let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]) else { return fallback }
            return v
        }
        switch command {
        case "store":
            try StoreBench.compare(chunks: option("--chunks", 1_000_000), runs: option("--runs", 3))
        case "store-variant":
            try StoreBench.runVariant(args[0], chunks: Int(args[1])!, tapes: Int(args[2])!)
        case "analysis":
            var path: String?
            if let i = args.firstIndex(of: "--db"), i + 1 < args.count { path = args[i + 1] }
            try AnalysisBench.run(
                tapes: option("--tapes", 10_000), chunks: option("--chunks", 500), runs: option("--runs", 3), path: path)
        case "replay":
            var asciinema = ".venv-bench/bin/asciinema"
            if let i = args.firstIndex(of: "--asciinema"), i + 1 < args.count { asciinema = args[i + 1] }
            try ReplayBench.run(chunks: option("--chunks", 500), runs: option("--runs", 3), asciinema: asciinema)
        case "serve":
            let streams = option("--streams", 1000)
            try ServeBench.run(
                streams: streams, tapes: option("--tapes", streams), chunks: option("--chunks", 50), runs: option("--runs", 3))
        case "proxy":
            var mitmdump = ".venv-bench/bin/mitmdump"
            if let i = args.firstIndex(of: "--mitmdump"), i + 1 < args.count { mitmdump = args[i + 1] }
            var compare: String?
            if let i = args.firstIndex(of: "--compare"), i + 1 < args.count { compare = args[i + 1] }
            try ProxyBench.run(
                requests: option("--requests", 200), runs: option("--runs", 3), mitmdump: mitmdump,
                throughputOnly: args.contains("--throughput-only"), compare: compare)
        case "analysis-generate":
            try AnalysisBench.generate(args[0], tapes: Int(args[1])!, chunks: Int(args[2])!)
        case "decode":
            DecodeBench.run(megabytes: option("--megabytes", 64), runs: option("--runs", 5))
        default:
            print("usage: tokentape-bench store [--chunks N] [--runs R] | decode [--megabytes M] [--runs R]")
            print("       tokentape-bench analysis [--tapes N] [--chunks C] [--runs R] [--db PATH]")
            print("       tokentape-bench replay [--chunks N] [--runs R] [--asciinema PATH]")
            print("       tokentape-bench serve [--streams N] [--tapes T] [--chunks C] [--runs R]")
            print("       tokentape-bench proxy [--requests N] [--runs R] [--mitmdump PATH] [--throughput-only] [--compare TOKENTAPE]")
        }
    }
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
