/// The class a decoder gives every event (METRICS.md, "Event classes").
public enum EventClass: String, Sendable, Codable, CaseIterable {
    case content, reasoning
    case toolCall = "tool_call"
    case roleOnly = "role_only"
    case usage, done, error, keepalive, other
}

/// One event decoded from a stream, with where it came from in the bytes.
public struct StreamEvent: Sendable, Hashable {
    public var kind: EventClass
    /// Content or reasoning delta text.
    public var text: String?
    public var tool: ToolCallDelta?
    /// Token counts as the provider reported them at this point (a snapshot:
    /// later reports overwrite earlier ones field by field).
    public var usage: TokenUsage?
    /// The provider's finish reason as it spelled it (`stop`, `end_turn`, `STOP`).
    public var finish: String?
    public var error: EventError?
    /// Timing the server reported about itself (Ollama, llama.cpp).
    public var serverTiming: ServerTiming?
    /// Byte offsets in the whole response body.
    public var bytes: Range<Int>
    /// Index of the chunk whose bytes completed this event; its time is the event's time.
    public var chunk: Int
    /// The SSE block had no terminating blank line at end of stream.
    public var incomplete: Bool
    /// Something valid clients would trip on, such as `not_json`.
    public var anomaly: String?

    public init(
        _ kind: EventClass, text: String? = nil, tool: ToolCallDelta? = nil, usage: TokenUsage? = nil,
        finish: String? = nil, error: EventError? = nil, serverTiming: ServerTiming? = nil,
        bytes: Range<Int> = 0..<0, chunk: Int = 0, incomplete: Bool = false, anomaly: String? = nil
    ) {
        self.kind = kind
        self.text = text
        self.tool = tool
        self.usage = usage
        self.finish = finish
        self.error = error
        self.serverTiming = serverTiming
        self.bytes = bytes
        self.chunk = chunk
        self.incomplete = incomplete
        self.anomaly = anomaly
    }

    /// Content, reasoning or a tool-call fragment with a non-empty delta (METRICS.md).
    public var isTokenBearing: Bool {
        switch kind {
        case .content, .reasoning: !(text ?? "").isEmpty
        case .toolCall: !(tool?.arguments ?? "").isEmpty
        default: false
        }
    }
}

/// A fragment of a tool call: the first names it, the rest append arguments.
public struct ToolCallDelta: Sendable, Hashable, Codable {
    /// The call's position among the calls of the answer (the provider's index).
    public var index: Int?
    public var id: String?
    public var name: String?
    /// The argument text this fragment adds; whole calls carry all of it.
    public var arguments: String?

    public init(index: Int? = nil, id: String? = nil, name: String? = nil, arguments: String? = nil) {
        self.index = index
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// Token counts as reported by the provider; nil where it did not say.
public struct TokenUsage: Sendable, Hashable, Codable {
    public var input: Int?
    /// Output tokens, reasoning included.
    public var output: Int?
    /// The reasoning share of `output`.
    public var reasoning: Int?
    /// Input tokens served from a prompt cache.
    public var cached: Int?

    public init(input: Int? = nil, output: Int? = nil, reasoning: Int? = nil, cached: Int? = nil) {
        self.input = input
        self.output = output
        self.reasoning = reasoning
        self.cached = cached
    }

    /// Later reports overwrite earlier ones, field by field (running totals).
    public func updated(with later: TokenUsage) -> TokenUsage {
        TokenUsage(
            input: later.input ?? input, output: later.output ?? output,
            reasoning: later.reasoning ?? reasoning, cached: later.cached ?? cached)
    }
}

/// An error the provider sent inside the stream, or a framing failure.
public struct EventError: Sendable, Hashable, Codable {
    public var message: String
    public var code: String?

    public init(message: String, code: String? = nil) {
        self.message = message
        self.code = code
    }
}

/// What the server said about its own timing (Ollama's `done` line, llama.cpp's `timings`).
public struct ServerTiming: Sendable, Hashable, Codable {
    public var promptTokens: Int?
    public var promptNanoseconds: Int64?
    public var outputTokens: Int?
    public var outputNanoseconds: Int64?
    public var loadNanoseconds: Int64?
    public var totalNanoseconds: Int64?

    public init(
        promptTokens: Int? = nil, promptNanoseconds: Int64? = nil, outputTokens: Int? = nil,
        outputNanoseconds: Int64? = nil, loadNanoseconds: Int64? = nil, totalNanoseconds: Int64? = nil
    ) {
        self.promptTokens = promptTokens
        self.promptNanoseconds = promptNanoseconds
        self.outputTokens = outputTokens
        self.outputNanoseconds = outputNanoseconds
        self.loadNanoseconds = loadNanoseconds
        self.totalNanoseconds = totalNanoseconds
    }
}
