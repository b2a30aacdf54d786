import Foundation

/// OpenAI Chat Completions and legacy Completions, and every OpenAI-compatible
/// server (vLLM, llama.cpp, TGI, OpenRouter): FORMATS.md §2, §4, §8.
struct OpenAIChatDecoder: ProviderDecoder {
    private(set) var model: String?
    // The most common format by far, so it reads the parsed value directly:
    // going through `Decodable` cost more than the parsing itself. Each
    // init throws, like `JSONDecoder`, when a field has another type.
    struct Chunk {
        var model: String?
        var choices: [Choice]?
        var usage: Usage?
        var error: ErrorPayload?
        var timings: Timings?

        init(_ o: JSONObject) throws {
            model = try o.string("model")
            choices = try o.objects("choices")?.map(Choice.init)
            usage = try o.object("usage").map(Usage.init)
            error = try o.decode(ErrorPayload.self, "error")
            timings = try o.object("timings").map(Timings.init)
        }
    }

    struct Choice {
        var delta: Delta?
        /// Legacy Completions put the delta here.
        var text: String?
        var finish_reason: String?

        init(_ o: JSONObject) throws {
            delta = try o.object("delta").map(Delta.init)
            text = try o.string("text")
            finish_reason = try o.string("finish_reason")
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

        init(_ o: JSONObject) throws {
            role = try o.string("role")
            content = try o.string("content")
            refusal = try o.string("refusal")
            reasoning = try o.string("reasoning")
            reasoning_content = try o.string("reasoning_content")
            tool_calls = try o.objects("tool_calls")?.map(ToolCall.init)
            function_call = try o.object("function_call").map(Function.init)
        }
    }

    struct ToolCall {
        var index: Int?
        var id: String?
        var function: Function?

        init(_ o: JSONObject) throws {
            index = try o.int("index")
            id = try o.string("id")
            function = try o.object("function").map(Function.init)
        }
    }

    struct Function {
        var name: String?
        var arguments: String?

        init(_ o: JSONObject) throws {
            name = try o.string("name")
            arguments = try o.string("arguments")
        }
    }

    struct Usage {
        var prompt_tokens: Int?
        var completion_tokens: Int?
        var cached_tokens: Int?
        var reasoning_tokens: Int?

        init(_ o: JSONObject) throws {
            prompt_tokens = try o.int("prompt_tokens")
            completion_tokens = try o.int("completion_tokens")
            cached_tokens = try o.object("prompt_tokens_details")?.int("cached_tokens")
            reasoning_tokens = try o.object("completion_tokens_details")?.int("reasoning_tokens")
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

        init(_ o: JSONObject) throws {
            prompt_n = try o.int("prompt_n")
            prompt_ms = try o.double("prompt_ms")
            predicted_n = try o.int("predicted_n")
            predicted_ms = try o.double("predicted_ms")
        }

        var serverTiming: ServerTiming {
            ServerTiming(
                promptTokens: prompt_n, promptNanoseconds: prompt_ms.map { Int64($0 * 1e6) },
                outputTokens: predicted_n, outputNanoseconds: predicted_ms.map { Int64($0 * 1e6) })
        }
    }

    /// Top-level fields no event needs.
    static let unread = ["id", "object", "created", "system_fingerprint", "service_tier", "obfuscation"]

    mutating func decode(_ data: String, of frame: Frame) -> [StreamEvent]? {
        guard case .object(let members)? = JSONParser.parse(data, ignoring: Self.unread), let chunk = try? Chunk(JSONObject(members)) else { return nil }
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
