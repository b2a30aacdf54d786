import ArgumentParser
import Foundation
import TapeCapture
import TapeCore
import TapeStore

struct Proxy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record every stream an application makes: a reverse proxy in front of the provider.",
        discussion: """
            Point the application's base URL at the proxy and change nothing else. Requests go \
            upstream as they came (method, path, query, headers, body); each read of the answer is \
            timestamped on arrival, passed to the application at once, and put on a tape, byte-exact. \
            Keys are forwarded and never written: the tape keeps [REDACTED].

              OpenAI      --upstream https://api.openai.com          base URL http://127.0.0.1:8787/v1
              Anthropic   --upstream https://api.anthropic.com       base URL http://127.0.0.1:8787
              Gemini      --upstream https://generativelanguage.googleapis.com
              Ollama      --upstream http://127.0.0.1:11434          OLLAMA_HOST=127.0.0.1:8787

            A request may carry `X-Tokentape-Tag: name` (not forwarded). Accept-Encoding goes \
            upstream as identity, so tapes hold readable streams; --keep-encoding forwards the \
            client's. When the client hangs up, the upstream request stops at once (no more tokens \
            paid for) and the tape ends client_cancelled. One line per finished tape.

            Examples:
              tokentape proxy --upstream https://api.openai.com --tag staging
              tokentape simulate --all-providers && tokentape serve &   # a local upstream, no key
              tokentape proxy --upstream http://127.0.0.1:8788 --listen 127.0.0.1:0
            """)

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: ArgumentHelp("Where requests go: http(s)://host[:port][/base path].", valueName: "url"))
    var upstream: String

    @Option(name: .long, help: ArgumentHelp("Where to listen: host:port (port 0 picks a free one).", valueName: "host:port"))
    var listen = "127.0.0.1:8787"

    @Option(name: .long, help: "Tag every tape (repeat for several).")
    var tag: [String] = []

    @Flag(name: .long, help: "Forward the client's Accept-Encoding instead of asking for identity.")
    var keepEncoding = false

    @OptionGroup var connection: UpstreamOptions

    func validate() throws {
        guard let url = URL(string: upstream), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            url.host?.isEmpty == false
        else {
            throw ValidationError("--upstream '\(upstream)' is not an http(s) URL, like https://api.openai.com")
        }
    }

    func run() throws {
        let address = try ListenAddress(listen, example: "127.0.0.1:8787")
        var configuration = RecordingProxy.Configuration(upstream: URL(string: upstream)!)
        configuration.host = address.host
        configuration.port = address.port
        configuration.tags = tag
        configuration.keepEncoding = keepEncoding
        configuration.client = connection.settings

        let store = try self.store.open()
        let recorder = Recorder(store: store)
        let proxy = RecordingProxy(configuration: configuration, recorder: recorder)
        let upstream = self.upstream
        let path = self.store.path
        let log = LogLines()
        defer { log.drain() }
        do {
            try AsyncWork<Void>.wait {
                try await proxy.run(
                    onListening: { port in
                        Terminal.write("recording \(upstream) into \(path); proxy on http://\(address.host):\(port)\n")
                    },
                    onFinish: { tape in log.write { Self.logLine(tape) } })
            }
        } catch let error as UpstreamClientError {
            try? recorder.close()
            throw ValidationError("\(error)")
        } catch {
            try? recorder.close()
            throw ValidationError("could not proxy on \(listen): \(error)")
        }
        // Everything the proxy saw is committed before it exits.
        try recorder.close()
    }

    /// `tt_… POST /v1/chat/completions 200 openai-chat gpt-4o-mini ttft 312.4 ms 54 chunks completed`
    static func logLine(_ tape: RecordingProxy.Finished) -> String {
        let ending = tape.ending
        var parts = [
            tape.uid, tape.method, tape.path, tape.status.map(String.init) ?? "–", ending.provider?.rawValue ?? "–",
            ending.model ?? "–", "ttft " + DurationText.ms(ending.timeline?.tokenTimes.first), "\(tape.chunks) chunks",
            ending.reason.rawValue,
        ]
        if let phase = ending.phase, ending.reason.isDropOff { parts.append("(\(phase.rawValue))") }
        if let detail = ending.detail, ending.reason != .completed { parts.append("– " + detail) }
        return parts.joined(separator: " ")
    }
}
