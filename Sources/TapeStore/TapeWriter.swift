import Foundation
import GRDB
import GRDBSQLite
import TapeCore

/// Writes live tapes without ever making the stream wait on the disk.
///
/// Callers only enqueue (`begin`, `append`, `respond`, `finish`); one thread
/// commits what is queued in small batches: at most `batchInterval` after the
/// oldest waiting operation, or as soon as `batchSize` operations wait. So a
/// crash loses at most the last batch interval, and a tape whose recorder dies
/// is found and marked `interrupted` by the next open of the store.
///
/// A failed commit (a full disk) loses only its own batch: everything
/// committed before stays, and every later call reports the failure.
public final class TapeWriter: @unchecked Sendable {
    /// What ended a tape, written when it finishes.
    public struct Ending: Sendable {
        public var reason: EndReason
        public var phase: EndPhase?
        public var detail: String?
        /// ns after `t_send`.
        public var tEnd: Int64
        public var provider: Provider?
        public var model: String?
        /// The timeline decoded while recording, stored as the tape's metrics row.
        public var timeline: TokenTimeline?

        public init(
            reason: EndReason, phase: EndPhase? = nil, detail: String? = nil, tEnd: Int64,
            provider: Provider? = nil, model: String? = nil, timeline: TokenTimeline? = nil
        ) {
            self.timeline = timeline
            self.reason = reason
            self.phase = phase
            self.detail = detail
            self.tEnd = tEnd
            self.provider = provider
            self.model = model
        }
    }

    /// Queued work. The rare, large cases are boxed so a queue of chunks
    /// costs about 40 bytes an entry plus the bytes themselves.
    private enum Operation {
        indirect case begin(TapeMetadata)
        case chunk(uid: String, Chunk)
        indirect case respond(uid: String, ResponseHead, tHeaders: Int64)
        indirect case finish(uid: String, Ending)
    }

    private let store: TapeStore
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [Operation] = []
    private var oldest: ContinuousClock.Instant?
    private var enqueued = 0
    private var committed = 0
    private var flushTarget = 0
    private var failure: TapeStoreError?
    private var closing = false
    private var stopped = false
    // Touched only by the writer thread: each open tape's row and what it has
    // committed so far, written to the row when the tape finishes.
    private var open: [String: (id: Int64, chunks: Int, bytes: Int)] = [:]

    init(store: TapeStore) {
        self.store = store
        // The thread holds the writer until `close()` lets it end.
        let thread = Thread { self.run() }
        thread.name = "tokentape.writer"
        thread.start()
    }

    /// Starts a tape and returns its text id; it is written with the next batch.
    @discardableResult
    public func begin(_ metadata: TapeMetadata) -> String {
        enqueue(.begin(metadata))
        return metadata.uid
    }

    /// Queues one read of the body. Never blocks on the database.
    public func append(_ uid: String, _ chunk: Chunk) {
        enqueue(.chunk(uid: uid, chunk))
    }

    /// Records the response head when it arrives.
    public func respond(_ uid: String, head: ResponseHead, tHeaders: Int64) {
        enqueue(.respond(uid: uid, head, tHeaders: tHeaders))
    }

    /// Ends a tape with its end reason.
    public func finish(_ uid: String, _ ending: Ending) {
        enqueue(.finish(uid: uid, ending))
    }

    /// Waits until everything queued so far is committed; throws the first
    /// write failure, if any.
    public func flush() throws {
        condition.lock()
        defer { condition.unlock() }
        flushTarget = max(flushTarget, enqueued)
        condition.broadcast()
        while committed < flushTarget, failure == nil, !stopped { condition.wait() }
        if let failure { throw failure }
    }

    /// Commits what is queued and stops the writer thread.
    public func close() throws {
        condition.lock()
        closing = true
        condition.broadcast()
        while !stopped { condition.wait() }
        let failure = self.failure
        condition.unlock()
        if let failure { throw failure }
    }

    /// The first write failure, if one happened.
    public var error: TapeStoreError? {
        condition.lock()
        defer { condition.unlock() }
        return failure
    }

    private func enqueue(_ operation: Operation) {
        condition.lock()
        defer { condition.unlock() }
        // Only a disk slower than the stream for a long while gets here: then
        // waiting is better than memory growing without bound.
        while queue.count >= store.configuration.maxQueued, failure == nil, !closing { condition.wait() }
        guard failure == nil, !closing else { return }
        if queue.isEmpty { oldest = .now }
        queue.append(operation)
        enqueued += 1
        if queue.count == 1 || queue.count >= store.configuration.batchSize { condition.broadcast() }
    }

    private func run() {
        let interval = store.configuration.batchInterval
        let batchSize = store.configuration.batchSize
        while true {
            condition.lock()
            while queue.isEmpty, !closing { condition.wait() }
            if queue.isEmpty {
                stopped = true
                condition.broadcast()
                condition.unlock()
                return
            }
            // Let the batch fill until its oldest operation has waited `interval`.
            while queue.count < batchSize, committed + queue.count > flushTarget, !closing,
                let oldest, ContinuousClock.now < oldest + interval
            {
                let remaining = (oldest + interval) - ContinuousClock.now
                _ = condition.wait(until: Date(timeIntervalSinceNow: remaining.seconds))
            }
            let take = min(queue.count, store.configuration.maxBatch ?? .max)
            let batch = Array(queue.prefix(take))
            queue.removeFirst(take)
            oldest = queue.isEmpty ? nil : .now
            condition.broadcast()  // producers waiting on a full queue may go on
            condition.unlock()

            let outcome = Result { try commit(batch) }

            condition.lock()
            if case .failure(let error) = outcome, failure == nil {
                failure = (error as? TapeStoreError) ?? .sqlite(path: store.path, message: "\(error)")
                queue = []
            }
            committed += batch.count
            condition.broadcast()
            condition.unlock()
        }
    }

    /// One transaction for the whole batch. Chunks go through a cached
    /// statement driven by the raw SQLite handle: the checked GRDB call costs
    /// about a third of the insert rate on this hot path.
    private func commit(_ batch: [Operation]) throws {
        try store.run {
            try store.pool.write { db in
                let insertChunk = try db.cachedStatement(
                    sql: "INSERT INTO chunks(tape_id, seq, t_ns, data) VALUES (?, ?, ?, ?)")
                for operation in batch {
                    switch operation {
                    case .begin(let metadata):
                        open[metadata.uid] = (try insertTape(metadata, db), 0, 0)
                    case .chunk(let uid, let chunk):
                        guard let tape = open[uid] else { continue }
                        try Self.insert(chunk, tape: tape.id, with: insertChunk.sqliteStatement, db)
                        open[uid] = (tape.id, tape.chunks + 1, tape.bytes + chunk.bytes.count)
                    case .respond(let uid, let head, let tHeaders):
                        guard let id = open[uid]?.id else { continue }
                        try db.execute(
                            sql: "UPDATE tapes SET status = ?, response_headers = ?, t_headers_ns = ? WHERE id = ?",
                            arguments: [head.status, TapeStore.encodeHeaders(head.headers), tHeaders, id])
                    case .finish(let uid, let ending):
                        guard let tape = open.removeValue(forKey: uid) else { continue }
                        try db.execute(
                            sql: """
                                UPDATE tapes SET end_reason = ?, end_phase = ?, end_detail = ?, t_end_ns = ?,
                                    provider = coalesce(?, provider), model = coalesce(?, model),
                                    chunk_count = ?, byte_count = ?
                                WHERE id = ?
                                """,
                            arguments: [
                                ending.reason.rawValue, ending.phase?.rawValue, ending.detail, ending.tEnd,
                                ending.provider?.rawValue, ending.model, tape.chunks, tape.bytes, tape.id,
                            ])
                        if let timeline = ending.timeline { try TapeStore.save(timeline, of: tape.id, db) }
                    }
                }
            }
        }
    }

    private static func insert(_ chunk: Chunk, tape: Int64, with statement: SQLiteStatement, _ db: Database) throws {
        sqlite3_bind_int64(statement, 1, tape)
        sqlite3_bind_int64(statement, 2, Int64(chunk.seq))
        sqlite3_bind_int64(statement, 3, chunk.t)
        let code = chunk.bytes.withUnsafeBytes { raw -> CInt in
            // SQLITE_STATIC: the bytes outlive the step, which happens inside this closure.
            sqlite3_bind_blob(statement, 4, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), CInt(raw.count), nil)
            defer { sqlite3_reset(statement) }
            return sqlite3_step(statement)
        }
        sqlite3_clear_bindings(statement)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage)
        }
    }

    private func insertTape(_ m: TapeMetadata, _ db: Database) throws -> Int64 {
        let recorder = RecorderProcess.current
        try db.execute(
            sql: """
                INSERT INTO tapes(uid, started_at, source, method, url, request_headers, request_body,
                    status, response_headers, provider, model, t_sched_ns, t_headers_ns,
                    recorder_pid, recorder_start, recorder_host, timed)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                m.uid, TapeStore.timestamp(m.startedAt), m.source.rawValue, m.request?.method, m.request?.url,
                TapeStore.encodeHeaders(m.request?.headers), m.request?.body.map { Data($0) },
                m.response?.status, TapeStore.encodeHeaders(m.response?.headers), m.provider?.rawValue, m.model,
                m.tSched, m.tHeaders, Int64(recorder.pid), recorder.start, recorder.host, m.timed,
            ])
        let id = db.lastInsertedRowID
        for tag in m.tags {
            try db.execute(sql: "INSERT OR IGNORE INTO tags(tape_id, tag) VALUES (?, ?)", arguments: [id, tag])
        }
        return id
    }
}

extension TapeStore {
    /// A writer for live tapes; close it when done.
    public func writer() -> TapeWriter { TapeWriter(store: self) }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
