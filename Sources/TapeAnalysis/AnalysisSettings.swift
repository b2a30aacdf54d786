/// The thresholds the definitions leave to the user.
public struct AnalysisSettings: Sendable, Hashable {
    /// A gap between token-bearing events longer than this is a stall.
    public var stallThreshold: Int64
    /// A gap longer than this many times the tape's median gap is a relative stall.
    public var relativeStallFactor: Double
    /// The reading rate V of fluidity, tokens per second.
    ///
    /// 10 tokens/s: an adult reads about 250 words a minute (about 5.5 tokens/s)
    /// and skims at about twice that; a stream that keeps ahead of a skimmer
    /// never makes a reader wait.
    public var readingRate: Double

    public init(stallThreshold: Int64 = 1_000_000_000, relativeStallFactor: Double = 5, readingRate: Double = 10) {
        self.stallThreshold = stallThreshold
        self.relativeStallFactor = relativeStallFactor
        self.readingRate = readingRate
    }

    public static let standard = AnalysisSettings()
}
