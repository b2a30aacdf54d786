import Foundation
import Testing
@testable import TapeCore

/// Server timing rides on events but is left out of the fixtures' expectations; checked here.
struct ServerTimingTests {
    func load(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: Fixture.directory.appendingPathComponent(name)))
    }

    @Test("Ollama's done line: counts and durations in nanoseconds")
    func ollama() throws {
        let events = StreamDecoder.decode([try load("ollama-chat/text.ndjson")]).events
        let done = try #require(events.last)
        #expect(done.kind == .done)
        #expect(done.serverTiming == ServerTiming(
            promptTokens: 11, promptNanoseconds: 35_000_000, outputTokens: 6, outputNanoseconds: 60_000_000,
            loadNanoseconds: 21_000_000, totalNanoseconds: 412_000_000))
    }

    @Test("llama.cpp's timings in milliseconds become nanoseconds on the chunk's last event")
    func llamaCpp() throws {
        let events = StreamDecoder.decode([try load("openai-chat/llamacpp-reasoning-content.sse")]).events
        let timed = events.filter { $0.serverTiming != nil }
        #expect(timed.map(\.kind) == [.reasoning, .content, .other])
        #expect(timed.first?.serverTiming == ServerTiming(
            promptTokens: 10, promptNanoseconds: 12_500_000, outputTokens: 3, outputNanoseconds: 30_000_000))
    }
}
