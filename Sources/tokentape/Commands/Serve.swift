import ArgumentParser
import Foundation
import TapeAnalysis
import TapeCore
import TapeReplay
import TapeServer
import TapeStore

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Answer as the provider would, on its own paths, with recorded tapes at their timing.",
        discussion: """
            Point an SDK or a chat UI at it instead of the provider: no key (any auth header is \
            accepted), no network, the same stream every time.

              OpenAI      base URL http://127.0.0.1:8788/v1   (/v1/chat/completions, /v1/completions, /v1/responses)
              Anthropic   base URL http://127.0.0.1:8788      (/v1/messages)
              Gemini      http://127.0.0.1:8788/v1beta (or /v1)/models/{model}:streamGenerateContent?alt=sse
              Ollama      http://127.0.0.1:8788               (/api/chat, /api/generate)
              any tape    GET /tapes/{number or id}[?speed=2&max_gap=500&from_byte=N]
              a browser   GET /   the tapes; /play/{id} replays one as a chat, with its timing

            Which tape answers: the one a X-Tokentape-Tape header names; else one recorded for the same \
            request (method, path and JSON body, leaving out \(TapeLibrary.volatileFields.sorted().joined(separator: ", "))), \
            repeats getting their recordings in order; else the next tape of the path's provider. \
            --strict answers an unmatched request with 404 naming the nearest tape and how it differs.

            Examples:
              tokentape simulate --all-providers && tokentape serve
              tokentape serve --tag demo --speed 2 --max-gap 1s
              tokentape serve --listen 127.0.0.1:0 --fault truncate@20:reset   # a port of its own; faults for parser tests
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var tapes: TapeSetOptions
    @OptionGroup var replay: ReplayOptionGroup

    @Option(name: .long, help: ArgumentHelp("Where to listen: host:port (port 0 picks a free one).", valueName: "host:port"))
    var listen = "127.0.0.1:8788"

    @Flag(name: .long, help: "Answer a request no tape was recorded for with 404 instead of another tape.")
    var strict = false

    func run() throws {
        var configuration = ReplayServer.Configuration()
        configuration.options = try replay.options()
        configuration.strict = strict
        let address = try ListenAddress(listen, example: "127.0.0.1:8788")
        configuration.host = address.host
        configuration.port = address.port
        let store = try self.store.open()
        let served = try store.tapes(tapes.filter()).filter { $0.endReason != nil }
        guard !served.isEmpty else {
            throw ValidationError("no finished tape to serve in \(self.store.path); record one, or make some up: tokentape simulate --all-providers")
        }
        let library = TapeLibrary(served) { metadata in try store.tape(with: metadata) }
        let server = ReplayServer(
            library: library, configuration: configuration, listing: try Self.listing(served, store, tapes.filter()))
        let providers = Set(served.compactMap(\.provider?.rawValue)).sorted().joined(separator: ", ")
        let host = configuration.host
        do {
            try AsyncWork<Void>.wait {
                try await server.run { port in
                    Terminal.write("serving \(served.count) tapes (\(providers)) on http://\(host):\(port)\n")
                    Terminal.write("watch them in a browser: http://\(host):\(port)/\n")
                }
            }
        } catch {
            throw ValidationError("could not serve on \(listen): \(error)")
        }
    }

    /// The web player's tape list, with each tape's time to first token.
    static func listing(_ served: [TapeMetadata], _ store: TapeStore, _ filter: TapeFilter) throws -> [TapeListing] {
        try store.analyzeStale(filter, quiet: true)
        var ttft: [String: Int64] = [:]
        try store.forEachTimeline(filter) { metadata, timeline in
            if let timeline, metadata.timed { ttft[metadata.uid] = TapeMetrics(metadata: metadata, timeline: timeline).ttft }
        }
        return served.map { TapeListing(metadata: $0, ttft: ttft[$0.uid]) }
    }
}
