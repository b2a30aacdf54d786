import Foundation

/// Anthropic Messages events: FORMATS.md §5.
struct AnthropicDecoder: ProviderDecoder {
    private(set) var model: String?
    private let json = PayloadDecoder()

    struct Event: Decodable {
        var type: String?
        var message: Message?
        var index: Int?
        var content_block: Block?
        var delta: Delta?
        var usage: Usage?
        var error: ErrorPayload?
    }

    struct Message: Decodable {
        var model: String?
        var usage: Usage?
    }

    struct Block: Decodable {
        var type: String?
        var id: String?
        var name: String?
    }

    struct Delta: Decodable {
        var type: String?
        var text: String?
        var thinking: String?
        var partial_json: String?
        var stop_reason: String?
    }

    struct Usage: Decodable {
        var input_tokens: Int?
        var output_tokens: Int?
        var cache_creation_input_tokens: Int?
        var cache_read_input_tokens: Int?

        /// Input counts every prompt token, cached or not (FORMATS.md §5).
        var tokenUsage: TokenUsage {
            let parts = [input_tokens, cache_creation_input_tokens, cache_read_input_tokens].compactMap { $0 }
            return TokenUsage(
                input: parts.isEmpty ? nil : parts.reduce(0, +), output: output_tokens,
                cached: cache_read_input_tokens)
        }
    }

    mutating func decode(_ data: String, of frame: Frame) -> [StreamEvent]? {
        guard let e = json.payload(Event.self, from: data) else { return nil }
        switch e.type ?? frame.name ?? "" {
        case "message_start":
            if let m = e.message?.model { model = m }
            return [frame.event(.roleOnly, usage: e.message?.usage?.tokenUsage)]
        case "content_block_start":
            guard let block = e.content_block, block.type == "tool_use" || block.type == "server_tool_use" else {
                return [frame.event(.other)]
            }
            return [frame.event(.toolCall, tool: ToolCallDelta(index: e.index, id: block.id, name: block.name, arguments: ""))]
        case "content_block_delta":
            switch e.delta?.type {
            case "text_delta":
                return [e.delta?.text?.nonEmpty.map { frame.event(.content, text: $0) } ?? frame.event(.other)]
            case "thinking_delta":
                return [e.delta?.thinking?.nonEmpty.map { frame.event(.reasoning, text: $0) } ?? frame.event(.other)]
            case "input_json_delta":
                return [frame.event(.toolCall, tool: ToolCallDelta(index: e.index, arguments: e.delta?.partial_json ?? ""))]
            default:
                return [frame.event(.other)]
            }
        case "message_delta":
            return [frame.event(.usage, usage: e.usage?.tokenUsage, finish: e.delta?.stop_reason)]
        case "message_stop":
            return [frame.event(.done)]
        case "ping":
            return [frame.event(.keepalive)]
        case "error":
            let error = e.error.map { EventError(message: $0.message ?? "error", code: $0.type ?? $0.code) }
            return [frame.event(.error, error: error ?? EventError(message: "error"))]
        default:
            return [frame.event(.other)]
        }
    }
}
