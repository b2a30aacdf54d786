import Foundation

/// Turns one API's frames into events. The framing-level cases common to every
/// API (comments, `[DONE]`, oversized lines, data-less SSE blocks) are handled
/// by `StreamDecoder` before a frame gets here.
protocol ProviderDecoder: Sendable {
    /// The model the stream names, once a frame has said.
    var model: String? { get }
    /// The events of one frame whose payload is `data`, or nil when the payload
    /// is not the JSON this API sends.
    mutating func decode(_ data: String, of frame: Frame) -> [StreamEvent]?
    /// Events owed at the end of the stream (Gemini's implied end).
    mutating func finish(lastChunk: Int, end: Int) -> [StreamEvent]
}

extension ProviderDecoder {
    mutating func finish(lastChunk: Int, end: Int) -> [StreamEvent] { [] }
}

extension Array where Element == StreamEvent {
    /// Puts `finish` and `usage` on the last event, as the decoding rules say:
    /// they belong to the wire event, and its last event stands for it.
    mutating func attachToLast(finish: String?, usage: TokenUsage?, serverTiming: ServerTiming? = nil) {
        guard !isEmpty else { return }
        if let finish { self[count - 1].finish = finish }
        if let usage { self[count - 1].usage = usage }
        if let serverTiming { self[count - 1].serverTiming = serverTiming }
    }
}

extension String {
    /// nil for an empty string: empty deltas are never token-bearing events.
    var nonEmpty: String? { isEmpty ? nil : self }
}
