/// Exact percentiles of a pool too large to hold, such as every gap of ten
/// thousand tapes, in a few passes over the samples and flat memory.
///
/// Each sample maps to a 64-bit key that sorts as the number does (the IEEE
/// bit pattern, sign-adjusted). The first pass counts keys by their top 20
/// bits (buckets 1/256 of an octave wide); each later pass looks only inside
/// the buckets where a wanted rank falls, counting the next 16 bits, until a
/// bucket holds few enough samples to keep and sort, or its key is complete.
/// Usually two passes; at most five. Memory: one 4 MiB histogram (allocated
/// only once a pool outgrows `keepLimit`), a few 65,536-entry ones, and at
/// most `keepLimit` samples per wanted rank, whatever the number of samples.
/// A pool of up to `keepLimit` samples is simply kept, and done in one pass.
public struct PooledPercentiles: Sendable {
    /// A pool or bucket with at most this many samples is kept and sorted
    /// (2 MiB of samples): small pools take one pass.
    public static let standardKeepLimit = 262_144
    public let keepLimit: Int

    public private(set) var n = 0
    private var sum = 0.0
    private var largest = -Double.infinity
    private var counts: [UInt32]? = nil
    static let firstBits = 20
    static let stepBits = 16
    /// The samples themselves while they are few.
    private var small: [Double]? = []
    private var probes: [Probe] = []
    /// Each wanted rank: which probe holds it and its rank inside the probe's bucket.
    private var targets: [(rank: Int, probe: Int, offset: Int, value: Double?)] = []
    private var firstPassDone = false

    /// A bucket of keys sharing their top `bits` bits, being refined or kept.
    private struct Probe: Sendable {
        var prefix: UInt64
        var bits: Int
        var counts: [UInt32]?
        var kept: [Double]?
    }

    public init(keepLimit: Int = Self.standardKeepLimit) {
        self.keepLimit = keepLimit
    }

    /// True while another pass over the same samples is needed.
    public var needsPass: Bool { !firstPassDone || targets.contains { $0.value == nil } }

    static func key(_ x: Double) -> UInt64 {
        let bits = x.bitPattern
        return x.sign == .minus ? ~bits : bits | (1 << 63)
    }

    /// Adds a sample; call with the same samples, in any order, in every pass.
    public mutating func add(_ x: Double) {
        add(CollectionOfOne(x))
    }

    /// Adds samples; one call per tape keeps the per-sample work to a few instructions.
    public mutating func add(_ samples: some Collection<Double>) {
        guard !samples.isEmpty else { return }
        if !firstPassDone {
            var total = sum
            var top = largest
            for x in samples {
                total += x
                if x > top { top = x }
            }
            n += samples.count
            sum = total
            largest = top
            if small != nil {
                small! += samples
                guard small!.count > keepLimit else { return }
                // Too many to keep: count them by bucket from now on.
                let kept = small!
                small = nil
                counts = [UInt32](repeating: 0, count: 1 << Self.firstBits)
                count(kept)
            } else {
                count(samples)
            }
            return
        }
        for x in samples {
            let key = Self.key(x)
            for i in probes.indices {
                let shift = UInt64(64 - probes[i].bits)
                guard key >> shift == probes[i].prefix else { continue }
                if probes[i].kept != nil {
                    probes[i].kept!.append(x)
                } else {
                    let step = UInt64(Self.step(after: probes[i].bits))
                    probes[i].counts![Int((key >> (shift - step)) & ((1 << step) - 1))] += 1
                }
            }
        }
    }

    /// Takes in what another pool saw in the same pass: the same pass over
    /// another share of the samples (one share per thread).
    public mutating func merge(_ other: PooledPercentiles) {
        if !firstPassDone {
            n += other.n
            sum += other.sum
            largest = max(largest, other.largest)
            if let theirs = other.small, small != nil {
                small! += theirs
                if small!.count > keepLimit {
                    let kept = small!
                    small = nil
                    counts = [UInt32](repeating: 0, count: 1 << Self.firstBits)
                    count(kept)
                }
                return
            }
            if let mine = small {
                small = nil
                counts = [UInt32](repeating: 0, count: 1 << Self.firstBits)
                count(mine)
            }
            if let theirs = other.small { count(theirs) }
            if let theirs = other.counts {
                counts!.withUnsafeMutableBufferPointer { mine in
                    for i in theirs.indices where theirs[i] > 0 { mine[i] += theirs[i] }
                }
            }
            return
        }
        // A later pass: both started from the same probes.
        for i in probes.indices where i < other.probes.count {
            if let theirs = other.probes[i].kept { probes[i].kept! += theirs }
            if let theirs = other.probes[i].counts {
                probes[i].counts!.withUnsafeMutableBufferPointer { mine in
                    for j in theirs.indices where theirs[j] > 0 { mine[j] += theirs[j] }
                }
            }
        }
    }

    /// Bits a probe at depth `bits` counts next.
    static func step(after bits: Int) -> Int { min(stepBits, 64 - bits) }

    private mutating func count(_ samples: some Collection<Double>) {
        counts!.withUnsafeMutableBufferPointer { counts in
            for x in samples { counts[Int(Self.key(x) >> UInt64(64 - Self.firstBits))] += 1 }
        }
    }

    /// Closes a pass: resolves the ranks whose bucket was kept, and narrows
    /// the others to the sub-bucket where they fall.
    public mutating func endPass() {
        var next: [Probe] = []
        var opened: [[UInt64]: Int] = [:]
        var moved = targets.map(\.probe)
        if !firstPassDone {
            firstPassDone = true
            guard n > 0 else { return }
            var ranks: [Int] = []
            for p in Percentiles.levels {
                let h = Double(n - 1) * p
                ranks.append(Int(h.rounded(.down)))
                ranks.append(min(Int(h.rounded(.up)), n - 1))
            }
            if var kept = small {
                // Few enough to have kept them all: exact in one pass.
                kept.sort()
                targets = Set(ranks).sorted().map { (rank: $0, probe: -1, offset: $0, value: kept[$0]) }
                small = nil
                return
            }
            guard let first = counts else { return }
            counts = nil
            targets = Set(ranks).sorted().map { (rank: $0, probe: -1, offset: $0, value: nil) }
            moved = targets.map(\.probe)
            for t in targets.indices {
                moved[t] = narrow(t, first, prefix: 0, bits: 0, into: &next, opened: &opened)
            }
        } else {
            for (i, probe) in probes.enumerated() {
                let sorted = probe.kept?.sorted()
                for t in targets.indices where targets[t].probe == i && targets[t].value == nil {
                    if let sorted {
                        // A short bucket means the samples changed between passes: take the nearest.
                        targets[t].value = sorted.isEmpty ? .nan : sorted[min(targets[t].offset, sorted.count - 1)]
                    } else if let counts = probe.counts {
                        moved[t] = narrow(t, counts, prefix: probe.prefix, bits: probe.bits, into: &next, opened: &opened)
                    }
                }
            }
        }
        for t in targets.indices { targets[t].probe = moved[t] }
        probes = next
    }

    /// Moves target `t` into the bucket of `counts` where its rank falls,
    /// opening a probe for that bucket unless its key is complete.
    /// - Returns: the index of the probe in `next`, or -1 when resolved.
    private mutating func narrow(
        _ t: Int, _ counts: [UInt32], prefix: UInt64, bits: Int, into next: inout [Probe], opened: inout [[UInt64]: Int]
    ) -> Int {
        var before = 0
        var bucket = 0
        while bucket < counts.count - 1, before + Int(counts[bucket]) <= targets[t].offset {
            before += Int(counts[bucket])
            bucket += 1
        }
        let step = bits == 0 ? Self.firstBits : Self.step(after: bits)
        let newPrefix = prefix << UInt64(step) | UInt64(bucket)
        let newBits = bits + step
        targets[t].offset -= before
        if newBits == 64 {
            // Every sample in this bucket has this very key.
            let bitsOfValue = newPrefix & (1 << 63) != 0 ? newPrefix & ~(1 << 63) : ~newPrefix
            targets[t].value = Double(bitPattern: bitsOfValue)
            return -1
        }
        if let existing = opened[[newPrefix, UInt64(newBits)]] { return existing }
        let keep = Int(counts[bucket]) <= keepLimit
        next.append(Probe(
            prefix: newPrefix, bits: newBits,
            counts: keep ? nil : [UInt32](repeating: 0, count: 1 << Self.step(after: newBits)), kept: keep ? [] : nil))
        opened[[newPrefix, UInt64(newBits)]] = next.count - 1
        return next.count - 1
    }

    /// The figures, linear interpolation between the closest ranks.
    public func percentiles() -> Percentiles {
        var result = Percentiles([], method: .linear)
        guard n > 0 else { return result }
        result.n = n
        result.mean = sum / Double(n)
        result.max = largest
        let byRank = Dictionary(targets.compactMap { t in t.value.map { (t.rank, $0) } }, uniquingKeysWith: { a, _ in a })
        func at(_ p: Double) -> Double? {
            let h = Double(n - 1) * p
            let lo = Int(h.rounded(.down))
            let hi = min(Int(h.rounded(.up)), n - 1)
            guard let x = byRank[lo], let y = byRank[hi] else { return nil }
            return lo == hi || x == y ? x : x + (h - Double(lo)) * (y - x)
        }
        result.p50 = at(0.5)
        result.p90 = at(0.9)
        result.p95 = at(0.95)
        result.p99 = at(0.99)
        result.p999 = at(0.999)
        return result
    }
}
