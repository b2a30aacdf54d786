import Foundation
import GRDB

/// Checks a file before the store opens it for writing, so a file that is
/// not ours, damaged, or from a newer version is refused and never modified.
enum StoreFile {
    /// `PRAGMA application_id` of every tokentape database: "TkTp".
    static let applicationID: Int32 = 0x546B_5470

    enum State {
        /// Missing or empty: the store creates it.
        case new
        /// Ours, at this schema version (0 for an empty SQLite file).
        case tokentape(version: Int)
    }

    static func inspect(_ path: String, knownVersion: Int) throws -> State {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return .new }
        if attributes[.type] as? FileAttributeType == .typeDirectory {
            throw TapeStoreError.notADatabase(path: path, reason: "it is a directory")
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        if size == 0 { return .new }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw TapeStoreError.notADatabase(path: path, reason: "it cannot be read (check its permissions)")
        }
        let header = (try? handle.read(upToCount: 100)) ?? Data()
        try? handle.close()
        // With a WAL beside it, the main file may lag its header until the WAL
        // is checkpointed (a recorder killed mid-checkpoint): SQLite recovers that.
        let walSize = ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? NSNumber)?.intValue ?? 0
        try checkHeader([UInt8](header), size: size, checkSize: walSize == 0, path: path)
        return try readIdentity(path, knownVersion: knownVersion)
    }

    /// The 100-byte SQLite header: the magic string, and a page count the file can hold.
    private static func checkHeader(_ header: [UInt8], size: Int, checkSize: Bool, path: String) throws {
        let magic = Array("SQLite format 3\0".utf8)
        guard header.count == 100, header.starts(with: magic) else {
            throw TapeStoreError.notADatabase(path: path, reason: "it does not start with the SQLite header")
        }
        func u32(_ at: Int) -> Int { header[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        let rawPageSize = Int(header[16]) << 8 | Int(header[17])
        let pageSize = rawPageSize == 1 ? 65536 : rawPageSize
        let pageCount = u32(28)
        // The page count is trustworthy only when written by the same change (SQLite file format §1.3.7).
        if checkSize, u32(24) == u32(92), pageCount > 0, size < pageCount * pageSize {
            throw TapeStoreError.corrupt(
                path: path,
                detail: "the file has \(size) bytes but its header says \(pageCount * pageSize) (truncated?)")
        }
    }

    /// Opens read-only and reads who wrote the file and at which version.
    private static func readIdentity(_ path: String, knownVersion: Int) throws -> State {
        var config = Configuration()
        config.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            defer { try? queue.close() }
            return try queue.read { db in
                let appID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                let objects = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
                if appID == applicationID {
                    if version > knownVersion {
                        throw TapeStoreError.newerSchema(path: path, found: version, known: knownVersion)
                    }
                    return .tokentape(version: version)
                }
                if appID == 0, version == 0, objects == 0 { return .tokentape(version: 0) }
                throw TapeStoreError.foreignDatabase(path: path)
            }
        } catch let error as TapeStoreError {
            throw error
        } catch let error as DatabaseError {
            throw StoreFile.translate(error, path: path)
        }
    }

    /// An SQLite error in the words of `TapeStoreError`.
    static func translate(_ error: DatabaseError, path: String) -> TapeStoreError {
        switch error.resultCode {
        case .SQLITE_NOTADB: .notADatabase(path: path, reason: error.message ?? "SQLite does not recognise it")
        case .SQLITE_CORRUPT: .corrupt(path: path, detail: error.message ?? "malformed")
        case .SQLITE_FULL: .full(path: path)
        case .SQLITE_BUSY, .SQLITE_LOCKED: .busy(path: path)
        default: .sqlite(path: path, message: error.message ?? "\(error.resultCode)")
        }
    }
}
