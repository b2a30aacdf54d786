import GRDB
import TapeCore

extension TapeStore {
    /// Adds and removes tags on a tape.
    @discardableResult
    public func tag(_ reference: TapeReference, adding: [String], removing: [String]) throws -> TapeMetadata {
        let number = try metadata(reference).number!
        try run {
            try pool.write { db in
                for tag in adding {
                    try db.execute(sql: "INSERT OR IGNORE INTO tags(tape_id, tag) VALUES (?, ?)", arguments: [number, tag])
                }
                for tag in removing {
                    try db.execute(sql: "DELETE FROM tags WHERE tape_id = ? AND tag = ?", arguments: [number, tag])
                }
            }
        }
        return try metadata(.number(number))
    }

    /// Deletes a tape with its chunks and tags.
    @discardableResult
    public func delete(_ reference: TapeReference) throws -> TapeMetadata {
        let metadata = try metadata(reference)
        try run {
            try pool.write { db in
                try db.execute(sql: "DELETE FROM tapes WHERE id = ?", arguments: [metadata.number!])
            }
        }
        return metadata
    }
}

extension TapeStore {
    /// Stores finished tapes made elsewhere (made up, imported), with their
    /// timelines, in one writer's batches.
    /// - Returns: their numbers, in order.
    @discardableResult
    public func insert(_ tapes: [Tape]) throws -> [Int64] {
        let writer = writer()
        for tape in tapes {
            let m = tape.metadata
            writer.begin(m)
            for chunk in tape.chunks { writer.append(m.uid, chunk) }
            writer.finish(
                m.uid,
                .init(
                    reason: m.endReason ?? .completed, phase: m.endPhase, detail: m.endDetail,
                    tEnd: m.tEnd ?? tape.chunks.last?.t ?? 0, provider: m.provider, model: m.model, timeline: tape.timeline()))
        }
        try writer.close()
        return try tapes.map { try metadata(.uid($0.metadata.uid)).number! }
    }
}
