import Foundation
import Testing
import TapeCore
@testable import TapeStore

struct TapeStoreTests {
    let dir: TemporaryDirectory
    init() throws { dir = try TemporaryDirectory() }

    /// Writes one finished tape through a writer and returns its number.
    @discardableResult
    func record(
        _ store: TapeStore, chunks: [[UInt8]], metadata: TapeMetadata = TapeMetadata(source: .pipe)
    ) throws -> Int64 {
        let writer = store.writer()
        let uid = writer.begin(metadata)
        for (i, bytes) in chunks.enumerated() { writer.append(uid, Chunk(seq: i, t: Int64(i) * 1_000_000 + 7, bytes: bytes)) }
        writer.finish(uid, .init(reason: .completed, phase: .afterFirstToken, tEnd: Int64(chunks.count) * 1_000_000))
        try writer.close()
        return try store.metadata(.uid(uid)).number!
    }

    @Test("chunks round-trip byte-exact with their times, invalid UTF-8 and NUL included")
    func byteExactRoundTrip() throws {
        let store = try TapeStore(path: dir.path("t.sqlite"))
        let chunks: [[UInt8]] = [
            Array("data: {\"a\":1}\n\n".utf8), [0x00, 0xFF, 0xFE, 0xC3], [0x00], Array("é".utf8).prefix(1).map { $0 },
            (0...255).map(UInt8.init), [UInt8](repeating: 0x41, count: 300_000),
        ]
        let number = try record(store, chunks: chunks)
        let tape = try store.tape(.number(number))
        #expect(tape.chunks.map(\.bytes) == chunks)
        #expect(tape.chunks.map(\.t) == chunks.indices.map { Int64($0) * 1_000_000 + 7 })
        #expect(tape.chunks.map(\.seq) == Array(chunks.indices))
        #expect(tape.metadata.chunkCount == chunks.count)
        #expect(tape.metadata.byteCount == chunks.map(\.count).reduce(0, +))
        #expect(tape.metadata.endReason == .completed)
        // Paging gives the same chunks as one read.
        var paged: [Chunk] = []
        try store.forEachChunk(of: number, pageSize: 4) { paged.append($0) }
        #expect(paged == tape.chunks)
    }

    @Test("metadata, request and response head round-trip; references by number, id and last")
    func metadataRoundTrip() throws {
        let store = try TapeStore(path: dir.path("t.sqlite"))
        let start = Date(timeIntervalSince1970: 1_767_225_600.125)
        let request = RecordedRequest(
            method: "POST", url: "http://127.0.0.1:9/v1/messages", headers: [HeaderField("anthropic-version", "2023-06-01")],
            body: Array("{\"stream\":true}".utf8))
        let metadata = TapeMetadata(
            startedAt: start, source: .proxy, request: request, provider: .anthropic, model: "claude-x", tSched: -5,
            tags: ["b", "a"])
        let writer = store.writer()
        let uid = writer.begin(metadata)
        writer.respond(uid, head: ResponseHead(status: 200, headers: [HeaderField("content-type", "text/event-stream")]), tHeaders: 42)
        writer.finish(uid, .init(reason: .clientCancelled, phase: .beforeFirstToken, detail: "user stopped", tEnd: 99, model: "claude-y"))
        try writer.close()
        let stored = try store.metadata(.last)
        #expect(stored.uid == uid)
        #expect(stored.startedAt == start)
        #expect(stored.source == .proxy)
        #expect(stored.request == request)
        #expect(stored.response?.status == 200)
        #expect(stored.response?.header("Content-Type") == "text/event-stream")
        #expect(stored.provider == .anthropic)
        #expect(stored.model == "claude-y")
        #expect(stored.tSched == -5)
        #expect(stored.tHeaders == 42)
        #expect(stored.tEnd == 99)
        #expect(stored.endReason == .clientCancelled)
        #expect(stored.endPhase == .beforeFirstToken)
        #expect(stored.endDetail == "user stopped")
        #expect(stored.tags == ["a", "b"])
        #expect(try store.metadata(.number(stored.number!)).uid == uid)
        #expect(try store.metadata(.uid(uid)).number == stored.number)
        #expect(throws: TapeStoreError.tapeNotFound("999")) { try store.metadata(.number(999)) }
    }

    @Test("listing filters by tag, provider, model, time and limit; tag and delete edit")
    func filtersAndEdits() throws {
        let store = try TapeStore(path: dir.path("t.sqlite"))
        let old = Date().addingTimeInterval(-7200)
        try record(store, chunks: [[1]], metadata: TapeMetadata(startedAt: old, source: .pipe, provider: .openaiChat, model: "m1", tags: ["x"]))
        try record(store, chunks: [[2]], metadata: TapeMetadata(source: .pipe, provider: .anthropic, model: "m2", tags: ["x", "y"]))
        try record(store, chunks: [[3]], metadata: TapeMetadata(source: .pipe, provider: .openaiChat, model: "m2"))
        #expect(try store.tapes().map(\.number) == [1, 2, 3])
        #expect(try store.tapes(TapeFilter(tags: ["x"])).map(\.number) == [1, 2])
        #expect(try store.tapes(TapeFilter(tags: ["x", "y"])).map(\.number) == [2])
        #expect(try store.tapes(TapeFilter(provider: .openaiChat)).map(\.number) == [1, 3])
        #expect(try store.tapes(TapeFilter(model: "m2")).map(\.number) == [2, 3])
        #expect(try store.tapes(TapeFilter(since: Date().addingTimeInterval(-60))).map(\.number) == [2, 3])
        #expect(try store.tapes(TapeFilter(limit: 2)).map(\.number) == [2, 3])
        #expect(try store.tag(.number(3), adding: ["z", "x"], removing: []).tags == ["x", "z"])
        #expect(try store.tag(.number(3), adding: [], removing: ["x"]).tags == ["z"])
        try store.delete(.number(2))
        #expect(try store.tapes().map(\.number) == [1, 3])
        #expect(try store.chunks(of: 2).isEmpty)
    }

    @Test("a new file gets the latest schema (v3): WAL, application id, user_version; reopening changes nothing")
    func schema() throws {
        let path = dir.path("t.sqlite")
        _ = try TapeStore(path: path)
        _ = try TapeStore(path: path)
        let out = try sqlite3(path, "PRAGMA journal_mode; PRAGMA user_version; PRAGMA application_id;")
        #expect(out == "wal\n3\n\(StoreFile.applicationID)\n")
    }

    @Test("a tape whose recorder process is gone is marked interrupted on the next open")
    func interruptedOnOpen() throws {
        let path = dir.path("t.sqlite")
        let store = try TapeStore(path: path)
        let writer = store.writer()
        let uid = writer.begin(TapeMetadata(source: .pipe))
        writer.append(uid, Chunk(seq: 0, t: 5, bytes: [1]))
        writer.append(uid, Chunk(seq: 1, t: 9, bytes: [2]))
        try writer.flush()
        // While recording, the counts come from the chunks committed so far.
        let recording = try store.metadata(.uid(uid))
        #expect(recording.endReason == nil)
        #expect(recording.chunkCount == 2)
        #expect(recording.byteCount == 2)
        // Still recording by a live process (this one): left alone.
        #expect(try TapeStore(path: path).interruptedOnOpen.isEmpty)
        // Hand the tape to a process that has exited.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        _ = try sqlite3(path, "UPDATE tapes SET recorder_pid = \(gone.processIdentifier), recorder_start = 'x';")
        let reopened = try TapeStore(path: path)
        #expect(reopened.interruptedOnOpen.count == 1)
        let m = try reopened.metadata(.uid(uid))
        #expect(m.endReason == .interrupted)
        #expect(m.tEnd == 9)
        #expect(m.chunkCount == 2)
        try writer.close()
    }

    @Test("a full database is a clear error and loses nothing already committed")
    func fullDisk() throws {
        let path = dir.path("t.sqlite")
        let first = try record(try TapeStore(path: path), chunks: [[1, 2, 3], [4, 5]])
        var config = TapeStore.Configuration()
        config.maxPageCount = 20
        let store = try TapeStore(path: path, configuration: config)
        let writer = store.writer()
        let uid = writer.begin(TapeMetadata(source: .pipe))
        writer.append(uid, Chunk(seq: 0, t: 1, bytes: [9]))
        try writer.flush()
        for i in 1...200 { writer.append(uid, Chunk(seq: i, t: Int64(i), bytes: [UInt8](repeating: 7, count: 4000))) }
        #expect(throws: TapeStoreError.full(path: path)) { try writer.flush() }
        #expect(throws: TapeStoreError.full(path: path)) { try writer.close() }
        #expect(TapeStoreError.full(path: path).description.contains("is kept"))
        let reopened = try TapeStore(path: path)
        #expect(try reopened.tape(.number(first)).chunks.map(\.bytes) == [[1, 2, 3], [4, 5]])
        #expect(try reopened.tape(.uid(uid)).chunks.map(\.bytes) == [[9]])
    }

    @Test("secrets reach neither the database file nor its WAL")
    func secretsNeverReachDisk() throws {
        let store = try TapeStore(path: dir.path("t.sqlite"))
        let request = RecordedRequest(
            method: "POST", url: "https://generativelanguage.example/v1beta/models/m:streamGenerateContent?alt=sse&key=AIzaSyFAKEkeyFAKEkeyFAKEkeyFAKEkey0",
            headers: [HeaderField("Authorization", "Bearer sk-test-FAKEsecret0123456789"), HeaderField("x-api-key", "plain-secret-value")],
            body: Array(#"{"k":"sk-test-FAKEsecret0123456789"}"#.utf8))
        try record(store, chunks: [Array("data: hi\n\n".utf8)], metadata: TapeMetadata(source: .proxy, request: request))
        let bytes = dir.bytesOfDatabase("t.sqlite")
        #expect(bytes.contains("data: hi"), "the tape itself is on disk")
        #expect(!bytes.contains("sk-test-FAKEsecret"))
        #expect(!bytes.contains("AIzaSyFAKEkey"))
        #expect(!bytes.contains("plain-secret-value"))
        #expect(bytes.contains("[REDACTED]"))
    }
}

/// Runs the sqlite3 command-line shell, the independent reader of our files.
func sqlite3(_ path: String, _ sql: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [path, sql]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

struct ConcurrentOpenTests {
    @Test("processes and threads creating the same new file at once all get a store")
    func concurrentCreation() async throws {
        for round in 0..<10 {
            let dir = try TemporaryDirectory()
            let path = dir.path("new-\(round).sqlite")
            let opened = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<6 {
                    group.addTask { do { _ = try TapeStore(path: path); return true } catch { Issue.record("open failed: \(error)"); return false } }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(opened == 6, "round \(round)")
        }
    }
}
