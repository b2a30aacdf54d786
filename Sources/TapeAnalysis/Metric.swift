import TapeCore

/// A per-tape figure that aggregates with one sample a tape (request-weighted).
public enum Metric: String, Sendable, CaseIterable, Codable {
    case ttft, ttfb, ttfc, ttfo
    case ttftUser = "ttft_user"
    case setup
    case e2eLastToken = "e2e_last_token"
    case e2e, tpot
    case decodeRate = "decode_rate"
    case outputTokens = "output_tokens"
    case fluidity, lateness

    public enum Unit: String, Sendable {
        case ms
        case tokensPerSecond = "tok_s"
        case tokens
        case share
    }

    public var unit: Unit {
        switch self {
        case .decodeRate: .tokensPerSecond
        case .outputTokens: .tokens
        case .fluidity: .share
        default: .ms
        }
    }

    /// The name in JSON, with its unit (METRICS.md: `ttft_ms`).
    public var jsonName: String { "\(rawValue)_\(unit.rawValue)" }

    /// The column header in a table.
    public var header: String {
        switch unit {
        case .ms: "\(rawValue) ms"
        case .tokensPerSecond: "\(rawValue) tok/s"
        case .tokens: "\(rawValue)"
        case .share: "\(rawValue) on time"
        }
    }

    /// Larger is worse for latencies, lateness and token counts do not judge.
    public var higherIsWorse: Bool {
        switch self {
        case .decodeRate, .fluidity: false
        default: true
        }
    }

    /// Metrics whose failure-adjusted twin counts a dropped tape as +∞.
    public static let adjusted: [Metric] = [.ttft, .ttfo, .ttftUser, .tpot, .e2eLastToken, .e2e]

    /// The tape's value in the metric's unit; nil when undefined.
    public func value(_ m: TapeMetrics) -> Double? {
        func ms(_ ns: Int64?) -> Double? { ns.map { Double($0) / 1e6 } }
        return switch self {
        case .ttft: ms(m.ttft)
        case .ttfb: ms(m.ttfb)
        case .ttfc: ms(m.ttfc)
        case .ttfo: ms(m.ttfo)
        case .ttftUser: ms(m.ttftUser)
        case .setup: ms(m.setup)
        case .e2eLastToken: ms(m.e2eLastToken)
        case .e2e: ms(m.e2e)
        case .tpot: m.tpot.map { $0 / 1e6 }
        case .decodeRate: m.decodeRate
        case .outputTokens: m.outputTokens.map(Double.init)
        case .fluidity: m.fluidity?.onTime
        case .lateness: ms(m.fluidity?.lateness)
        }
    }

    /// Other tools' names for the same figure (METRICS.md, "Names other tools use").
    public static let aliases: [(tokentape: String, vllm: String, aiperf: String, guidellm: String, otel: String)] = [
        ("ttft", "ttft (vLLM counts the role chunk)", "time_to_first_token", "time_to_first_token_ms",
         "gen_ai.server.time_to_first_token (server side)"),
        ("ttfc", "–", "–", "–", "gen_ai.client.operation.time_to_first_chunk"),
        ("tpot", "tpot", "inter_token_latency", "inter_token_latency_ms", "gen_ai.server.time_per_output_token"),
        ("icl", "itl", "inter_chunk_latency", "–", "gen_ai.client.operation.time_per_output_chunk"),
        ("e2e_last_token", "e2el", "request_latency", "request_latency", "gen_ai.client.operation.duration (≈ e2e)"),
    ]
}

extension EndReason {
    /// How a finished tape counts across tapes: a success, a drop-off, or
    /// neither (the recorder died, so how the stream would have ended is unknown).
    public var outcome: Outcome {
        switch self {
        case .completed, .length, .filtered: .success
        case .interrupted: .unknown
        default: .dropped
        }
    }

    public enum Outcome: Sendable { case success, dropped, unknown }
}
