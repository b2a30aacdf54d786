/// Streams of an API we do not know (or plain text): every payload is content,
/// and an SSE event named `error` is an error.
struct GenericDecoder: ProviderDecoder {
    var model: String? { nil }

    mutating func decode(_ data: String, of frame: Frame) -> [StreamEvent]? {
        if frame.name == "error" {
            return [frame.event(.error, error: EventError(message: data))]
        }
        return [data.isEmpty ? frame.event(.other) : frame.event(.content, text: data)]
    }
}
