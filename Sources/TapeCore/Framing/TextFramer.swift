/// Plain-text framing: each read is one frame of the text it completes.
public struct TextFramer: Sendable {
    private var utf8 = UTF8StreamDecoder()
    private var offset = 0
    private var frameStart = 0
    private var chunk = 0

    public init() {}

    public mutating func feed(_ bytes: [UInt8], chunk: Int) -> [Frame] {
        self.chunk = chunk
        offset += bytes.count
        let text = utf8.decode(bytes)
        guard !text.isEmpty else { return [] }
        let end = offset - utf8.pendingByteCount
        defer { frameStart = end }
        return [Frame(kind: .message, data: text, bytes: frameStart..<end, chunk: chunk)]
    }

    public mutating func finish() -> [Frame] {
        let text = utf8.finish()
        guard !text.isEmpty else { return [] }
        return [Frame(kind: .message, data: text, bytes: frameStart..<offset, chunk: chunk, incomplete: true)]
    }
}
