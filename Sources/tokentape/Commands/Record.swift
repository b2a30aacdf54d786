import ArgumentParser
import Dispatch
import Foundation
import TapeCapture
import TapeCore
import TapeStore

struct Record: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record a streaming response body piped in on standard input.",
        discussion: """
            t = 0 is when tokentape starts reading; every read is timestamped the moment it \
            returns, before any parsing, and stored byte-exact. The text is printed as it \
            arrives; Ctrl-C stops cleanly and the tape ends client_cancelled.

            Examples:
              curl -sN https://api.openai.com/v1/chat/completions \\
                -H "Authorization: Bearer $OPENAI_API_KEY" -H 'Content-Type: application/json' \\
                -d '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Hi"}]}' \\
                | tokentape record --stdin --tag hello
              curl -sN http://localhost:11434/api/chat -d '{"model":"qwen3:0.6b","messages":[{"role":"user","content":"Hi"}]}' \\
                | tokentape record --stdin --path /api/chat
              … | tokentape record --stdin --tee | my-parser     # record and pass the bytes on
            """)

    @OptionGroup var store: StoreOptions

    @Flag(name: .long, help: "Read the body from standard input.")
    var stdin = false

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
        guard stdin else {
            throw ValidationError(
                "record needs --stdin: pipe the response body in, e.g. curl -sN … | tokentape record --stdin")
        }
    }

    func run() throws {
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
