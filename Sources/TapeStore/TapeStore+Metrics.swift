import Foundation
import GRDB
import GRDBSQLite
import TapeCore

extension TapeStore {
    /// Finished tapes of a selection whose timeline is missing or was built
    /// under other definitions: what `analyze` must (re)build.
    public func tapesNeedingAnalysis(_ filter: TapeFilter = TapeFilter()) throws -> [Int64] {
        let (sql, arguments) = Self.select(
            "tapes.id AS id, tapes.end_reason AS end_reason, metrics.version AS version",
            from: "tapes LEFT JOIN metrics ON metrics.tape_id = tapes.id", filter)
        return try run {
            try pool.read { db in
                try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap { row -> Int64? in
                    guard (row["end_reason"] as String?) != nil else { return nil }
                    return (row["version"] as Int?) == TokenTimeline.definitionsVersion ? nil : row["id"]
                }
            }
        }
    }

    /// Rebuilds the timelines of these tapes from their chunks and stores them.
    ///
    /// Decoding is the cost, so `threads` workers each decode a share of the
    /// tapes (reading is concurrent in WAL) and store their rows in batches.
    /// - Parameter progress: called after each batch with the number done so far.
    public func analyze(_ numbers: [Int64], threads: Int = 2, progress: (@Sendable (Int) -> Void)? = nil) throws {
        guard !numbers.isEmpty else { return }
        let workers = max(1, min(threads, numbers.count))
        let done = Counter()
        let failure = FirstFailure()
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var pending: [(Int64, TokenTimeline)] = []
            func flush() throws {
                let batch = pending
                pending = []
                try run { try pool.write { db in for (id, timeline) in batch { try Self.save(timeline, of: id, db) } } }
                progress?(done.add(batch.count))
            }
            do {
                for index in stride(from: worker, to: numbers.count, by: workers) {
                    guard !failure.happened else { return }
                    pending.append((numbers[index], try timeline(of: numbers[index])))
                    if pending.count == 100 { try flush() }
                }
                try flush()
            } catch {
                failure.record(error)
            }
        }
        if let error = failure.error { throw error }
    }

    /// A tape's timeline decoded from its stored chunks.
    ///
    /// The chunks are stepped through with the raw statement, each blob
    /// copied once into the decoder: this loop is most of a cold `stats`.
    public func timeline(of number: Int64) throws -> TokenTimeline {
        let metadata = try metadata(.number(number))
        var decoder = metadata.makeDecoder()
        var builder = TokenTimeline.Builder()
        var last: Int64 = 0
        try run {
            try pool.read { db in
                // Pages through a memory map skip a copy each: this reads every chunk of every tape.
                // (It stays set on this reader connection, which only ever reads.)
                try db.execute(sql: "PRAGMA mmap_size = 268435456")
                let statement = try db.cachedStatement(sql: "SELECT seq, t_ns, data FROM chunks WHERE tape_id = ? ORDER BY seq")
                let raw = statement.sqliteStatement
                sqlite3_reset(raw)
                sqlite3_bind_int64(raw, 1, number)
                defer {
                    sqlite3_reset(raw)
                    sqlite3_clear_bindings(raw)
                }
                while true {
                    let code = sqlite3_step(raw)
                    if code == SQLITE_DONE { break }
                    guard code == SQLITE_ROW else {
                        throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage)
                    }
                    let seq = Int(sqlite3_column_int64(raw, 0))
                    let t = sqlite3_column_int64(raw, 1)
                    let count = Int(sqlite3_column_bytes(raw, 2))
                    let bytes = count == 0 ? [] : [UInt8](UnsafeRawBufferPointer(start: sqlite3_column_blob(raw, 2), count: count))
                    builder.read(at: t)
                    last = t
                    for event in decoder.feed(bytes, chunk: seq) { builder.add(event, at: t) }
                }
            }
        }
        for event in decoder.finish() { builder.add(event, at: last) }
        return builder.build()
    }

    /// Every tape of a selection with its stored timeline (nil when missing or
    /// of other definitions), oldest first, one row at a time. The metadata
    /// comes without the request and response head, which metrics never read.
    public func forEachTimeline(
        _ filter: TapeFilter = TapeFilter(), _ body: (TapeMetadata, TokenTimeline?) throws -> Void
    ) throws {
        let (sql, arguments) = Self.select(
            Self.columns + ", metrics.*", from: "tapes LEFT JOIN metrics ON metrics.tape_id = tapes.id", filter)
        try run {
            try pool.read { db in
                let tags = try Self.tagsByTape(db)
                let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
                while let row = try rows.next() {
                    let metadata = Self.metadata(row, tags: tags[row["id"]] ?? [], details: false)
                    try body(metadata, Self.timeline(row))
                }
            }
        }
    }

    static func save(_ timeline: TokenTimeline, of tape: Int64, _ db: Database) throws {
        var times = Data(capacity: timeline.tokenTimes.count * 8)
        for t in timeline.tokenTimes { withUnsafeBytes(of: t.littleEndian) { times.append(contentsOf: $0) } }
        var split: Data?
        if let counts = timeline.tokensPerEvent {
            var data = Data(capacity: counts.count * 4)
            for n in counts { withUnsafeBytes(of: Int32(clamping: n).littleEndian) { data.append(contentsOf: $0) } }
            split = data
        }
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO metrics(
                    tape_id, version, first_byte_ns, first_event_ns, first_output_ns, ttft_ns, event_count,
                    token_events, token_times, tokens_per_event, input_tokens, output_tokens, reasoning_tokens,
                    cached_tokens)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                tape, TokenTimeline.definitionsVersion, timeline.firstByte, timeline.firstEvent, timeline.firstOutput,
                timeline.tokenTimes.first, timeline.eventCount, timeline.tokenTimes.count, times, split,
                timeline.usage?.input, timeline.usage?.output, timeline.usage?.reasoning, timeline.usage?.cached,
            ])
    }

    /// The timeline stored in a row of `metrics.*`, nil when absent or of other definitions.
    static func timeline(_ row: Row) -> TokenTimeline? {
        guard (row["version"] as Int?) == TokenTimeline.definitionsVersion else { return nil }
        // No-copy views of the blobs: they are read once, straight into arrays.
        let times: [Int64] = (try? row.withUnsafeData(named: "token_times") { unpack($0) }) ?? []
        let split: [Int32]? = try? row.withUnsafeData(named: "tokens_per_event") { $0.map { unpack($0) } }
        let usageFields: [Int?] = [row["input_tokens"], row["output_tokens"], row["reasoning_tokens"], row["cached_tokens"]]
        let usage = usageFields.allSatisfy({ $0 == nil })
            ? nil : TokenUsage(input: usageFields[0], output: usageFields[1], reasoning: usageFields[2], cached: usageFields[3])
        return TokenTimeline(
            firstByte: row["first_byte_ns"], firstEvent: row["first_event_ns"], firstOutput: row["first_output_ns"],
            tokenTimes: times, tokensPerEvent: split.map { $0.map(Int.init) }, usage: usage,
            eventCount: row["event_count"] ?? 0)
    }

    private static func unpack<T: FixedWidthInteger>(_ data: Data?) -> [T] {
        guard let data else { return [] }
        let size = MemoryLayout<T>.size
        var values = [T](repeating: 0, count: data.count / size)
        values.withUnsafeMutableBytes { target in
            data.withUnsafeBytes { source in target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<target.count])) }
        }
        #if _endian(little)
        return values
        #else
        return values.map { T(littleEndian: $0) }
        #endif
    }
}

/// A count shared by worker threads.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func add(_ n: Int) -> Int {
        lock.withLock {
            value += n
            return value
        }
    }
}

/// The first error any worker hit; the others stop at their next tape.
private final class FirstFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var first: (any Error)?

    var happened: Bool { lock.withLock { first != nil } }
    var error: (any Error)? { lock.withLock { first } }

    func record(_ error: any Error) {
        lock.withLock { if first == nil { first = error } }
    }
}
