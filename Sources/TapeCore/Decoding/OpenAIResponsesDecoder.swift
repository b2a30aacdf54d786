import Foundation

/// OpenAI Responses API events: FORMATS.md §3.
struct OpenAIResponsesDecoder: ProviderDecoder {
    private(set) var model: String?
    private let json = PayloadDecoder()

    struct Event: Decodable {
        var type: String?
        var delta: String?
        var output_index: Int?
        var item: Item?
        var response: Response?
        var error: ErrorPayload?
        var message: String?
        var code: LooseString?
    }

    struct Item: Decodable {
        var type: String?
        var id: String?
        var call_id: String?
        var name: String?
        var arguments: String?
    }

    struct Response: Decodable {
        var model: String?
        var usage: Usage?
        var incomplete_details: IncompleteDetails?
        var error: ErrorPayload?
        struct IncompleteDetails: Decodable { var reason: String? }
    }

    struct Usage: Decodable {
        var input_tokens: Int?
        var output_tokens: Int?
        var input_tokens_details: Details?
        var output_tokens_details: Details?
        struct Details: Decodable {
            var cached_tokens: Int?
            var reasoning_tokens: Int?
        }

        var tokenUsage: TokenUsage {
            TokenUsage(
                input: input_tokens, output: output_tokens,
                reasoning: output_tokens_details?.reasoning_tokens, cached: input_tokens_details?.cached_tokens)
        }
    }

    mutating func decode(_ data: String, of frame: Frame) -> [StreamEvent]? {
        guard let e = json.payload(Event.self, from: data) else { return nil }
        if let m = e.response?.model, !m.isEmpty { model = m }
        let usage = e.response?.usage?.tokenUsage
        switch e.type ?? frame.name ?? "" {
        case "response.output_text.delta", "response.refusal.delta":
            return [e.delta?.nonEmpty.map { frame.event(.content, text: $0) } ?? frame.event(.other)]
        case "response.reasoning_summary_text.delta", "response.reasoning_text.delta":
            return [e.delta?.nonEmpty.map { frame.event(.reasoning, text: $0) } ?? frame.event(.other)]
        case "response.output_item.added" where e.item?.type == "function_call":
            let item = e.item!
            return [frame.event(.toolCall, tool: ToolCallDelta(
                index: e.output_index, id: item.call_id ?? item.id, name: item.name, arguments: item.arguments))]
        case "response.function_call_arguments.delta", "response.custom_tool_call_input.delta",
            "response.mcp_call_arguments.delta":
            return [frame.event(.toolCall, tool: ToolCallDelta(index: e.output_index, arguments: e.delta))]
        case "response.completed":
            return [frame.event(.done, usage: usage, finish: "completed")]
        case "response.incomplete":
            return [frame.event(.done, usage: usage, finish: e.response?.incomplete_details?.reason ?? "incomplete")]
        case "response.failed":
            let error = e.response?.error?.eventError ?? EventError(message: "response failed")
            return [frame.event(.error, usage: usage, finish: "failed", error: error)]
        case "error":
            let error = e.error?.eventError ?? EventError(message: e.message ?? "error", code: e.code?.value)
            return [frame.event(.error, error: error)]
        default:
            return [frame.event(.other)]
        }
    }
}
