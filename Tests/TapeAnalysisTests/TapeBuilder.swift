import Foundation
import TapeAnalysis
import TapeCore

/// OpenAI Chat stream pieces as FORMATS.md §2 shows them, and tapes built
/// from them with exact read times, so expected metrics can be worked out by hand.
enum Chat {
    static let head = #""id":"chatcmpl-1","object":"chat.completion.chunk","created":1764000000,"model":"gpt-4o-mini""#

    static func event(_ json: String) -> String { "data: \(json)\n\n" }

    static var role: String {
        event(#"{\#(head),"choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]}"#)
    }

    static func content(_ text: String, usage: Int? = nil) -> String {
        let usageField = usage.map { #","usage":{"prompt_tokens":5,"completion_tokens":\#($0),"total_tokens":\#($0 + 5)}"# } ?? ""
        return event(#"{\#(head),"choices":[{"index":0,"delta":{"content":"\#(text)"},"logprobs":null,"finish_reason":null}]\#(usageField)}"#)
    }

    static func reasoning(_ text: String) -> String {
        event(#"{\#(head),"choices":[{"index":0,"delta":{"reasoning_content":"\#(text)"},"logprobs":null,"finish_reason":null}]}"#)
    }

    static var finish: String {
        event(#"{\#(head),"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}"#)
    }

    static func usage(_ completion: Int) -> String {
        event(#"{\#(head),"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":\#(completion),"total_tokens":\#(completion + 5)}}"#)
    }

    static var error: String {
        event(#"{"error":{"message":"The server had an error while processing your request.","type":"server_error","code":null}}"#)
    }

    static let done = "data: [DONE]\n\n"

    /// A tape of reads at the given ms after `t_send`, ended by `transport` at `end` ms;
    /// its end reason and phase classified as the recorder would.
    static func tape(
        _ reads: [(ms: Double, text: String)], end: Double, transport: TransportEnd = .eof, tSched: Double? = nil,
        tags: [String] = [], startedAt: Date = Date(timeIntervalSince1970: 1_764_000_000)
    ) -> Tape {
        let chunks = reads.enumerated().map { i, read in Chunk(seq: i, t: ns(read.ms), bytes: Array(read.text.utf8)) }
        var metadata = TapeMetadata(
            startedAt: startedAt, source: .client, provider: .openaiChat, tSched: tSched.map(ns), tHeaders: ns(50),
            tEnd: ns(end), tags: tags)
        let tape = Tape(metadata: metadata, chunks: chunks)
        let decoded = tape.decode()
        let outcome = StreamOutcome(events: decoded.events)
        metadata.model = decoded.model
        metadata.endReason = outcome.endReason(provider: .openaiChat, transport: transport)
        metadata.endPhase = outcome.phase
        return Tape(metadata: metadata, chunks: chunks)
    }

    static func ns(_ ms: Double) -> Int64 { Int64((ms * 1e6).rounded()) }
}
