/// Decodes a stream payload into the decoders' `Decodable` types: parsed by
/// `JSONParser`, then read through a `Decoder` over the parsed value. Keeps
/// `JSONDecoder`'s rules where the decoders rely on them: a missing key or
/// null is nil for an optional, a present value of the wrong type fails.
struct PayloadDecoder: Sendable {
    /// Decodes a payload, or nil when it is not the expected JSON.
    func payload<T: Decodable>(_ type: T.Type, from data: String) -> T? {
        guard let value = JSONParser.parse(data) else { return nil }
        return try? T(from: JSONValueDecoder(value: value, codingPath: []))
    }
}

/// A `Decoder` over a parsed JSON value.
struct JSONValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch(JSONMembers.self, value, codingPath) }
        return KeyedDecodingContainer(Keyed<Key>(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw mismatch([JSONValue].self, value, codingPath) }
        return Unkeyed(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        Single(value: value, codingPath: codingPath)
    }

    /// Decodes a value of any type, taking JSONValue itself as it is.
    static func decode<T: Decodable>(_ type: T.Type, _ value: JSONValue, _ path: [any CodingKey]) throws -> T {
        if T.self == JSONValue.self { return value as! T }
        return try T(from: JSONValueDecoder(value: value, codingPath: path))
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let members: JSONMembers
        let codingPath: [any CodingKey]
        var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

        func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

        private func value(_ key: Key) throws -> JSONValue {
            guard let v = members[key.stringValue] else {
                throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no value for \(key.stringValue)"))
            }
            return v
        }

        func decodeNil(forKey key: Key) throws -> Bool { try value(key) == .null }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try JSONValueDecoder.decode(type, try value(key), codingPath + [key])
        }

        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try Scalar.bool(try value(key), codingPath + [key]) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try Scalar.string(try value(key), codingPath + [key]) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try Scalar.double(try value(key), codingPath + [key]) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try Scalar.double(try value(key), codingPath + [key])) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try Scalar.integer(try value(key), codingPath + [key]) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try Scalar.integer(try value(key), codingPath + [key]) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try Scalar.integer(try value(key), codingPath + [key]) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try Scalar.integer(try value(key), codingPath + [key]) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try Scalar.integer(try value(key), codingPath + [key]) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try Scalar.integer(try value(key), codingPath + [key]) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try Scalar.integer(try value(key), codingPath + [key]) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try Scalar.integer(try value(key), codingPath + [key]) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try Scalar.integer(try value(key), codingPath + [key]) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try Scalar.integer(try value(key), codingPath + [key]) }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            try JSONValueDecoder(value: try value(key), codingPath: codingPath + [key]).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try JSONValueDecoder(value: try value(key), codingPath: codingPath + [key]).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { JSONValueDecoder(value: .object(members), codingPath: codingPath) }

        func superDecoder(forKey key: Key) throws -> any Decoder {
            JSONValueDecoder(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key])
        }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let elements: [JSONValue]
        let codingPath: [any CodingKey]
        var currentIndex = 0
        var count: Int? { elements.count }
        var isAtEnd: Bool { currentIndex >= elements.count }

        private mutating func next() throws -> JSONValue {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(JSONValue.self, .init(codingPath: codingPath, debugDescription: "array ended"))
            }
            defer { currentIndex += 1 }
            return elements[currentIndex]
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, elements[currentIndex] == .null else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let path = codingPath + [Index(currentIndex)]
            return try JSONValueDecoder.decode(type, try next(), path)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try JSONValueDecoder(value: try next(), codingPath: codingPath).container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try JSONValueDecoder(value: try next(), codingPath: codingPath).unkeyedContainer()
        }

        mutating func superDecoder() throws -> any Decoder { JSONValueDecoder(value: try next(), codingPath: codingPath) }
    }

    struct Single: SingleValueDecodingContainer {
        let value: JSONValue
        let codingPath: [any CodingKey]

        func decodeNil() -> Bool { value == .null }
        func decode(_ type: Bool.Type) throws -> Bool { try Scalar.bool(value, codingPath) }
        func decode(_ type: String.Type) throws -> String { try Scalar.string(value, codingPath) }
        func decode(_ type: Double.Type) throws -> Double { try Scalar.double(value, codingPath) }
        func decode(_ type: Float.Type) throws -> Float { Float(try Scalar.double(value, codingPath)) }
        func decode(_ type: Int.Type) throws -> Int { try Scalar.integer(value, codingPath) }
        func decode(_ type: Int8.Type) throws -> Int8 { try Scalar.integer(value, codingPath) }
        func decode(_ type: Int16.Type) throws -> Int16 { try Scalar.integer(value, codingPath) }
        func decode(_ type: Int32.Type) throws -> Int32 { try Scalar.integer(value, codingPath) }
        func decode(_ type: Int64.Type) throws -> Int64 { try Scalar.integer(value, codingPath) }
        func decode(_ type: UInt.Type) throws -> UInt { try Scalar.integer(value, codingPath) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try Scalar.integer(value, codingPath) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try Scalar.integer(value, codingPath) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try Scalar.integer(value, codingPath) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try Scalar.integer(value, codingPath) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONValueDecoder.decode(type, value, codingPath) }
    }

    /// Scalars with JSONDecoder's strictness: no coercion between types, and
    /// an integer must be a whole number in range.
    enum Scalar {
        static func bool(_ v: JSONValue, _ path: [any CodingKey]) throws -> Bool {
            guard case .bool(let b) = v else { throw mismatch(Bool.self, v, path) }
            return b
        }

        static func string(_ v: JSONValue, _ path: [any CodingKey]) throws -> String {
            guard case .string(let s) = v else { throw mismatch(String.self, v, path) }
            return s
        }

        static func double(_ v: JSONValue, _ path: [any CodingKey]) throws -> Double {
            guard case .number(let n) = v else { throw mismatch(Double.self, v, path) }
            return n
        }

        static func integer<T: FixedWidthInteger>(_ v: JSONValue, _ path: [any CodingKey]) throws -> T {
            guard case .number(let n) = v, n.rounded() == n, let exact = T(exactly: n) else { throw mismatch(T.self, v, path) }
            return exact
        }
    }

    struct Index: CodingKey {
        var stringValue: String { "\(intValue!)" }
        var intValue: Int?
        init(_ i: Int) { intValue = i }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.intValue = intValue }
    }
}

private func mismatch(_ type: Any.Type, _ value: JSONValue, _ path: [any CodingKey]) -> DecodingError {
    DecodingError.typeMismatch(type, .init(codingPath: path, debugDescription: "found \(value)"))
}
