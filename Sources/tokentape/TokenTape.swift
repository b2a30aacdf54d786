import ArgumentParser
import Foundation

@main
struct TokenTape: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokentape",
        abstract: "A flight recorder for LLM token streams.",
        discussion: """
            tokentape records streaming responses (SSE, NDJSON, plain text) byte-exact, with the \
            monotonic time of every read, into an SQLite file, and decodes them into events for \
            OpenAI, Anthropic, Gemini, Ollama and OpenAI-compatible servers.

            Start with `tokentape demo`, then `tokentape list` and `tokentape show last --events`.
            Record your own stream:  curl -N … | tokentape record --stdin
            """,
        subcommands: [
            Demo.self, Record.self, Proxy.self, List.self, Show.self, Replay.self, Serve.self, Simulate.self, Stats.self, Check.self, Compare.self, Reanalyze.self,
            Tag.self, Delete.self, Export.self, Import.self, Report.self,
        ])

    /// Exit codes: 0 success, 1 a failed check or any error, 2 a usage error
    /// (a bad option, value or selection), 130 interrupted.
    static func main() {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            usageExit(fullMessage(for: error), error)
        }
        do {
            try command.run()
        } catch {
            let name = type(of: command).configuration.commandName ?? String(describing: type(of: command)).lowercased()
            usageExit("Error: \(message(for: error))\nSee 'tokentape \(name) --help'.", error)
        }
    }

    /// Usage errors exit 2 with their message; everything else as ArgumentParser does.
    private static func usageExit(_ text: String, _ error: any Error) -> Never {
        guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
        FileHandle.standardError.write(Data((text + "\n").utf8))
        Foundation.exit(2)
    }
}
