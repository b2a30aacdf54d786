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

    @Test("reading in place: skipped fields are still checked, read fields keep JSONDecoder's type rules")
    func readingInPlace() {
        struct Picked {
            var s: String?
            var n: Int?
            var o: Int?
            var arr: [Int?]?
        }
        func pick(_ text: String) -> Picked? {
            JSONParser.read(text) { r in
                var p = Picked()
                try r.members { r, key in
                    switch key {
                    case "s": p.s = try r.optionalString()
                    case "n": p.n = try r.optionalInt()
                    case "o": p.o = try r.optionalObject { r in
                            var a: Int?
                            try r.members { r, key in if key == "a" { a = try r.optionalInt() } else { try r.skip() } }
                            return a
                        } ?? nil
                    case "arr": p.arr = try r.optionalArray { r in
                            var b: Int?
                            try r.members { r, key in if key == "b" { b = try r.optionalInt() } else { try r.skip() } }
                            return b
                        }
                    default: try r.skip()
                    }
                }
                return p
            }
        }
        let p = pick(#"{"id":"x\"y","s":"x","n":3,"z":null,"skip":{"deep":[1,{"x":null}]},"o":{"a":1},"arr":[{"b":2}]}"#)
        #expect(p?.s == "x")
        #expect(p?.n == 3)
        #expect(p?.o == 1)
        #expect(p?.arr == [2])
        #expect(pick(#"{"s":null,"n":null}"#).map { $0.s == nil && $0.n == nil } == true)
        // Another type in a field that is read fails the payload, as JSONDecoder does.
        #expect(pick(#"{"s":3}"#) == nil)
        #expect(pick(#"{"n":1.5}"#) == nil)
        #expect(pick(#"{"n":"3"}"#) == nil)
        #expect(pick(#"{"arr":{"b":2}}"#) == nil)
        #expect(pick(#"{"arr":[null]}"#) == nil)
        // A field that is skipped is still checked: invalid JSON anywhere fails.
        #expect(pick(#"{"skip":"bad\q","s":"x"}"#) == nil)
        #expect(pick("{\"skip\":\"ctl\u{01}\",\"s\":\"x\"}") == nil)
        #expect(pick(#"{"skip":[1,],"s":"x"}"#) == nil)
        #expect(pick(#"{"s":"x"} trailing"#) == nil)
        // An escaped key still matches.
        #expect(pick(#"{"\u0073":"escaped"}"#)?.s == "escaped")
    }
}
