import Foundation

/// Decodes a response body into events, one read at a time, for any provider.
///
/// Feed it the reads in order with their chunk index; it frames them (SSE,
/// NDJSON or text), finds the provider, and decodes. The events are the same
/// however the body was cut into reads; only their `chunk` differs.
///
/// Which provider: an explicit `provider` always wins; then the request path;
/// then the framing (explicit, else the content type, else the first bytes)
/// and the first JSON payload. Frames wait, in order, until the provider is
/// known, so nothing is decoded twice or by the wrong decoder.
public struct StreamDecoder: Sendable {
    public private(set) var provider: Provider?
    public private(set) var framing: Framing?
    private let maxLineLength: Int
    private var framer: Framer?
    private var decoder: (any ProviderDecoder)?
    private var unframed: [([UInt8], Int)] = []
    private var undecoded: [Frame] = []
    private var lastChunk = -1
    private var consumed = 0
    /// Undoes a Content-Encoding the tape kept; event byte ranges then count decoded bytes.
    private var inflater: Inflater?

    /// Frames to hold while looking for the provider before settling on the generic one.
    static let detectionWindow = 64

    public init(
        provider: Provider? = nil, framing: Framing? = nil, path: String? = nil, contentType: String? = nil,
        contentEncoding: String? = nil, maxLineLength: Int = SSEParser.defaultMaxLineLength
    ) {
        self.maxLineLength = maxLineLength
        setContentEncoding(contentEncoding)
        var framing = framing ?? contentType.flatMap(ProviderDetection.framing(forContentType:))
        var provider = provider ?? path.flatMap(ProviderDetection.provider(forPath:))
        if let p = provider, let f = framing, p.framing != f {
            // The bytes cannot be both: a framing chosen by hand beats a path.
            provider = Provider.generic(f)
        }
        if let p = provider { framing = p.framing }
        if framing == .text { provider = .text }
        self.framing = framing
        if let framing { framer = Framer(framing, maxLineLength: maxLineLength) }
        if let provider { settle(provider) }
    }

    /// The body's Content-Encoding, once the response head says it (before the first read).
    public mutating func setContentEncoding(_ encoding: String?) {
        let encoding = encoding?.trimmingCharacters(in: .whitespaces).lowercased()
        inflater = encoding.map { Inflater.encodings.contains($0) } == true ? Inflater() : nil
    }

    /// Why the body's Content-Encoding could not be undone, if it could not.
    public var contentDecodingFailure: String? { inflater?.failure }

    /// The model the stream names, once it has said.
    public var model: String? { decoder?.model }

    /// Decodes one read; `chunk` is its index in the tape.
    public mutating func feed(_ bytes: [UInt8], chunk: Int) -> [StreamEvent] {
        let bytes = inflater?.inflate(bytes) ?? bytes
        lastChunk = chunk
        consumed += bytes.count
        guard framer != nil else {
            unframed.append((bytes, chunk))
            let seen = unframed.flatMap(\.0)
            guard let framing = ProviderDetection.framing(sniffing: seen, atEnd: false) else { return [] }
            return startFraming(framing)
        }
        return decode(framer!.feed(bytes, chunk: chunk))
    }

    /// Ends the stream: flushes what the framer held and settles the provider.
    public mutating func finish() -> [StreamEvent] {
        var events: [StreamEvent] = []
        if framer == nil {
            let seen = unframed.flatMap(\.0)
            events += startFraming(ProviderDetection.framing(sniffing: seen, atEnd: true) ?? .text)
        }
        events += decode(framer!.finish())
        if decoder == nil {
            settle(Provider.generic(framing ?? .text))
            events += drainUndecoded()
        }
        events += decoder!.finish(lastChunk: max(lastChunk, 0), end: consumed)
        return events
    }

    /// Decodes a whole body given as reads.
    public static func decode(
        _ reads: some Sequence<[UInt8]>, provider: Provider? = nil, framing: Framing? = nil,
        path: String? = nil, contentType: String? = nil
    ) -> (events: [StreamEvent], provider: Provider, model: String?) {
        var decoder = StreamDecoder(provider: provider, framing: framing, path: path, contentType: contentType)
        var events: [StreamEvent] = []
        for (index, read) in reads.enumerated() { events += decoder.feed(read, chunk: index) }
        events += decoder.finish()
        return (events, decoder.provider ?? .text, decoder.model)
    }

    private mutating func startFraming(_ framing: Framing) -> [StreamEvent] {
        self.framing = framing
        framer = Framer(framing, maxLineLength: maxLineLength)
        if framing == .text { settle(.text) }
        var frames: [Frame] = []
        for (bytes, chunk) in unframed { frames += framer!.feed(bytes, chunk: chunk) }
        unframed = []
        return decode(frames)
    }

    private mutating func settle(_ provider: Provider) {
        self.provider = provider
        decoder = switch provider {
        case .openaiChat, .openaiCompletions: OpenAIChatDecoder()
        case .openaiResponses: OpenAIResponsesDecoder()
        case .anthropic: AnthropicDecoder()
        case .gemini: GeminiDecoder()
        case .ollamaChat, .ollamaGenerate: OllamaDecoder()
        case .sse, .ndjson, .text: GenericDecoder()
        }
    }

    private mutating func decode(_ frames: [Frame]) -> [StreamEvent] {
        guard decoder == nil else { return frames.flatMap { events(for: $0) } }
        undecoded += frames
        for frame in frames where frame.kind == .message {
            guard let data = frame.data, !data.hasPrefix("[DONE]") else { continue }
            if let found = ProviderDetection.provider(forPayload: data, framing: framing ?? .text) {
                settle(found)
                break
            }
        }
        if decoder == nil, undecoded.count >= Self.detectionWindow { settle(Provider.generic(framing ?? .text)) }
        return decoder == nil ? [] : drainUndecoded()
    }

    private mutating func drainUndecoded() -> [StreamEvent] {
        let frames = undecoded
        undecoded = []
        return frames.flatMap { events(for: $0) }
    }

    /// The events of one frame: what every framing shares, then the provider's own.
    private mutating func events(for frame: Frame) -> [StreamEvent] {
        switch frame.kind {
        case .comment:
            return [frame.event(.keepalive)]
        case .oversized:
            let error = EventError(
                message: "a line is longer than \(maxLineLength) bytes; it was skipped up to its end",
                code: "line_too_long")
            return [frame.event(.error, error: error)]
        case .message:
            guard let data = frame.data else { return [dataless(frame)] }
            if framing == .sse, data.hasPrefix("[DONE]") { return [frame.event(.done)] }
            if let events = decoder!.decode(data, of: frame) { return events }
            // Valid JSON in a shape this API's decoder does not expect is kept
            // apart from bytes that are not JSON at all.
            let isJSON = JSONParser.parse(data) != nil
            return [frame.event(.other, anomaly: isJSON ? "unexpected_shape" : "not_json")]
        }
    }

    /// An SSE block without `data`: a named ping, old llama.cpp's `error:` line, or other.
    private func dataless(_ frame: Frame) -> StreamEvent {
        if let field = frame.otherFields.first(where: { $0.name == "error" }) {
            let payload = ErrorPayload.parse(field.value)
            let error = payload?.eventError ?? EventError(message: field.value)
            return frame.event(.error, error: error)
        }
        return frame.event(frame.name == "ping" ? .keepalive : .other)
    }
}

/// The three framings behind one interface.
enum Framer: Sendable {
    case sse(SSEParser)
    case ndjson(NDJSONFramer)
    case text(TextFramer)

    init(_ framing: Framing, maxLineLength: Int) {
        switch framing {
        case .sse: self = .sse(SSEParser(maxLineLength: maxLineLength))
        case .ndjson: self = .ndjson(NDJSONFramer(maxLineLength: maxLineLength))
        case .text: self = .text(TextFramer())
        }
    }

    mutating func feed(_ bytes: [UInt8], chunk: Int) -> [Frame] {
        switch self {
        case .sse(var p): defer { self = .sse(p) }; return p.feed(bytes, chunk: chunk)
        case .ndjson(var p): defer { self = .ndjson(p) }; return p.feed(bytes, chunk: chunk)
        case .text(var p): defer { self = .text(p) }; return p.feed(bytes, chunk: chunk)
        }
    }

    mutating func finish() -> [Frame] {
        switch self {
        case .sse(var p): defer { self = .sse(p) }; return p.finish()
        case .ndjson(var p): defer { self = .ndjson(p) }; return p.finish()
        case .text(var p): defer { self = .text(p) }; return p.finish()
        }
    }
}
