import Testing
@testable import TapeCore

/// The WHATWG event-stream rules, case by case.
struct SSEParserTests {
    /// Parses reads in order and returns every frame, the final flush included.
    func parse(_ reads: [String], maxLineLength: Int = SSEParser.defaultMaxLineLength) -> [Frame] {
        parse(bytes: reads.map { Array($0.utf8) }, maxLineLength: maxLineLength)
    }

    func parse(bytes reads: [[UInt8]], maxLineLength: Int = SSEParser.defaultMaxLineLength) -> [Frame] {
        var parser = SSEParser(maxLineLength: maxLineLength)
        var frames: [Frame] = []
        for (i, read) in reads.enumerated() { frames += parser.feed(read, chunk: i) }
        return frames + parser.finish()
    }

    func messages(_ frames: [Frame]) -> [Frame] { frames.filter { $0.kind == .message } }

    @Test("LF, CR and CRLF all end lines, and mixes of them")
    func lineEnds() {
        for sep in ["\n", "\r", "\r\n"] {
            let frames = messages(parse(["data: a\(sep)data: b\(sep)\(sep)data: c\(sep)\(sep)"]))
            #expect(frames.map(\.data) == ["a\nb", "c"], "separator \(sep.debugDescription)")
        }
        let mixed = messages(parse(["data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\r"]))
        #expect(mixed.map(\.data) == ["a\nb\nc", "d"])
    }

    @Test("a CR at the end of one read and its LF at the start of the next make one line end")
    func splitCRLF() {
        let frames = parse(["data: a\r", "\n\r", "\ndata: b\r", "\n", "\r\n"])
        #expect(messages(frames).map(\.data) == ["a", "b"])
        // The first event is complete at the CR that ends its blank line, in read 1.
        #expect(messages(frames).map(\.chunk) == [1, 4])
        // A bare CR at the end of a read, followed by more data, is still a line end.
        #expect(messages(parse(["data: a\r", "data: b\r", "\r"])).map(\.data) == ["a\nb"])
    }

    @Test("exactly one leading BOM is stripped, a second one is part of the field name")
    func byteOrderMark() {
        let bom = "\u{FEFF}"
        #expect(messages(parse([bom + "data: a\n\n"])).map(\.data) == ["a"])
        // Cut inside the BOM.
        #expect(messages(parse(bytes: [[0xEF], [0xBB, 0xBF] + Array("data: a\n\n".utf8)])).map(\.data) == ["a"])
        // Two BOMs: the first line's field is "\u{FEFF}data", unknown, so no data.
        let double = messages(parse([bom + bom + "data: a\n\ndata: b\n\n"]))
        #expect(double.first?.data == nil)
        #expect(double.first?.otherFields.first?.name == "\u{FEFF}data")
        #expect(double.last?.data == "b")
        // A BOM later in the stream is not stripped.
        #expect(messages(parse(["data: a\n\n" + bom + "data: b\n\n"])).last?.data == nil)
    }

    @Test("comments are reported and do not end or join events")
    func comments() {
        let frames = parse([": keep-alive\ndata: a\n: inside\ndata: b\n\n:\n\n"])
        #expect(frames.map(\.kind) == [.comment, .comment, .message, .comment])
        #expect(frames.filter { $0.kind == .comment }.map(\.data) == ["keep-alive", "inside", ""])
        #expect(messages(frames).map(\.data) == ["a\nb"])
    }

    @Test("multi-line data joined with LF; an empty data line adds an empty line")
    func multiLineData() {
        #expect(messages(parse(["data: {\"a\":\ndata: 1}\n\n"])).map(\.data) == ["{\"a\":\n1}"])
        #expect(messages(parse(["data\ndata\n\n"])).map(\.data) == ["\n"])
        #expect(messages(parse(["data:\n\n"])).map(\.data) == [""])
        #expect(messages(parse(["data: a\ndata:\n\n"])).map(\.data) == ["a\n"])
    }

    @Test("one optional space after the colon is removed, and only one")
    func spaceAfterColon() {
        #expect(messages(parse(["data:a\n\n", "data: a\n\n", "data:  a\n\n"])).map(\.data) == ["a", "a", " a"])
    }

    @Test("event names, and a field without a colon has an empty value")
    func eventAndFieldsWithoutColon() {
        let frames = messages(parse(["event: message_start\ndata: {}\n\nevent\ndata: x\n\n"]))
        #expect(frames.map(\.name) == ["message_start", nil])
    }

    @Test("id sets the last event ID, which persists; an id with NUL is ignored")
    func ids() {
        let frames = messages(parse(["id: 1\ndata: a\n\ndata: b\n\nid: 2\u{0}x\ndata: c\n\nid\ndata: d\n\n"]))
        #expect(frames.map(\.lastEventID) == ["1", "1", "1", ""])
    }

    @Test("retry takes ASCII digits only")
    func retry() {
        let frames = messages(parse(["retry: 3000\ndata: a\n\nretry: 3s\ndata: b\n\nretry: -1\ndata: c\n\nretry:\ndata: d\n\n"]))
        #expect(frames.map(\.retry) == [3000, nil, nil, nil])
        // A block of only id/retry is not an event.
        #expect(messages(parse(["retry: 10\n\nid: 4\n\n"])).isEmpty)
    }

    @Test("a final event without its blank line is reported incomplete, not lost")
    func incompleteFinalEvent() {
        let frames = messages(parse(["data: a\n\ndata: b\n"]))
        #expect(frames.map(\.data) == ["a", "b"])
        #expect(frames.map(\.incomplete) == [false, true])
        // Even with no line end at all.
        let noLineEnd = messages(parse(["data: a\n\ndata: [DONE]"]))
        #expect(noLineEnd.last?.data == "[DONE]")
        #expect(noLineEnd.last?.incomplete == true)
    }

    @Test("blocks with an event name or an unknown field but no data are reported with data nil")
    func datalessBlocks() {
        let frames = messages(parse(["event: ping\n\nerror: {\"message\":\"boom\"}\n\n"]))
        #expect(frames.map(\.name) == ["ping", nil])
        #expect(frames.map(\.data) == [nil, nil])
        #expect(frames.last?.otherFields == [Frame.Field(name: "error", value: "{\"message\":\"boom\"}")])
    }

    @Test("a multibyte character split across reads decodes once; invalid bytes become U+FFFD")
    func utf8() {
        let bytes = Array("data: é😀中\n\n".utf8)
        for cut in 1..<bytes.count {
            let frames = messages(parse(bytes: [Array(bytes[..<cut]), Array(bytes[cut...])]))
            #expect(frames.map(\.data) == ["é😀中"], "cut at \(cut)")
        }
        let invalid = messages(parse(bytes: [Array("data: a".utf8) + [0xFF, 0xC3] + Array("b\n\n".utf8)]))
        #expect(invalid.map(\.data) == ["a\u{FFFD}\u{FFFD}b"])
    }

    @Test("a line longer than the cap yields one oversized frame, drops its block, and parsing goes on")
    func lineCap() {
        let long = "data: " + String(repeating: "x", count: 100) + "\n\n"
        for reads in [[long + "data: ok\n\n"], long.map { String($0) } + ["data: ok\n\n"]] {
            let frames = parse(reads, maxLineLength: 50)
            #expect(frames.map(\.kind) == [.oversized, .message])
            #expect(frames.last?.data == "ok")
            #expect(frames.first?.bytes == 0..<51)
        }
    }

    @Test("byte ranges cover each event up to its blank line, however the reads are cut")
    func byteRanges() {
        let stream = "data: a\r\n\r\n: c\nevent: e\ndata: b\n\n"
        let whole = parse([stream])
        #expect(whole.map(\.bytes) == [0..<10, 11..<15, 15..<33])
        let bytes = Array(stream.utf8)
        for cut in 1..<bytes.count {
            let split = parse(bytes: [Array(bytes[..<cut]), Array(bytes[cut...])])
            #expect(split.map(\.bytes) == whole.map(\.bytes), "cut at \(cut)")
            #expect(split.map { $0.bytes.upperBound <= cut ? 0 : 1 } == split.map(\.chunk), "cut at \(cut)")
        }
    }
}
