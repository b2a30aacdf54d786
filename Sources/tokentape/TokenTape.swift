import ArgumentParser

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
        subcommands: [Demo.self, Record.self, List.self, Show.self, Tag.self, Delete.self])
}
