import Testing
@testable import TapeCore

/// Every fixture decodes to its hand-written events, and to the same events
/// however its bytes are cut into reads.
struct FixtureTests {
    @Test("the fixtures are there: every provider, every case")
    func coverage() {
        let byProvider = Dictionary(grouping: Fixture.all, by: \.expected.provider)
        for provider in Provider.allCases where provider != .ndjson {
            let cases = Set(byProvider[provider, default: []].map { $0.name.split(separator: "/").last.map(String.init) ?? "" })
            #expect(!cases.isEmpty, "no fixture for \(provider)")
            let required = provider == .sse || provider == .text ? ["text"] : ["text", "error", "cutoff"]
            for name in required { #expect(cases.contains(name), "\(provider) lacks \(name)") }
        }
        #expect(Fixture.all.count >= 40)
    }

    @Test("decodes to the expected events, provider, model and end reason", arguments: Fixture.all)
    func decodes(_ fixture: Fixture) {
        let result = fixture.decode([fixture.bytes])
        #expect(result.provider == fixture.expected.provider)
        #expect(result.model == fixture.expected.model)
        let got = result.events.map(\.semantic)
        let want = fixture.expected.events.map(\.semantic)
        #expect(got.count == want.count)
        for (i, (g, w)) in zip(got, want).enumerated() {
            #expect(g == w, "event \(i)")
        }
        let outcome = StreamOutcome(events: result.events)
        #expect(outcome.endReason(provider: result.provider, transport: .eof) == fixture.expected.end_reason)
        // Every event points at real bytes, in order.
        for e in result.events {
            #expect(e.bytes.lowerBound >= 0 && e.bytes.upperBound <= fixture.bytes.count)
        }
        #expect(result.events.map(\.bytes.lowerBound) == result.events.map(\.bytes.lowerBound).sorted())
    }

    @Test("the request path as a hint gives the same events", arguments: Fixture.all.filter { $0.expected.path != nil })
    func pathHint(_ fixture: Fixture) {
        let hinted = fixture.decode([fixture.bytes], path: fixture.expected.path)
        #expect(hinted.provider == fixture.expected.provider)
        #expect(hinted.events == fixture.decode([fixture.bytes]).events)
    }

    /// The core property: the reads' boundaries change nothing but which read completed each event.
    @Test("two reads cut at every position give the same events", arguments: Fixture.all)
    func everyCut(_ fixture: Fixture) {
        let whole = fixture.decode([fixture.bytes]).events
        for cut in 1..<fixture.bytes.count {
            let split = fixture.decode(fixture.reads(cutAt: [cut])).events
            if fixture.expected.provider == .text {
                #expect(text(split) == text(whole), "cut at \(cut)")
                continue
            }
            #expect(split.map(\.positioned) == whole.map(\.positioned), "cut at \(cut)")
            // An event is completed by the read that holds its last byte.
            #expect(split.map(\.chunk) == split.map { $0.bytes.upperBound <= cut && !$0.bytes.isEmpty ? 0 : 1 }, "cut at \(cut)")
        }
    }

    @Test("one byte per read gives the same events", arguments: Fixture.all)
    func bytewise(_ fixture: Fixture) {
        let whole = fixture.decode([fixture.bytes]).events
        let split = fixture.decode(fixture.bytes.map { [$0] }).events
        if fixture.expected.provider == .text {
            #expect(text(split) == text(whole))
        } else {
            #expect(split.map(\.positioned) == whole.map(\.positioned))
            for e in split where !e.bytes.isEmpty && !e.incomplete {
                #expect(e.chunk == e.bytes.upperBound - 1, "completed by the read of its last byte")
            }
        }
    }

    @Test("seeded random cuts give the same events", arguments: Fixture.all)
    func randomCuts(_ fixture: Fixture) {
        let whole = fixture.decode([fixture.bytes]).events
        var generator = SeededGenerator(seed: 0x70_6b_74_61_70_65)
        for round in 0..<50 {
            let count = Int.random(in: 1...max(1, fixture.bytes.count / 4), using: &generator)
            let cuts = (0..<count).map { _ in Int.random(in: 0...fixture.bytes.count, using: &generator) }
            let split = fixture.decode(fixture.reads(cutAt: cuts)).events
            if fixture.expected.provider == .text {
                #expect(text(split) == text(whole), "round \(round)")
            } else {
                #expect(split.map(\.positioned) == whole.map(\.positioned), "round \(round), cuts \(cuts.sorted())")
            }
        }
    }

    private func text(_ events: [StreamEvent]) -> String {
        events.compactMap(\.text).joined()
    }
}
