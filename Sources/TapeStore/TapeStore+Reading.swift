import Foundation
import GRDB
import TapeCore

extension TapeStore {
    /// The tapes a filter selects, oldest first.
    public func tapes(_ filter: TapeFilter = TapeFilter()) throws -> [TapeMetadata] {
        let (sql, arguments) = Self.select(Self.columns, filter)
        return try run {
            try pool.read { db in
                let tags = try Self.tagsByTape(db)
                return try Row.fetchAll(db, sql: sql, arguments: arguments).map { Self.metadata($0, tags: tags[$0["id"]] ?? []) }
            }
        }
    }

    /// The query of `columns` from the tapes a filter selects, oldest first.
    static func select(_ columns: String, from source: String = "tapes", _ filter: TapeFilter) -> (String, StatementArguments) {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if !filter.references.isEmpty || !filter.ranges.isEmpty {
            var any: [String] = []
            for range in filter.ranges {
                any.append("tapes.id BETWEEN ? AND ?")
                _ = arguments.append(contentsOf: [range.lowerBound, range.upperBound])
            }
            for reference in filter.references {
                switch reference {
                case .number(let n):
                    any.append("tapes.id = ?")
                    _ = arguments.append(contentsOf: [n])
                case .uid(let uid):
                    any.append("tapes.uid = ?")
                    _ = arguments.append(contentsOf: [uid])
                case .last:
                    any.append("tapes.id = (SELECT max(id) FROM tapes)")
                }
            }
            conditions.append("(" + any.joined(separator: " OR ") + ")")
        }
        for tag in filter.tags {
            conditions.append("tapes.id IN (SELECT tape_id FROM tags WHERE tag = ?)")
            _ = arguments.append(contentsOf: [tag])
        }
        if let provider = filter.provider {
            conditions.append("tapes.provider = ?")
            _ = arguments.append(contentsOf: [provider.rawValue])
        }
        if let model = filter.model {
            conditions.append("tapes.model = ?")
            _ = arguments.append(contentsOf: [model])
        }
        if let since = filter.since {
            conditions.append("tapes.started_at >= ?")
            _ = arguments.append(contentsOf: [Self.timestamp(since)])
        }
        let shard = filter.shard.map { "id % \(max($0.count, 1)) = \($0.index)" }
        if let limit = filter.limit {
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            // The newest `limit` of the whole selection, then the share.
            return (
                "SELECT * FROM (SELECT \(columns) FROM \(source) \(whereClause) ORDER BY tapes.id DESC LIMIT \(limit)) "
                    + (shard.map { "WHERE \($0) " } ?? "") + "ORDER BY id",
                arguments
            )
        }
        if let shard { conditions.append("tapes." + shard) }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return ("SELECT \(columns) FROM \(source) \(whereClause) ORDER BY tapes.id", arguments)
    }

    /// One tape's metadata.
    public func metadata(_ reference: TapeReference) throws -> TapeMetadata {
        let (sql, arguments): (String, StatementArguments) = switch reference {
        case .number(let n): ("SELECT \(Self.columns) FROM tapes WHERE id = ?", [n])
        case .uid(let uid): ("SELECT \(Self.columns) FROM tapes WHERE uid = ?", [uid])
        case .last: ("SELECT \(Self.columns) FROM tapes ORDER BY id DESC LIMIT 1", [])
        }
        return try run {
            try pool.read { db in
                guard let row = try Row.fetchOne(db.cachedStatement(sql: sql), arguments: arguments) else {
                    throw TapeStoreError.tapeNotFound(reference.description)
                }
                let tags = try String.fetchAll(
                    db.cachedStatement(sql: "SELECT tag FROM tags WHERE tape_id = ? ORDER BY tag"), arguments: [row["id"] as Int64])
                return Self.metadata(row, tags: tags)
            }
        }
    }

    /// A page of a tape's chunks: at most `limit`, after sequence number `after`.
    public func chunks(of number: Int64, after: Int = -1, limit: Int = 4096) throws -> [Chunk] {
        try run {
            try pool.read { db in
                // Cached: a replay server reads a tape's chunks on each first play.
                try Row.fetchAll(
                    db.cachedStatement(sql: "SELECT seq, t_ns, data FROM chunks WHERE tape_id = ? AND seq > ? ORDER BY seq LIMIT ?"),
                    arguments: [number, after, limit]
                ).map { Chunk(seq: $0["seq"], t: $0["t_ns"], bytes: [UInt8]($0["data"] as Data)) }
            }
        }
    }

    /// Every chunk of a tape in order, a page at a time, so a big tape never
    /// sits in memory whole.
    public func forEachChunk(of number: Int64, pageSize: Int = 4096, _ body: (Chunk) throws -> Void) throws {
        var after = -1
        while true {
            let page = try chunks(of: number, after: after, limit: pageSize)
            for chunk in page { try body(chunk) }
            guard page.count == pageSize, let last = page.last else { return }
            after = last.seq
        }
    }

    /// A whole tape, chunks included.
    public func tape(_ reference: TapeReference) throws -> Tape {
        try tape(with: try metadata(reference))
    }

    /// The tape whose metadata is at hand (from `tapes(_:)`): only its chunks are read.
    public func tape(with metadata: TapeMetadata) throws -> Tape {
        var chunks: [Chunk] = []
        try forEachChunk(of: metadata.number!) { chunks.append($0) }
        return Tape(metadata: metadata, chunks: chunks)
    }

    /// Every column, with the counts of a tape still being recorded counted
    /// from its chunks (the writer stores them when the tape finishes).
    static let columns = """
        tapes.*, CASE WHEN end_reason IS NULL THEN (SELECT count(*) FROM chunks WHERE tape_id = tapes.id)
                ELSE chunk_count END AS chunks_so_far,
           CASE WHEN end_reason IS NULL THEN (SELECT coalesce(sum(length(data)), 0) FROM chunks WHERE tape_id = tapes.id)
                ELSE byte_count END AS bytes_so_far
        """

    static func tagsByTape(_ db: Database) throws -> [Int64: [String]] {
        var tags: [Int64: [String]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT tape_id, tag FROM tags ORDER BY tag") {
            tags[row["tape_id"], default: []].append(row["tag"])
        }
        return tags
    }

    /// - Parameter details: false leaves out the request and response head,
    ///   which metrics never read and which cost most of a row to decode.
    static func metadata(_ row: Row, tags: [String], details: Bool = true) -> TapeMetadata {
        var request: RecordedRequest?
        if details, let method: String = row["method"], let url: String = row["url"] {
            request = RecordedRequest(
                method: method, url: url, headers: decodeHeaders(row["request_headers"]),
                body: (row["request_body"] as Data?).map { [UInt8]($0) })
        }
        var response: ResponseHead?
        if details, let status: Int = row["status"] {
            response = ResponseHead(status: status, headers: decodeHeaders(row["response_headers"]))
        }
        return TapeMetadata(
            number: row["id"], uid: row["uid"], startedAt: parseTimestamp(row["started_at"]),
            source: TapeSource(rawValue: row["source"]) ?? .pipe, request: request, response: response,
            provider: (row["provider"] as String?).flatMap(Provider.init(rawValue:)), model: row["model"],
            tSched: row["t_sched_ns"], tHeaders: row["t_headers_ns"], tEnd: row["t_end_ns"],
            endReason: (row["end_reason"] as String?).flatMap(EndReason.init(rawValue:)),
            endPhase: (row["end_phase"] as String?).flatMap(EndPhase.init(rawValue:)), endDetail: row["end_detail"],
            chunkCount: row["chunks_so_far"], byteCount: row["bytes_so_far"], tags: tags,
            timed: (row["timed"] as Int?).map { $0 != 0 } ?? true)
    }

    static func encodeHeaders(_ headers: [HeaderField]?) -> String? {
        guard let headers else { return nil }
        return (try? JSONEncoder().encode(headers)).map { String(decoding: $0, as: UTF8.self) }
    }

    static func decodeHeaders(_ text: String?) -> [HeaderField] {
        guard let text else { return [] }
        return (try? JSONDecoder().decode([HeaderField].self, from: Data(text.utf8))) ?? []
    }

    /// UTC with milliseconds; sorts as text, so `--since` compares in SQL.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func parseTimestamp(_ text: String) -> Date {
        fastTimestamp(text) ?? (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? Date(timeIntervalSince1970: 0)
    }

    /// `2026-11-25T06:43:21.123Z`, the one shape `timestamp` writes, parsed
    /// without a formatter (a formatter costs more than the rest of a row).
    static func fastTimestamp(_ text: String) -> Date? {
        let u = Array(text.utf8)
        guard u.count == 24, u[4] == 0x2D, u[7] == 0x2D, u[10] == 0x54, u[13] == 0x3A, u[16] == 0x3A, u[19] == 0x2E,
            u[23] == 0x5A
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var n = 0
            for i in range {
                guard u[i] >= 0x30, u[i] <= 0x39 else { return nil }
                n = n * 10 + Int(u[i] - 0x30)
            }
            return n
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10), let hh = number(11..<13),
            let mm = number(14..<16), let ss = number(17..<19), let ms = number(20..<23), (1...12).contains(m), (1...31).contains(d)
        else { return nil }
        // Days from 1970-01-01 in the proleptic Gregorian calendar (Hinnant's days_from_civil).
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        let seconds = Double(days * 86400 + hh * 3600 + mm * 60 + ss) + Double(ms) / 1000
        return Date(timeIntervalSince1970: seconds)
    }
}
