import Foundation
import GRDB
import TapeCore
import TapeStore

/// `tokentape stats --all` over many tapes of realistic OpenAI Chat streams,
/// cold (the metrics table emptied, so every tape is decoded from its chunks)
/// and warm (read from the metrics table), timed as a user runs it: the
/// release `tokentape` binary in a child process, with its peak RSS.
enum AnalysisBench {
    static func run(tapes: Int, chunks: Int, runs: Int, path: String?) throws {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tokentape")
        guard FileManager.default.isExecutableFile(atPath: bin.path) else {
            throw BenchError("build the CLI in release first: swift build -c release (looked for \(bin.path))")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tokentape-analysis-bench")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let db = path ?? dir.appendingPathComponent("analysis-\(tapes)x\(chunks).sqlite").path
        // Written by a child process, so this one stays small: a child's peak RSS
        // as wait4 reports it starts from its parent's at the spawn.
        if !exists(db, tapes: tapes) {
            _ = try measure(URL(fileURLWithPath: CommandLine.arguments[0]), ["analysis-generate", db, "\(tapes)", "\(chunks)"], quiet: false)
        }
        let size = (try FileManager.default.attributesOfItem(atPath: db)[.size] as? Int) ?? 0
        print("database \(db): \(tapes) tapes × \(chunks) chunks, \(size / 1_000_000) MB")

        // The same command over a tenth of the tapes, to see whether memory grows with their number.
        let selections: [(String, [String])] = [("\(tapes / 10)", ["1-\(tapes / 10)"]), ("\(tapes)", ["--all"])]
        var rows: [String] = []
        for (label, selection) in selections {
            var cold: [(Double, Double)] = []
            var warm: [(Double, Double)] = []
            for run in 1...runs {
                let pool = try DatabasePool(path: db)
                try pool.write { try $0.execute(sql: "DELETE FROM metrics") }
                try pool.close()
                cold.append(try measure(bin, ["stats"] + selection + ["--db", db]))
                warm.append(try measure(bin, ["stats"] + selection + ["--db", db]))
                print(String(format: "run %d  %@ tapes  cold %.2f s (peak %.1f MiB)  warm %.3f s (peak %.1f MiB)", run,
                             label as NSString, cold.last!.0, cold.last!.1, warm.last!.0, warm.last!.1))
            }
            rows.append(String(format: "| %@ | %.2f s | %.1f MiB | %.3f s | %.1f MiB |", label as NSString,
                               median(cold.map(\.0)), median(cold.map(\.1)), median(warm.map(\.0)), median(warm.map(\.1))))
        }
        print("\nmedians over \(runs) runs (\(ProcessInfo.processInfo.activeProcessorCount) cores):")
        print("| tapes | cold: stats from chunks | peak RSS | warm: stats from the metrics table | peak RSS |")
        print("|---|---|---|---|---|")
        rows.forEach { print($0) }
    }

    /// A database from an earlier run with as many tapes is reused.
    static func exists(_ path: String, tapes: Int) -> Bool {
        guard FileManager.default.fileExists(atPath: path), let store = try? TapeStore(path: path),
            (try? store.tapes(TapeFilter(limit: 1)).first?.number) == Int64(tapes)
        else {
            try? FileManager.default.removeItem(atPath: path)
            return false
        }
        try? store.close()
        return true
    }

    /// Writes the database.
    static func generate(_ path: String, tapes: Int, chunks: Int) throws {
        let start = ContinuousClock.now
        let store = try TapeStore(path: path)
        let writer = store.writer()
        var random = SystemRandomNumberGenerator()
        let head = #""id":"chatcmpl-AbC123","object":"chat.completion.chunk","created":1764000000,"model":"gpt-4o-mini","system_fingerprint":"fp_0ba0d124f1""#
        let words = ["the", " stream", " token", " arrives", " while", " users", " wait", "ing", ",", " and", " fast"]
        for i in 0..<tapes {
            let metadata = TapeMetadata(source: .client, provider: .openaiChat, model: "gpt-4o-mini", tags: [i % 2 == 0 ? "a" : "b"])
            writer.begin(metadata)
            var t = Int64.random(in: 150_000_000...900_000_000, using: &random)
            // One tape in 50 is cancelled halfway, as a user who gave up.
            let cancelled = i % 50 == 49
            let count = cancelled ? chunks / 2 : chunks
            for seq in 0..<count {
                let text: String
                switch seq {
                case 0: text = "data: {\(head),\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
                case chunks - 3: text = "data: {\(head),\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}\n\n"
                case chunks - 2: text = "data: {\(head),\"choices\":[],\"usage\":{\"prompt_tokens\":42,\"completion_tokens\":\(chunks - 4),\"total_tokens\":\(chunks + 38)}}\n\n"
                case chunks - 1: text = "data: [DONE]\n\n"
                default:
                    text = "data: {\(head),\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\(words[seq % words.count])\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
                }
                writer.append(metadata.uid, Chunk(seq: seq, t: t, bytes: Array(text.utf8)))
                // 15–45 ms between reads, and now and then a stall of up to 2 s.
                t += Int64.random(in: 15_000_000...45_000_000, using: &random)
                if Int.random(in: 0..<400, using: &random) == 0 { t += Int64.random(in: 500_000_000...2_000_000_000, using: &random) }
            }
            writer.finish(
                metadata.uid,
                .init(reason: cancelled ? .clientCancelled : .completed, phase: .afterFirstToken, tEnd: t, provider: .openaiChat,
                      model: "gpt-4o-mini"))
            if i % 1000 == 999 { print("  written \(i + 1) tapes") }
        }
        try writer.close()
        try store.close()
        print(String(format: "wrote %d tapes in %.1f s", tapes, (ContinuousClock.now - start).seconds))
    }

    /// Wall time and peak RSS (MiB) of a child process.
    static func measure(_ bin: URL, _ arguments: [String], quiet: Bool = true) throws -> (Double, Double) {
        var pid: pid_t = 0
        let argv = ([bin.path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if quiet { posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) }
        let start = ContinuousClock.now
        guard posix_spawn(&pid, bin.path, &actions, nil, argv, environ) == 0 else { throw BenchError("could not start \(bin.path)") }
        var status: Int32 = 0
        var usage = rusage()
        _ = wait4(pid, &status, 0, &usage)
        let seconds = (ContinuousClock.now - start).seconds
        guard status == 0 else { throw BenchError("tokentape \(arguments.joined(separator: " ")) exited with \(status)") }
        return (seconds, Double(usage.ru_maxrss) / 1024)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
