extension TapeMetadata {
    /// A decoder for this tape's body as it was recorded: the stored provider
    /// when known, else what the request path, content type and bytes say.
    public func makeDecoder(
        provider: Provider? = nil, maxLineLength: Int = SSEParser.defaultMaxLineLength
    ) -> StreamDecoder {
        StreamDecoder(
            provider: provider ?? self.provider, path: request?.path,
            contentType: response?.header("content-type"), contentEncoding: response?.header("content-encoding"),
            maxLineLength: maxLineLength)
    }
}

extension Tape {
    /// The tape's events, decoded as it was recorded (see `TapeMetadata.makeDecoder`).
    public func decode(
        provider: Provider? = nil, maxLineLength: Int = SSEParser.defaultMaxLineLength
    ) -> (events: [StreamEvent], provider: Provider, model: String?) {
        var decoder = metadata.makeDecoder(provider: provider, maxLineLength: maxLineLength)
        var events: [StreamEvent] = []
        for (index, chunk) in chunks.enumerated() { events += decoder.feed(chunk.bytes, chunk: index) }
        events += decoder.finish()
        return (events, decoder.provider ?? .text, decoder.model)
    }
}
