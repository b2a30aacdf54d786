/// Cuts a byte stream into lines across reads: LF, CR and CRLF all end a line,
/// including a CR at the end of one read whose LF starts the next.
///
/// Shared by SSE and NDJSON framing so line ends, the BOM and the length cap
/// behave the same in both. Lines are handed out as borrowed buffers: a line
/// inside one read is never copied.
struct LineSplitter {
    enum Piece {
        /// A line without its terminator. `bytes` covers the line and the first
        /// byte of its terminator (for CRLF the LF belongs to no line, so ranges
        /// do not depend on where the reads were cut).
        case line(UnsafeBufferPointer<UInt8>, bytes: Range<Int>, terminated: Bool)
        /// A line longer than the cap; its bytes are skipped up to its end.
        case tooLong(bytes: Range<Int>)
    }

    let maxLineLength: Int
    private var pending: [UInt8] = []
    private var lineStart = 0
    private var offset = 0
    private var skipLF = false
    private var discarding = false
    private var firstLine = true

    init(maxLineLength: Int) {
        self.maxLineLength = maxLineLength
    }

    /// Bytes consumed so far.
    var consumed: Int { offset }

    mutating func feed<C: LineConsumer>(_ bytes: [UInt8], into consumer: inout C) {
        bytes.withUnsafeBufferPointer { feed($0, into: &consumer) }
    }

    mutating func feed<C: LineConsumer>(_ buf: UnsafeBufferPointer<UInt8>, into consumer: inout C) {
        let base = offset
        let n = buf.count
        var i = 0
        if skipLF, n > 0 {
            skipLF = false
            if buf[0] == 0x0A { i = 1 }
        }
        while i < n {
            var j = i
            while j < n, buf[j] != 0x0A, buf[j] != 0x0D { j += 1 }
            let open = !pending.isEmpty || discarding
            if !open { lineStart = base + i }
            let length = pending.count + (j - i)
            if discarding {
                // Still inside an over-long line: drop bytes until it ends.
            } else if length > maxLineLength {
                consumer.consume(.tooLong(bytes: lineStart..<(lineStart + maxLineLength + 1)))
                pending.removeAll(keepingCapacity: false)
                discarding = true
                firstLine = false
            } else if j == n {
                pending.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<j]))
            }
            guard j < n else { break }
            let end = base + j + 1
            if discarding {
                discarding = false
            } else if pending.isEmpty {
                let bom = takeFirstLine()
                Self.deliver(UnsafeBufferPointer(rebasing: buf[i..<j]), lineStart..<end, true, bom, &consumer)
            } else {
                pending.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<j]))
                let (bom, start) = (takeFirstLine(), lineStart)
                pending.withUnsafeBufferPointer { Self.deliver($0, start..<end, true, bom, &consumer) }
                pending.removeAll(keepingCapacity: true)
            }
            if buf[j] == 0x0D {
                if j + 1 < n {
                    i = buf[j + 1] == 0x0A ? j + 2 : j + 1
                } else {
                    skipLF = true
                    i = j + 1
                }
            } else {
                i = j + 1
            }
        }
        offset = base + n
    }

    /// Ends the stream: a line still open is handed out unterminated.
    mutating func finish<C: LineConsumer>(into consumer: inout C) {
        if !pending.isEmpty, !discarding {
            let (bom, range) = (takeFirstLine(), lineStart..<offset)
            pending.withUnsafeBufferPointer { Self.deliver($0, range, false, bom, &consumer) }
        }
        pending.removeAll()
        discarding = false
    }

    /// True once, for the stream's first line: the one that may start with a BOM.
    private mutating func takeFirstLine() -> Bool {
        defer { firstLine = false }
        return firstLine
    }

    private static func deliver<C: LineConsumer>(
        _ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ terminated: Bool, _ first: Bool, _ consumer: inout C
    ) {
        if first {
            // Exactly one leading byte-order mark is not part of the stream.
            if line.count >= 3, line[0] == 0xEF, line[1] == 0xBB, line[2] == 0xBF {
                consumer.consume(.line(UnsafeBufferPointer(rebasing: line[3...]), bytes: (range.lowerBound + 3)..<range.upperBound, terminated: terminated))
                return
            }
        }
        consumer.consume(.line(line, bytes: range, terminated: terminated))
    }
}

/// What receives the lines of a `LineSplitter`.
protocol LineConsumer {
    mutating func consume(_ piece: LineSplitter.Piece)
}
