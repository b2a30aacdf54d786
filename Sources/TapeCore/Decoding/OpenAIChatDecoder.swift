import Foundation

/// OpenAI Chat Completions and legacy Completions, and every OpenAI-compatible
/// server (vLLM, llama.cpp, TGI, OpenRouter): FORMATS.md §2, §4, §8.
struct OpenAIChatDecoder: ProviderDecoder {
    private(set) var model: String?
    private let json = JSONDecoder()

    struct Chunk: Decodable {
        var model: String?
        var choices: [Choice]?
        var usage: Usage?
        var error: ErrorPayload?
        var timings: Timings?
    }

    struct Choice: Decodable {
        var delta: Delta?
        /// Legacy Completions put the delta here.
        var text: String?
        var finish_reason: String?
    }

    struct Delta: Decodable {
        var role: String?
        var content: String?
        var refusal: String?
        var reasoning: String?
        var reasoning_content: String?
        var tool_calls: [ToolCall]?
        var function_call: Function?
    }

    struct ToolCall: Decodable {
        var index: Int?
        var id: String?
        var function: Function?
    }

    struct Function: Decodable {
        var name: String?
        var arguments: String?
    }

    struct Usage: Decodable {
        var prompt_tokens: Int?
        var completion_tokens: Int?
        var prompt_tokens_details: Details?
        var completion_tokens_details: Details?
        struct Details: Decodable {
            var cached_tokens: Int?
            var reasoning_tokens: Int?
        }

        var tokenUsage: TokenUsage {
            TokenUsage(
                input: prompt_tokens, output: completion_tokens,
                reasoning: completion_tokens_details?.reasoning_tokens, cached: prompt_tokens_details?.cached_tokens)
        }
    }

    /// llama.cpp's per-chunk `timings` (milliseconds).
    struct Timings: Decodable {
        var prompt_n: Int?
        var prompt_ms: Double?
        var predicted_n: Int?
        var predicted_ms: Double?

        var serverTiming: ServerTiming {
            ServerTiming(
                promptTokens: prompt_n, promptNanoseconds: prompt_ms.map { Int64($0 * 1e6) },
                outputTokens: predicted_n, outputNanoseconds: predicted_ms.map { Int64($0 * 1e6) })
        }
    }

    mutating func decode(_ data: String, of frame: Frame) -> [StreamEvent]? {
        guard let chunk = json.payload(Chunk.self, from: data) else { return nil }
        if let m = chunk.model, !m.isEmpty { model = m }
        if let error = chunk.error {
            return [frame.event(.error, error: error.eventError)]
        }
        var events: [StreamEvent] = []
        for choice in chunk.choices ?? [] {
            var own: [StreamEvent] = []
            if let d = choice.delta {
                if let r = (d.reasoning ?? d.reasoning_content)?.nonEmpty { own.append(frame.event(.reasoning, text: r)) }
                if let c = d.content?.nonEmpty { own.append(frame.event(.content, text: c)) }
                if let r = d.refusal?.nonEmpty { own.append(frame.event(.content, text: r)) }
                for call in d.tool_calls ?? [] {
                    own.append(frame.event(.toolCall, tool: ToolCallDelta(
                        index: call.index, id: call.id, name: call.function?.name, arguments: call.function?.arguments)))
                }
                if let f = d.function_call {
                    own.append(frame.event(.toolCall, tool: ToolCallDelta(index: 0, name: f.name, arguments: f.arguments)))
                }
            }
            if let t = choice.text?.nonEmpty { own.append(frame.event(.content, text: t)) }
            if own.isEmpty { own.append(frame.event(choice.delta?.role != nil ? .roleOnly : .other)) }
            own.attachToLast(finish: choice.finish_reason, usage: nil)
            events += own
        }
        if events.isEmpty {
            events.append(frame.event(chunk.usage != nil ? .usage : .other))
        }
        events.attachToLast(finish: nil, usage: chunk.usage?.tokenUsage, serverTiming: chunk.timings?.serverTiming)
        return events
    }
}
