import Testing
@testable import TapeCore

struct UTF8StreamDecoderTests {
    static let samples: [[UInt8]] = [
        Array("héllo wörld 中文 😀 done".utf8),
        [0x61, 0xFF, 0x62, 0xC3, 0x28, 0xE2, 0x82, 0x41, 0xF0, 0x9F, 0x98, 0xED, 0xA0, 0x80, 0xF4, 0x90, 0x80, 0x80, 0xC3],
        Array("x".utf8) + [0xE2, 0x82, 0xAC] + [0xF0, 0x80, 0x80, 0x80] + [0xE0, 0x80, 0xAF],
    ]

    /// Every way of cutting gives what a one-shot decode gives.
    @Test("any cut decodes like one shot", arguments: samples.indices)
    func anyCut(sample: Int) {
        let bytes = Self.samples[sample]
        let expected = String(decoding: bytes, as: UTF8.self)
        for a in 0...bytes.count {
            for b in a...bytes.count {
                var decoder = UTF8StreamDecoder()
                let text = decoder.decode(Array(bytes[..<a])) + decoder.decode(Array(bytes[a..<b]))
                    + decoder.decode(Array(bytes[b...])) + decoder.finish()
                #expect(text == expected, "cuts at \(a), \(b)")
            }
        }
    }

    @Test("a character cut across reads is held, not replaced")
    func heldCharacter() {
        var decoder = UTF8StreamDecoder()
        #expect(decoder.decode([0x61, 0xF0, 0x9F]) == "a")
        #expect(decoder.pendingByteCount == 2)
        #expect(decoder.decode([0x98, 0x80]) == "😀")
        #expect(decoder.decode([0xE2]) == "")
        #expect(decoder.finish() == "\u{FFFD}")
    }
}

struct NDJSONFramerTests {
    func lines(_ reads: [String], cap: Int = 1 << 20) -> [Frame] {
        var framer = NDJSONFramer(maxLineLength: cap)
        var frames: [Frame] = []
        for (i, read) in reads.enumerated() { frames += framer.feed(Array(read.utf8), chunk: i) }
        return frames + framer.finish()
    }

    @Test("lines split across reads, CRLF, blank lines, and a last line without newline")
    func framing() {
        let frames = lines(["{\"a\":", "1}\r\n\n  \r\n{\"b\":2}\n{\"c\"", ":3}"])
        #expect(frames.map(\.data) == ["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"])
        #expect(frames.map(\.chunk) == [1, 1, 2])
        #expect(frames.map(\.incomplete) == [false, false, false])
    }

    @Test("a line over the cap is one oversized frame")
    func cap() {
        let frames = lines([String(repeating: "x", count: 40) + "\n{}\n"], cap: 10)
        #expect(frames.map(\.kind) == [.oversized, .message])
    }
}

struct TextFramerTests {
    @Test("each read is a frame of the text it completes, UTF-8 held across reads")
    func text() {
        var framer = TextFramer()
        let bytes = Array("ab€c".utf8)
        let first = framer.feed(Array(bytes[..<3]), chunk: 0)
        let second = framer.feed(Array(bytes[3...]), chunk: 1)
        #expect(first.map(\.data) == ["ab"])
        #expect(first.map(\.bytes) == [0..<2])
        #expect(second.map(\.data) == ["€c"])
        #expect(second.map(\.bytes) == [2..<6])
        #expect(framer.finish().isEmpty)
    }
}

struct AnomalyTests {
    @Test("data that is not JSON, and JSON of a shape the provider never sends, are told apart and decoding goes on")
    func anomalies() {
        let body = """
            data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"a"}}]}

            data: keep-alive

            data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":42}}]}

            data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"b"}}]}


            """
        let events = StreamDecoder.decode([Array(body.utf8)]).events
        #expect(events.map(\.kind) == [.content, .other, .other, .content])
        #expect(events.map(\.anomaly) == [nil, "not_json", "unexpected_shape", nil])
    }
}
