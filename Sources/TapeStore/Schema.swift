import GRDB

/// The store's schema as named, ordered steps. `PRAGMA user_version` holds
/// the number of steps applied; a file with a higher number is refused.
enum Schema {
    struct Migration: Sendable {
        var version: Int
        var name: String
        var apply: @Sendable (Database) throws -> Void
    }

    static let migrations: [Migration] = [
        Migration(version: 1, name: "tapes, chunks and tags", apply: createTapes),
        Migration(version: 2, name: "derived metrics", apply: createMetrics),
        Migration(version: 3, name: "untimed tapes", apply: addTimed),
    ]

    static var latestVersion: Int { migrations.last!.version }

    /// Applies the steps a database lacks, each in its own transaction.
    static func migrate(_ writer: some DatabaseWriter) throws {
        for migration in migrations {
            try writer.write { db in
                let current = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                guard current < migration.version else { return }
                try migration.apply(db)
                try db.execute(sql: "PRAGMA application_id = \(StoreFile.applicationID)")
                try db.execute(sql: "PRAGMA user_version = \(migration.version)")
            }
        }
    }

    /// v1: tapes with their redacted request and response head, the chunks
    /// byte-exact with their time, and tags.
    private static func createTapes(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE tapes (
                id INTEGER PRIMARY KEY,
                uid TEXT NOT NULL UNIQUE,
                started_at TEXT NOT NULL,
                source TEXT NOT NULL,
                method TEXT,
                url TEXT,
                request_headers TEXT,
                request_body BLOB,
                status INTEGER,
                response_headers TEXT,
                provider TEXT,
                model TEXT,
                t_sched_ns INTEGER,
                t_headers_ns INTEGER,
                t_end_ns INTEGER,
                end_reason TEXT,
                end_phase TEXT,
                end_detail TEXT,
                chunk_count INTEGER NOT NULL DEFAULT 0,
                byte_count INTEGER NOT NULL DEFAULT 0,
                recorder_pid INTEGER,
                recorder_start TEXT,
                recorder_host TEXT
            );
            CREATE INDEX tapes_open ON tapes(id) WHERE end_reason IS NULL;
            CREATE INDEX tapes_by_provider_model ON tapes(provider, model);
            CREATE INDEX tapes_by_start ON tapes(started_at);
            CREATE TABLE chunks (
                tape_id INTEGER NOT NULL REFERENCES tapes(id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                t_ns INTEGER NOT NULL,
                data BLOB NOT NULL
            );
            CREATE UNIQUE INDEX chunks_by_tape ON chunks(tape_id, seq);
            CREATE TABLE tags (
                tape_id INTEGER NOT NULL REFERENCES tapes(id) ON DELETE CASCADE,
                tag TEXT NOT NULL,
                PRIMARY KEY (tape_id, tag)
            ) WITHOUT ROWID;
            CREATE INDEX tags_by_tag ON tags(tag);
            """)
    }

    /// v3: `timed` = 0 marks a tape whose read times are unknown (a raw body
    /// imported from a file); every existing tape was timed.
    private static func addTimed(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE tapes ADD COLUMN timed INTEGER NOT NULL DEFAULT 1")
    }

    /// v2: each finished tape's timeline (TapeCore's `TokenTimeline`), derived
    /// from its chunks and recomputable: `version` is the definitions version
    /// it was built under, and a row of another version is rebuilt. Times are
    /// ns after `t_send`; `token_times` packs t(E_k) as little-endian Int64,
    /// `tokens_per_event` the token split as little-endian Int32 where known.
    /// `ttft_ns` and `output_tokens` repeat the timeline for plain SQL.
    private static func createMetrics(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE metrics (
                tape_id INTEGER PRIMARY KEY REFERENCES tapes(id) ON DELETE CASCADE,
                version INTEGER NOT NULL,
                first_byte_ns INTEGER,
                first_event_ns INTEGER,
                first_output_ns INTEGER,
                ttft_ns INTEGER,
                event_count INTEGER NOT NULL,
                token_events INTEGER NOT NULL,
                token_times BLOB NOT NULL,
                tokens_per_event BLOB,
                input_tokens INTEGER,
                output_tokens INTEGER,
                reasoning_tokens INTEGER,
                cached_tokens INTEGER
            );
            """)
    }
}
