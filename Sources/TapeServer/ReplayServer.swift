import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import TapeCore
import TapeReplay

/// An HTTP server that answers on the providers' own paths with recorded
/// tapes, at their recorded timing, so official SDKs and chat UIs take it for
/// the real provider (FORMATS.md §11). Binds 127.0.0.1 unless told otherwise.
public struct ReplayServer: Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        /// 0 picks a free port; `onListening` says which.
        public var port = 8788
        public var options = ReplayOptions()
        /// Answer a request no tape was recorded for with 404 instead of another tape.
        public var strict = false
        /// What the HTTP server logs. Stopped by cancelling its task (not by a signal) it logs
        /// the cancellation as an error: a server embedded in another command (the demo) says `.critical`.
        public var logLevel: Logger.Level = .warning

        public init() {}
    }

    /// The paths served, with the provider each belongs to.
    public static let routes: [(path: String, provider: Provider)] = [
        ("/v1/chat/completions", .openaiChat),
        ("/v1/completions", .openaiCompletions),
        ("/v1/responses", .openaiResponses),
        ("/v1/messages", .anthropic),
        ("/v1beta/models/{model}:streamGenerateContent", .gemini),
        // google-genai given a base URL asks the v1 API.
        ("/v1/models/{model}:streamGenerateContent", .gemini),
        ("/api/chat", .ollamaChat),
        ("/api/generate", .ollamaGenerate),
    ]

    public static var servedPaths: [String] { routes.map(\.path) + ["/tapes/{id}", "/ (the tape list)", "/play/{id}"] }

    public let library: TapeLibrary
    public let configuration: Configuration
    /// The rows of the web player's tape list.
    public let listing: [TapeListing]

    /// - Parameter listing: the tape list at `/`, with metrics when the
    ///   caller has them; by default each served tape without them.
    public init(library: TapeLibrary, configuration: Configuration, listing: [TapeListing]? = nil) {
        self.library = library
        self.configuration = configuration
        self.listing = listing ?? library.tapes.map { TapeListing(metadata: $0) }
    }

    /// Serves until the task is cancelled or SIGINT/SIGTERM.
    /// - Parameter onListening: called with the bound port once the server accepts connections.
    public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let router = Router(context: ReplayRequestContext.self)
        router.add(middleware: NotFoundAnswer())
        for (path, provider) in Self.routes where provider != .gemini {
            router.post(RouterPath(path)) { request, context in
                try await self.answer(request, path: path, provider: provider, loop: context.eventLoop)
            }
        }
        for prefix in ["/v1beta/models/*", "/v1/models/*"] {
            router.post(RouterPath(prefix)) { request, context in
                try await self.answer(request, path: request.uri.path, provider: .gemini, loop: context.eventLoop)
            }
        }
        router.get("/tapes/:id") { request, context in
            try await self.raw(context.parameters.get("id") ?? "", request: request, loop: context.eventLoop)
        }
        addPlayer(to: router)
        var logger = Logger(label: "tokentape.serve")
        logger.logLevel = configuration.logLevel
        // Hummingbird serves on NIO's shared loops.
        MultiThreadedEventLoopGroup.singleton.runAtProcessPriority()
        let app = Application(
            router: router,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "tokentape",
                // Many streams start at once (a load test, a demo hall): a full accept queue drops
                // connections for a second, the SYN retry time. The kernel caps this at somaxconn.
                backlog: 4096),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.runService()
    }

    /// A provider path: pick the tape, then stream it.
    func answer(_ request: Request, path: String, provider: Provider, loop: any EventLoop) async throws -> Response {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: 16 << 20)
        } catch {
            return Self.error(413, "the request body is larger than 16 MiB", provider: provider)
        }
        let bytes = [UInt8](buffer: body)
        if !bytes.isEmpty, (try? JSONSerialization.jsonObject(with: Data(bytes))) == nil {
            return Self.error(400, "the request body is not valid JSON", provider: provider)
        }
        let named = request.headers[HTTPField.Name("X-Tokentape-Tape")!]
        let fullPath = request.uri.query.map { "\(request.uri.path)?\($0)" } ?? request.uri.path
        let choice = try await library.choose(
            method: request.method.rawValue, path: fullPath, body: bytes, provider: provider, named: named,
            strict: configuration.strict)
        switch choice {
        case .tape(let tape, let match):
            return stream(
                tape, await library.schedule(tape, options: configuration.options), provider: provider, match: match, loop: loop)
        case .none(let reason, let nearest, let differences):
            var message = reason
            if let nearest {
                message += "; the nearest is tape \(nearest.number.map(String.init) ?? nearest.uid)"
                if !differences.isEmpty { message += ", which differs in " + differences.joined(separator: "; ") }
            }
            return Self.error(404, message, provider: provider)
        }
    }

    /// `/tapes/{id}`: any tape's stream, with the server's transforms and
    /// the query's speed, gap cap and starting byte (`PlayQuery`).
    func raw(_ id: String, request: Request, loop: any EventLoop) async throws -> Response {
        let query: PlayQuery
        do {
            query = try PlayQuery(request)
        } catch {
            return Self.error(400, (error as? PlayQuery.QueryError)?.message ?? "\(error)", provider: .text)
        }
        guard let tape = try await library.tape(named: id) else {
            return Self.error(404, "no tape '\(id)' is served; GET / lists the tapes served", provider: .text)
        }
        var schedule: ReplaySchedule
        if let maxGap = query.maxGap {
            // A player's own cap: built for this request, not cached, as any value may come.
            var options = configuration.options
            options.maxGap = maxGap
            schedule = ReplaySchedule(tape: tape, options: options)
        } else {
            schedule = await library.schedule(tape, options: configuration.options)
        }
        if let speed = query.speed { schedule.speed = speed }
        if query.fromByte > 0 { schedule = schedule.resumed(fromByte: query.fromByte) }
        return stream(tape, schedule, provider: tape.metadata.provider ?? schedule.provider, match: .header, loop: loop)
    }

    /// The recorded status and headers, then the body on its schedule.
    func stream(
        _ tape: Tape, _ schedule: ReplaySchedule, provider: Provider, match: TapeLibrary.Match, loop: any EventLoop
    ) -> Response {
        let name = tape.metadata.number.map(String.init) ?? tape.metadata.uid
        if let failure = schedule.failure {
            var headers: HTTPFields = [.contentType: "application/json", Self.tapeHeader: name]
            if let retry = failure.retryAfter { headers[.retryAfter] = "\(retry)" }
            return Response(
                status: .init(code: failure.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: failure.body)))
        }
        var headers = HTTPFields()
        for field in HopByHop.endToEnd(tape.metadata.response?.headers ?? [], also: Self.notReplayed) {
            guard let name = HTTPField.Name(field.name) else { continue }
            headers.append(HTTPField(name: name, value: field.value))
        }
        if headers[.contentType] == nil { headers[.contentType] = provider.streamContentType }
        if headers[.cacheControl] == nil { headers[.cacheControl] = "no-cache" }
        let requestID = provider == .anthropic ? HTTPField.Name("request-id")! : HTTPField.Name("x-request-id")!
        if headers[requestID] == nil { headers[requestID] = "req_" + tape.metadata.uid }
        headers[Self.tapeHeader] = name
        headers[HTTPField.Name("x-tokentape-match")!] = match.rawValue
        let status = tape.metadata.response?.status ?? 200
        let writes = schedule.writes
        let speed = schedule.speed > 0 ? schedule.speed : 1
        let reset = schedule.ending == .reset
        return Response(
            status: .init(code: status), headers: headers,
            body: ResponseBody { writer in
                try await ConnectionPacer(loop: loop).play(writes, speed: speed, into: &writer)
                // A cut connection: no clean end of the body, as a network failure looks.
                if reset { throw ReplayReset() }
                try await writer.finish(nil)
            })
    }

    static let tapeHeader = HTTPField.Name("x-tokentape-tape")!

    /// The body framing and the server's own fields, which this server sets itself.
    static let notReplayed: Set<String> = ["content-length", "date", "server"]

    /// A JSON error in the provider's shape.
    static func error(_ status: Int, _ message: String, provider: Provider) -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: ProviderErrors.statusBody(status, provider: provider, message: message))))
    }
}

/// Thrown from a body writer to cut the connection without a clean end.
struct ReplayReset: Error {}

/// Unknown paths get a JSON 404 that lists what is served.
struct NotFoundAnswer<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            return ReplayServer.error(
                404, "no such path: \(request.method.rawValue) \(request.uri.path); served: " + ReplayServer.servedPaths.joined(separator: ", "),
                provider: .openaiChat)
        }
    }
}
