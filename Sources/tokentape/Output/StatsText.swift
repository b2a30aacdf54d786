import Foundation
import TapeAnalysis
import TapeCore

/// Stats as a person reads them at a terminal.
enum StatsText {
    /// A figure in its unit, without the unit (the header carries it); `–` when undefined.
    static func figure(_ value: Double?, _ unit: Metric.Unit = .ms) -> String {
        guard let value else { return "–" }
        if value == .infinity { return "∞" }
        switch unit {
        case .ms:
            if value < 10 { return String(format: "%.2f", value) }
            if value < 1000 { return String(format: "%.1f", value) }
            return String(format: "%.0f", value)
        case .tokensPerSecond: return String(format: "%.1f", value)
        case .tokens: return value.rounded() == value ? String(Int(value)) : String(format: "%.1f", value)
        case .share: return String(format: "%.1f%%", value * 100)
        }
    }

    static func percent(_ share: Double?) -> String { figure(share, .share) }

    static let statistics: [Statistic] = [.p50, .p90, .p95, .p99, .p999, .max, .mean]

    static func distributionRow(_ name: String, _ p: Percentiles, _ unit: Metric.Unit) -> [String] {
        [name, "\(p.n)"] + statistics.map { figure(p.value($0), unit) }
    }

    /// The whole view of one set: distributions, gaps, stalls, throughput, drop-off.
    static func render(_ stats: GroupStats) -> String {
        var out: [String] = []
        let d = stats.dropOff
        var head = "\(stats.tapes) tapes · \(stats.successes) completed · \(d.dropped) dropped"
        if let rate = d.rate { head += " (\(percent(rate)))" }
        if stats.unknown > 0 { head += " · \(stats.unknown) interrupted (not counted)" }
        if stats.recording > 0 { head += " · \(stats.recording) still recording (not counted)" }
        out.append(Terminal.bold(head))

        let header = ["metric", "n"] + statistics.map { $0 == .p999 ? "p99.9" : $0.rawValue }
        let right = Set(1..<header.count)
        var rows: [[String]] = []
        let none = Percentiles([], method: .linear)
        for metric in Metric.allCases {
            rows.append(distributionRow(metric.header, stats.requestWeighted[metric] ?? none, metric.unit))
        }
        out.append("")
        out.append("Request-weighted (one sample per completed tape that defines it; linear interpolation)")
        out.append(Terminal.table(header, rows, rightAligned: right))

        let adjusted = Metric.adjusted.compactMap { m in stats.adjusted[m].map { distributionRow("adj_" + m.header, $0, m.unit) } }
        if d.dropped > 0, !adjusted.isEmpty {
            out.append("")
            out.append("Failure-adjusted (a dropped tape counts as ∞; nearest rank)")
            out.append(Terminal.table(header, adjusted, rightAligned: right))
        }

        out.append("")
        out.append("Token-weighted (every gap between token events of every tape pooled; linear interpolation)")
        var gapRows = [distributionRow("icl ms", stats.icl, .ms)]
        if stats.itl.n > 0 { gapRows.append(distributionRow("itl ms", stats.itl, .ms)) }
        out.append(Terminal.table(header, gapRows, rightAligned: right))
        if stats.itlUnknownTapes > 0 {
            out.append(Terminal.dim("  itl: token split unknown for \(stats.itlUnknownTapes) tapes (no running usage); see icl"))
        }

        if stats.icl.n > 0 {
            out.append("")
            out.append("ICL histogram (ms)")
            out.append(histogram(stats.iclHistogram))
        }

        out.append("")
        let s = stats.stalls
        var stallLine = "Stalls (gap > \(figure(s.threshold)) ms): "
        if s.count == 0 {
            stallLine += "none"
        } else {
            stallLine += "\(s.count) in \(s.tapesWithStalls) tapes, \(figure(s.total)) ms in all, longest \(figure(s.longest)) ms"
        }
        stallLine += "; over \(figure(s.relativeFactor, .tokens))× the tape's median gap: \(s.relativeCount)"
        out.append(stallLine)
        if let t = stats.throughput {
            let window = t.windowEnd.timeIntervalSince(t.windowStart)
            out.append(
                "Throughput: \(t.tokens) output tokens in \(String(format: "%.2f", window)) s "
                    + "(first t_send → last token) = \(figure(t.tokensPerSecond, .tokensPerSecond)) tok/s")
        }
        out.append(dropOffLine(d))
        // The dropped tapes themselves: how long the user waited, what they got, and whether a stall came first.
        let shown = 5
        for tape in d.tapes.prefix(shown) {
            var line = "  #\(tape.number.map(String.init) ?? tape.uid) \(tape.reason.rawValue)"
            if let phase = tape.phase { line += " " + phase.rawValue.replacingOccurrences(of: "_", with: " ") }
            line += ": waited \(figure(tape.wait)) ms, \(tape.tokensDelivered) tokens, last gap \(figure(tape.lastGap)) ms"
            if let gap = tape.lastGap, gap > s.threshold { line += " (a stall before the end)" }
            out.append(line)
        }
        if d.tapes.count > shown { out.append(Terminal.dim("  … \(d.tapes.count - shown) more in --json (drop_off.tapes)")) }
        return out.joined(separator: "\n")
    }

    static func histogram(_ h: Histogram) -> String {
        let largest = h.counts.max() ?? 0
        let total = max(h.counts.reduce(0, +), 1)
        let labels = h.counts.indices.map(Histogram.label)
        let width = labels.map(\.count).max() ?? 0
        // Empty buckets at either end say nothing.
        let first = h.counts.firstIndex { $0 > 0 } ?? 0
        let last = h.counts.lastIndex { $0 > 0 } ?? 0
        return (first...last).map { i in
            let bar = largest == 0 ? "" : String(repeating: "█", count: Int((Double(h.counts[i]) / Double(largest) * 40).rounded(.up)))
            let label = String(repeating: " ", count: width - labels[i].count) + labels[i]
            return "  \(label)  \(bar) \(h.counts[i]) (\(percent(Double(h.counts[i]) / Double(total))))"
        }.joined(separator: "\n")
    }

    static func dropOffLine(_ d: DropOff) -> String {
        guard let rate = d.rate else { return "Drop-off: no finished tape" }
        var line = "Drop-off: \(percent(rate)) (\(d.dropped) of \(d.started))"
        if !d.byCause.isEmpty {
            line += ": " + d.byCause.map { c in
                "\(c.reason.rawValue) \(c.total) (\(c.beforeFirstToken) before first token, \(c.afterFirstToken) after)"
            }.joined(separator: ", ")
        }
        if let median = d.survival.first(where: { $0.survival <= 0.5 }) {
            line += "; half had dropped by \(figure(median.time)) ms"
        } else if let last = d.survival.last {
            line += "; \(percent(last.survival)) still going at \(figure(last.time)) ms (Kaplan–Meier)"
        }
        return line
    }

    /// One row per group with the headline figures.
    static func groupTable(_ groups: [GroupStats], dimensions: [GroupDimension]) -> String {
        let header = dimensions.map(\.rawValue) + [
            "tapes", "ttft p50 ms", "ttft p95 ms", "tpot p50 ms", "icl p99 ms", "e2e p95 ms", "stalls", "drop-off",
        ]
        let rows = groups.map { g in
            dimensions.map { g.key[$0] ?? "" } + [
                "\(g.tapes)", figure(g.requestWeighted[.ttft]?.p50), figure(g.requestWeighted[.ttft]?.p95),
                figure(g.requestWeighted[.tpot]?.p50), figure(g.icl.p99), figure(g.requestWeighted[.e2e]?.p95),
                "\(g.stalls.count)", percent(g.dropOff.rate),
            ]
        }
        return Terminal.table(header, rows, rightAligned: Set(dimensions.count..<header.count))
    }
}
