extension Tape {
    /// The tape's events, decoded as it was recorded: the stored provider when
    /// known, else what the request path, content type and bytes say.
    public func decode(
        provider: Provider? = nil, maxLineLength: Int = SSEParser.defaultMaxLineLength
    ) -> (events: [StreamEvent], provider: Provider, model: String?) {
        var decoder = StreamDecoder(
            provider: provider ?? metadata.provider, path: metadata.request?.path,
            contentType: metadata.response?.header("content-type"), maxLineLength: maxLineLength)
        var events: [StreamEvent] = []
        for (index, chunk) in chunks.enumerated() { events += decoder.feed(chunk.bytes, chunk: index) }
        events += decoder.finish()
        return (events, decoder.provider ?? .text, decoder.model)
    }
}
