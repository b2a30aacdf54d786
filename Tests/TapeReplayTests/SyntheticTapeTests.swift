import Foundation
import TapeCore
import TapeReplay
import Testing

struct SyntheticTapeTests {
    @Test("every provider's made-up tape decodes to the text, with its provider, model and end", arguments: Provider.allCases)
    func decodes(_ provider: Provider) {
        let text = "Hello, world! Grüße aus 東京 😀.\nSecond line."
        let tape = SyntheticTape.make(provider: provider, text: text, seed: 3)
        let decoded = tape.decode()
        // Detected from the request path and the bytes, as a recorded tape would be.
        var detected = tape.metadata
        detected.provider = nil
        #expect(Tape(metadata: detected, chunks: tape.chunks).decode().provider == (provider == .ndjson ? .ndjson : provider))
        #expect(decoded.events.filter { $0.kind == .content }.compactMap(\.text).joined() == (provider == .ndjson ? decoded.events.compactMap(\.text).joined() : text))
        #expect(tape.metadata.endReason == .completed, "\(provider)")
        if ![.sse, .ndjson, .text].contains(provider) { #expect(decoded.model == SyntheticTape.defaultModel(provider)) }
    }

    @Test("the timing model: first token at ttft, constant gaps, stalls, an abort")
    func timing() {
        var timing = SyntheticTape.Timing()
        timing.ttft = 250_000_000
        timing.icl = 20_000_000
        timing.distribution = .constant
        timing.stalls = [SyntheticTape.Stall(chunk: 3, ns: 1_000_000_000)]
        let tape = SyntheticTape.make(provider: .openaiChat, text: "a b c d e f", timing: timing)
        let timeline = tape.timeline()
        #expect(timeline.tokenTimes.first == 250_000_000)
        let gaps = zip(timeline.tokenTimes.dropFirst(), timeline.tokenTimes).map { $0 - $1 }
        #expect(gaps == [20_000_000, 20_000_000, 1_020_000_000, 20_000_000, 20_000_000])
        #expect(timeline.usage?.output == 6)
        // The head (role chunk) comes before the first token.
        #expect(timeline.firstByte! < timeline.tokenTimes.first!)

        timing.abortAfter = 2
        let aborted = SyntheticTape.make(provider: .anthropic, text: "a b c d e f", timing: timing)
        #expect(aborted.metadata.endReason == .reset)
        #expect(aborted.metadata.endPhase == .afterFirstToken)
        #expect(aborted.decode().events.filter { $0.kind == .content }.compactMap(\.text).joined() == "a b")
    }

    @Test("same seed, same bytes and times; another seed, other times; chunks of several tokens")
    func seeded() {
        var timing = SyntheticTape.Timing()
        timing.jitter = 10_000_000
        for distribution in SyntheticTape.Distribution.allCases {
            timing.distribution = distribution
            let a = SyntheticTape.make(provider: .gemini, timing: timing, seed: 5, startedAt: Date(timeIntervalSince1970: 0))
            let b = SyntheticTape.make(provider: .gemini, timing: timing, seed: 5, startedAt: Date(timeIntervalSince1970: 0))
            #expect(a.chunks == b.chunks)
            let c = SyntheticTape.make(provider: .gemini, timing: timing, seed: 6, startedAt: Date(timeIntervalSince1970: 0))
            if distribution != .constant { #expect(a.chunks.map(\.t) != c.chunks.map(\.t), "\(distribution)") }
            #expect(a.chunks.map(\.t) == a.chunks.map(\.t).sorted())
        }
        timing.tokensPerChunk = 3
        let grouped = SyntheticTape.make(provider: .ollamaChat, text: "one two three four five", timing: timing)
        #expect(grouped.decode().events.filter { $0.kind == .content }.compactMap(\.text) == ["one two three", " four five"])
    }
}
