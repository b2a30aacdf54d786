import Foundation
import TapeCore
import Testing

/// Tapes recorded with their Content-Encoding kept: decoding undoes it.
struct ContentEncodingTests {
    @Test("gzip cut anywhere decodes to the events of the plain stream")
    func gzip() throws {
        let plain = Array("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n".utf8)
        let compressed = try Self.compress(plain)
        for cut in [1, 7, compressed.count / 2, compressed.count - 1] {
            var decoder = StreamDecoder(provider: .openaiChat, contentEncoding: "gzip")
            var events = decoder.feed(Array(compressed[..<cut]), chunk: 0)
            events += decoder.feed(Array(compressed[cut...]), chunk: 1)
            events += decoder.finish()
            #expect(events.compactMap(\.text).joined() == "hi", "cut at \(cut)")
            #expect(events.contains { $0.kind == .done })
            #expect(decoder.contentDecodingFailure == nil)
        }
    }

    @Test("bytes that are not what their encoding says: a failure named, no events, no crash")
    func corrupt() {
        var decoder = StreamDecoder(provider: .openaiChat, contentEncoding: "gzip")
        let events = decoder.feed(Array("data: not compressed at all\n\n".utf8), chunk: 0) + decoder.finish()
        #expect(events.allSatisfy { $0.text == nil })
        #expect(decoder.contentDecodingFailure != nil)
        // An encoding it does not undo is left alone: the bytes are decoded as they are.
        var identity = StreamDecoder(provider: .openaiChat, contentEncoding: "identity")
        #expect(identity.feed(Array("data: [DONE]\n\n".utf8), chunk: 0).contains { $0.kind == .done })
    }

    /// gzip through the system's python3 (zlib), so the fixture is made by another implementation.
    static func compress(_ bytes: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", "import sys, gzip; sys.stdout.buffer.write(gzip.compress(sys.stdin.buffer.read()))"]
        let (input, output) = (Pipe(), Pipe())
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(bytes))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Array(data)
    }
}
