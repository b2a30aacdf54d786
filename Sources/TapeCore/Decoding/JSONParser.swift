/// Strict RFC 8259 JSON over UTF-8 text: into a `JSONValue`, or read in place.
///
/// Decoding stored tapes is bound by JSON parsing: Foundation's `JSONDecoder`
/// on Linux spent about 95 % of a decode and read about 28 MB/s. This works on
/// the bytes of the payload in one pass; `read` goes further and lets a
/// decoder take the fields it wants as it meets them, skipping the rest
/// without building anything.
public enum JSONParser {
    /// The value the whole text holds, or nil when it is not exactly one JSON value.
    public static func parse(_ text: String) -> JSONValue? {
        read(text) { try $0.value() }
    }

    /// Runs `body` on a reader over the text; nil when the text is not
    /// exactly one valid JSON value or `body` throws (a field of another type).
    static func read<T>(_ text: String, _ body: (inout JSONReader) throws -> T) -> T? {
        var text = text
        return text.withUTF8 { buffer in
            var reader = JSONReader(buffer)
            guard let result = try? body(&reader) else { return nil }
            reader.skipWhitespace()
            return reader.atEnd ? result : nil
        }
    }
}

/// A key as it stands in the bytes; compared without making a String.
struct JSONKey {
    fileprivate let raw: UnsafeBufferPointer<UInt8>
    /// Set only when the key had escapes.
    fileprivate let unescaped: String?

    static func == (key: JSONKey, name: StaticString) -> Bool {
        if let unescaped = key.unescaped { return unescaped == name.description }
        guard key.raw.count == name.utf8CodeUnitCount else { return false }
        let name = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        return key.raw.elementsEqual(name)
    }

    /// Lets a `switch` over a key take string literals as cases.
    static func ~= (name: StaticString, key: JSONKey) -> Bool { key == name }

    var string: String { unescaped ?? String(decoding: raw, as: UTF8.self) }
}

/// A cursor over the bytes of one JSON text. Every read checks the grammar as
/// strictly as building the value would; a violation throws `Invalid`.
struct JSONReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0
    private var depth = 0
    /// Deeper nesting is refused rather than overflowing the stack.
    static let maxDepth = 512

    struct Invalid: Error {}
    /// A value of another type than the field wants (`JSONDecoder`'s typeMismatch).
    struct Mismatch: Error {}

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    var atEnd: Bool { i == bytes.count }

    mutating func skipWhitespace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return
            }
        }
    }

    /// The next byte after whitespace, without taking it.
    private mutating func peek() throws -> UInt8 {
        skipWhitespace()
        guard i < bytes.count else { throw Invalid() }
        return bytes[i]
    }

    // MARK: Reading in place

    /// Each member of an object in turn; `body` must read or skip the value.
    mutating func members(_ body: (inout JSONReader, JSONKey) throws -> Void) throws {
        guard try peek() == UInt8(ascii: "{") else { throw Mismatch() }
        try enter()
        i += 1
        if try peek() == UInt8(ascii: "}") {
            i += 1
            depth -= 1
            return
        }
        while true {
            guard try peek() == UInt8(ascii: "\"") else { throw Invalid() }
            let key = try rawKey()
            guard try peek() == UInt8(ascii: ":") else { throw Invalid() }
            i += 1
            try body(&self, key)
            let next = try peek()
            i += 1
            if next == UInt8(ascii: "}") { break }
            guard next == UInt8(ascii: ",") else { throw Invalid() }
        }
        depth -= 1
    }

    /// Each element of an array in turn; `body` must read or skip it.
    mutating func elements(_ body: (inout JSONReader) throws -> Void) throws {
        guard try peek() == UInt8(ascii: "[") else { throw Mismatch() }
        try enter()
        i += 1
        if try peek() == UInt8(ascii: "]") {
            i += 1
            depth -= 1
            return
        }
        while true {
            try body(&self)
            let next = try peek()
            i += 1
            if next == UInt8(ascii: "]") { break }
            guard next == UInt8(ascii: ",") else { throw Invalid() }
        }
        depth -= 1
    }

    private mutating func enter() throws {
        depth += 1
        guard depth < Self.maxDepth else { throw Invalid() }
    }

    /// Takes a `null` if one comes next.
    mutating func null() throws -> Bool {
        guard try peek() == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    /// A string, or nil for null; another type throws `Mismatch`.
    mutating func optionalString() throws -> String? {
        if try null() { return nil }
        guard try peek() == UInt8(ascii: "\"") else { throw Mismatch() }
        return try string()
    }

    /// A number, or nil for null.
    mutating func optionalDouble() throws -> Double? {
        if try null() { return nil }
        let c = try peek()
        guard c == UInt8(ascii: "-") || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) else { throw Mismatch() }
        return try number()
    }

    /// A whole number, or nil for null; a fraction or a number out of range throws `Mismatch`.
    mutating func optionalInt() throws -> Int? {
        guard let n = try optionalDouble() else { return nil }
        guard n.rounded() == n, let exact = Int(exactly: n) else { throw Mismatch() }
        return exact
    }

    /// An object read by `body`, or nil for null.
    mutating func optionalObject<T>(_ body: (inout JSONReader) throws -> T) throws -> T? {
        if try null() { return nil }
        guard try peek() == UInt8(ascii: "{") else { throw Mismatch() }
        return try body(&self)
    }

    /// One whole-number member of an object (`{"cached_tokens": 3, …}`), or
    /// nil for null, an absent member, or a null one.
    mutating func optionalInt(in name: StaticString) throws -> Int? {
        try optionalObject { r in
            var n: Int?
            try r.members { r, key in if key == name { n = try r.optionalInt() } else { try r.skip() } }
            return n
        } ?? nil
    }

    /// An array whose elements `body` reads, or nil for null.
    mutating func optionalArray<T>(_ body: (inout JSONReader) throws -> T) throws -> [T]? {
        if try null() { return nil }
        var out: [T] = []
        try elements { out.append(try body(&$0)) }
        return out
    }

    /// Steps over one value, checking it, without building it.
    mutating func skip() throws {
        switch try peek() {
        case UInt8(ascii: "{"): try members { reader, _ in try reader.skip() }
        case UInt8(ascii: "["): try elements { try $0.skip() }
        case UInt8(ascii: "\""): try skipString()
        default: _ = try value()
        }
    }

    // MARK: Building values

    /// The next value, built.
    mutating func value() throws -> JSONValue {
        switch try peek() {
        case UInt8(ascii: "{"):
            var pairs: [(key: String, value: JSONValue)] = []
            pairs.reserveCapacity(8)
            try members { reader, key in pairs.append((key.string, try reader.value())) }
            return .object(JSONMembers(pairs: pairs))
        case UInt8(ascii: "["):
            var elements: [JSONValue] = []
            try self.elements { elements.append(try $0.value()) }
            return .array(elements)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default: return .number(try number())
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        guard i + n <= bytes.count else { throw Invalid() }
        for k in 0..<n where bytes[i + k] != word.utf8Start[k] { throw Invalid() }
        i += n
    }

    /// A key at `i` (on its quote): its bytes in place unless it has escapes.
    private mutating func rawKey() throws -> JSONKey {
        let start = i + 1
        var j = start
        while j < bytes.count, bytes[j] != UInt8(ascii: "\""), bytes[j] != UInt8(ascii: "\\"), bytes[j] >= 0x20 { j += 1 }
        if j < bytes.count, bytes[j] == UInt8(ascii: "\"") {
            i = j + 1
            return JSONKey(raw: UnsafeBufferPointer(rebasing: bytes[start..<j]), unescaped: nil)
        }
        return JSONKey(raw: UnsafeBufferPointer(rebasing: bytes[start..<start]), unescaped: try string())
    }

    /// A string at `i` (on its opening quote). Without escapes it is one copy
    /// of its bytes; the input is already valid UTF-8 (it came from a String).
    private mutating func string() throws -> String {
        i += 1
        let start = i
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
                i += 1
                return s
            }
            if b == UInt8(ascii: "\\") { return try escapedString(from: start) }
            guard b >= 0x20 else { throw Invalid() }
            i += 1
        }
        throw Invalid()
    }

    private mutating func skipString() throws {
        i += 1
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                return
            }
            guard b >= 0x20 else { throw Invalid() }
            i += 1
            if b == UInt8(ascii: "\\") { _ = try escape() }
        }
        throw Invalid()
    }

    private mutating func escapedString(from start: Int) throws -> String {
        var out = [UInt8](UnsafeBufferPointer(rebasing: bytes[start..<i]))
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            guard b >= 0x20 else { throw Invalid() }
            i += 1
            if b == UInt8(ascii: "\\") {
                out.append(contentsOf: String(Character(try escape())).utf8)
            } else {
                out.append(b)
            }
        }
        throw Invalid()
    }

    /// The character an escape (after its backslash) stands for. A lone
    /// surrogate becomes U+FFFD rather than failing the payload.
    private mutating func escape() throws -> Unicode.Scalar {
        guard i < bytes.count else { throw Invalid() }
        let e = bytes[i]
        i += 1
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return Unicode.Scalar(e)
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate wants its low half next.
                if i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                    let save = i
                    i += 2
                    let low = try hex4()
                    if (0xDC00..<0xE000).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        i = save
                        scalar = 0xFFFD
                    }
                } else {
                    scalar = 0xFFFD
                }
            } else if (0xDC00..<0xE000).contains(scalar) {
                scalar = 0xFFFD
            }
            return Unicode.Scalar(scalar) ?? "\u{FFFD}"
        default: throw Invalid()
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count else { throw Invalid() }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw Invalid()
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    /// A number by the JSON grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    private mutating func number() throws -> Double {
        let start = i
        func digits() -> Int {
            let from = i
            while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") { i += 1 }
            return i - from
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count else { throw Invalid() }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            guard digits() > 0 else { throw Invalid() }
        }
        var integral = true
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            integral = false
            guard digits() > 0 else { throw Invalid() }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            integral = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw Invalid() }
        }
        let text = UnsafeBufferPointer(rebasing: bytes[start..<i])
        // Small integers (token counts, indexes) without going through text.
        if integral, text.count <= 15 {
            var n: Int64 = 0
            var negative = false
            for c in text {
                if c == UInt8(ascii: "-") { negative = true } else { n = n * 10 + Int64(c - UInt8(ascii: "0")) }
            }
            return Double(negative ? -n : n)
        }
        guard let value = Double(String(decoding: text, as: UTF8.self)) else { throw Invalid() }
        return value
    }
}
