#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TapeCore

/// Records a body from a file descriptor (`curl -N … | tokentape record --stdin`).
public struct PipeCapture: Sendable {
    public var input: Int32
    /// Where to copy each read unchanged, so the capture can sit inside a pipeline.
    public var tee: Int32?
    public var readSize: Int

    public init(input: Int32 = STDIN_FILENO, tee: Int32? = nil, readSize: Int = 64 * 1024) {
        self.input = input
        self.tee = tee
        self.readSize = readSize
    }

    /// Reads until end of input, a read error, or `shouldStop` says so.
    /// Each read is timestamped the moment it returns, before anything else.
    /// - Returns: how the input ended, and a detail when it was an error.
    public func run(
        into recording: Recording, shouldStop: () -> Bool = { false },
        onEvents: ([StreamEvent]) -> Void = { _ in }
    ) -> (TransportEnd, String?) {
        var buffer = [UInt8](repeating: 0, count: readSize)
        var teeBroken = false
        while !shouldStop() {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, readSize) }
            let now = MonotonicClock.now()
            if n == 0 { return (.eof, nil) }
            if n < 0 {
                if errno == EINTR { continue }
                return (.reset, "read failed: \(String(cString: strerror(errno)))")
            }
            let bytes = Array(buffer[0..<n])
            onEvents(recording.received(bytes, at: now))
            if let tee, !teeBroken {
                // A reader that went away must not stop the recording.
                teeBroken = !Self.writeAll(bytes, to: tee)
            }
        }
        return (.cancelled, nil)
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }
}
