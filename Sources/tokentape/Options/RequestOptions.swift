import ArgumentParser
import Foundation
import TapeCapture
import TapeCore

/// The request `record URL` makes: curl's -X, -H and -d, or a shortcut for a
/// common API that writes the request from a model and a prompt.
struct RequestOptions: ParsableArguments {
    @Option(name: [.customShort("X"), .customLong("request")], help: ArgumentHelp("The method (default GET, or POST with -d).", valueName: "method"))
    var method: String?

    @Option(name: [.customShort("H"), .customLong("header")], help: ArgumentHelp("A request header (repeat for several).", valueName: "K: V"))
    var headers: [String] = []

    @Option(name: [.customShort("d"), .customLong("data")], help: ArgumentHelp("The JSON body, or @file to read it from a file.", valueName: "json|@file"))
    var data: String?

    @Option(name: .long, help: ArgumentHelp("OpenAI Chat Completions with this model; the argument is the prompt.", valueName: "model"))
    var openai: String?

    @Option(name: .long, help: ArgumentHelp("Anthropic Messages with this model; the argument is the prompt.", valueName: "model"))
    var anthropic: String?

    @Option(name: .long, help: ArgumentHelp("Ollama chat with this model; the argument is the prompt.", valueName: "model"))
    var ollama: String?

    @Option(name: .long, help: ArgumentHelp("Where a shortcut sends its request instead of the provider.", valueName: "url"))
    var baseURL: String?

    enum Shortcut: String {
        case openai, anthropic, ollama
    }

    var shortcut: (Shortcut, model: String)? {
        if let openai { return (.openai, openai) }
        if let anthropic { return (.anthropic, anthropic) }
        if let ollama { return (.ollama, ollama) }
        return nil
    }

    func validate() throws {
        if [openai, anthropic, ollama].compactMap({ $0 }).count > 1 {
            throw ValidationError("--openai, --anthropic and --ollama exclude each other: pick one")
        }
        if shortcut != nil, data != nil {
            throw ValidationError("a shortcut writes the request body itself: drop -d, or give a URL instead of the shortcut")
        }
        if baseURL != nil, shortcut == nil {
            throw ValidationError("--base-url goes with --openai, --anthropic or --ollama; with a URL, put it in the URL")
        }
    }

    /// The request for the command's argument (a URL, or a shortcut's prompt).
    func request(_ argument: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> RecordingClient.Request {
        var fields = try headers.map { line -> HeaderField in
            guard let colon = line.firstIndex(of: ":"), colon > line.startIndex else {
                throw ValidationError("-H '\(line)' is not a header: write it as 'Name: value'")
            }
            return HeaderField(String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var url = argument
        var body = try data.map(Self.body)
        if let (kind, model) = shortcut {
            let prompt = Self.quoted(argument)
            switch kind {
            case .openai:
                let base = baseURL ?? "https://api.openai.com/v1"
                url = Self.join(base, "/chat/completions")
                if let key = environment["OPENAI_API_KEY"], !key.isEmpty {
                    fields.append(HeaderField("Authorization", "Bearer \(key)"))
                } else if baseURL == nil {
                    throw ValidationError("--openai needs a key: set OPENAI_API_KEY (or --base-url to a server that needs none)")
                }
                body = Array(#"{"model":\#(Self.quoted(model)),"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":\#(prompt)}]}"#.utf8)
            case .anthropic:
                let base = baseURL ?? "https://api.anthropic.com"
                url = Self.join(base, "/v1/messages")
                if let key = environment["ANTHROPIC_API_KEY"], !key.isEmpty {
                    fields.append(HeaderField("x-api-key", key))
                } else if baseURL == nil {
                    throw ValidationError("--anthropic needs a key: set ANTHROPIC_API_KEY (or --base-url to a server that needs none)")
                }
                fields.append(HeaderField("anthropic-version", "2023-06-01"))
                body = Array(#"{"model":\#(Self.quoted(model)),"max_tokens":1024,"stream":true,"messages":[{"role":"user","content":\#(prompt)}]}"#.utf8)
            case .ollama:
                var base = baseURL ?? environment["OLLAMA_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:11434"
                if !base.contains("://") { base = "http://" + base }
                url = Self.join(base, "/api/chat")
                body = Array(#"{"model":\#(Self.quoted(model)),"stream":true,"messages":[{"role":"user","content":\#(prompt)}]}"#.utf8)
            }
        }
        if body != nil, !fields.contains(where: { $0.name.lowercased() == "content-type" }) {
            fields.append(HeaderField("Content-Type", "application/json"))
        }
        do {
            return try RecordingClient.Request(method: method ?? (body == nil ? "GET" : "POST"), url: url, headers: fields, body: body)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// `-d`: JSON as given, or read from `@file`; refused unless it parses.
    static func body(_ data: String) throws -> [UInt8] {
        var bytes = Array(data.utf8)
        if data.hasPrefix("@") {
            let path = String(data.dropFirst())
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read the body file \(path)")
            }
            bytes = Array(contents)
        }
        guard (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil else {
            throw ValidationError("the -d body is not valid JSON\(data.hasPrefix("@") ? " (\(data.dropFirst()))" : ""): an LLM API takes a JSON request")
        }
        return bytes
    }

    static func join(_ base: String, _ path: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }

    static func quoted(_ text: String) -> String {
        JSONValue.string(text).canonicalText
    }
}

/// How many requests `record URL` makes, how many at once, and how fast.
struct LoadOptions: ParsableArguments {
    @Option(name: .customLong("repeat"), help: "Make the request this many times.")
    var count = 1

    @Option(name: .long, help: "Requests in flight at once.")
    var concurrency = 1

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Start requests at this many per second (open loop); a request waiting for a free slot shows in ttft_user.",
            valueName: "per second"))
    var rate: Double?

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--repeat must be at least 1") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        if let rate, !(rate > 0 && rate.isFinite) { throw ValidationError("--rate must be a positive number of requests per second") }
    }
}
