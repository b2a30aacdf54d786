/// Exact percentiles of raw samples (METRICS.md, "Across tapes").
///
/// Linear interpolation between the closest ranks where every sample is
/// finite; nearest rank where a sample may be +∞ (the failure-adjusted twins),
/// because interpolating towards infinity says nothing.
public struct Percentiles: Sendable, Hashable {
    public enum Method: String, Sendable, Codable {
        /// h = (n − 1)·p, interpolated between the samples around h (numpy's default).
        case linear
        /// The ⌈p·n⌉-th smallest sample.
        case nearestRank = "nearest_rank"
    }

    public var method: Method
    public var n: Int
    public var mean: Double?
    public var p50: Double?
    public var p90: Double?
    public var p95: Double?
    public var p99: Double?
    public var p999: Double?
    public var max: Double?

    public static let levels: [Double] = [0.5, 0.9, 0.95, 0.99, 0.999]

    /// Computes in place: reorders `samples` (selection, not a full sort).
    public init(selecting samples: inout [Double], method: Method) {
        self.method = method
        n = samples.count
        guard !samples.isEmpty else { return }
        let values = Self.select(Self.levels, in: &samples, method: method)
        (p50, p90, p95, p99, p999) = (values[0], values[1], values[2], values[3], values[4])
        var sum = 0.0
        var largest = -Double.infinity
        for x in samples {
            sum += x
            if x > largest { largest = x }
        }
        mean = sum / Double(samples.count)
        max = largest
    }

    public init(_ samples: [Double], method: Method) {
        var copy = samples
        self.init(selecting: &copy, method: method)
    }

    public func value(_ statistic: Statistic) -> Double? {
        switch statistic {
        case .p50: p50
        case .p90: p90
        case .p95: p95
        case .p99: p99
        case .p999: p999
        case .max: max
        case .mean: mean
        }
    }

    /// The percentile at level `p` (0…1) of samples, in place.
    public static func value(at p: Double, in samples: inout [Double], method: Method) -> Double? {
        guard !samples.isEmpty else { return nil }
        return select([p], in: &samples, method: method)[0]
    }

    /// The values at the given levels, each exact. Selects rank after rank,
    /// each within what is left above the previous one.
    static func select(_ levels: [Double], in a: inout [Double], method: Method) -> [Double] {
        let n = a.count
        var ranks: [Int] = []
        for p in levels {
            switch method {
            case .linear:
                let h = Double(n - 1) * p
                ranks.append(Int(h.rounded(.down)))
                ranks.append(Swift.min(Int(h.rounded(.up)), n - 1))
            case .nearestRank:
                ranks.append(Swift.max(Int((p * Double(n)).rounded(.up)) - 1, 0))
            }
        }
        var found: [Int: Double] = [:]
        var low = 0
        for rank in Set(ranks).sorted() {
            quickselect(&a, rank, low, n - 1)
            found[rank] = a[rank]
            low = rank + 1
        }
        return levels.map { p in
            switch method {
            case .linear:
                let h = Double(n - 1) * p
                let lo = Int(h.rounded(.down))
                let hi = Swift.min(Int(h.rounded(.up)), n - 1)
                let (x, y) = (found[lo]!, found[hi]!)
                return lo == hi || x == y ? x : x + (h - Double(lo)) * (y - x)
            case .nearestRank:
                return found[Swift.max(Int((p * Double(n)).rounded(.up)) - 1, 0)]!
            }
        }
    }

    /// Puts the k-th smallest of a[low...high] at index k, smaller ones before
    /// it and larger after. Three-way partitions, so runs of equal samples
    /// (zero gaps) cost nothing.
    static func quickselect<T: Comparable>(_ a: inout [T], _ k: Int, _ low: Int, _ high: Int) {
        var (low, high) = (low, high)
        a.withUnsafeMutableBufferPointer { a in
            while low < high {
                let mid = low + (high - low) / 2
                // Median of three as the pivot.
                let (x, y, z) = (a[low], a[mid], a[high])
                let pivot = Swift.max(Swift.min(x, y), Swift.min(Swift.max(x, y), z))
                var lt = low
                var i = low
                var gt = high
                while i <= gt {
                    if a[i] < pivot {
                        a.swapAt(lt, i)
                        lt += 1
                        i += 1
                    } else if a[i] > pivot {
                        a.swapAt(i, gt)
                        gt -= 1
                    } else {
                        i += 1
                    }
                }
                if k < lt {
                    high = lt - 1
                } else if k > gt {
                    low = gt + 1
                } else {
                    return
                }
            }
        }
    }
}

/// One summary figure of a distribution.
public enum Statistic: String, Sendable, CaseIterable, Codable {
    case p50, p90, p95, p99
    case p999 = "p99.9"
    case max, mean

    /// The level of a percentile, nil for max and mean.
    public var level: Double? {
        switch self {
        case .p50: 0.5
        case .p90: 0.9
        case .p95: 0.95
        case .p99: 0.99
        case .p999: 0.999
        case .max, .mean: nil
        }
    }
}
