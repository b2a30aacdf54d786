/// Cuts newline-delimited JSON into lines across reads: LF, CRLF (and a bare
/// CR) end a line, blank lines are skipped, and a last line without its
/// newline is still a line.
public struct NDJSONFramer: Sendable {
    private var lines: LineSplitter
    private var collector = LineCollector()

    public init(maxLineLength: Int = SSEParser.defaultMaxLineLength) {
        lines = LineSplitter(maxLineLength: maxLineLength)
    }

    public mutating func feed(_ bytes: [UInt8], chunk: Int) -> [Frame] {
        collector.chunk = chunk
        lines.feed(bytes, into: &collector)
        return collector.take()
    }

    public mutating func finish() -> [Frame] {
        lines.finish(into: &collector)
        return collector.take()
    }
}

/// Turns NDJSON lines into frames, skipping blank ones.
private struct LineCollector: LineConsumer {
    var chunk = 0
    private var frames: [Frame] = []

    mutating func take() -> [Frame] {
        defer { frames = [] }
        return frames
    }

    mutating func consume(_ piece: LineSplitter.Piece) {
        switch piece {
        case .tooLong(let range):
            frames.append(Frame(kind: .oversized, bytes: range, chunk: chunk))
        case .line(let line, let range, _):
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { return }
            frames.append(Frame(kind: .message, data: String(decoding: line, as: UTF8.self), bytes: range, chunk: chunk))
        }
    }
}
