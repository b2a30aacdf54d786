import Foundation

/// Figures as the report's page writes them, rounded the way `tokentape
/// stats` prints them, so the page and the terminal agree. (Escaping: `HTMLText`.)
enum ReportText {
    /// A time in ms without the unit: `–` when undefined, as `stats` prints it.
    static func ms(_ value: Double?) -> String {
        guard let value else { return "–" }
        if value == .infinity { return "∞" }
        if value < 10 { return String(format: "%.2f", value) }
        if value < 1000 { return String(format: "%.1f", value) }
        return String(format: "%.0f", value)
    }

    /// A share as a percentage: `12.5%`.
    static func percent(_ share: Double?) -> String {
        share.map { String(format: "%.1f%%", $0 * 100) } ?? "–"
    }

    /// A share on an axis: `25%`, `99.5%`.
    static func axisPercent(_ share: Double) -> String {
        trimmed(share * 100, 1) + "%"
    }

    /// A time with its unit, for axes and captions: `0`, `250 ms`, `1.5 s`, `2.5 min`.
    static func duration(_ ms: Double) -> String {
        if ms == 0 { return "0" }
        if abs(ms) < 1 { return trimmed(ms, 2) + " ms" }
        if abs(ms) < 1000 { return trimmed(ms, ms < 10 ? 1 : 0) + " ms" }
        if abs(ms) < 120_000 { return trimmed(ms / 1000, 2) + " s" }
        return trimmed(ms / 60_000, 1) + " min"
    }

    /// A number with at most `digits` decimals and no trailing zeros.
    static func trimmed(_ value: Double, _ digits: Int) -> String {
        var text = String(format: "%.\(digits)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    /// A number for a data attribute: exact (round-trips), so tests and scripts can read it back.
    static func exact(_ value: Double?) -> String {
        guard let value else { return "" }
        return value.isFinite ? "\(value)" : (value > 0 ? "Infinity" : "-Infinity")
    }

    /// UTC, to the second: `2026-11-25 11:14:50 UTC`.
    static func date(_ date: Date) -> String {
        let style = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!)
        return style.format(date).replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
    }
}
