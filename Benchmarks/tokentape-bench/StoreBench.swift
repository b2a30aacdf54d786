import Foundation
import GRDB
import GRDBSQLite
import TapeCore
import TapeStore

/// Appends N chunks of 32 bytes through `TapeWriter`, into one tape and spread
/// over 1,000 tapes, beside a raw SQLite C-API loop with a prepared statement
/// and the same batching (a commit every 1,024 rows) into the same schema.
enum StoreBench {
    static let payload = [UInt8](repeating: 0x61, count: 32)

    struct Outcome: Codable {
        var variant: String
        var tapes: Int
        var chunksPerSecond: Double
        var peakMiB: Double
        /// Resident memory at 25, 50, 75 and 100 % of the appends.
        var rssMiB: [Double]
    }

    static func compare(chunks: Int, runs: Int) throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0])
        var results: [String: [Outcome]] = [:]
        for run in 1...runs {
            for tapes in [1, 1000] {
                for variant in ["raw", "tokentape-1024", "tokentape"] {
                    let process = Process()
                    process.executableURL = executable
                    process.arguments = ["store-variant", variant, "\(chunks)", "\(tapes)"]
                    let pipe = Pipe()
                    process.standardOutput = pipe
                    try process.run()
                    let data = pipe.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    let outcome = try JSONDecoder().decode(Outcome.self, from: data)
                    results["\(variant)/\(tapes)", default: []].append(outcome)
                    print(String(format: "run %d  %-14@ %4d tape(s): %9.0f chunks/s  peak %6.1f MiB  rss %@", run,
                                 variant as NSString, tapes, outcome.chunksPerSecond, outcome.peakMiB,
                                 outcome.rssMiB.map { String(format: "%.1f", $0) }.joined(separator: "/") as NSString))
                }
            }
        }
        print("\nmedians over \(runs) runs, \(chunks) chunks of 32 bytes:")
        print("| tapes | raw C API, commit / 1,024 | TapeWriter, commit / 1,024 | ratio | TapeWriter, default batching | ratio | peak RSS raw / 1,024 / default (MiB) |")
        print("|---|---|---|---|---|---|---|")
        for tapes in [1, 1000] {
            let raw = results["raw/\(tapes)"]!, same = results["tokentape-1024/\(tapes)"]!, ours = results["tokentape/\(tapes)"]!
            let r = median(raw.map(\.chunksPerSecond)), s = median(same.map(\.chunksPerSecond))
            let o = median(ours.map(\.chunksPerSecond))
            print(String(format: "| %d | %.0f | %.0f | %.2f | %.0f | %.2f | %.1f / %.1f / %.1f |", tapes, r, s, s / r, o, o / r,
                         median(raw.map(\.peakMiB)), median(same.map(\.peakMiB)), median(ours.map(\.peakMiB))))
        }
    }

    static func runVariant(_ variant: String, chunks: Int, tapes: Int) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tokentape-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("bench.sqlite").path
        var rss: [Double] = []
        let checkpoints = Set([chunks / 4, chunks / 2, chunks * 3 / 4])
        let seconds: Double
        switch variant {
        case "tokentape", "tokentape-1024":
            var config = TapeStore.Configuration()
            if variant == "tokentape-1024" { config.maxBatch = 1024 }
            let store = try TapeStore(path: path, configuration: config)
            let writer = store.writer()
            let start = ContinuousClock.now
            let uids = (0..<tapes).map { _ in writer.begin(TapeMetadata(source: .pipe)) }
            for i in 0..<chunks {
                writer.append(uids[i % tapes], Chunk(seq: i / tapes, t: Int64(i), bytes: payload))
                if checkpoints.contains(i) { rss.append(Memory.currentMiB) }
            }
            for uid in uids { writer.finish(uid, .init(reason: .completed, tEnd: Int64(chunks))) }
            try writer.close()
            seconds = (ContinuousClock.now - start).seconds
        default:
            // The raw loop gets the schema from a store, then writes with the C API alone.
            _ = try TapeStore(path: path)
            seconds = try rawLoop(path: path, chunks: chunks, tapes: tapes) { i in
                if checkpoints.contains(i) { rss.append(Memory.currentMiB) }
            }
        }
        rss.append(Memory.currentMiB)
        let outcome = Outcome(
            variant: variant, tapes: tapes, chunksPerSecond: Double(chunks) / seconds, peakMiB: Memory.peakMiB, rssMiB: rss)
        FileHandle.standardOutput.write(try JSONEncoder().encode(outcome))
    }

    static func rawLoop(path: String, chunks: Int, tapes: Int, progress: (Int) -> Void) throws -> Double {
        var db: OpaquePointer?
        guard sqlite3_open(path, &db) == SQLITE_OK else { throw BenchError.sqlite("open") }
        defer { sqlite3_close(db) }
        func exec(_ sql: String) throws {
            guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw BenchError.sqlite(String(cString: sqlite3_errmsg(db))) }
        }
        try exec("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;")
        let start = ContinuousClock.now
        try exec("BEGIN IMMEDIATE")
        for t in 0..<tapes {
            try exec("INSERT INTO tapes(uid, started_at, source) VALUES ('bench-\(t)', '2026-01-01T00:00:00.000Z', 'pipe')")
        }
        try exec("COMMIT")
        var statement: OpaquePointer?
        sqlite3_prepare_v2(db, "INSERT INTO chunks(tape_id, seq, t_ns, data) VALUES (?, ?, ?, ?)", -1, &statement, nil)
        defer { sqlite3_finalize(statement) }
        try exec("BEGIN IMMEDIATE")
        for i in 0..<chunks {
            sqlite3_bind_int64(statement, 1, Int64(i % tapes + 1))
            sqlite3_bind_int64(statement, 2, Int64(i / tapes))
            sqlite3_bind_int64(statement, 3, Int64(i))
            let code = payload.withUnsafeBytes { raw in
                sqlite3_bind_blob(statement, 4, raw.baseAddress, CInt(raw.count), nil)
                defer { sqlite3_reset(statement) }
                return sqlite3_step(statement)
            }
            guard code == SQLITE_DONE else { throw BenchError.sqlite(String(cString: sqlite3_errmsg(db))) }
            if (i + 1) % 1024 == 0 {
                try exec("COMMIT")
                try exec("BEGIN IMMEDIATE")
            }
            progress(i)
        }
        try exec("COMMIT")
        try exec("BEGIN IMMEDIATE; UPDATE tapes SET end_reason = 'completed'; COMMIT;")
        return (ContinuousClock.now - start).seconds
    }

    enum BenchError: Error { case sqlite(String) }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
