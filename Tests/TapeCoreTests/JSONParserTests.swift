import Foundation
import Testing
@testable import TapeCore

/// Our parser against Foundation's JSONSerialization as the reference: the
/// same values for valid JSON, and both refuse what RFC 8259 refuses.
struct JSONParserTests {
    /// A JSONValue from Foundation's parse, to compare with ours.
    func reference(_ text: String) -> JSONValue? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else { return nil }
        return convert(object)
    }

    func convert(_ object: Any) -> JSONValue {
        switch object {
        case is NSNull: return .null
        case let n as NSNumber:
            // NSNumber hides booleans; its objCType says which it is.
            if String(cString: n.objCType) == "c" { return .bool(n.boolValue) }
            return .number(n.doubleValue)
        case let s as String: return .string(s)
        case let a as [Any]: return .array(a.map(convert))
        case let d as [String: Any]: return .object(JSONMembers(d.mapValues(convert)))
        default: return .null
        }
    }

    static let valid = [
        #"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#,
        #"  {"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}  "#,
        #""plain""#, "0", "-0", "12", "-12.5", "1e3", "1E-2", "2.5e+10", "123456789012345678", "0.1",
        #"[]"#, #"{}"#, #"[[[[]]]]"#, " \n\t\r[1, 2 ,3 ] ",
        #""esc \" \\ \/ \b \f \n \r \t""#, #""\u00e9\u4e2d\ud83d\ude00""#, #""ü中😀 raw""#,
        #"{"k":"v","k":"last"}"#, #"{"":""}"#, #"[1.5,-0.0,1e308]"#,
    ]

    static let invalid = [
        "", " ", "{", "}", #"{"a" 1}"#, #"{a:1}"#, "'x'", "01", "1.", ".5", "+1", "-", "1e", "0x10",
        "NaN", "Infinity", "nul", "tru", #""unterminated"#, "\"tab\tinside\"", #""\x""#, #""\u12""#, "[1] [2]", "{} x",
        #"{"a":1}}"#, "[", "]",
    ]

    @Test("valid JSON parses to the same value as Foundation's parser")
    func valid() {
        for text in Self.valid {
            let ours = JSONParser.parse(text)
            #expect(ours != nil, "\(text)")
            if case .object(let o)? = ours, text.contains(#""k":"v","k""#) {
                // A repeated key reads as its last value, as a dictionary would keep it.
                #expect(o["k"] == .string("last"))
                continue
            }
            #expect(ours == reference(text), "\(text)")
        }
    }

    @Test("what RFC 8259 refuses is refused, as Foundation refuses it")
    func invalid() {
        for text in Self.invalid {
            #expect(JSONParser.parse(text) == nil, "\(text)")
            #expect(reference(text) == nil, "reference accepts \(text)")
        }
        // Foundation on Linux lets trailing commas through; the RFC (and every provider) does not.
        for text in ["[1,]", #"{"a":1,}"#] {
            #expect(JSONParser.parse(text) == nil, "\(text)")
        }
        // Deeper than the limit is refused instead of overflowing the stack.
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(JSONParser.parse(deep) == nil)
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(JSONParser.parse(fine) != nil)
    }

    @Test("a lone surrogate becomes U+FFFD instead of failing the payload")
    func loneSurrogate() {
        #expect(JSONParser.parse(#""a\ud83db""#) == .string("a\u{FFFD}b"))
        #expect(JSONParser.parse(#""\ude00""#) == .string("\u{FFFD}"))
    }

    @Test("ignored top-level fields are still checked but not kept")
    func ignoring() {
        let value = JSONParser.parse(#"{"id":"x\"y","object":"chunk","keep":1}"#, ignoring: ["id", "object"])
        #expect(value == .object(["keep": .number(1)]))
        #expect(JSONParser.parse(#"{"id":"bad\q","keep":1}"#, ignoring: ["id"]) == nil)
        #expect(JSONParser.parse("{\"id\":\"ctl\u{01}\",\"keep\":1}", ignoring: ["id"]) == nil)
    }

    @Test("typed reads keep JSONDecoder's rules: null is nil, another type fails")
    func typedReads() throws {
        guard case .object(let members)? = JSONParser.parse(#"{"s":"x","n":3,"f":1.5,"z":null,"o":{"a":1},"arr":[{"b":2}]}"#) else {
            Issue.record("no object")
            return
        }
        let o = JSONObject(members)
        #expect(try o.string("s") == "x")
        #expect(try o.int("n") == 3)
        #expect(try o.string("z") == nil)
        #expect(try o.string("missing") == nil)
        #expect(throws: DecodingError.self) { try o.string("n") }
        #expect(throws: DecodingError.self) { try o.int("f") }
        #expect(try o.object("o")?.int("a") == 1)
        #expect(try o.objects("arr")?.first?.int("b") == 2)
        #expect(throws: DecodingError.self) { try o.objects("o") }
    }
}
