/// One read of a response body, exactly as the socket or pipe handed it over.
///
/// The bytes are the truth: they are stored and replayed untouched, and every
/// decoded event, metric and replay is derived from them.
public struct Chunk: Sendable, Hashable {
    /// Position of the read in its tape, from 0.
    public var seq: Int
    /// Nanoseconds since the tape's `t_send`, taken on the monotonic clock when
    /// the read was handed to us, before any parsing.
    public var t: Int64
    public var bytes: [UInt8]

    public init(seq: Int, t: Int64, bytes: [UInt8]) {
        self.seq = seq
        self.t = t
        self.bytes = bytes
    }
}
