import Foundation
import Testing
import TapeCore
@testable import TapeStore

/// Files the store must refuse, each with a message naming the file and the
/// reason, and each left exactly as it was.
struct StoreFileTests {
    let dir: TemporaryDirectory
    init() throws { dir = try TemporaryDirectory() }

    /// Opens `path` expecting a refusal; checks the file did not change and no WAL appeared.
    func expectRefusal(_ path: String, matching check: (TapeStoreError) -> Bool) throws {
        let before = FileManager.default.contents(atPath: path)
        do {
            _ = try TapeStore(path: path)
            Issue.record("\(path) was opened")
        } catch let error as TapeStoreError {
            #expect(check(error), "\(error)")
            #expect(error.description.contains(path))
            #expect(error.description.contains("Nothing was changed"))
        }
        #expect(FileManager.default.contents(atPath: path) == before)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    /// A real tokentape database with one tape, checkpointed into the main file.
    func makeStore(_ name: String) throws -> String {
        let path = dir.path(name)
        do {
            let store = try TapeStore(path: path)
            let writer = store.writer()
            let uid = writer.begin(TapeMetadata(source: .pipe))
            for i in 0..<200 { writer.append(uid, Chunk(seq: i, t: Int64(i), bytes: [UInt8](repeating: UInt8(i % 256), count: 500))) }
            writer.finish(uid, .init(reason: .completed, tEnd: 200))
            try writer.close()
            try store.close()  // so the shell below can leave WAL mode
        }
        #expect(try sqlite3(path, "PRAGMA journal_mode=DELETE;") == "delete\n")
        return path
    }

    @Test("a plain text file")
    func textFile() throws {
        let path = dir.path("notes.txt")
        try "these are my notes\nnot a database\n".write(toFile: path, atomically: true, encoding: .utf8)
        try expectRefusal(path) { if case .notADatabase = $0 { true } else { false } }
    }

    @Test("random bytes")
    func randomBytes() throws {
        let path = dir.path("random.bin")
        var generator = SystemRandomNumberGenerator()
        _ = FileManager.default.createFile(atPath: path, contents: Data((0..<8192).map { _ in UInt8.random(in: 0...255, using: &generator) }))
        try expectRefusal(path) { if case .notADatabase = $0 { true } else { false } }
    }

    @Test("a truncated tokentape database")
    func truncated() throws {
        let path = try makeStore("t.sqlite")
        let whole = FileManager.default.contents(atPath: path)!
        _ = FileManager.default.createFile(atPath: path, contents: whole.prefix(whole.count / 2))
        try expectRefusal(path) { if case .corrupt(_, let detail) = $0 { detail.contains("truncated") } else { false } }
    }

    @Test("a tokentape database whose first page is overwritten")
    func corruptSchemaPage() throws {
        let path = try makeStore("t.sqlite")
        var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
        for i in 100..<4096 { bytes[i] = UInt8((i * 7) % 251) }
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        try expectRefusal(path) { if case .corrupt = $0 { true } else if case .notADatabase = $0 { true } else { false } }
    }

    @Test("another application's SQLite database")
    func foreign() throws {
        let path = dir.path("other.db")
        _ = try sqlite3(path, "CREATE TABLE notes(body TEXT); INSERT INTO notes VALUES ('mine');")
        try expectRefusal(path) { $0 == .foreignDatabase(path: path) }
    }

    @Test("a database from a newer tokentape")
    func newerSchema() throws {
        let path = try makeStore("t.sqlite")
        _ = try sqlite3(path, "PRAGMA user_version = 99;")
        try expectRefusal(path) { $0 == .newerSchema(path: path, found: 99, known: TapeStore.schemaVersion) }
    }

    @Test("a directory")
    func directory() throws {
        try expectRefusal(dir.url.path) { if case .notADatabase = $0 { true } else { false } }
    }

    @Test("an empty file and a missing file become new stores")
    func emptyAndMissing() throws {
        let empty = dir.path("empty.sqlite")
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        #expect(try TapeStore(path: empty).tapes().isEmpty)
        #expect(try TapeStore(path: dir.path("missing.sqlite")).tapes().isEmpty)
    }
}
