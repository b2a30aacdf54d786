import Foundation
import TapeCore

/// A response body saved as a file (`.sse`, `.ndjson`, a `curl` output): the
/// bytes, but not when they came. The tape says so (`timed` false): one read
/// at 0, and the metrics that need time are null.
public enum RawBody {
    public static func tape(_ bytes: [UInt8], name: String) throws -> Tape {
        guard !bytes.isEmpty else { throw ImportError("the file is empty") }
        var decoder = StreamDecoder()
        _ = decoder.feed(bytes, chunk: 0) + decoder.finish()
        guard let framing = decoder.framing, framing != .text else {
            throw ImportError("neither SSE (data: lines) nor NDJSON (one JSON object per line): not a stream body")
        }
        let metadata = TapeMetadata(
            source: .import, endDetail: "imported from \(name): no read times", tags: ["imported"], timed: false)
        return Tape(metadata: metadata, chunks: [Chunk(seq: 0, t: 0, bytes: bytes)])
    }
}
