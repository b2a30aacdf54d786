import Foundation

/// Any JSON value, for the parts of a payload whose shape is open (tool-call
/// arguments sent as objects, provider detection).
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONMembers)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? c.decode(Double.self) {
            self = .number(n)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(JSONMembers(try c.decode([String: JSONValue].self)))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n): try c.encode(n)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o.dictionary)
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Compact JSON with sorted keys: the same value always reads the same,
    /// so whole tool calls (Gemini, Ollama) compare by text.
    public var canonicalText: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n):
            if n.rounded() == n, abs(n) < 1e15 { return String(Int64(n)) }
            return "\(n)"
        case .string(let s): return Self.quoted(s)
        case .array(let a): return "[" + a.map(\.canonicalText).joined(separator: ",") + "]"
        case .object(let o):
            return "{" + o.keys.sorted().map { Self.quoted($0) + ":" + o[$0]!.canonicalText }.joined(separator: ",") + "}"
        }
    }

    private static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// The members of a JSON object in the order they came. Payload objects are
/// small (a handful of keys), where a scan of an array beats building and
/// probing a hash table; a repeated key reads as its last value, as with a
/// dictionary. Equality ignores order.
public struct JSONMembers: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    public private(set) var pairs: [(key: String, value: JSONValue)]

    public init(pairs: [(key: String, value: JSONValue)]) {
        self.pairs = pairs
    }

    public init(_ dictionary: [String: JSONValue]) {
        pairs = dictionary.map { ($0.key, $0.value) }
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        pairs = elements.map { ($0.0, $0.1) }
    }

    public subscript(key: String) -> JSONValue? {
        var i = pairs.count - 1
        while i >= 0 {
            if pairs[i].key == key { return pairs[i].value }
            i -= 1
        }
        return nil
    }

    mutating func append(_ key: String, _ value: JSONValue) {
        pairs.append((key, value))
    }

    /// The keys, each once.
    public var keys: [String] { Array(dictionary.keys) }

    public var dictionary: [String: JSONValue] {
        Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
    }

    public static func == (a: JSONMembers, b: JSONMembers) -> Bool { a.dictionary == b.dictionary }

    public func hash(into hasher: inout Hasher) { hasher.combine(dictionary) }
}

/// A field that some servers send as a string and others as a number (error codes).
struct LooseString: Decodable, Sendable {
    var value: String

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            value = s
        } else if let i = try? c.decode(Int.self) {
            value = String(i)
        } else {
            value = String(try c.decode(Double.self))
        }
    }
}

/// A provider's `error`: an object `{message, type, code}` or a plain string (TGI).
struct ErrorPayload: Decodable, Sendable {
    var message: String?
    var type: String?
    var code: String?
    var status: String?

    private enum Keys: String, CodingKey { case message, type, code, status }

    init(from decoder: any Decoder) throws {
        if let s = try? decoder.singleValueContainer().decode(String.self) {
            message = s
            return
        }
        let c = try decoder.container(keyedBy: Keys.self)
        message = try? c.decodeIfPresent(String.self, forKey: .message)
        type = try? c.decodeIfPresent(String.self, forKey: .type)
        code = (try? c.decodeIfPresent(LooseString.self, forKey: .code))?.value
        status = (try? c.decodeIfPresent(LooseString.self, forKey: .status))?.value
    }

    /// An error given as JSON text in an SSE field, if it is one.
    static func parse(_ text: String) -> ErrorPayload? {
        guard text.hasPrefix("{") else { return nil }
        return PayloadDecoder().payload(ErrorPayload.self, from: text)
    }

    /// The error as an event: the message, and the code (else the type).
    var eventError: EventError {
        EventError(message: message ?? "error", code: code ?? type)
    }
}
