/// The secrets rules of ARCHITECTURE.md: what is replaced by `[REDACTED]`
/// before anything is written. The proxy forwards real values; tapes never
/// hold them.
public enum Redaction {
    public static let marker = "[REDACTED]"

    /// Headers whose value is always a secret (compared case-insensitively).
    public static let secretHeaders: Set<String> = [
        "authorization", "proxy-authorization", "x-api-key", "api-key", "x-goog-api-key", "cookie", "set-cookie",
    ]
    /// Query parameters whose value is always a secret.
    public static let secretQueryParameters: Set<String> = ["key", "api_key", "token"]
    /// Prefixes of API keys found anywhere, with the shortest tail that makes one.
    static let keyShapes: [(prefix: String, minimumTail: Int)] = [("sk-ant-", 16), ("sk-", 16), ("AIza", 30)]

    public static func headers(_ headers: [HeaderField]) -> [HeaderField] {
        headers.map { HeaderField($0.name, header(name: $0.name, value: $0.value)) }
    }

    /// A header's value as it may be stored: secret headers lose their value
    /// (an auth scheme such as `Bearer` is kept, it says how the key was sent).
    public static func header(name: String, value: String) -> String {
        guard secretHeaders.contains(name.lowercased()) else { return text(value) }
        let parts = value.split(separator: " ", maxSplits: 1)
        if parts.count == 2, ["bearer", "basic", "token"].contains(parts[0].lowercased()) {
            return "\(parts[0]) \(marker)"
        }
        return marker
    }

    /// A URL with secret query parameters and key-shaped values redacted.
    public static func url(_ url: String) -> String {
        guard let q = url.firstIndex(of: "?") else { return text(url) }
        let fragmentStart = url[q...].firstIndex(of: "#") ?? url.endIndex
        let query = url[url.index(after: q)..<fragmentStart].split(separator: "&", omittingEmptySubsequences: false)
        func isSecret(_ item: Substring) -> Bool {
            guard let eq = item.firstIndex(of: "=") else { return false }
            return secretQueryParameters.contains(item[..<eq].lowercased())
        }
        // Almost no URL has a key in its query: rebuild it only for one that has.
        guard query.contains(where: isSecret) else { return text(url) }
        let cleaned = query.map { item in isSecret(item) ? "\(item.prefix { $0 != "=" })=\(marker)" : String(item) }
        return text(String(url[...q]) + cleaned.joined(separator: "&") + String(url[fragmentStart...]))
    }

    /// Text with every key-shaped run (`sk-…`, `sk-ant-…`, `AIza…`) replaced.
    public static func text(_ s: String) -> String {
        guard mayHoldKey(s) else { return s }
        var out = ""
        var rest = Substring(s)
        while !rest.isEmpty {
            guard let (range, tail) = nextKey(in: rest) else { break }
            out += rest[..<range.lowerBound]
            out += marker
            rest = rest[tail...]
        }
        return out + rest
    }

    /// Whether `s` holds a key's prefix at all: a byte scan, since almost no text does
    /// and every header of every proxied request passes here.
    static func mayHoldKey(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { bytes in
            guard bytes.count >= 3 else { return false }
            for i in 0..<(bytes.count - 2) {
                switch bytes[i] {
                case UInt8(ascii: "s") where bytes[i + 1] == UInt8(ascii: "k") && bytes[i + 2] == UInt8(ascii: "-"):
                    return true
                case UInt8(ascii: "A") where i + 3 < bytes.count && bytes[i + 1] == UInt8(ascii: "I") && bytes[i + 2] == UInt8(ascii: "z")
                    && bytes[i + 3] == UInt8(ascii: "a"):
                    return true
                default: continue
                }
            }
            return false
        }
    }

    /// A request body with key-shaped values redacted; bytes that are not
    /// UTF-8 text are kept as they are.
    public static func body(_ bytes: [UInt8]) -> [UInt8] {
        guard let s = String(validating: bytes, as: UTF8.self) else { return bytes }
        let cleaned = text(s)
        return cleaned == s ? bytes : Array(cleaned.utf8)
    }

    private static func isKeyCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_")
    }

    /// The next key-shaped run: where it starts and where it ends.
    private static func nextKey(in s: Substring) -> (Range<Substring.Index>, Substring.Index)? {
        var search = s.startIndex
        while search < s.endIndex {
            var best: (Substring.Index, String, Int)?
            for shape in keyShapes {
                if let r = s[search...].range(of: shape.prefix), best == nil || r.lowerBound < best!.0 {
                    best = (r.lowerBound, shape.prefix, shape.minimumTail)
                }
            }
            guard let (start, prefix, minimumTail) = best else { return nil }
            let tailStart = s.index(start, offsetBy: prefix.count)
            let end = s[tailStart...].firstIndex(where: { !isKeyCharacter($0) }) ?? s.endIndex
            let preceded = start > s.startIndex && isKeyCharacter(s[s.index(before: start)])
            if !preceded, s.distance(from: tailStart, to: end) >= minimumTail {
                return (start..<end, end)
            }
            search = s.index(after: start)
        }
        return nil
    }
}
