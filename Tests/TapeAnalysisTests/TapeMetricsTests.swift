import Foundation
import TapeAnalysis
import TapeCore
import Testing

/// Per-tape metrics on tapes with exact read times; every expected value is
/// worked out by hand from the times written here (ms after t_send).
struct TapeMetricsTests {
    func metrics(_ tape: Tape, _ settings: AnalysisSettings = .standard) -> TapeMetrics {
        TapeMetrics(tape: tape, settings: settings)
    }

    func ms(_ value: Double) -> Int64 { Chat.ns(value) }

    @Test("a role-only first chunk is the first chunk, not the first token")
    func roleOnlyFirst() {
        let tape = Chat.tape(
            [(100, Chat.role), (250, Chat.content("Hi")), (300, Chat.content(" there")), (320, Chat.finish), (330, Chat.done)],
            end: 335, tSched: -20)
        let m = metrics(tape)
        #expect(m.ttfb == ms(100))
        #expect(m.ttfc == ms(100))
        #expect(m.ttft == ms(250))
        #expect(m.ttfo == ms(250))
        #expect(m.ttftUser == ms(270))
        #expect(m.setup == ms(50))
        #expect(m.e2eLastToken == ms(300))
        #expect(m.e2e == ms(335))
        #expect(m.outputTokens == 2)
        #expect(m.tokenSource == .lowerBound)
        #expect(m.tpot == 50e6)
        #expect(m.decodeRate == 20)
        #expect(m.icl == [ms(50)])
        #expect(m.itl == nil)
        #expect(m.endReason == .completed)
        #expect(m.endPhase == .afterFirstToken)
        #expect(m.lastGap == ms(35))
    }

    @Test("a usage-only last chunk is not a token and does not move e2e_last_token")
    func usageOnlyLast() {
        let tape = Chat.tape(
            [
                (100, Chat.role), (200, Chat.content("A")), (260, Chat.content("B")), (300, Chat.content("C")),
                (310, Chat.finish), (500, Chat.usage(3)), (510, Chat.done),
            ], end: 512)
        let m = metrics(tape)
        #expect(m.e2eLastToken == ms(300))
        #expect(m.outputTokens == 3)
        #expect(m.tokenSource == .usage)
        #expect(m.tokenEvents == 3)
        // Usage equals the number of token events: one token each, so itl is known.
        #expect(m.tpot == 50e6)
        #expect(m.itl == [60e6, 40e6])
    }

    @Test("several events completed by one read share its time: zero gaps are kept")
    func severalEventsOneRead() {
        let tape = Chat.tape(
            [(100, Chat.content("a") + Chat.content("b") + Chat.content("c")), (150, Chat.content("d")), (160, Chat.done)],
            end: 161)
        let m = metrics(tape)
        #expect(m.ttft == ms(100))
        #expect(m.icl == [0, 0, ms(50)])
    }

    @Test("an event spread over several reads takes the time of the read that completed it")
    func eventSpreadOverReads() {
        let hello = Chat.content("Hello")
        let cut = hello.index(hello.startIndex, offsetBy: 40)
        let tape = Chat.tape(
            [(100, String(hello[..<cut])), (180, String(hello[cut...])), (200, Chat.content(" x")), (210, Chat.done)],
            end: 211)
        let m = metrics(tape)
        #expect(m.ttfb == ms(100))
        #expect(m.ttft == ms(180))
        #expect(m.icl == [ms(20)])
    }

    @Test("a reasoning-first stream: ttft counts reasoning, ttfo waits for the answer")
    func reasoningFirst() {
        let tape = Chat.tape(
            [(100, Chat.reasoning("think")), (200, Chat.reasoning("more")), (500, Chat.content("Answer")), (510, Chat.done)],
            end: 511)
        let m = metrics(tape)
        #expect(m.ttft == ms(100))
        #expect(m.ttfo == ms(500))
        #expect(m.ttft! < m.ttfo!)
    }

    @Test("multi-token chunks: tpot divides by N − n1, with n1 from running usage when the stream gives it")
    func multiTokenChunks() {
        // Usage only at the end: the split is unknown, so n1 = 1.
        let endUsage = metrics(Chat.tape(
            [(100, Chat.content("aaaa")), (200, Chat.content("bbb")), (300, Chat.content("ccc")), (400, Chat.usage(10)), (410, Chat.done)],
            end: 411))
        #expect(endUsage.outputTokens == 10)
        #expect(endUsage.tpot! == 200e6 / 9)
        #expect(endUsage.itl == nil)
        // Running usage on every chunk (vLLM's continuous usage): split 4, 3, 3, so n1 = 4.
        let running = metrics(Chat.tape(
            [(100, Chat.content("aaaa", usage: 4)), (200, Chat.content("bbb", usage: 7)), (300, Chat.content("ccc", usage: 10)), (310, Chat.done)],
            end: 311))
        #expect(running.outputTokens == 10)
        #expect(running.tpot! == 200e6 / 6)
        #expect(running.itl == [100e6 / 3, 100e6 / 3])
        #expect(running.fluidity?.unit == "tokens")
    }

    @Test("N − n1 < 1 leaves tpot and decode rate undefined")
    func tooFewTokens() {
        let one = metrics(Chat.tape([(100, Chat.content("a")), (110, Chat.done)], end: 111))
        #expect(one.outputTokens == 1)
        #expect(one.tpot == nil)
        #expect(one.decodeRate == nil)
        #expect(one.icl.isEmpty)
        // One event carrying all 3 tokens: N = n1.
        let all = metrics(Chat.tape([(100, Chat.content("abc", usage: 3)), (110, Chat.done)], end: 111))
        #expect(all.outputTokens == 3)
        #expect(all.tpot == nil)
    }

    @Test("no token at all: ttft undefined, the end reason still stated")
    func noToken() {
        let m = metrics(Chat.tape([(100, Chat.role), (110, Chat.finish), (120, Chat.done)], end: 125))
        #expect(m.ttfc == ms(100))
        #expect(m.ttft == nil)
        #expect(m.ttfo == nil)
        #expect(m.ttftUser == nil)
        #expect(m.e2eLastToken == nil)
        #expect(m.outputTokens == nil)
        #expect(m.fluidity == nil)
        #expect(m.e2e == ms(125))
        #expect(m.endReason == .completed)
        #expect(m.endPhase == .beforeFirstToken)
        #expect(m.lastGap == ms(125))
    }

    @Test("an error mid-stream, a cut-off stream, and cancels before and after the first token")
    func abnormalEnds() {
        let error = metrics(Chat.tape(
            [(100, Chat.content("a")), (200, Chat.content("b")), (300, Chat.error)], end: 300))
        #expect(error.endReason == .providerError)
        #expect(error.endPhase == .afterFirstToken)
        #expect(error.ttft == ms(100))
        #expect(error.e2eLastToken == ms(200))

        let cut = metrics(Chat.tape([(100, Chat.content("a")), (200, Chat.content("b"))], end: 250))
        #expect(cut.endReason == .eofWithoutDone)
        #expect(cut.lastGap == ms(50))

        let before = metrics(Chat.tape([(100, Chat.role)], end: 900, transport: .cancelled))
        #expect(before.endReason == .clientCancelled)
        #expect(before.endPhase == .beforeFirstToken)
        #expect(before.ttft == nil)
        #expect(before.lastGap == ms(900))

        let after = metrics(Chat.tape([(100, Chat.content("a"))], end: 400, transport: .cancelled))
        #expect(after.endReason == .clientCancelled)
        #expect(after.endPhase == .afterFirstToken)
        #expect(after.lastGap == ms(300))
    }

    /// 20 token events 50 ms apart from t = 100 ms, with one 2 s gap after event `stallAfter`.
    func stalled(after stallAfter: Int) -> Tape {
        var reads: [(ms: Double, text: String)] = []
        var t = 100.0
        for i in 1...20 {
            reads.append((t, Chat.content("w\(i)")))
            t += i == stallAfter ? 2000 : 50
        }
        return Chat.tape(reads + [(t, Chat.done)], end: t + 1)
    }

    @Test("a stall early costs more fluidity than the same stall late; the gap percentiles cannot tell")
    func earlyAndLateStall() {
        let early = metrics(stalled(after: 2))
        let late = metrics(stalled(after: 19))
        // Same gaps in another order.
        #expect(early.icl.sorted() == late.icl.sorted())
        #expect(Percentiles(early.icl.map(Double.init), method: .linear) == Percentiles(late.icl.map(Double.init), method: .linear))
        #expect(early.stalls.count == 1 && late.stalls.count == 1)
        #expect(early.stalls.longest == ms(2000))
        #expect(early.stalls.firstTokenIndex == 2)
        #expect(late.stalls.firstTokenIndex == 19)
        // Median gap 50 ms: the relative threshold is 250 ms.
        #expect(early.relativeStalls?.threshold == ms(250))
        #expect(early.relativeStalls?.count == 1)
        // V = 10 tokens/s, token i due at 100 + (i − 1)·100 ms.
        // Early: tokens 3…20 arrive at 2150 + (i − 3)·50, each 2000 − 50·i ms late.
        #expect(early.fluidity?.onTime == 2.0 / 20)
        #expect(early.fluidity?.lateness == ms(25_650))
        #expect(early.fluidity?.unit == "events")
        // Late: only token 20 is late, arriving at 3000 against 2000.
        #expect(late.fluidity?.onTime == 19.0 / 20)
        #expect(late.fluidity?.lateness == ms(1000))
    }

    @Test("the stall threshold and reading rate are settings")
    func settings() {
        let tape = stalled(after: 5)
        let strict = metrics(tape, AnalysisSettings(stallThreshold: 40_000_000, relativeStallFactor: 10, readingRate: 1000))
        #expect(strict.stalls.count == 19)
        #expect(strict.relativeStalls?.count == 1)
        #expect(strict.fluidity?.readingRate == 1000)
        #expect(strict.fluidity!.onTime < metrics(tape).fluidity!.onTime)
    }

    @Test("the timeline built live equals the one built from the whole tape, at every read boundary")
    func liveTimelineMatches() {
        let tape = stalled(after: 7)
        var decoder = tape.metadata.makeDecoder()
        var builder = TokenTimeline.Builder()
        for chunk in tape.chunks {
            builder.read(at: chunk.t)
            for event in decoder.feed(chunk.bytes, chunk: chunk.seq) { builder.add(event, at: chunk.t) }
        }
        for event in decoder.finish() { builder.add(event, at: tape.chunks.last!.t) }
        #expect(builder.build() == tape.timeline())
        #expect(tape.timeline().tokenTimes.count == 20)
    }
}
