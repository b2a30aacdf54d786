import Foundation
import TapeCore

/// Provider-shaped tapes made up from a text and a timing model: the
/// upstream of the demo and of every capture test, with no network and no
/// key. The same model and seed give the same bytes and the same times.
public struct SyntheticTape: Sendable {
    /// How the made-up stream is timed.
    public struct Timing: Sendable, Hashable {
        /// ns from `t_send` to the first token.
        public var ttft: Int64 = 400_000_000
        /// ns between chunks (the median), and how they spread around it.
        public var icl: Int64 = 30_000_000
        public var jitter: Int64 = 0
        public var distribution: Distribution = .normal
        /// Tokens in each content chunk.
        public var tokensPerChunk = 1
        /// Extra waits before content chunk k (from 0): (k, ns).
        public var stalls: [Stall] = []
        /// Stop after this many content chunks, the connection reset, no end marker.
        public var abortAfter: Int?

        public init() {}
    }

    public struct Stall: Sendable, Hashable {
        public var chunk: Int
        public var ns: Int64

        public init(chunk: Int, ns: Int64) {
            self.chunk = chunk
            self.ns = ns
        }
    }

    public enum Distribution: String, Sendable, Hashable, CaseIterable {
        /// Every gap exactly `icl`.
        case constant
        /// Uniform in icl ± jitter.
        case uniform
        /// Normal around icl with standard deviation `jitter`, never below 0.
        case normal
        /// Log-normal with median icl: a long tail of slow gaps, as real streams have.
        case lognormal
    }

    public static let defaultText = """
        Streaming makes an answer feel fast: the first words arrive while the rest is still being written. \
        tokentape records every read of such a stream with the time it arrived, measures how long users waited \
        and where the stream stalled, and plays it back exactly, so a demo looks live with no network and no key.
        """

    /// The model name each provider's made-up stream carries.
    public static func defaultModel(_ provider: Provider) -> String {
        switch provider {
        case .openaiChat, .sse, .ndjson, .text: "gpt-4o-mini"
        case .openaiResponses: "gpt-4.1-mini"
        case .openaiCompletions: "gpt-3.5-turbo-instruct"
        case .anthropic: "claude-sonnet-4-5"
        case .gemini: "gemini-2.5-flash"
        case .ollamaChat, .ollamaGenerate: "qwen3:0.6b"
        }
    }

    /// The request path each provider's stream answers.
    public static func path(_ provider: Provider, model: String) -> String {
        switch provider {
        case .openaiChat: "/v1/chat/completions"
        case .sse, .ndjson, .text: "/stream"
        case .openaiResponses: "/v1/responses"
        case .openaiCompletions: "/v1/completions"
        case .anthropic: "/v1/messages"
        case .gemini: "/v1beta/models/\(model):streamGenerateContent?alt=sse"
        case .ollamaChat: "/api/chat"
        case .ollamaGenerate: "/api/generate"
        }
    }

    /// Pieces of text the way tokenizers cut it often enough: words with their leading space, and punctuation.
    public static func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        for character in text {
            let startsNew = character == " " || character == "\n" || (character.isPunctuation && !current.isEmpty)
            if startsNew, !current.isEmpty, current != " " {
                tokens.append(current)
                current = ""
            }
            current.append(character)
            if character.isPunctuation {
                tokens.append(current)
                current = ""
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    /// A made-up tape of `provider` streaming `text`.
    public static func make(
        provider: Provider, text: String = defaultText, model: String? = nil, timing: Timing = Timing(), seed: UInt64 = 1,
        startedAt: Date = Date(), tags: [String] = []
    ) -> Tape {
        var random = SplitMix64(seed: seed)
        let model = model ?? defaultModel(provider)
        let tokens = tokens(text)
        let perChunk = max(1, timing.tokensPerChunk)
        var pieces = stride(from: 0, to: tokens.count, by: perChunk).map { tokens[$0..<min($0 + perChunk, tokens.count)].joined() }
        let aborted = timing.abortAfter.map { $0 < pieces.count } ?? false
        if let abort = timing.abortAfter { pieces = Array(pieces.prefix(max(0, abort))) }
        let format = Format(provider: provider, model: model, seed: seed)

        var reads: [(Int64, String)] = []
        // The head of the stream comes before the first token, as a server sends it while the model starts.
        let headTime = timing.ttft * 2 / 5
        for event in format.head() { reads.append((headTime, event)) }
        var t = timing.ttft
        for (k, piece) in pieces.enumerated() {
            if k > 0 { t += gap(timing, &random) }
            for stall in timing.stalls where stall.chunk == k { t += stall.ns }
            reads.append((t, format.content(piece, index: k)))
        }
        if !aborted {
            let outputTokens = pieces.isEmpty ? 0 : tokens.count
            for (i, event) in format.tail(text: pieces.joined(), outputTokens: outputTokens, count: pieces.count).enumerated() {
                reads.append((t + Int64(i + 1) * 1_000_000, event))
            }
        }
        let chunks = reads.enumerated().map { Chunk(seq: $0.offset, t: $0.element.0, bytes: Array($0.element.1.utf8)) }
        let end = (chunks.last?.t ?? 0) + 1_000_000
        var metadata = TapeMetadata(
            startedAt: startedAt, source: .simulate,
            request: RecordedRequest(
                method: "POST", url: "http://127.0.0.1" + path(provider, model: model),
                headers: [HeaderField("content-type", "application/json")],
                body: Array(#"{"model":"\#(model)","stream":true}"#.utf8)),
            response: ResponseHead(status: 200, headers: [HeaderField("content-type", provider.streamContentType)]),
            provider: provider, model: model, tHeaders: headTime / 2, tEnd: end, tags: tags)
        let tape = Tape(metadata: metadata, chunks: chunks)
        let outcome = StreamOutcome(events: tape.decode(provider: provider).events)
        metadata.endReason = outcome.endReason(provider: provider, transport: aborted ? .reset : .eof)
        metadata.endPhase = outcome.phase
        metadata.chunkCount = chunks.count
        metadata.byteCount = chunks.reduce(0) { $0 + $1.bytes.count }
        return Tape(metadata: metadata, chunks: chunks)
    }

    static func gap(_ timing: Timing, _ random: inout SplitMix64) -> Int64 {
        let icl = Double(timing.icl)
        let jitter = Double(timing.jitter)
        let x: Double
        switch timing.distribution {
        case .constant: x = icl
        case .uniform: x = icl + (unit(&random) * 2 - 1) * jitter
        case .normal: x = icl + normal(&random) * jitter
        case .lognormal:
            let sigma = icl > 0 ? log(1 + jitter / icl) : 0
            x = icl * exp(sigma * normal(&random))
        }
        return max(0, Int64(x.rounded()))
    }

    static func unit(_ random: inout SplitMix64) -> Double { Double(random.next() >> 11) / Double(1 << 53) }

    /// Box–Muller: one standard normal draw.
    static func normal(_ random: inout SplitMix64) -> Double {
        let u = max(unit(&random), 1e-300)
        let v = unit(&random)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}

/// The wire format of each provider (FORMATS.md §2–§7), event by event.
private struct Format {
    let provider: Provider
    let model: String
    let id: String

    init(provider: Provider, model: String, seed: UInt64) {
        self.provider = provider
        self.model = model
        id = "SIM" + String(seed, radix: 36).uppercased()
    }

    static let created = 1_767_225_600

    func quoted(_ s: String) -> String { JSONValue.string(s).canonicalText }

    func sse(_ type: String?, _ json: String) -> String {
        (type.map { "event: \($0)\n" } ?? "") + "data: \(json)\n\n"
    }

    var chatHead: String { #""id":"chatcmpl-\#(id)","object":"chat.completion.chunk","created":\#(Self.created),"model":"\#(model)""# }

    func head() -> [String] {
        switch provider {
        case .openaiChat:
            return [sse(nil, #"{\#(chatHead),"choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}"#)]
        case .openaiResponses:
            let response = #"{"id":"resp_\#(id)","object":"response","created_at":\#(Self.created),"status":"in_progress","model":"\#(model)","output":[],"usage":null}"#
            return [
                sse("response.created", #"{"type":"response.created","sequence_number":0,"response":\#(response)}"#),
                sse("response.in_progress", #"{"type":"response.in_progress","sequence_number":1,"response":\#(response)}"#),
                sse("response.output_item.added", #"{"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"id":"msg_\#(id)","type":"message","status":"in_progress","role":"assistant","content":[]}}"#),
                sse("response.content_part.added", #"{"type":"response.content_part.added","sequence_number":3,"item_id":"msg_\#(id)","output_index":0,"content_index":0,"part":{"type":"output_text","annotations":[],"text":""}}"#),
            ]
        case .anthropic:
            return [
                sse("message_start", #"{"type":"message_start","message":{"id":"msg_\#(id)","type":"message","role":"assistant","model":"\#(model)","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}"#),
                sse("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
                sse("ping", #"{"type":"ping"}"#),
            ]
        default:
            return []
        }
    }

    func content(_ piece: String, index k: Int) -> String {
        let text = quoted(piece)
        switch provider {
        case .openaiChat:
            return sse(nil, #"{\#(chatHead),"choices":[{"index":0,"delta":{"content":\#(text)},"logprobs":null,"finish_reason":null}],"usage":null}"#)
        case .openaiCompletions:
            return sse(nil, #"{"id":"cmpl-\#(id)","object":"text_completion","created":\#(Self.created),"model":"\#(model)","choices":[{"text":\#(text),"index":0,"logprobs":null,"finish_reason":null}]}"#)
        case .openaiResponses:
            return sse("response.output_text.delta", #"{"type":"response.output_text.delta","sequence_number":\#(4 + k),"item_id":"msg_\#(id)","output_index":0,"content_index":0,"delta":\#(text),"logprobs":[]}"#)
        case .anthropic:
            return sse("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":\#(text)}}"#)
        case .gemini:
            return "data: " + #"{"candidates":[{"content":{"parts":[{"text":\#(text)}],"role":"model"},"index":0}],"modelVersion":"\#(model)","responseId":"\#(id)"}"# + "\r\n\r\n"
        case .ollamaChat:
            return #"{"model":"\#(model)","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":\#(text)},"done":false}"# + "\n"
        case .ollamaGenerate:
            return #"{"model":"\#(model)","created_at":"2026-01-01T00:00:00Z","response":\#(text),"done":false}"# + "\n"
        case .sse:
            return "data: " + piece.replacingOccurrences(of: "\n", with: "\ndata: ") + "\n\n"
        case .ndjson:
            return #"{"text":\#(text)}"# + "\n"
        case .text:
            return piece
        }
    }

    /// The events after the last token: finish, usage, the end marker.
    func tail(text: String, outputTokens n: Int, count: Int) -> [String] {
        switch provider {
        case .openaiChat:
            return [
                sse(nil, #"{\#(chatHead),"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}"#),
                sse(nil, #"{\#(chatHead),"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":\#(n),"total_tokens":\#(n + 12)}}"#),
                "data: [DONE]\n\n",
            ]
        case .openaiCompletions:
            return [
                sse(nil, #"{"id":"cmpl-\#(id)","object":"text_completion","created":\#(Self.created),"model":"\#(model)","choices":[{"text":"","index":0,"logprobs":null,"finish_reason":"stop"}]}"#),
                "data: [DONE]\n\n",
            ]
        case .openaiResponses:
            let item = #"{"id":"msg_\#(id)","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","annotations":[],"text":\#(quoted(text))}]}"#
            let s = 4 + count
            return [
                sse("response.output_text.done", #"{"type":"response.output_text.done","sequence_number":\#(s),"item_id":"msg_\#(id)","output_index":0,"content_index":0,"text":\#(quoted(text)),"logprobs":[]}"#),
                sse("response.output_item.done", #"{"type":"response.output_item.done","sequence_number":\#(s + 1),"output_index":0,"item":\#(item)}"#),
                sse("response.completed", #"{"type":"response.completed","sequence_number":\#(s + 2),"response":{"id":"resp_\#(id)","object":"response","created_at":\#(Self.created),"status":"completed","model":"\#(model)","output":[\#(item)],"usage":{"input_tokens":12,"input_tokens_details":{"cached_tokens":0},"output_tokens":\#(n),"output_tokens_details":{"reasoning_tokens":0},"total_tokens":\#(n + 12)}}}"#),
            ]
        case .anthropic:
            return [
                sse("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
                sse("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":\#(n)}}"#),
                sse("message_stop", #"{"type":"message_stop"}"#),
            ]
        case .gemini:
            return ["data: " + #"{"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":12,"candidatesTokenCount":\#(n),"totalTokenCount":\#(n + 12)},"modelVersion":"\#(model)","responseId":"\#(id)"}"# + "\r\n\r\n"]
        case .ollamaChat:
            return [#"{"model":"\#(model)","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"total_duration":0,"prompt_eval_count":12,"eval_count":\#(n)}"# + "\n"]
        case .ollamaGenerate:
            return [#"{"model":"\#(model)","created_at":"2026-01-01T00:00:00Z","response":"","done_reason":"stop","done":true,"total_duration":0,"prompt_eval_count":12,"eval_count":\#(n)}"# + "\n"]
        case .sse, .ndjson, .text:
            return []
        }
    }
}
