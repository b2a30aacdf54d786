import ArgumentParser
import Foundation

/// Durations as users type them (`250ms`, `1.5s`, `2m`) and as we print them.
enum DurationText {
    /// Seconds in a duration such as `250ms`, `1.5s`, `2m`, `3h`, `7d`; nil if it is not one.
    static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("us", 1e-6), ("ns", 1e-9), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast(suffix.count)), value >= 0, value.isFinite else { return nil }
            return value * scale
        }
        return nil
    }

    /// For `@Option(transform:)`: seconds, or an error that shows how to write one.
    static func argument(_ text: String) throws -> Double {
        guard let s = seconds(text) else {
            throw ValidationError("'\(text)' is not a duration: write it with a unit, like 250ms, 1.5s or 2m")
        }
        return s
    }

    /// Nanoseconds as milliseconds with one decimal: `1234.5 ms`.
    static func ms(_ ns: Int64?) -> String {
        guard let ns else { return "–" }
        return String(format: "%.1f ms", Double(ns) / 1e6)
    }

    /// Nanoseconds as seconds for longer spans: `12.34 s`.
    static func seconds(_ ns: Int64?) -> String {
        guard let ns else { return "–" }
        return String(format: "%.2f s", Double(ns) / 1e9)
    }

    static func bytes(_ n: Int) -> String {
        if n < 1000 { return "\(n) B" }
        if n < 1_000_000 { return String(format: "%.1f kB", Double(n) / 1e3) }
        return String(format: "%.1f MB", Double(n) / 1e6)
    }
}
