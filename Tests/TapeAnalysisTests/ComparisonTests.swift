import Foundation
import TapeAnalysis
import TapeCore
import Testing

struct ComparisonTests {
    /// `count` completed tapes whose first token comes at `ttft` ms plus a seeded jitter of up to `spread` ms,
    /// followed by 5 tokens `gap` ms apart.
    func set(_ count: Int, ttft: Double, spread: Double, gap: Double, seed: UInt64) -> [Comparison.Sample] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let first = ttft + Double(random.next(below: Int(spread * 10) + 1)) / 10
            let reads = (0..<5).map { i in (first + Double(i) * gap, Chat.content("t\(i)")) }
            let tape = Chat.tape(reads + [(first + 5 * gap, Chat.done)], end: first + 5 * gap + 1)
            return Comparison.Sample(metrics: TapeMetrics(tape: tape), outcome: .success)
        }
    }

    func row(_ c: Comparison, _ metric: String, _ s: Statistic?) -> Comparison.Row {
        c.rows.first { $0.metric == metric && $0.statistic == s }!
    }

    @Test("a slower candidate is a significant regression beyond the bound")
    func regression() {
        let base = set(40, ttft: 100, spread: 40, gap: 20, seed: 1)
        let cand = set(40, ttft: 200, spread: 80, gap: 20, seed: 2)
        let c = Comparison(baseline: base, candidate: cand, maxRegression: 0.10, resamples: 500, seed: 7)
        let median = row(c, "ttft_ms", .p50)
        #expect(median.verdict == .regression)
        #expect(median.low! > 0)
        #expect(median.relativeChange! > 0.5)
        #expect(median.failsBound)
        #expect(c.fails)
        // The gaps did not change: not a regression.
        #expect(row(c, "icl_ms", .p50).verdict != .regression)
        // Swapped, it is an improvement and nothing fails.
        let back = Comparison(baseline: cand, candidate: base, maxRegression: 0.10, resamples: 500, seed: 7)
        #expect(row(back, "ttft_ms", .p50).verdict == .improvement)
        #expect(!back.fails)
    }

    @Test("the same set on both sides is no significant change; a bound above the change passes")
    func noChange() {
        let base = set(30, ttft: 100, spread: 40, gap: 20, seed: 3)
        let same = Comparison(baseline: base, candidate: base, resamples: 300, seed: 1)
        #expect(row(same, "ttft_ms", .p50).verdict == .noSignificantChange)
        #expect(!same.fails)
        let slower = set(30, ttft: 110, spread: 40, gap: 20, seed: 4)
        let generous = Comparison(baseline: base, candidate: slower, maxRegression: 0.5, resamples: 300, seed: 1)
        #expect(!generous.fails)
    }

    @Test("seeded: the same sets and seed give the same intervals")
    func reproducible() {
        let base = set(25, ttft: 100, spread: 40, gap: 20, seed: 5)
        let cand = set(25, ttft: 120, spread: 40, gap: 25, seed: 6)
        let a = Comparison(baseline: base, candidate: cand, resamples: 300, seed: 99)
        let b = Comparison(baseline: base, candidate: cand, resamples: 300, seed: 99)
        #expect(a.rows == b.rows)
        let c = Comparison(baseline: base, candidate: cand, resamples: 300, seed: 100)
        #expect(a.rows.map(\.low) != c.rows.map(\.low))
    }

    @Test("the generator draws every index uniformly within its bound")
    func generator() {
        var random = SplitMix64(seed: 3)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[random.next(below: 7)] += 1 }
        // Each about 10,000; five standard deviations is about ±480.
        #expect(counts.allSatisfy { abs($0 - 10_000) < 500 }, "\(counts)")
    }

    @Test("fewer than two tapes on a side is insufficient data, never a verdict")
    func insufficient() {
        let c = Comparison(baseline: set(1, ttft: 100, spread: 0, gap: 20, seed: 1), candidate: set(5, ttft: 900, spread: 0, gap: 20, seed: 1))
        #expect(row(c, "ttft_ms", .p50).verdict == .insufficientData)
        #expect(!c.fails)
    }
}
