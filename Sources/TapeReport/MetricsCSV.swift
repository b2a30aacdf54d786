import Foundation
import TapeAnalysis
import TapeCore

/// One row of metrics per tape (METRICS.md names, units in the header), for
/// pandas and spreadsheets. An undefined metric is an empty cell, never 0.
public enum MetricsCSV {
    public static let columns = [
        "number", "uid", "started_at", "source", "provider", "model", "tags", "status", "end_reason", "end_phase",
        "ttfb_ms", "ttfc_ms", "ttft_ms", "ttfo_ms", "ttft_user_ms", "setup_ms", "e2e_last_token_ms", "e2e_ms", "tpot_ms",
        "decode_rate_tok_s", "output_tokens", "token_source", "token_events", "icl_p50_ms", "icl_max_ms", "stalls", "stall_total_ms",
        "chunks", "bytes",
    ]

    public static func export(_ rows: [(TapeMetadata, TapeMetrics)]) -> String {
        var out = columns.joined(separator: ",") + "\n"
        for (m, x) in rows {
            let icl = x.icl.sorted()
            let fields: [String?] = [
                m.number.map(String.init), m.uid, Timestamps.string(m.startedAt), m.source.rawValue, m.provider?.rawValue, m.model,
                m.tags.joined(separator: " "), m.response.map { String($0.status) }, m.endReason?.rawValue, m.endPhase?.rawValue,
                ms(x.ttfb), ms(x.ttfc), ms(x.ttft), ms(x.ttfo), ms(x.ttftUser), ms(x.setup), ms(x.e2eLastToken), ms(x.e2e),
                x.tpot.map { format($0 / 1e6) }, x.decodeRate.map(format), x.outputTokens.map(String.init), x.tokenSource?.rawValue,
                String(x.tokenEvents), icl.isEmpty ? nil : ms(icl[(icl.count - 1) / 2]), ms(icl.last), String(x.stalls.count),
                ms(x.stalls.total), String(m.chunkCount), String(m.byteCount),
            ]
            out += fields.map { quote($0 ?? "") }.joined(separator: ",") + "\n"
        }
        return out
    }

    static func ms(_ ns: Int64?) -> String? { ns.map { format(Double($0) / 1e6) } }

    static func format(_ value: Double) -> String { String(format: "%.3f", value) }

    /// RFC 4180: quoted when it holds a comma, a quote or a line break.
    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
