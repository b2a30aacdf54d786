/// The API a stream speaks, which decides how its bytes become events.
public enum Provider: String, Sendable, Codable, CaseIterable {
    case openaiChat = "openai-chat"
    case openaiResponses = "openai-responses"
    case openaiCompletions = "openai-completions"
    case anthropic
    case gemini
    case ollamaChat = "ollama-chat"
    case ollamaGenerate = "ollama-generate"
    /// Server-sent events of an API we do not know: each `data` is content.
    case sse
    /// One JSON value per line of an API we do not know: each line is content.
    case ndjson
    /// Plain text: each read is content.
    case text

    public var framing: Framing {
        switch self {
        case .openaiChat, .openaiResponses, .openaiCompletions, .anthropic, .gemini, .sse: .sse
        case .ollamaChat, .ollamaGenerate, .ndjson: .ndjson
        case .text: .text
        }
    }

    /// The content type a provider streams with (what replays and made-up tapes answer).
    public var streamContentType: String {
        switch framing {
        case .sse: "text/event-stream; charset=utf-8"
        case .ndjson: "application/x-ndjson"
        case .text: "text/plain; charset=utf-8"
        }
    }

    /// The generic provider of a framing, used when the API cannot be told.
    public static func generic(_ framing: Framing) -> Provider {
        switch framing {
        case .sse: .sse
        case .ndjson: .ndjson
        case .text: .text
        }
    }

    /// Whether the API ends a complete answer with a marker of its own. Without
    /// one, a clean end of the body is a complete answer.
    public var hasEndMarker: Bool {
        switch self {
        case .sse, .ndjson, .text: false
        default: true
        }
    }
}

/// How a body is cut into frames before a provider decoder reads them.
public enum Framing: String, Sendable, Codable, CaseIterable {
    case sse, ndjson, text
}
