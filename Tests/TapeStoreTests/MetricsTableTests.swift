import Foundation
import TapeCore
import Testing
@testable import TapeStore

/// The derived metrics table: filled at finish, rebuilt on demand, versioned, migrated.
struct MetricsTableTests {
    let dir: TemporaryDirectory
    init() throws { dir = try TemporaryDirectory() }

    /// An OpenAI Chat stream (FORMATS.md §2) cut into reads 40 ms apart, the last
    /// read carrying two events.
    static let reads: [String] = {
        let head = #""id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini""#
        func content(_ s: String) -> String {
            "data: {\(head),\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\(s)\"},\"finish_reason\":null}]}\n\n"
        }
        let usage = "data: {\(head),\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7}}\n\n"
        return [
            "data: {\(head),\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n",
            content("a"), content("b"), content("c"), content("d") + usage + "data: [DONE]\n\n",
        ]
    }()

    /// Records the stream; `withTimeline` stores the timeline at finish as the recorder does.
    func record(_ store: TapeStore, withTimeline: Bool, finish: Bool = true) throws -> (Int64, Tape) {
        let metadata = TapeMetadata(source: .pipe, provider: .openaiChat)
        let chunks = Self.reads.enumerated().map { Chunk(seq: $0.offset, t: Int64($0.offset + 1) * 40_000_000, bytes: Array($0.element.utf8)) }
        let tape = Tape(metadata: metadata, chunks: chunks)
        let writer = store.writer()
        writer.begin(metadata)
        for chunk in chunks { writer.append(metadata.uid, chunk) }
        if finish {
            writer.finish(
                metadata.uid,
                .init(reason: .completed, phase: .afterFirstToken, tEnd: 250_000_000, provider: .openaiChat,
                      timeline: withTimeline ? tape.timeline() : nil))
        }
        try writer.close()
        return (try store.metadata(.uid(metadata.uid)).number!, tape)
    }

    func stored(_ store: TapeStore, _ number: Int64) throws -> TokenTimeline? {
        var found: TokenTimeline??
        try store.forEachTimeline(TapeFilter(references: [.number(number)])) { _, timeline in found = timeline }
        return found ?? nil
    }

    @Test("the timeline written at finish reads back equal, and the tape needs no analysis")
    func writtenAtFinish() throws {
        let store = try TapeStore(path: dir.path("t.sqlite"))
        let (number, tape) = try record(store, withTimeline: true)
        let timeline = try #require(try stored(store, number))
        #expect(timeline == tape.timeline())
        #expect(timeline.tokenTimes == [80_000_000, 120_000_000, 160_000_000, 200_000_000])
        #expect(timeline.tokensPerEvent == [1, 1, 1, 1])
        #expect(timeline.usage?.output == 4)
        #expect(try store.tapesNeedingAnalysis().isEmpty)
    }

    @Test("a tape without a row is analysed from its chunks; a row of older definitions is rebuilt")
    func rebuilt() throws {
        let path = dir.path("t.sqlite")
        let store = try TapeStore(path: path)
        let (number, tape) = try record(store, withTimeline: false)
        let (open, _) = try record(store, withTimeline: false, finish: false)
        #expect(try stored(store, number) == nil)
        // A tape still being recorded is not analysed.
        #expect(try store.tapesNeedingAnalysis() == [number])
        try store.analyze([number], threads: 2)
        #expect(try stored(store, number) == tape.timeline())
        #expect(try store.tapesNeedingAnalysis().isEmpty)
        #expect(try stored(store, open) == nil)

        _ = try sqlite3(path, "UPDATE metrics SET version = 0, token_times = x'';")
        #expect(try stored(store, number) == nil)
        #expect(try store.tapesNeedingAnalysis() == [number])
        try store.analyze(try store.tapesNeedingAnalysis())
        #expect(try stored(store, number) == tape.timeline())
        #expect(try sqlite3(path, "SELECT version, ttft_ns, token_events, output_tokens FROM metrics;") == "1|80000000|4|4\n")
    }

    @Test("a v1 file migrates to v3 and its tapes are analysed on demand; deleting a tape deletes its row")
    func migrationFromV1() throws {
        let path = dir.path("t.sqlite")
        var number: Int64 = 0
        do {
            let store = try TapeStore(path: path)
            number = try record(store, withTimeline: true).0
            try store.close()
        }
        // Make it what version 1 wrote: no metrics table, no `timed` column (v3).
        _ = try sqlite3(path, "DROP TABLE metrics; ALTER TABLE tapes DROP COLUMN timed; PRAGMA user_version = 1;")
        let store = try TapeStore(path: path)
        #expect(try sqlite3(path, "PRAGMA user_version;") == "3\n")
        #expect(try store.metadata(.number(number)).timed, "a tape from before v3 was timed")
        #expect(try store.tapesNeedingAnalysis() == [number])
        try store.analyze([number])
        #expect(try sqlite3(path, "SELECT count(*) FROM metrics;") == "1\n")
        try store.delete(.number(number))
        #expect(try sqlite3(path, "SELECT count(*) FROM metrics;") == "0\n")
    }

    @Test("selections by number, range, id and last")
    func selections() throws {
        let store = try TapeStore(path: dir.path("t.sqlite"))
        var numbers: [Int64] = []
        for _ in 0..<5 { numbers.append(try record(store, withTimeline: true).0) }
        let uid = try store.metadata(.number(numbers[1])).uid
        let filter = TapeFilter(references: [.uid(uid), .last], ranges: [numbers[2]...numbers[3]])
        #expect(try store.tapes(filter).map(\.number!) == Array(numbers[1...4]))
        var seen: [Int64] = []
        try store.forEachTimeline(TapeFilter(ranges: [numbers[0]...numbers[1]], limit: 1)) { m, _ in seen.append(m.number!) }
        #expect(seen == [numbers[1]])
    }
}
