import Foundation

/// Tells which API a stream speaks: from the request path when known, the
/// content type, and the first bytes and events. An explicit choice always
/// wins over all of these (see `StreamDecoder`).
public enum ProviderDetection {
    /// The API a request path belongs to, whatever prefix a gateway adds
    /// (`/openai/v1/chat/completions`, Azure deployments, `/v1beta/models/m:streamGenerateContent`).
    public static func provider(forPath path: String) -> Provider? {
        // Bytes, not Characters: every proxied request asks, and a path is ASCII (the generic
        // `contains` of a collection was most of the cost of making a proxied tape, measured).
        var path = path
        return path.withUTF8 { bytes in
            let path = bytes.firstIndex(of: UInt8(ascii: "?")).map { UnsafeBufferPointer(rebasing: bytes[..<$0]) } ?? bytes
            if contains(path, ":streamGenerateContent") { return .gemini }
            if endsWith(path, "/chat/completions") { return .openaiChat }
            if endsWith(path, "/completions") { return .openaiCompletions }
            if endsWith(path, "/responses") || contains(path, "/responses/") { return .openaiResponses }
            if endsWith(path, "/messages") { return .anthropic }
            if endsWith(path, "/api/chat") { return .ollamaChat }
            if endsWith(path, "/api/generate") { return .ollamaGenerate }
            return nil
        }
    }

    private static func endsWith(_ bytes: UnsafeBufferPointer<UInt8>, _ suffix: StaticString) -> Bool {
        let suffix = UnsafeBufferPointer(start: suffix.utf8Start, count: suffix.utf8CodeUnitCount)
        return bytes.count >= suffix.count && bytes[(bytes.count - suffix.count)...].elementsEqual(suffix)
    }

    private static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: StaticString) -> Bool {
        let needle = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard bytes.count >= needle.count else { return false }
        return (0...(bytes.count - needle.count)).contains { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    /// The framing a `Content-Type` announces, if it names one.
    public static func framing(forContentType contentType: String) -> Framing? {
        let type = contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        switch type {
        case "text/event-stream": return .sse
        case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines": return .ndjson
        case "text/plain": return .text
        default: return nil
        }
    }

    /// The framing the first bytes of a body show, or nil until enough bytes
    /// have arrived (`atEnd` decides with what there is).
    static func framing(sniffing bytes: [UInt8], atEnd: Bool) -> Framing? {
        var i = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        guard i < bytes.count else { return atEnd ? .text : nil }
        switch bytes[i] {
        case UInt8(ascii: "{"), UInt8(ascii: "["): return .ndjson
        case UInt8(ascii: ":"): return .sse
        default: break
        }
        let rest = bytes[i...]
        for field in ["data", "event", "id", "retry"] {
            let name = Array(field.utf8)
            if rest.starts(with: name) {
                guard rest.count > name.count else { return atEnd ? .text : nil }
                let next = rest[rest.startIndex + name.count]
                if next == UInt8(ascii: ":") || next == 0x0A || next == 0x0D { return .sse }
            } else if name.starts(with: rest) {
                return atEnd ? .text : nil  // could still become "data:"
            }
        }
        return .text
    }

    private static let anthropicTypes: Set<String> = [
        "message_start", "content_block_start", "content_block_delta", "content_block_stop",
        "message_delta", "message_stop", "ping",
    ]

    /// The API one JSON payload belongs to, or nil when it could be several
    /// (an error alone, an empty usage chunk). A JSON object of no known API
    /// gives the framing's generic provider.
    static func provider(forPayload data: String, framing: Framing) -> Provider? {
        guard let value = JSONParser.parse(data),
            case .object(let o) = value
        else { return nil }
        switch framing {
        case .sse:
            if let type = o["type"]?.stringValue {
                if type.hasPrefix("response.") { return .openaiResponses }
                if anthropicTypes.contains(type) { return .anthropic }
                if type == "error" { return o["sequence_number"] != nil ? .openaiResponses : .anthropic }
            }
            switch o["object"]?.stringValue {
            case "chat.completion.chunk": return .openaiChat
            case "text_completion": return .openaiCompletions
            default: break
            }
            if case .array(let choices)? = o["choices"], let first = choices.first {
                if first["delta"] != nil { return .openaiChat }
                if first["text"] != nil { return .openaiCompletions }
            }
            if o["candidates"] != nil || o["usageMetadata"] != nil || o["promptFeedback"] != nil { return .gemini }
            if o["error"] != nil || o["choices"] != nil || o["usage"] != nil { return nil }
            return .sse
        case .ndjson:
            if o["message"] != nil { return .ollamaChat }
            if o["response"] != nil { return .ollamaGenerate }
            if o["error"] != nil || o["done"] != nil { return nil }
            return .ndjson
        case .text:
            return .text
        }
    }
}
