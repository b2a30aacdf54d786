import Foundation

/// OpenAI Chat Completions and legacy Completions, and every OpenAI-compatible
/// server (vLLM, llama.cpp, TGI, OpenRouter): FORMATS.md §2, §4, §8.
struct OpenAIChatDecoder: ProviderDecoder {
    private(set) var model: String?
    // The most common format by far, so it reads its fields in place as the
    // parser meets them and skips the rest without building anything. Like
    // `JSONDecoder`, a field it reads that has another type fails the payload.
    struct Chunk {
        var model: String?
        var choices: [Choice]?
        var usage: Usage?
        var error: ErrorPayload?
        var timings: Timings?

        init(_ r: inout JSONReader) throws {
            try r.members { r, key in
                switch key {
                case "model": model = try r.optionalString()
                case "choices": choices = try r.optionalArray { try Choice(&$0) }
                case "usage": usage = try r.optionalObject { try Usage(&$0) }
                case "error":
                    let value = try r.value()
                    error = value == .null ? nil : try JSONValueDecoder.decode(ErrorPayload.self, value, [])
                case "timings": timings = try r.optionalObject { try Timings(&$0) }
                default: try r.skip()
                }
            }
        }
    }

    struct Choice {
        var delta: Delta?
        /// Legacy Completions put the delta here.
        var text: String?
        var finish_reason: String?

        init(_ r: inout JSONReader) throws {
            try r.members { r, key in
                switch key {
                case "delta": delta = try r.optionalObject { try Delta(&$0) }
                case "text": text = try r.optionalString()
                case "finish_reason": finish_reason = try r.optionalString()
                default: try r.skip()
                }
            }
        }
    }

    struct Delta {
        var role: String?
        var content: String?
        var refusal: String?
        var reasoning: String?
        var reasoning_content: String?
        var tool_calls: [ToolCall]?
        var function_call: Function?

        init(_ r: inout JSONReader) throws {
            try r.members { r, key in
                switch key {
                case "role": role = try r.optionalString()
                case "content": content = try r.optionalString()
                case "refusal": refusal = try r.optionalString()
                case "reasoning": reasoning = try r.optionalString()
                case "reasoning_content": reasoning_content = try r.optionalString()
                case "tool_calls": tool_calls = try r.optionalArray { try ToolCall(&$0) }
                case "function_call": function_call = try r.optionalObject { try Function(&$0) }
                default: try r.skip()
                }
            }
        }
    }

    struct ToolCall {
        var index: Int?
        var id: String?
        var function: Function?

        init(_ r: inout JSONReader) throws {
            try r.members { r, key in
                switch key {
                case "index": index = try r.optionalInt()
                case "id": id = try r.optionalString()
                case "function": function = try r.optionalObject { try Function(&$0) }
                default: try r.skip()
                }
            }
        }
    }

    struct Function {
        var name: String?
        var arguments: String?

        init(_ r: inout JSONReader) throws {
            try r.members { r, key in
                switch key {
                case "name": name = try r.optionalString()
                case "arguments": arguments = try r.optionalString()
                default: try r.skip()
                }
            }
        }
    }

    struct Usage {
        var prompt_tokens: Int?
        var completion_tokens: Int?
        var cached_tokens: Int?
        var reasoning_tokens: Int?

        init(_ r: inout JSONReader) throws {
            try r.members { r, key in
                switch key {
                case "prompt_tokens": prompt_tokens = try r.optionalInt()
                case "completion_tokens": completion_tokens = try r.optionalInt()
                case "prompt_tokens_details": cached_tokens = try r.optionalInt(in: "cached_tokens")
                case "completion_tokens_details": reasoning_tokens = try r.optionalInt(in: "reasoning_tokens")
                default: try r.skip()
                }
            }
        }

        var tokenUsage: TokenUsage {
            TokenUsage(input: prompt_tokens, output: completion_tokens, reasoning: reasoning_tokens, cached: cached_tokens)
        }
    }

    /// llama.cpp's per-chunk `timings` (milliseconds).
    struct Timings {
        var prompt_n: Int?
        var prompt_ms: Double?
        var predicted_n: Int?
        var predicted_ms: Double?

        init(_ r: inout JSONReader) throws {
            try r.members { r, key in
                switch key {
                case "prompt_n": prompt_n = try r.optionalInt()
                case "prompt_ms": prompt_ms = try r.optionalDouble()
                case "predicted_n": predicted_n = try r.optionalInt()
                case "predicted_ms": predicted_ms = try r.optionalDouble()
                default: try r.skip()
                }
            }
        }

        var serverTiming: ServerTiming {
            ServerTiming(
                promptTokens: prompt_n, promptNanoseconds: prompt_ms.map { Int64($0 * 1e6) },
                outputTokens: predicted_n, outputNanoseconds: predicted_ms.map { Int64($0 * 1e6) })
        }
    }

    mutating func decode(_ data: String, of frame: Frame) -> [StreamEvent]? {
        guard let chunk = JSONParser.read(data, { try Chunk(&$0) }) else { return nil }
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
