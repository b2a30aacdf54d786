/// An incremental Server-Sent Events parser following the WHATWG
/// "event stream interpretation", fed one read at a time.
///
/// Reads may be cut anywhere, even inside a CRLF or a multibyte character:
/// the frames and their byte ranges are the same however the body was cut.
/// Beyond the standard, for a recorder: comments are reported, a block with
/// no `data` is reported when it has an `event` or unknown field, and a block
/// left open at the end of the stream is reported as `incomplete`.
public struct SSEParser: Sendable {
    public static let defaultMaxLineLength = 16 << 20

    private var lines: LineSplitter
    private var fields = SSEFieldInterpreter()

    /// - Parameter maxLineLength: longest line kept, in bytes; a longer one
    ///   gives an `.oversized` frame instead of growing memory without bound.
    public init(maxLineLength: Int = SSEParser.defaultMaxLineLength) {
        lines = LineSplitter(maxLineLength: maxLineLength)
    }

    /// Parses one read; `chunk` is its index, recorded on the frames it completes.
    public mutating func feed(_ bytes: [UInt8], chunk: Int) -> [Frame] {
        fields.chunk = chunk
        lines.feed(bytes, into: &fields)
        return fields.take()
    }

    /// Ends the stream; returns a final block that had no blank line after it.
    public mutating func finish() -> [Frame] {
        lines.finish(into: &fields)
        fields.endOfStream(at: lines.consumed)
        return fields.take()
    }
}

/// The field rules of the event stream, applied line by line.
struct SSEFieldInterpreter: LineConsumer {
    var chunk = 0
    private var frames: [Frame] = []
    private var block = Block()
    private var lastEventID: String?

    private struct Block {
        var start: Int?
        var data: [UInt8] = []
        var hasData = false
        var name: String?
        var retry: Int?
        var otherFields: [Frame.Field] = []
        /// Only `id`/`retry` so far: such a block is not an event.
        var reportable: Bool { hasData || name != nil || !otherFields.isEmpty }
    }

    mutating func take() -> [Frame] {
        defer { frames = [] }
        return frames
    }

    mutating func endOfStream(at end: Int) {
        if block.reportable { dispatch(end: end, incomplete: true) }
        block = Block()
    }

    mutating func consume(_ piece: LineSplitter.Piece) {
        switch piece {
        case .tooLong(let range):
            block = Block()
            frames.append(Frame(kind: .oversized, bytes: range, chunk: chunk))
        case .line(let line, let range, _):
            if line.isEmpty {
                if block.reportable { dispatch(end: range.upperBound, incomplete: false) }
                block = Block()
            } else if line[0] == 0x3A {
                var text = UnsafeBufferPointer(rebasing: line[1...])
                if text.first == 0x20 { text = UnsafeBufferPointer(rebasing: text[1...]) }
                frames.append(Frame(kind: .comment, data: String(decoding: text, as: UTF8.self), bytes: range, chunk: chunk))
            } else {
                field(line, start: range.lowerBound)
            }
        }
    }

    private mutating func field(_ line: UnsafeBufferPointer<UInt8>, start: Int) {
        if block.start == nil { block.start = start }
        let colon = line.firstIndex(of: 0x3A)
        let name = UnsafeBufferPointer(rebasing: line[..<(colon ?? line.count)])
        var value = UnsafeBufferPointer(rebasing: line[(colon.map { $0 + 1 } ?? line.count)...])
        if value.first == 0x20 { value = UnsafeBufferPointer(rebasing: value[1...]) }
        if name.elementsEqual("data".utf8) {
            block.data.append(contentsOf: value)
            block.data.append(0x0A)
            block.hasData = true
        } else if name.elementsEqual("event".utf8) {
            block.name = value.isEmpty ? nil : String(decoding: value, as: UTF8.self)
        } else if name.elementsEqual("id".utf8) {
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        } else if name.elementsEqual("retry".utf8) {
            if !value.isEmpty, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                block.retry = Int(String(decoding: value, as: UTF8.self))
            }
        } else {
            block.otherFields.append(
                Frame.Field(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self)))
        }
    }

    private mutating func dispatch(end: Int, incomplete: Bool) {
        var data: String?
        if block.hasData {
            block.data.removeLast()  // the LF after the last data line
            data = String(decoding: block.data, as: UTF8.self)
        }
        frames.append(
            Frame(
                kind: .message, name: block.name, data: data, lastEventID: lastEventID, retry: block.retry,
                otherFields: block.otherFields, bytes: (block.start ?? end)..<end, chunk: chunk,
                incomplete: incomplete))
    }
}
