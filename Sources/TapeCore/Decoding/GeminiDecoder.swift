import Foundation

/// Gemini `streamGenerateContent?alt=sse`: FORMATS.md §6. Gemini sends no end
/// marker, so the end of a body after a `finishReason` is the end.
struct GeminiDecoder: ProviderDecoder {
    private(set) var model: String?
    private let json = PayloadDecoder()
    private var functionCalls = 0
    private var sawFinish = false
    private var sawError = false

    struct Chunk: Decodable {
        var candidates: [Candidate]?
        var usageMetadata: Usage?
        var modelVersion: String?
        var promptFeedback: PromptFeedback?
        var error: ErrorPayload?
    }

    struct Candidate: Decodable {
        var content: Content?
        var finishReason: String?
    }

    struct Content: Decodable { var parts: [Part]? }

    struct Part: Decodable {
        var text: String?
        var thought: Bool?
        var functionCall: FunctionCall?
    }

    struct FunctionCall: Decodable {
        var id: String?
        var name: String?
        var args: JSONValue?
    }

    struct PromptFeedback: Decodable { var blockReason: String? }

    struct Usage: Decodable {
        var promptTokenCount: Int?
        var candidatesTokenCount: Int?
        var thoughtsTokenCount: Int?
        var cachedContentTokenCount: Int?

        /// Output includes the thoughts, as OpenAI's `completion_tokens` includes reasoning.
        var tokenUsage: TokenUsage {
            let output: Int? = (candidatesTokenCount == nil && thoughtsTokenCount == nil)
                ? nil : (candidatesTokenCount ?? 0) + (thoughtsTokenCount ?? 0)
            return TokenUsage(
                input: promptTokenCount, output: output, reasoning: thoughtsTokenCount, cached: cachedContentTokenCount)
        }
    }

    mutating func decode(_ data: String, of frame: Frame) -> [StreamEvent]? {
        guard let chunk = json.payload(Chunk.self, from: data) else { return nil }
        if let m = chunk.modelVersion { model = m }
        if let error = chunk.error {
            sawError = true
            return [frame.event(.error, error: EventError(message: error.message ?? "error", code: error.status ?? error.code))]
        }
        let candidate = chunk.candidates?.first
        var events: [StreamEvent] = []
        for part in candidate?.content?.parts ?? [] {
            if let call = part.functionCall {
                events.append(frame.event(.toolCall, tool: ToolCallDelta(
                    index: functionCalls, id: call.id, name: call.name, arguments: (call.args ?? .object([:])).canonicalText)))
                functionCalls += 1
            } else if let text = part.text?.nonEmpty {
                events.append(frame.event(part.thought == true ? .reasoning : .content, text: text))
            }
        }
        if events.isEmpty { events.append(frame.event(chunk.usageMetadata != nil ? .usage : .other)) }
        if candidate?.finishReason != nil { sawFinish = true }
        events.attachToLast(
            finish: candidate?.finishReason ?? chunk.promptFeedback?.blockReason, usage: chunk.usageMetadata?.tokenUsage)
        return events
    }

    mutating func finish(lastChunk: Int, end: Int) -> [StreamEvent] {
        guard sawFinish, !sawError else { return [] }
        return [StreamEvent(.done, bytes: end..<end, chunk: lastChunk)]
    }
}
