/// Why the store refused a file or an operation, phrased for the person at the
/// terminal: the file, the reason, and what to do.
public enum TapeStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is not an SQLite database at all.
    case notADatabase(path: String, reason: String)
    /// An SQLite database, but another application's.
    case foreignDatabase(path: String)
    /// Written by a newer tokentape whose schema this build does not know.
    case newerSchema(path: String, found: Int, known: Int)
    /// Damaged: truncated, or SQLite reports it malformed.
    case corrupt(path: String, detail: String)
    /// The disk, or the database's page limit, is full.
    case full(path: String)
    /// Another process kept the database locked past the busy timeout.
    case busy(path: String)
    case tapeNotFound(String)
    case invalidReference(String)
    /// Any other SQLite failure, with its message.
    case sqlite(path: String, message: String)

    public var description: String {
        switch self {
        case .notADatabase(let path, let reason):
            "\(path) is not a tokentape database: \(reason). Nothing was changed; pass another file with --db."
        case .foreignDatabase(let path):
            "\(path) is an SQLite database of another application, not a tokentape store. Nothing was changed; pass another file with --db."
        case .newerSchema(let path, let found, let known):
            "\(path) was written by a newer tokentape (schema version \(found); this build knows up to \(known)). Nothing was changed; upgrade tokentape to open it."
        case .corrupt(let path, let detail):
            "\(path) is damaged: \(detail). Nothing was changed; keep a copy and try `sqlite3 \(path) .recover`."
        case .full(let path):
            "\(path): the disk or the database is full. Everything committed before this point is kept; free space and record again."
        case .busy(let path):
            "\(path) stayed locked by another process past the busy timeout."
        case .tapeNotFound(let reference):
            "no tape \(reference). See `tokentape list` for the tapes in this database."
        case .invalidReference(let text):
            "'\(text)' does not name a tape: use its number (12), its id (tt_…), or `last`."
        case .sqlite(let path, let message):
            "\(path): SQLite error: \(message)"
        }
    }
}
