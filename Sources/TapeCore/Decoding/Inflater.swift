import CZlib

/// Undoes `Content-Encoding: gzip` or `deflate` one read at a time, for tapes
/// recorded with the encoding kept (`proxy --keep-encoding`): the tape holds
/// the bytes as they travelled, the decoder sees the stream they carry.
///
/// A class because zlib's stream state must not move; one decoder owns it.
final class Inflater: @unchecked Sendable {
    private var stream = z_stream()
    private var ready = false
    /// Set once the input is not what its encoding says; later reads are not decoded.
    private(set) var failure: String?

    /// The encodings this undoes (a `Content-Encoding` value, lowercased).
    static let encodings: Set<String> = ["gzip", "x-gzip", "deflate"]

    init() {
        // 15 + 32: a zlib or gzip header, told apart by zlib itself.
        ready = inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
        if !ready { failure = "zlib could not start" }
    }

    deinit {
        if ready { inflateEnd(&stream) }
    }

    /// The decoded bytes this read completes (possibly none).
    func inflate(_ input: [UInt8]) -> [UInt8] {
        guard failure == nil, !input.isEmpty else { return [] }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        input.withUnsafeBufferPointer { inBuffer in
            stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
            stream.avail_in = UInt32(inBuffer.count)
            while true {
                let (status, produced) = buffer.withUnsafeMutableBufferPointer { outBuffer -> (Int32, Int) in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = UInt32(outBuffer.count)
                    let status = CZlib.inflate(&stream, Z_SYNC_FLUSH)
                    return (status, outBuffer.count - Int(stream.avail_out))
                }
                output += buffer[0..<produced]
                switch status {
                case Z_OK:
                    if stream.avail_in == 0 && produced < buffer.count { return }
                case Z_STREAM_END:
                    // Another gzip member may follow (concatenated members are one body).
                    guard stream.avail_in > 0 else { return }
                    inflateReset(&stream)
                case Z_BUF_ERROR:
                    return  // needs more input: the next read brings it
                default:
                    failure = stream.msg.map { String(cString: $0) } ?? "not valid compressed data (zlib \(status))"
                    return
                }
            }
        }
        stream.next_in = nil
        return output
    }
}
