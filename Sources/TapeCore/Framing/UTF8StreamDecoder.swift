/// Decodes UTF-8 that arrives in pieces: a character split across reads is
/// decoded once, whole, and invalid bytes become U+FFFD exactly as a one-shot
/// decode of the whole stream would make them.
public struct UTF8StreamDecoder: Sendable {
    private var held: [UInt8] = []

    public init() {}

    /// Decodes what can be decoded now and keeps the start of a character
    /// whose remaining bytes have not arrived yet.
    public mutating func decode(_ bytes: [UInt8]) -> String {
        var input = held
        input.append(contentsOf: bytes)
        let keep = Self.incompleteSuffixLength(input)
        held = Array(input[(input.count - keep)...])
        return String(decoding: input[..<(input.count - keep)], as: UTF8.self)
    }

    /// Ends the stream: a character left unfinished becomes U+FFFD.
    public mutating func finish() -> String {
        defer { held = [] }
        return held.isEmpty ? "" : String(decoding: held, as: UTF8.self)
    }

    /// Bytes held back, waiting for the rest of their character.
    public var pendingByteCount: Int { held.count }

    /// The length of a trailing sequence that is a valid but unfinished
    /// character (so more bytes could complete it), else 0.
    static func incompleteSuffixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        var p = n - 1
        // Find the lead byte of the last sequence, at most 3 bytes back.
        while p >= 0, p >= n - 3, bytes[p] & 0xC0 == 0x80 { p -= 1 }
        guard p >= 0, p >= n - 3 else { return 0 }
        let lead = bytes[p]
        let length: Int
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return 0
        }
        let have = n - p
        guard have < length else { return 0 }
        if have >= 2 {
            // The second byte's range depends on the lead (no overlongs, no surrogates).
            let second = bytes[p + 1]
            let ok: Bool
            switch lead {
            case 0xE0: ok = (0xA0...0xBF).contains(second)
            case 0xED: ok = (0x80...0x9F).contains(second)
            case 0xF0: ok = (0x90...0xBF).contains(second)
            case 0xF4: ok = (0x80...0x8F).contains(second)
            default: ok = true
            }
            guard ok else { return 0 }
        }
        return have
    }
}
