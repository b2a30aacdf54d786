import Foundation
import TapeAnalysis
import TapeCore
import Testing

/// Figures across tapes, checked against references computed here independently.
struct AggregateTests {
    /// numpy's default: h = (n − 1)·p on the sorted samples.
    func linearReference(_ samples: [Double], _ p: Double) -> Double {
        let s = samples.sorted()
        let h = Double(s.count - 1) * p
        let lo = Int(h.rounded(.down))
        let hi = min(lo + 1, s.count - 1)
        return s[lo] + (h - Double(lo)) * (s[hi] - s[lo])
    }

    /// The ⌈p·n⌉-th smallest.
    func nearestRankReference(_ samples: [Double], _ p: Double) -> Double {
        let s = samples.sorted()
        return s[max(Int((p * Double(s.count)).rounded(.up)), 1) - 1]
    }

    @Test("percentiles by hand on four samples, linear and nearest rank with +∞")
    func smallByHand() {
        let linear = Percentiles([4, 1, 3, 2], method: .linear)
        #expect(linear.p50 == 2.5)
        #expect(abs(linear.p90! - 3.7) < 1e-12)
        #expect(linear.max == 4)
        #expect(linear.mean == 2.5)
        let adjusted = Percentiles([2, .infinity, 1, 3], method: .nearestRank)
        #expect(adjusted.p50 == 2)
        #expect(adjusted.p90 == .infinity)
        #expect(adjusted.mean == .infinity)
        #expect(Percentiles([], method: .linear).p50 == nil)
    }

    @Test("exact percentiles equal a sorted-array reference on seeded random samples, ties and +∞ included")
    func againstReference() {
        var random = SplitMix64(seed: 42)
        for n in [1, 2, 3, 10, 99, 100, 1001, 5000] {
            // Many ties (zero gaps) and a long tail, like real gaps.
            let finite = (0..<n).map { _ -> Double in
                let r = random.next(below: 100)
                return r < 30 ? 0 : Double(random.next(below: 100_000)) / 7
            }
            let p = Percentiles(finite, method: .linear)
            for (level, value) in zip(Percentiles.levels, [p.p50, p.p90, p.p95, p.p99, p.p999]) {
                #expect(abs(value! - linearReference(finite, level)) < 1e-9, "n=\(n) p=\(level)")
            }
            #expect(p.max == finite.max())
            let withInfinity = finite.map { random.next(below: 10) == 0 ? Double.infinity : $0 }
            let q = Percentiles(withInfinity, method: .nearestRank)
            for (level, value) in zip(Percentiles.levels, [q.p50, q.p90, q.p95, q.p99, q.p999]) {
                #expect(value == nearestRankReference(withInfinity, level), "n=\(n) p=\(level)")
            }
        }
    }

    @Test("pooled percentiles over several passes equal the sorted reference, keeping few samples")
    func pooledAgainstReference() {
        var random = SplitMix64(seed: 9)
        for n in [1, 2, 7, 1000, 300_000] {
            // Gaps in ms at ns resolution around 30 ms, a tenth zero, a few long stalls.
            // With a keep limit of 1,000, the large pool needs a third pass.
            let samples = (0..<n).map { _ -> Double in
                switch random.next(below: 100) {
                case 0..<10: return 0
                case 10: return Double(1_000_000_000 + random.next(below: 1_000_000_000)) / 1e6
                default: return Double(29_000_000 + random.next(below: 2_000_000)) / 1e6
                }
            }
            var pooled = PooledPercentiles(keepLimit: 1000)
            var passes = 0
            repeat {
                for x in samples { pooled.add(x) }
                pooled.endPass()
                passes += 1
            } while pooled.needsPass
            let p = pooled.percentiles()
            #expect(p.n == n)
            for (level, value) in zip(Percentiles.levels, [p.p50, p.p90, p.p95, p.p99, p.p999]) {
                #expect(value == linearReference(samples, level) || abs(value! - linearReference(samples, level)) < 1e-9, "n=\(n) p=\(level)")
            }
            #expect(p.max == samples.max())
            #expect(abs(p.mean! - samples.reduce(0, +) / Double(n)) < 1e-6)
            #expect(passes <= 5)
            if n <= 1000 { #expect(passes == 1) }
            if n == 300_000 { #expect(passes >= 3) }
        }
        var empty = PooledPercentiles()
        empty.endPass()
        #expect(!empty.needsPass)
        #expect(empty.percentiles().p50 == nil)
    }

    @Test("Kaplan–Meier survival on a small set worked out by hand")
    func survivalByHand() {
        // Drops at 1, 3, 3 and 5; completed (censored) at 2 and 4.
        let entries = [
            DropOff.Entry(time: 1, dropped: true), DropOff.Entry(time: 2, dropped: false),
            DropOff.Entry(time: 3, dropped: true), DropOff.Entry(time: 3, dropped: true),
            DropOff.Entry(time: 4, dropped: false), DropOff.Entry(time: 5, dropped: true),
        ]
        let curve = DropOff.survivalCurve(entries.shuffled())
        // S(1) = 5/6; at 3, 4 at risk and 2 drop: 5/6 · 2/4 = 5/12; at 5, 1 at risk drops: 0.
        #expect(curve.map(\.time) == [1, 3, 5])
        #expect(curve.map(\.atRisk) == [6, 4, 1])
        #expect(curve.map(\.drops) == [1, 2, 1])
        #expect(abs(curve[0].survival - 5.0 / 6) < 1e-12)
        #expect(abs(curve[1].survival - 5.0 / 12) < 1e-12)
        #expect(curve[2].survival == 0)
        // A completion tied with a drop is still at risk at that time.
        let tie = DropOff.survivalCurve([DropOff.Entry(time: 2, dropped: true), DropOff.Entry(time: 2, dropped: false)])
        #expect(tie.map(\.survival) == [0.5])
    }

    /// Two completed, cancels before and after the first token, a cut-off, and an interrupted tape.
    func mixedSet() -> [Tape] {
        var interrupted = Chat.tape([(100, Chat.content("x"))], end: 100, tags: ["b"])
        interrupted.metadata.endReason = .interrupted
        return [
            Chat.tape([(100, Chat.content("a")), (150, Chat.content("b")), (160, Chat.done)], end: 161, tags: ["a"]),
            Chat.tape([(300, Chat.content("a")), (400, Chat.content("b")), (410, Chat.done)], end: 411, tags: ["a", "b"]),
            Chat.tape([(100, Chat.role)], end: 2000, transport: .cancelled, tags: ["b"]),
            Chat.tape([(200, Chat.content("a"))], end: 1500, transport: .cancelled, tags: ["b"]),
            Chat.tape([(100, Chat.content("a")), (200, Chat.content("b"))], end: 250, tags: ["a"]),
            interrupted,
        ]
    }

    @Test("drop-off: rate by cause and phase, adj_ twins count drops as +∞, interrupted counted apart")
    func dropOff() {
        let stats = StatsBuilder.stats(mixedSet().map { ($0.metadata, TapeMetrics(tape: $0)) })
        #expect(stats.tapes == 6)
        #expect(stats.successes == 2)
        #expect(stats.unknown == 1)
        #expect(stats.dropOff.started == 5)
        #expect(stats.dropOff.dropped == 3)
        #expect(stats.dropOff.rate == 0.6)
        let cancelled = stats.dropOff.byCause.first { $0.reason == .clientCancelled }
        #expect(cancelled?.beforeFirstToken == 1 && cancelled?.afterFirstToken == 1)
        let cut = stats.dropOff.byCause.first { $0.reason == .eofWithoutDone }
        #expect(cut?.afterFirstToken == 1)
        // Success-only ttft: 100 and 300 ms.
        #expect(stats.requestWeighted[.ttft]?.n == 2)
        #expect(stats.requestWeighted[.ttft]?.p50 == 200)
        // adj_ttft: 100, 300, ∞, ∞, ∞ → nearest rank p50 is the 3rd: ∞.
        #expect(stats.adjusted[.ttft]?.n == 5)
        #expect(stats.adjusted[.ttft]?.p50 == .infinity)
        #expect(stats.adjusted[.ttft]?.method == .nearestRank)
        // The dropped tapes with what they had delivered.
        let before = stats.dropOff.tapes.first { $0.phase == .beforeFirstToken }
        #expect(before?.tokensDelivered == 0 && before?.lastGap == 2000 && before?.wait == 2000)
        let after = stats.dropOff.tapes.first { $0.reason == .clientCancelled && $0.phase == .afterFirstToken }
        #expect(after?.tokensDelivered == 1 && after?.lastGap == 1300)
        // Survival: drops at 250, 1500, 2000 ms; completions censored at 161 and 411.
        #expect(stats.dropOff.survival.map(\.time) == [250, 1500, 2000])
        #expect(stats.dropOff.survival.map(\.atRisk) == [4, 2, 1])
        // Token-weighted gaps pooled over every tape: 50, 100 (completed) and 100 (cut-off).
        #expect(stats.icl.n == 3)
        #expect(stats.icl.p50 == 100)
    }

    @Test("a tape still recording is counted apart and its gaps stay out of every pass")
    func recordingTapeLeftOut() {
        var recording = Chat.tape([(100, Chat.content("a")), (900, Chat.content("b")), (950, Chat.content("c"))], end: 950)
        recording.metadata.endReason = nil
        let stats = StatsBuilder.stats((mixedSet() + [recording]).map { ($0.metadata, TapeMetrics(tape: $0)) })
        #expect(stats.recording == 1)
        // The same three gaps as without it: 50, 100 and 100 ms.
        #expect(stats.icl.n == 3)
        #expect(stats.icl.max == 100)
    }

    @Test("grouping by tag puts a tape with two tags in both groups; combinations group by every value")
    func grouping() {
        var grouped = GroupedStats(by: [.tag, .model])
        let tapes = mixedSet().map { ($0.metadata, TapeMetrics(tape: $0)) }
        for (m, x) in tapes { grouped.add(m, x) }
        grouped.endPass()
        while grouped.needsPass {
            for (m, x) in tapes { grouped.addGaps(m, icl: x.icl, itl: x.itl) }
            grouped.endPass()
        }
        let (all, groups) = grouped.build()
        // Tag a: the completed 50 ms and 100 ms gaps and the cut-off's 100 ms; tag b: the 100 ms one.
        #expect(groups[0].icl.n == 3 && groups[0].icl.p50 == 100)
        #expect(groups[1].icl.n == 1 && groups[1].icl.p50 == 100)
        #expect(all.tapes == 6)
        #expect(groups.map { $0.key[.tag]! } == ["a", "b"])
        #expect(groups.map(\.tapes) == [3, 4])
        #expect(groups.allSatisfy { $0.key[.model] == "gpt-4o-mini" })
    }

    @Test("output throughput over the explicit window from the first t_send to the last token")
    func throughput() {
        let start = Date(timeIntervalSince1970: 1_764_000_000)
        let a = Chat.tape([(100, Chat.content("a")), (200, Chat.usage(4)), (210, Chat.done)], end: 211, startedAt: start)
        let b = Chat.tape(
            [(500, Chat.content("a")), (900, Chat.content("b")), (950, Chat.usage(6)), (960, Chat.done)], end: 961,
            startedAt: start.addingTimeInterval(1))
        let t = StatsBuilder.stats([a, b].map { ($0.metadata, TapeMetrics(tape: $0)) }).throughput!
        // 10 tokens from t_send of a to b's last token at 1 s + 900 ms.
        #expect(t.tokens == 10)
        // Dates hold seconds as a Double since 2001: about 1e-7 s of rounding.
        #expect(abs(t.tokensPerSecond! - 10 / 1.9) < 1e-5)
    }

    @Test("gates measure the figure they name and fail when it cannot be measured")
    func gates() {
        let stats = StatsBuilder.stats(mixedSet().map { ($0.metadata, TapeMetrics(tape: $0)) })
        #expect(Gate(.request(.ttft, adjusted: false), .p50, 250).passes(stats))
        #expect(!Gate(.request(.ttft, adjusted: false), .p50, 150).passes(stats))
        #expect(!Gate(.request(.ttft, adjusted: true), .p50, 10_000).passes(stats))
        #expect(Gate(.dropOff, nil, 0.6).passes(stats))
        #expect(!Gate(.dropOff, nil, 0.59).passes(stats))
        #expect(Gate(.request(.fluidity, adjusted: false), .p50, atMost: false, 0.5).passes(stats))
        // No completed tape has itl (no usage): no sample, so the gate fails.
        #expect(Gate(.itl, .p99, 1e9).measure(stats) == nil)
        #expect(!Gate(.itl, .p99, 1e9).passes(stats))
        #expect(Gate.Subject(name: "adj_ttft") == .request(.ttft, adjusted: true))
        #expect(Gate.Subject(name: "adj_fluidity") == nil)
        #expect(Gate.Subject(name: "drop-off") == .dropOff)
    }
}
