import TapeCore

/// Errors as each provider sends them (FORMATS.md §11.6 and §11.7), for the
/// faults that inject them: a mid-stream error event, or a status before the stream.
public enum ProviderErrors {
    static let message = "Injected by tokentape replay (a fault, not the provider)."

    /// The bytes of an error event in the tape's own framing.
    public static func streamEvent(_ provider: Provider) -> [UInt8] {
        let text: String
        switch provider {
        case .openaiChat, .openaiCompletions, .text:
            text = #"data: {"error":{"message":"\#(message)","type":"server_error","param":null,"code":"server_error"}}"# + "\n\n"
        case .sse:
            // No convention to follow: an SSE event named `error`.
            text = "event: error\n" + #"data: {"error":{"message":"\#(message)"}}"# + "\n\n"
        case .openaiResponses:
            // Nested as production sends it, with the documented flat fields too.
            text = "event: error\n"
                + #"data: {"type":"error","code":"server_error","message":"\#(message)","param":null,"sequence_number":0,"error":{"type":"server_error","code":"server_error","message":"\#(message)","param":null}}"#
                + "\n\n"
        case .anthropic:
            text = "event: error\n" + #"data: {"type":"error","error":{"type":"overloaded_error","message":"\#(message)"}}"# + "\n\n"
        case .gemini:
            text = #"data: {"error":{"code":500,"message":"\#(message)","status":"INTERNAL"}}"# + "\r\n\r\n"
        case .ollamaChat, .ollamaGenerate, .ndjson:
            text = #"{"error":"\#(message)"}"# + "\n"
        }
        return Array(text.utf8)
    }

    /// The JSON body of an HTTP error answered instead of the stream.
    public static func statusBody(_ status: Int, provider: Provider) -> [UInt8] {
        let text: String
        switch provider {
        case .anthropic:
            let type = status == 429 ? "rate_limit_error" : status == 503 || status == 529 ? "overloaded_error" : "api_error"
            text = #"{"type":"error","error":{"type":"\#(type)","message":"\#(message)"}}"#
        case .gemini:
            let name = status == 429 ? "RESOURCE_EXHAUSTED" : status == 503 ? "UNAVAILABLE" : "INTERNAL"
            text = #"{"error":{"code":\#(status),"message":"\#(message)","status":"\#(name)"}}"#
        case .ollamaChat, .ollamaGenerate, .ndjson:
            text = #"{"error":"\#(message)"}"#
        default:
            let (type, code) = status == 429 ? ("requests", "rate_limit_exceeded") : ("server_error", "server_error")
            text = #"{"error":{"message":"\#(message)","type":"\#(type)","param":null,"code":"\#(code)"}}"#
        }
        return Array(text.utf8)
    }
}
