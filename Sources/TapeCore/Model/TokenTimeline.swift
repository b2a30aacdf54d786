/// When a stream delivered what: the few instants and the times of the
/// token-bearing events that every metric of METRICS.md derives from.
///
/// Built from decoded events one at a time (live while recording, or from
/// stored chunks), and stored beside the tape, so statistics over thousands of
/// tapes never decode a byte again. Times are ns after `t_send`; an event's
/// time is the time of the read that completed it.
public struct TokenTimeline: Sendable, Hashable {
    /// The version of the definitions a timeline was built under. A stored
    /// timeline of another version is rebuilt from the chunks.
    public static let definitionsVersion = 1

    /// The first body byte.
    public var firstByte: Int64?
    /// The first event of any class.
    public var firstEvent: Int64?
    /// The first token-bearing content or tool-call event (reasoning excluded).
    public var firstOutput: Int64?
    /// t(E_k) of every token-bearing event, in order.
    public var tokenTimes: [Int64]
    /// Output tokens carried by each token-bearing event, where the stream said
    /// (running usage, or usage equal to the number of events); nil when unknown.
    public var tokensPerEvent: [Int]?
    /// Token counts as the provider last reported them.
    public var usage: TokenUsage?
    /// Events of every class.
    public var eventCount: Int

    public init(
        firstByte: Int64? = nil, firstEvent: Int64? = nil, firstOutput: Int64? = nil, tokenTimes: [Int64] = [],
        tokensPerEvent: [Int]? = nil, usage: TokenUsage? = nil, eventCount: Int = 0
    ) {
        self.firstByte = firstByte
        self.firstEvent = firstEvent
        self.firstOutput = firstOutput
        self.tokenTimes = tokenTimes
        self.tokensPerEvent = tokensPerEvent
        self.usage = usage
        self.eventCount = eventCount
    }

    /// Where the output token count comes from (METRICS.md, "Token counts").
    public enum TokenSource: String, Sendable, Codable {
        case usage
        case tokenizer
        /// The number of token-bearing events: a lower bound.
        case lowerBound = "lower_bound"
    }

    /// N, the output tokens, and where the number comes from.
    ///
    /// A usage below the number of token-bearing events is not a final count:
    /// Anthropic's `message_start` carries `output_tokens: 1`, and a stream cut
    /// before its `message_delta` leaves only that. The events then bound N.
    public var outputTokens: (count: Int, source: TokenSource)? {
        if let n = usage?.output, n >= tokenTimes.count { return (n, .usage) }
        if !tokenTimes.isEmpty { return (tokenTimes.count, .lowerBound) }
        return nil
    }
}

extension TokenTimeline {
    /// Builds a timeline from events as they are decoded.
    public struct Builder: Sendable {
        private var timeline = TokenTimeline()
        /// The running output count reported after token-bearing events, for
        /// those followed by a report before the next one (or the end). Only
        /// reports are kept, so a long stream without running usage costs
        /// nothing here beyond its token times.
        private var reports: [Int] = []
        private var latestOutput: Int?
        private var usageSinceLastToken = false

        public init() {}

        /// Token-bearing events so far.
        public var tokenCount: Int { timeline.tokenTimes.count }

        /// Notes that a read arrived at `t`.
        public mutating func read(at t: Int64) {
            if timeline.firstByte == nil { timeline.firstByte = t }
        }

        /// Adds one event, completed by a read at `t`.
        public mutating func add(_ event: StreamEvent, at t: Int64) {
            timeline.eventCount += 1
            if timeline.firstEvent == nil { timeline.firstEvent = t }
            if event.isTokenBearing {
                closeTokenEvent()
                timeline.tokenTimes.append(t)
                usageSinceLastToken = false
                if event.kind != .reasoning, timeline.firstOutput == nil { timeline.firstOutput = t }
            }
            if let usage = event.usage {
                timeline.usage = timeline.usage.map { $0.updated(with: usage) } ?? usage
                if let output = usage.output {
                    latestOutput = output
                    usageSinceLastToken = true
                }
            }
        }

        /// Records what running usage said about the token event now closed.
        private mutating func closeTokenEvent() {
            guard !timeline.tokenTimes.isEmpty, usageSinceLastToken, let latestOutput else { return }
            reports.append(latestOutput)
        }

        /// The timeline, with the token split worked out.
        public func build() -> TokenTimeline {
            var copy = self
            copy.closeTokenEvent()
            var timeline = copy.timeline
            timeline.tokensPerEvent = Self.split(
                reports: copy.reports, total: timeline.usage?.output, events: timeline.tokenTimes.count)
            return timeline
        }

        /// Tokens per event: from running usage when every event was followed
        /// by a report, or one each when the final count equals the event count.
        static func split(reports: [Int], total: Int?, events: Int) -> [Int]? {
            guard events > 0 else { return nil }
            if reports.count == events, reports.last == total {
                var previous = 0
                var split: [Int] = []
                for r in reports {
                    guard r >= previous else { return nil }
                    split.append(r - previous)
                    previous = r
                }
                // Running usage that counts a token-bearing event as 0 tokens is not a split we trust.
                if split.allSatisfy({ $0 > 0 }) { return split }
            }
            if total == events { return Array(repeating: 1, count: events) }
            return nil
        }
    }

    /// The timeline of decoded events, `times[i]` being the time of chunk `i`.
    public init(events: some Sequence<StreamEvent>, chunkTimes times: [Int64]) {
        var builder = Builder()
        if let first = times.first { builder.read(at: first) }
        for event in events { builder.add(event, at: times.isEmpty ? 0 : times[min(max(event.chunk, 0), times.count - 1)]) }
        self = builder.build()
    }
}

extension Tape {
    /// The tape's timeline, decoded as it was recorded.
    public func timeline() -> TokenTimeline {
        TokenTimeline(events: decode().events, chunkTimes: chunks.map(\.t))
    }
}
