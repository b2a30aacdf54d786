/// Errors as each provider sends them (FORMATS.md §11.6 and §11.7): for the
/// replay faults that inject them (a mid-stream error event, a status before
/// the stream), and for the servers' own errors (the proxy's 502).
public enum ProviderErrors {
    /// What an injected error says, so nobody takes it for the provider's.
    public static let message = "Injected by tokentape replay (a fault, not the provider)."

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

    /// The JSON body of an HTTP error: a status fault answered instead of the
    /// stream, or the replay server's own 400 and 404.
    public static func statusBody(_ status: Int, provider: Provider, message: String = message) -> [UInt8] {
        let quoted = JSONValue.string(message).canonicalText
        let text: String
        switch provider {
        case .anthropic:
            let type = switch status {
            case 400: "invalid_request_error"
            case 404: "not_found_error"
            case 429: "rate_limit_error"
            case 503, 529: "overloaded_error"
            default: "api_error"
            }
            text = #"{"type":"error","error":{"type":"\#(type)","message":\#(quoted)}}"#
        case .gemini:
            let name = switch status {
            case 400: "INVALID_ARGUMENT"
            case 404: "NOT_FOUND"
            case 429: "RESOURCE_EXHAUSTED"
            case 503: "UNAVAILABLE"
            default: "INTERNAL"
            }
            text = #"{"error":{"code":\#(status),"message":\#(quoted),"status":"\#(name)"}}"#
        case .ollamaChat, .ollamaGenerate, .ndjson:
            text = #"{"error":\#(quoted)}"#
        default:
            let (type, code) = switch status {
            case 400: ("invalid_request_error", "null")
            case 404: ("not_found_error", "null")
            case 429: ("requests", #""rate_limit_exceeded""#)
            default: ("server_error", #""server_error""#)
            }
            text = #"{"error":{"message":\#(quoted),"type":"\#(type)","param":null,"code":\#(code)}}"#
        }
        return Array(text.utf8)
    }
}
