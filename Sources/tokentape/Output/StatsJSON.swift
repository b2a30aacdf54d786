import Foundation
import TapeAnalysis
import TapeCore

/// A number in JSON, where +∞ (a failure-adjusted sample) is written "+Inf"
/// because JSON has no infinity.
struct JSONFigure: Encodable {
    var value: Double

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if value.isInfinite { try c.encode(value > 0 ? "+Inf" : "-Inf") } else { try c.encode(value) }
    }

    static func from(_ value: Double?) -> JSONFigure? { value.map(JSONFigure.init) }
}

/// A JSON key named at run time (`p99.9`, `ttft_ms`).
private struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A distribution with the names of METRICS.md (`p99.9`).
struct PercentilesJSON: Encodable {
    var p: Percentiles

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(p.n, forKey: Key("n"))
        try c.encode(p.method.rawValue, forKey: Key("method"))
        for s in Statistic.allCases {
            // Explicit nulls: an undefined figure is null, never left out or 0.
            if let v = p.value(s) { try c.encode(JSONFigure(value: v), forKey: Key(s.rawValue)) } else {
                try c.encodeNil(forKey: Key(s.rawValue))
            }
        }
    }
}

struct GroupStatsJSON: Encodable {
    var group: [String: String]
    var tapes: Int
    var completed: Int
    var interrupted: Int
    var recording: Int
    /// One sample per completed tape.
    var request_weighted: [String: PercentilesJSON]
    /// `adj_…`: a dropped tape counts as +Inf.
    var failure_adjusted: [String: PercentilesJSON]
    /// Every gap pooled.
    var token_weighted: [String: PercentilesJSON]
    var itl_unknown_tapes: Int
    var icl_histogram_ms: [HistogramBucket]
    var stalls: Stalls
    var throughput: Throughput?
    var drop_off: DropOffJSON

    struct HistogramBucket: Encodable {
        var from_ms: Double
        var to_ms: Double?
        var count: Int
    }

    struct Stalls: Encodable {
        var threshold_ms: Double
        var tapes_with_stalls: Int
        var count: Int
        var total_ms: Double
        var longest_ms: Double?
        var relative_factor: Double
        var relative_count: Int
    }

    struct Throughput: Encodable {
        var output_tokens: Int
        var window_start: String
        var window_end: String
        var output_tokens_per_s: Double?
    }

    init(_ g: GroupStats) {
        group = Dictionary(uniqueKeysWithValues: g.key.map { ($0.key.rawValue, $0.value) })
        tapes = g.tapes
        completed = g.successes
        interrupted = g.unknown
        recording = g.recording
        // Every metric, with n = 0 and nulls where no tape defines it: a stable shape for tools.
        let none = Percentiles([], method: .linear)
        request_weighted = Dictionary(uniqueKeysWithValues: Metric.allCases.map {
            ($0.jsonName, PercentilesJSON(p: g.requestWeighted[$0] ?? none))
        })
        let noneAdjusted = Percentiles([], method: .nearestRank)
        failure_adjusted = Dictionary(uniqueKeysWithValues: Metric.adjusted.map {
            ("adj_" + $0.jsonName, PercentilesJSON(p: g.adjusted[$0] ?? noneAdjusted))
        })
        token_weighted = ["icl_ms": PercentilesJSON(p: g.icl), "itl_ms": PercentilesJSON(p: g.itl)]
        itl_unknown_tapes = g.itlUnknownTapes
        let edges = Histogram.edges
        icl_histogram_ms = g.iclHistogram.counts.indices.map {
            HistogramBucket(from_ms: edges[$0], to_ms: $0 + 1 < edges.count ? edges[$0 + 1] : nil, count: g.iclHistogram.counts[$0])
        }
        let s = g.stalls
        stalls = Stalls(
            threshold_ms: s.threshold, tapes_with_stalls: s.tapesWithStalls, count: s.count, total_ms: s.total,
            longest_ms: s.longest, relative_factor: s.relativeFactor, relative_count: s.relativeCount)
        throughput = g.throughput.map {
            Throughput(
                output_tokens: $0.tokens, window_start: $0.windowStart.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)),
                window_end: $0.windowEnd.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)),
                output_tokens_per_s: $0.tokensPerSecond)
        }
        drop_off = DropOffJSON(g.dropOff)
    }
}

struct DropOffJSON: Encodable {
    var started: Int
    var dropped: Int
    var rate: Double?
    var by_cause: [Cause]
    var survival: [Point]
    var tapes: [Tape]

    struct Cause: Encodable {
        var end_reason: String
        var before_first_token: Int
        var after_first_token: Int
    }

    struct Point: Encodable {
        var t_ms: Double
        var survival: Double
        var at_risk: Int
        var drops: Int
    }

    struct Tape: Encodable {
        var number: Int64?
        var id: String
        var end_reason: String
        var end_phase: String?
        var wait_ms: Double?
        var tokens_delivered: Int
        var last_gap_ms: Double?
    }

    init(_ d: DropOff) {
        started = d.started
        dropped = d.dropped
        rate = d.rate
        by_cause = d.byCause.map { Cause(end_reason: $0.reason.rawValue, before_first_token: $0.beforeFirstToken, after_first_token: $0.afterFirstToken) }
        survival = d.survival.map { Point(t_ms: $0.time, survival: $0.survival, at_risk: $0.atRisk, drops: $0.drops) }
        tapes = d.tapes.map {
            Tape(
                number: $0.number, id: $0.uid, end_reason: $0.reason.rawValue, end_phase: $0.phase?.rawValue,
                wait_ms: $0.wait, tokens_delivered: $0.tokensDelivered, last_gap_ms: $0.lastGap)
        }
    }
}

/// The names other tools give our figures (METRICS.md).
struct AliasJSON: Encodable {
    var tokentape: String
    var vllm_sglang: String
    var aiperf_genai_perf: String
    var guidellm: String
    var opentelemetry_genai: String

    static var all: [AliasJSON] {
        Metric.aliases.map {
            AliasJSON(tokentape: $0.tokentape, vllm_sglang: $0.vllm, aiperf_genai_perf: $0.aiperf, guidellm: $0.guidellm, opentelemetry_genai: $0.otel)
        }
    }
}

/// One tape's metrics with the names of METRICS.md; an undefined figure is an explicit null.
struct TapeMetricsJSON: Encodable {
    var metrics: TapeMetrics

    func encode(to encoder: any Encoder) throws {
        let m = metrics
        var c = encoder.container(keyedBy: Key.self)
        func put(_ key: String, _ value: Double?) throws {
            if let value { try c.encode(JSONFigure(value: value), forKey: Key(key)) } else { try c.encodeNil(forKey: Key(key)) }
        }
        for metric in Metric.allCases { try put(metric.jsonName, metric.value(m)) }
        try c.encode(m.tokenSource?.rawValue, forKey: Key("output_tokens_source"))
        try put("reasoning_tokens", m.reasoningTokens.map(Double.init))
        try c.encode(m.tokenEvents, forKey: Key("token_events"))
        // Undefined below two token events: null, not an empty list.
        try c.encode(m.icl.isEmpty ? nil : m.icl.map { Double($0) / 1e6 }, forKey: Key("icl_ms"))
        try c.encode(m.itl?.map { $0 / 1e6 }, forKey: Key("itl_ms"))
        try c.encode(m.itl == nil ? "token split unknown: see icl_ms" : nil, forKey: Key("itl_note"))
        func stalls(_ s: TapeMetrics.Stalls?, _ key: String) throws {
            guard let s else { return try c.encodeNil(forKey: Key(key)) }
            struct StallsJSON: Encodable {
                var threshold_ms: Double
                var count: Int
                var total_ms: Double
                var longest_ms: Double?
                var first_token_index: Int?
            }
            try c.encode(
                StallsJSON(
                    threshold_ms: Double(s.threshold) / 1e6, count: s.count, total_ms: Double(s.total) / 1e6,
                    longest_ms: s.longest.map { Double($0) / 1e6 }, first_token_index: s.firstTokenIndex),
                forKey: Key(key))
        }
        try stalls(m.stalls, "stalls")
        try stalls(m.relativeStalls, "relative_stalls")
        try put("fluidity_reading_rate_tokens_per_s", m.fluidity?.readingRate)
        try c.encode(m.fluidity?.unit, forKey: Key("fluidity_unit"))
        try c.encode(m.endReason?.rawValue, forKey: Key("end_reason"))
        try c.encode(m.endPhase?.rawValue, forKey: Key("end_phase"))
        try put("last_gap_ms", m.lastGap.map { Double($0) / 1e6 })
    }
}
