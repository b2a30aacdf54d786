/// One unit of a framed body, handed to a provider decoder: an SSE event or
/// comment, an NDJSON line, or a read of plain text.
public struct Frame: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// An SSE event block, an NDJSON line, or a piece of text.
        case message
        /// An SSE comment line (`: keep-alive`).
        case comment
        /// A line longer than the framing's cap; its content was skipped.
        case oversized
    }

    public var kind: Kind
    /// SSE: the `event` field (nil when absent or empty, which browsers call `message`).
    public var name: String?
    /// SSE: the `data` lines joined with `\n`, nil when the block had none.
    /// NDJSON: the line. Text: the decoded text. Comment: the text after the colon.
    public var data: String?
    /// SSE: the last event ID in force when this event was dispatched.
    public var lastEventID: String?
    /// SSE: the `retry` field of this block, when it was all digits.
    public var retry: Int?
    /// SSE fields the standard does not know (`error:` from old llama.cpp), in order.
    public var otherFields: [Field]
    /// Byte offsets in the whole body.
    public var bytes: Range<Int>
    /// Index of the read that completed the frame.
    public var chunk: Int
    /// The stream ended before the frame's terminator (an SSE block without its blank line).
    public var incomplete: Bool

    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: String
    }

    public init(
        kind: Kind, name: String? = nil, data: String? = nil, lastEventID: String? = nil, retry: Int? = nil,
        otherFields: [Field] = [], bytes: Range<Int>, chunk: Int, incomplete: Bool = false
    ) {
        self.kind = kind
        self.name = name
        self.data = data
        self.lastEventID = lastEventID
        self.retry = retry
        self.otherFields = otherFields
        self.bytes = bytes
        self.chunk = chunk
        self.incomplete = incomplete
    }

    /// An event sitting where this frame sits in the stream.
    func event(
        _ kind: EventClass, text: String? = nil, tool: ToolCallDelta? = nil, usage: TokenUsage? = nil,
        finish: String? = nil, error: EventError? = nil, anomaly: String? = nil
    ) -> StreamEvent {
        StreamEvent(
            kind, text: text, tool: tool, usage: usage, finish: finish, error: error,
            bytes: bytes, chunk: chunk, incomplete: incomplete, anomaly: anomaly)
    }
}
