import ArgumentParser
import Dispatch
import Foundation
import TapeCapture
import TapeCore
import TapeStore

struct Record: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a streaming request and record the answer, or record a body piped in.",
        discussion: """
            Every read is timestamped the moment it returns, before any parsing, and stored \
            byte-exact; keys in headers are sent and never written (the tape keeps [REDACTED]). \
            The text is printed as it arrives, then the tape's metrics; with --repeat a progress \
            line, then the stats of the batch. Ctrl-C stops cleanly: tapes in flight end \
            client_cancelled and nothing is lost.

            As the client (t = 0 just before the request goes out):
              tokentape record --openai gpt-4o-mini "Why is the sky blue?"          # key from OPENAI_API_KEY
              tokentape record --anthropic claude-sonnet-4-5 "Hi"                    # ANTHROPIC_API_KEY
              tokentape record --ollama qwen3:0.6b "Hi"                              # OLLAMA_HOST or 127.0.0.1:11434
              tokentape record --openai m "Hi" --base-url http://127.0.0.1:8788/v1   # tokentape serve: no key
              tokentape record https://api.openai.com/v1/chat/completions \
                -H "Authorization: Bearer $OPENAI_API_KEY" -d @request.json --repeat 100 --concurrency 8 --rate 4

            From a pipe (t = 0 when tokentape starts reading):
              curl -sN https://api.openai.com/v1/chat/completions \\
                -H "Authorization: Bearer $OPENAI_API_KEY" -H 'Content-Type: application/json' \\
                -d '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Hi"}]}' \\
                | tokentape record --stdin --tag hello
              curl -sN http://localhost:11434/api/chat -d '{"model":"qwen3:0.6b","messages":[{"role":"user","content":"Hi"}]}' \\
                | tokentape record --stdin --path /api/chat
              … | tokentape record --stdin --tee | my-parser     # record and pass the bytes on
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: ArgumentHelp(
        "The URL to request; with --openai, --anthropic or --ollama, the prompt.", valueName: "url or prompt"))
    var target: String?

    @Flag(name: .long, help: "Read the body from standard input.")
    var stdin = false

    @OptionGroup var request: RequestOptions
    @OptionGroup var load: LoadOptions
    @OptionGroup var connection: UpstreamOptions

    @Option(name: .long, help: "How the body is framed: auto, sse, ndjson or text.")
    var format: FormatChoice = .auto

    @Option(name: .long, help: "The API the stream speaks, when detection should not decide.")
    var provider: Provider?

    @Option(name: .long, help: ArgumentHelp("The request path the body answers (/v1/messages), to tell the API.", valueName: "path"))
    var path: String?

    @Option(name: .long, help: "Tag the tape (repeat for several).")
    var tag: [String] = []

    @Flag(name: .long, help: "Copy the bytes to standard output unchanged (the text is then not printed).")
    var tee = false

    @Flag(name: .long, help: "Do not print the text as it arrives.")
    var quiet = false

    enum FormatChoice: String, ExpressibleByArgument, CaseIterable {
        case auto, sse, ndjson, text
        var framing: Framing? { Framing(rawValue: rawValue) }
    }

    func validate() throws {
        if stdin {
            guard target == nil, request.shortcut == nil else {
                throw ValidationError("--stdin records a body piped in: give no URL and no --openai/--anthropic/--ollama with it")
            }
        } else if target == nil {
            throw ValidationError(
                "record needs a URL (or --openai MODEL \"prompt\"), or --stdin to record a body piped in: curl -sN … | tokentape record --stdin")
        }
    }

    func run() throws {
        if stdin { try recordPipe() } else { try recordRequests() }
    }

    private func recordPipe() throws {
        let store = try self.store.open()
        if isatty(STDIN_FILENO) == 1 { Terminal.note("reading the stream from the terminal; end it with Ctrl-D") }
        let recorder = Recorder(store: store)
        let metadata = TapeMetadata(source: .pipe, provider: provider, tags: tag)
        let recording = recorder.start(
            metadata, decoder: StreamDecoder(provider: provider, framing: format.framing, path: path))
        let live = LiveText(enabled: !quiet && !tee)
        let signals = StopSignals { signal in
            let (_, rest) = recording.finish(.cancelled, at: MonotonicClock.now(), detail: "stopped by \(signal)")
            live.show(rest)
            live.end()
            let code = Self.close(recorder, store: store, uid: recording.uid)
            Foundation.exit(code == 0 ? 130 : code)
        }
        let capture = PipeCapture(tee: tee ? STDOUT_FILENO : nil)
        let (transport, detail) = capture.run(
            into: recording, shouldStop: { recorder.writer.error != nil }, onEvents: live.show)
        signals.cancel()
        let (_, rest) = recording.finish(transport, at: MonotonicClock.now(), detail: detail)
        live.show(rest)
        live.end()
        let code = Self.close(recorder, store: store, uid: recording.uid)
        if code != 0 { throw ExitCode(code) }
    }

    /// Commits the tape and prints its summary; 1 when writing failed.
    static func close(_ recorder: Recorder, store: TapeStore, uid: String) -> Int32 {
        do {
            try recorder.close()
            let metadata = try store.metadata(.uid(uid))
            Terminal.note(TapeSummary.line(metadata))
            Terminal.note("see it with: tokentape show \(metadata.number!) --events")
            return 0
        } catch {
            Terminal.note("error: \(error)")
            return 1
        }
    }
}
