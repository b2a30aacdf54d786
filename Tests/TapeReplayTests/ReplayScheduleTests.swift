import Foundation
import TapeCore
import TapeReplay
import Testing

/// Every stream of `Fixtures/streams` as a tape: cut into 37-byte reads, read i at (i + 1) × 10 ms.
struct FixtureTape: CustomTestStringConvertible, Sendable {
    var name: String
    var tape: Tape
    var provider: Provider
    var testDescription: String { name }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/streams")

    static let all: [FixtureTape] = {
        let files = (try? FileManager.default.subpathsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".expected.json") }.sorted().compactMap { file in
            let base = String(file.dropLast(".expected.json".count))
            guard let stream = files.first(where: { $0.hasPrefix(base + ".") && !$0.hasSuffix(".json") }),
                let data = try? Data(contentsOf: directory.appendingPathComponent(stream)),
                let expected = try? JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent(file)))
                    as? [String: Any],
                let provider = (expected["provider"] as? String).flatMap(Provider.init(rawValue:))
            else { return nil }
            let bytes = [UInt8](data)
            let chunks = stride(from: 0, to: bytes.count, by: 37).enumerated().map { i, start in
                Chunk(seq: i, t: Int64(i + 1) * 10_000_000, bytes: Array(bytes[start..<min(start + 37, bytes.count)]))
            }
            return FixtureTape(name: base, tape: Tape(metadata: TapeMetadata(source: .import, provider: provider), chunks: chunks), provider: provider)
        }
    }()
}

extension StreamEvent {
    /// What a replay must keep: everything but where the event sits in the reads.
    var meaning: StreamEvent {
        var copy = self
        copy.chunk = 0
        return copy
    }
}

func decodeWrites(_ schedule: ReplaySchedule) -> [StreamEvent] {
    var decoder = StreamDecoder(provider: schedule.provider)
    var events: [StreamEvent] = []
    for (i, write) in schedule.writes.enumerated() { events += decoder.feed(write.bytes, chunk: i) }
    return (events + decoder.finish()).map(\.meaning)
}

func options(_ change: (inout ReplayOptions) -> Void) -> ReplayOptions {
    var o = ReplayOptions()
    change(&o)
    return o
}

struct ReplayScheduleTests {
    @Test("every rechunk mode writes the tape's bytes exactly and decodes to the same events", arguments: FixtureTape.all)
    func rechunkKeepsBytesAndEvents(_ fixture: FixtureTape) {
        #expect(FixtureTape.all.count >= 60)
        let expected = fixture.tape.decode().events.map(\.meaning)
        for mode in ReplayOptions.Rechunk.allCases {
            let schedule = ReplaySchedule(tape: fixture.tape, options: options { $0.rechunk = mode; $0.seed = 7 })
            #expect(schedule.body == fixture.tape.body, "\(mode)")
            if fixture.provider == .text {
                // Plain text has no events of its own: each read is one, so compare the text.
                #expect(decodeWrites(schedule).compactMap(\.text).joined() == expected.compactMap(\.text).joined(), "\(mode)")
            } else {
                #expect(decodeWrites(schedule) == expected, "\(mode)")
            }
            // A write is due when its last byte arrived on the tape, never earlier.
            var offset = 0
            for write in schedule.writes {
                offset += write.bytes.count
                let readOfLastByte = (offset - 1) / 37
                #expect(write.t == Int64(readOfLastByte + 1) * 10_000_000, "\(mode)")
            }
        }
    }

    @Test("the cut positions of each mode")
    func cutPositions() {
        let text = "data: {\"c\":\"é中😀\"}\r\n\r\n"
        let bytes = Array(text.utf8)
        let tape = Tape(
            metadata: TapeMetadata(source: .import, provider: .sse),
            chunks: [Chunk(seq: 0, t: 5, bytes: Array(bytes[..<10])), Chunk(seq: 1, t: 9, bytes: Array(bytes[10...]))])
        func cuts(_ mode: ReplayOptions.Rechunk) -> [Int] {
            var offset = 0
            return ReplaySchedule(tape: tape, options: options { $0.rechunk = mode }).writes.dropLast().map {
                offset += $0.bytes.count
                return offset
            }
        }
        #expect(cuts(.original) == [10])
        #expect(cuts(.byte) == Array(1..<bytes.count))
        // é at 12 (2 bytes), 中 at 14 (3 bytes), 😀 at 17 (4 bytes): one cut inside each.
        #expect(cuts(.utf8Split) == [10, 13, 15, 18])
        // \r\n at 23 and 25.
        #expect(cuts(.crlfSplit) == [10, 24, 26])
        // One event: complete at the CR of its blank line (a CR alone ends an SSE line), so the
        // last LF is a write of its own.
        #expect(cuts(.event) == [26])
        #expect(ReplaySchedule(tape: tape, options: options { $0.rechunk = .random; $0.seed = 1 })
            == ReplaySchedule(tape: tape, options: options { $0.rechunk = .random; $0.seed = 1 }))
        #expect(cuts(.random) != [10])
    }

    /// Four reads at 100, 150, 2150 and 2200 ms.
    let paced = Tape(
        metadata: TapeMetadata(source: .import, provider: .text),
        chunks: [100, 150, 2150, 2200].enumerated().map { Chunk(seq: $0.offset, t: Int64($0.element) * 1_000_000, bytes: Array("abcd".utf8)) })

    func times(_ o: ReplayOptions) -> [Int64] { ReplaySchedule(tape: paced, options: o).writes.map { $0.t / 1_000_000 } }

    @Test("timing transforms: instant, gap cap, first wait, rates; speed is applied when played")
    func timing() {
        #expect(times(ReplayOptions()) == [100, 150, 2150, 2200])
        #expect(times(options { $0.instant = true }) == [0, 0, 0, 0])
        #expect(times(options { $0.maxGap = 500_000_000 }) == [100, 150, 650, 700])
        #expect(times(options { $0.maxGap = 80_000_000 }) == [80, 130, 210, 260])
        #expect(times(options { $0.firstWait = 1_000_000_000 }) == [1000, 1050, 3050, 3100])
        // 4 bytes at 40 B/s hold the line for 100 ms each.
        #expect(times(options { $0.rate = .bytesPerSecond(40) }) == [100, 200, 2150, 2250])
        #expect(ReplaySchedule(tape: paced, options: options { $0.speed = 2 }).speed == 2)
    }

    /// An OpenAI Chat stream, one event per read, 10 ms apart.
    let chat: Tape = {
        let head = #""id":"c","object":"chat.completion.chunk","created":1,"model":"m""#
        let events = ["A", "B", "C", "D"].map { #"data: {\#(head),"choices":[{"index":0,"delta":{"content":"\#($0)"},"finish_reason":null}]}"# + "\n\n" }
            + ["data: [DONE]\n\n"]
        return Tape(
            metadata: TapeMetadata(source: .import, provider: .openaiChat),
            chunks: events.enumerated().map { Chunk(seq: $0.offset, t: Int64($0.offset + 1) * 10_000_000, bytes: Array($0.element.utf8)) })
    }()

    func text(_ s: ReplaySchedule) -> String { decodeWrites(s).compactMap(\.text).joined() }

    @Test("faults: truncation, stall, provider error event, dropped and duplicated events, corruption, status")
    func faults() throws {
        let truncated = ReplaySchedule(tape: chat, options: options { $0.faults = [.truncateAfterReads(2, reset: true)] })
        #expect(text(truncated) == "AB")
        #expect(truncated.ending == .reset)
        let bytes = ReplaySchedule(tape: chat, options: options { $0.faults = [.truncateAfterBytes(10, reset: false)] })
        #expect(bytes.body == Array(chat.body.prefix(10)))
        #expect(bytes.ending == .close)

        let stalled = ReplaySchedule(tape: chat, options: options { $0.faults = [.stall(atRead: 2, ns: 3_000_000_000)] })
        #expect(stalled.writes.map { $0.t / 1_000_000 } == [10, 20, 3030, 3040, 3050])

        let failed = ReplaySchedule(tape: chat, options: options { $0.faults = [.errorEvent(atRead: 2)] })
        let events = decodeWrites(failed)
        #expect(events.map(\.kind) == [.content, .content, .error])
        #expect(events.last?.error?.message.contains("tokentape") == true)
        #expect(failed.writes.last?.t == 30_000_000)

        #expect(text(ReplaySchedule(tape: chat, options: options { $0.faults = [.dropEvent(1)] })) == "ACD")
        #expect(text(ReplaySchedule(tape: chat, options: options { $0.faults = [.duplicateEvent(1)] })) == "ABBCD")
        #expect(text(ReplaySchedule(tape: chat, options: options { $0.faults = [.dropEvent(0), .duplicateEvent(3)] })) == "BCDD")

        let corrupt = ReplaySchedule(tape: chat, options: options { $0.faults = [.corrupt(bytes: 3)]; $0.seed = 4 })
        let changed = zip(corrupt.body, chat.body).filter { $0 != $1 }.count
        #expect(changed >= 1 && changed <= 3)
        #expect(corrupt == ReplaySchedule(tape: chat, options: options { $0.faults = [.corrupt(bytes: 3)]; $0.seed = 4 }))

        let limited = ReplaySchedule(tape: chat, options: options { $0.faults = [.status(429, retryAfter: 2)] })
        let failure = try #require(limited.failure)
        #expect(failure.status == 429)
        #expect(failure.retryAfter == 2)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(failure.body)) as? [String: Any])
        #expect((json["error"] as? [String: Any])?["code"] as? String == "rate_limit_exceeded")
    }

    @Test("provider error events decode as errors in every provider's framing", arguments: Provider.allCases)
    func providerErrorEvents(_ provider: Provider) {
        var decoder = StreamDecoder(provider: provider)
        let events = decoder.feed(ProviderErrors.streamEvent(provider), chunk: 0) + decoder.finish()
        if provider == .text || provider == .ndjson {
            // No error convention in plain text or unknown NDJSON: it reads as content.
            #expect(events.first?.kind == .content)
        } else {
            #expect(events.contains { $0.kind == .error }, "\(events)")
        }
        let body = ProviderErrors.statusBody(503, provider: provider)
        #expect((try? JSONSerialization.jsonObject(with: Data(body))) != nil)
    }
}

/// `resumed(fromByte:)`: what the web player asks for after a pause.
struct ResumeTests {
    static let schedule = ReplaySchedule(
        writes: [
            .init(bytes: Array("abc".utf8), t: 100),
            .init(bytes: Array("defg".utf8), t: 250),
            .init(bytes: Array("hi".utf8), t: 600),
        ],
        provider: .text)

    @Test("every starting byte gives exactly the bytes after it; the gap after the last whole write kept is kept")
    func restIsExact() {
        let body = Self.schedule.body
        for start in 0...body.count {
            let rest = Self.schedule.resumed(fromByte: start)
            #expect(rest.body == Array(body[start...]), "from \(start)")
            #expect(rest.writes.allSatisfy { !$0.bytes.isEmpty })
        }
        // Paused after "abc" (got at 100): "defg" comes 150 later, "hi" 350 after that.
        #expect(Self.schedule.resumed(fromByte: 3).writes.map(\.t) == [150, 500])
        // Paused inside "defg": its rest at once, then the recorded gap to "hi".
        #expect(Self.schedule.resumed(fromByte: 5).writes.map(\.t) == [0, 350])
        #expect(Self.schedule.resumed(fromByte: 0) == Self.schedule)
        #expect(Self.schedule.resumed(fromByte: 99).writes.isEmpty)
    }
}
