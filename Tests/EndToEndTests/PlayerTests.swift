import Foundation
import TapeCore
import TapeStore
import Testing

/// The web player of `serve` in headless Chromium: the page reads the tape's
/// stream from `/tapes/{id}` as a chat UI would, at its recorded timing.
@Suite(.enabled(if: Browser.available, "needs Debian's chromium (apt-get install chromium); CI installs it"))
struct PlayerTests {
    let scratch: Scratch
    let db: String

    init() throws {
        scratch = try Scratch()
        db = scratch.path("player.sqlite")
    }

    static let thinking = ["The user wants ", "the weather; ", "a tool can tell."]
    static let answer = ["Let ", "me ", "look ", "that ", "up ", "for ", "you: ", "Paris, ", "right ", "now, ", "is ", "—"]
    static let toolArguments = [#"{"city": "#, #""Paris", "#, #""unit": "c"}"#]

    /// An Anthropic stream (FORMATS.md §2) with thinking, text and a tool call,
    /// one event a read, `gap` ms apart: about 3 s at 100 ms.
    func writeAnthropicTape(gap: Double = 100, tags: [String] = []) throws {
        func event(_ name: String, _ json: String) -> String { "event: \(name)\ndata: \(json)\n\n" }
        func delta(_ index: Int, _ body: String) -> String {
            event("content_block_delta", #"{"type":"content_block_delta","index":\#(index),"delta":\#(body)}"#)
        }
        func quoted(_ text: String) -> String {
            String(decoding: try! JSONSerialization.data(withJSONObject: text, options: .fragmentsAllowed), as: UTF8.self)
        }
        var reads = [
            event("message_start", #"{"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":14,"output_tokens":1}}}"#),
            event("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}"#),
        ]
        reads += Self.thinking.map { delta(0, #"{"type":"thinking_delta","thinking":\#(quoted($0))}"#) }
        reads += [
            event("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
            event("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"#),
        ]
        reads += Self.answer.map { delta(1, #"{"type":"text_delta","text":\#(quoted($0))}"#) }
        reads += [
            event("content_block_stop", #"{"type":"content_block_stop","index":1}"#),
            event("content_block_start", #"{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{}}}"#),
        ]
        reads += Self.toolArguments.map { delta(2, #"{"type":"input_json_delta","partial_json":\#(quoted($0))}"#) }
        reads += [
            event("content_block_stop", #"{"type":"content_block_stop","index":2}"#),
            event("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":42}}"#),
            event("message_stop", #"{"type":"message_stop"}"#),
        ]
        var metadata = TapeMetadata(
            source: .proxy,
            request: RecordedRequest(
                method: "POST", url: "https://api.anthropic.com/v1/messages", headers: [],
                body: Array(#"{"model":"claude-sonnet-4-5","max_tokens":512,"stream":true,"messages":[{"role":"user","content":"What's the weather in Paris?"}]}"#.utf8)),
            response: ResponseHead(status: 200, headers: [HeaderField("Content-Type", "text/event-stream")]),
            provider: .anthropic, model: "claude-sonnet-4-5")
        let chunks = reads.enumerated().map { Chunk(seq: $0.offset, t: Int64(Double($0.offset + 3) * gap * 1e6), bytes: Array($0.element.utf8)) }
        metadata.endReason = .completed
        metadata.tEnd = chunks.last!.t
        metadata.tags = tags
        let store = try TapeStore(path: db)
        try store.insert([Tape(metadata: metadata, chunks: chunks)])
        try store.close()
    }

    static func text(_ id: String) -> String { "document.getElementById('\(id)').textContent" }

    @Test("a tape plays as a chat at its timing: part of the answer partway, all of it at the end, pause holds it, reasoning and the tool call apart")
    func playsPausesAndEnds() throws {
        try writeAnthropicTape()
        // `show --text` ends its output with a newline of its own.
        let expected = String(try CLI.run(["show", "1", "--text", "--db", db]).out.dropLast())
        try #require(expected == Self.answer.joined())
        let server = try Server(["--db", db])
        let shot = scratch.path("player.png")
        let page = try Browser.run(
            "http://127.0.0.1:\(server.port)/play/1",
            steps: [
                ["wait": "\(Self.text("answer")).length > 0", "timeout": 15],
                ["eval": Self.text("answer"), "as": "partial"],
                ["click": "#play"],
                ["eval": "document.body.dataset.state", "as": "pausedState"],
                ["eval": Self.text("answer"), "as": "paused"],
                ["sleep": 0.8],
                ["eval": Self.text("answer"), "as": "stillPaused"],
                ["click": "#play"],
                ["wait": "document.body.dataset.state === 'ended'", "timeout": 20],
                ["eval": Self.text("answer"), "as": "final"],
                ["eval": Self.text("reasoning"), "as": "reasoning"],
                ["eval": "document.querySelector('#tools .name').textContent", "as": "toolName"],
                ["eval": "document.querySelector('#tools .arguments').textContent", "as": "toolArguments"],
                ["eval": Self.text("prompt"), "as": "prompt"],
                ["eval": Self.text("ttft"), "as": "ttft"],
                ["eval": Self.text("events"), "as": "tokens"],
                ["eval": Self.text("end"), "as": "end"],
                ["screenshot": shot],
            ])
        Browser.keep(shot, as: "player.png")
        #expect(page.error == nil, "\(page.raw)")
        let partial = page.string("partial") ?? ""
        let paused = page.string("paused") ?? ""
        #expect(!partial.isEmpty && partial.count < expected.count && expected.hasPrefix(partial), "partway: '\(partial)'")
        #expect(page.string("pausedState") == "paused")
        #expect(paused == page.string("stillPaused"), "the text moved while paused")
        #expect(paused.count < expected.count && expected.hasPrefix(paused), "paused at: '\(paused)'")
        #expect(page.string("final") == expected)
        #expect(page.string("reasoning") == Self.thinking.joined())
        #expect(page.string("toolName") == "get_weather")
        #expect(page.string("toolArguments") == Self.toolArguments.joined())
        #expect(page.string("prompt") == "What's the weather in Paris?")
        #expect(page.string("tokens") == "\(Self.thinking.count + Self.answer.count + Self.toolArguments.count)")
        // The first token (the first thinking delta, read 2) is due at 500 ms.
        let ttft = Double(page.string("ttft")?.replacingOccurrences(of: " ms", with: "") ?? "") ?? -1
        #expect(ttft >= 490 && ttft < 1500, "first token shown at \(page.string("ttft") ?? "-")")
        #expect(page.string("end")?.contains("Tape ended: completed") == true, "\(page.string("end") ?? "")")
        #expect(page.consoleErrors.isEmpty && page.exceptions.isEmpty, "\(page.consoleErrors) \(page.exceptions)")
        // Offline: nothing but the server's own page and streams; the resume asks for the rest only.
        let origin = "http://127.0.0.1:\(server.port)/"
        #expect(page.requests.allSatisfy { $0.hasPrefix(origin) }, "\(page.requests)")
        #expect(page.requests.filter { $0.contains("/tapes/1?") }.count == 2, "\(page.requests)")
        #expect(page.requests.contains { $0.contains("from_byte=") }, "\(page.requests)")
    }

    @Test("speed and max gap from the page's controls: a 3 s tape plays in well under a second")
    func speedAndGapCap() throws {
        try writeAnthropicTape(gap: 100)
        let server = try Server(["--db", db])
        let page = try Browser.run(
            "http://127.0.0.1:\(server.port)/play/1?speed=10&max_gap=20",
            steps: [
                ["wait": "document.body.dataset.state === 'ended'", "timeout": 20],
                ["eval": "performance.now()", "as": "now"],
                ["eval": Self.text("answer"), "as": "final"],
                ["eval": Self.text("elapsed"), "as": "elapsed"],
            ])
        #expect(page.error == nil, "\(page.raw)")
        #expect(page.string("final") == Self.answer.joined())
        // 23 reads: at most 20 ms each even before speed; 10× faster besides.
        let played = Double(page.string("elapsed")?.replacingOccurrences(of: " s", with: "") ?? "") ?? 99
        #expect(played < 1.0, "played in \(page.string("elapsed") ?? "-")")
        #expect(page.requests.contains { $0.contains("speed=10") && $0.contains("max_gap=20") }, "\(page.requests)")
    }

    @Test("/ lists the tapes with links to their player, user text escaped; an unknown tape gets the list and a 404")
    func tapeList() throws {
        try writeAnthropicTape(tags: ["<img src=x onerror=alert(1)>"])
        try writeAnthropicTape(tags: ["demo"])
        let server = try Server(["--db", db])
        let shot = scratch.path("list.png")
        let page = try Browser.run(
            "http://127.0.0.1:\(server.port)/",
            steps: [
                ["eval": "document.querySelectorAll('#tapes tbody tr').length", "as": "rows"],
                ["eval": "[...document.querySelectorAll('#tapes tbody a')].map(a => a.getAttribute('href')).join(' ')", "as": "links"],
                ["eval": "document.querySelectorAll('#tapes img').length", "as": "images"],
                ["eval": "document.querySelector('#tapes tbody').textContent", "as": "text"],
                ["screenshot": shot],
            ], dark: true)
        Browser.keep(shot, as: "tape-list-dark.png")
        #expect(page.error == nil, "\(page.raw)")
        #expect(page.number("rows") == 2)
        #expect(page.string("links") == "/play/1 /play/2")
        #expect(page.number("images") == 0, "a tag became markup")
        #expect(page.string("text")?.contains("<img src=x onerror=alert(1)>") == true)
        #expect(page.string("text")?.contains("claude-sonnet-4-5") == true)
        // The first thinking delta is read 2, at (2 + 3) × 100 ms.
        #expect(page.string("text")?.contains("500 ms") == true, "the first token's time: \(page.string("text") ?? "")")
        #expect(page.consoleErrors.isEmpty && page.exceptions.isEmpty, "\(page.consoleErrors) \(page.exceptions)")

        let missing = try HTTPProbe.get(port: server.port, path: "/play/77")
        #expect(missing.status == 404)
        #expect(String(decoding: missing.body, as: UTF8.self).contains("No tape '77' is served"))
    }

    @Test("/tapes/{id}?from_byte=N answers the rest of the stream exactly, gaps kept; bad query values get a 400 that says why")
    func resumeAndBadQueries() throws {
        try writeAnthropicTape(gap: 50)
        let instant = try Server(["--db", db, "--instant"])
        let whole = try HTTPProbe.get(port: instant.port, path: "/tapes/1")
        let server = try Server(["--db", db])
        for start in [1, 250, whole.body.count / 2, whole.body.count - 1] {
            let rest = try HTTPProbe.get(port: server.port, path: "/tapes/1?from_byte=\(start)&speed=5")
            #expect(rest.status == 200)
            #expect(rest.body == Array(whole.body[start...]), "from byte \(start)")
        }
        // From the start of read 10 on, the gaps are the tape's: 50 ms, here at speed 1.
        let offset = whole.body.count / 2
        let rest = try HTTPProbe.get(port: server.port, path: "/tapes/1?from_byte=\(offset)")
        let gaps = zip(rest.reads.dropFirst(), rest.reads).map { Double($0.t - $1.t) / 1e6 }
        #expect(!gaps.isEmpty && gaps.allSatisfy { $0 > 25 && $0 < 150 }, "gaps \(gaps)")
        #expect(try HTTPProbe.get(port: server.port, path: "/tapes/1?from_byte=999999").body.isEmpty)

        for (query, words) in [("speed=abc", "speed must be"), ("speed=0", "speed must be"), ("max_gap=-5", "max_gap is in ms"), ("from_byte=x", "from_byte")] {
            let reply = try HTTPProbe.get(port: server.port, path: "/tapes/1?\(query)")
            #expect(reply.status == 400, "\(query)")
            #expect(String(decoding: reply.body, as: UTF8.self).contains(words), "\(query): \(String(decoding: reply.body, as: UTF8.self))")
        }
    }
}
