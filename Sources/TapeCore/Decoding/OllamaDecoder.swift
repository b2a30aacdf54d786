import Foundation

/// Ollama's native `/api/chat` and `/api/generate` NDJSON: FORMATS.md §7.
struct OllamaDecoder: ProviderDecoder {
    private(set) var model: String?
    private let json = PayloadDecoder()

    struct Line: Decodable {
        var model: String?
        var message: Message?
        /// `/api/generate` puts the text and thinking at the top level.
        var response: String?
        var thinking: String?
        var done: Bool?
        var done_reason: String?
        var prompt_eval_count: Int?
        var eval_count: Int?
        var total_duration: Int64?
        var load_duration: Int64?
        var prompt_eval_duration: Int64?
        var eval_duration: Int64?
        var error: ErrorPayload?
    }

    struct Message: Decodable {
        var role: String?
        var content: String?
        var thinking: String?
        var tool_calls: [ToolCall]?
    }

    struct ToolCall: Decodable {
        var id: String?
        var function: Function?
        struct Function: Decodable {
            var index: Int?
            var name: String?
            var arguments: JSONValue?
        }
    }

    mutating func decode(_ data: String, of frame: Frame) -> [StreamEvent]? {
        guard let line = json.payload(Line.self, from: data) else { return nil }
        if let m = line.model { model = m }
        if let error = line.error {
            return [frame.event(.error, error: error.eventError)]
        }
        var events: [StreamEvent] = []
        if let t = (line.message?.thinking ?? line.thinking)?.nonEmpty { events.append(frame.event(.reasoning, text: t)) }
        if let c = (line.message?.content ?? line.response)?.nonEmpty { events.append(frame.event(.content, text: c)) }
        for (position, call) in (line.message?.tool_calls ?? []).enumerated() {
            events.append(frame.event(.toolCall, tool: ToolCallDelta(
                index: call.function?.index ?? position, id: call.id, name: call.function?.name,
                arguments: (call.function?.arguments ?? .object([:])).canonicalText)))
        }
        if line.done == true {
            let timing = ServerTiming(
                promptTokens: line.prompt_eval_count, promptNanoseconds: line.prompt_eval_duration,
                outputTokens: line.eval_count, outputNanoseconds: line.eval_duration,
                loadNanoseconds: line.load_duration, totalNanoseconds: line.total_duration)
            var done = frame.event(
                .done, usage: TokenUsage(input: line.prompt_eval_count, output: line.eval_count), finish: line.done_reason)
            done.serverTiming = timing
            events.append(done)
        } else if events.isEmpty {
            events.append(frame.event(line.message?.role != nil ? .roleOnly : .other))
        }
        return events
    }
}
