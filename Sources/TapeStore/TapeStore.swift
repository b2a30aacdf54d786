import Foundation
import GRDB
import TapeCore

/// The SQLite file that holds the tapes: schema, migrations, reads and edits.
/// Writing a live stream goes through a `TapeWriter`.
///
/// Opening a file checks it first: a file that is not a tokentape database,
/// is damaged, or comes from a newer tokentape is refused and left untouched.
/// Opening also marks tapes whose recorder died as `interrupted`.
public final class TapeStore: Sendable {
    public struct Configuration: Sendable {
        /// How long to wait for another process's write lock.
        public var busyTimeout: TimeInterval = 10
        /// A cap on the database size in pages (SQLite's `max_page_count`), to
        /// see what a full disk does; nil for no cap.
        public var maxPageCount: Int?
        /// Chunks wait at most this long before they are committed.
        public var batchInterval: Duration = .milliseconds(50)
        /// … or until this many operations are waiting, whichever comes first.
        public var batchSize = 1024
        /// At most this many operations in one transaction; nil lets a batch
        /// take everything waiting (the fastest under load, since each commit
        /// rewrites the pages it touched).
        public var maxBatch: Int?
        /// Operations that may wait uncommitted before `append` waits for the
        /// disk (about 10 MB of 100-byte chunks); only a disk slower than the
        /// streams for seconds on end reaches it.
        public var maxQueued = 100_000

        public init() {}
    }

    public let path: String
    public let configuration: Configuration
    /// Tapes this open found abandoned by a dead recorder and marked `interrupted`.
    public let interruptedOnOpen: [Int64]
    let pool: DatabasePool

    public static var schemaVersion: Int { Schema.latestVersion }

    public init(path: String, configuration: Configuration = Configuration()) throws {
        self.path = path
        self.configuration = configuration
        var config = GRDB.Configuration()
        config.busyMode = .timeout(configuration.busyTimeout)
        config.foreignKeysEnabled = true
        let maxPageCount = configuration.maxPageCount
        config.prepareDatabase { db in
            if let maxPageCount { try db.execute(sql: "PRAGMA max_page_count = \(maxPageCount)") }
        }
        do {
            (pool, interruptedOnOpen) = try Self.open(path, config, patience: configuration.busyTimeout)
        } catch let error as DatabaseError {
            throw StoreFile.translate(error, path: path)
        }
    }

    /// Checks the file, opens, migrates and marks abandoned tapes. When two processes create
    /// the same new file at once, switching it to WAL or creating the schema
    /// can fail busy at once, without SQLite's busy handler waiting: that
    /// attempt is retried until `patience` runs out.
    private static func open(
        _ path: String, _ config: GRDB.Configuration, patience: TimeInterval
    ) throws -> (DatabasePool, [Int64]) {
        let deadline = ContinuousClock.now + .milliseconds(Int(patience * 1000))
        while true {
            do {
                _ = try StoreFile.inspect(path, knownVersion: Schema.latestVersion)
                let pool = try DatabasePool(path: path, configuration: config)
                try Schema.migrate(pool)
                return (pool, try markInterrupted(pool))
            } catch let error as DatabaseError
                where [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode) && ContinuousClock.now < deadline
            {
                Thread.sleep(forTimeInterval: 0.02)
            } catch TapeStoreError.busy(_) where ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: 0.02)  // the read-only look before opening
            }
        }
    }

    /// Closes the file now rather than when the last reference goes away
    /// (a writer's thread may hold one a moment after `TapeWriter.close()`).
    public func close() throws {
        try run { try pool.close() }
    }

    /// Runs a database operation, reporting SQLite failures as `TapeStoreError`.
    func run<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw StoreFile.translate(error, path: path)
        }
    }

    /// Ends, as `interrupted`, every open tape whose recording process is gone.
    private static func markInterrupted(_ pool: DatabasePool) throws -> [Int64] {
        try pool.write { db in
            let open = try Row.fetchAll(
                db, sql: "SELECT id, recorder_pid, recorder_start, recorder_host FROM tapes WHERE end_reason IS NULL")
            var marked: [Int64] = []
            for row in open {
                let recorder = RecorderProcess(
                    pid: row["recorder_pid"] ?? 0, start: row["recorder_start"] ?? "", host: row["recorder_host"] ?? "")
                guard !recorder.isAlive else { continue }
                let id: Int64 = row["id"]
                try db.execute(
                    sql: """
                        UPDATE tapes SET end_reason = ?, end_detail = ?,
                            t_end_ns = (SELECT max(t_ns) FROM chunks WHERE tape_id = tapes.id),
                            chunk_count = (SELECT count(*) FROM chunks WHERE tape_id = tapes.id),
                            byte_count = (SELECT coalesce(sum(length(data)), 0) FROM chunks WHERE tape_id = tapes.id)
                        WHERE id = ?
                        """,
                    arguments: [
                        EndReason.interrupted.rawValue,
                        "the recorder (pid \(recorder.pid)) stopped before the tape ended", id,
                    ])
                marked.append(id)
            }
            return marked
        }
    }
}
