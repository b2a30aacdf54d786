import Foundation
import TapeCore
import TapeStore
import Testing

/// `export` and `import` through the built binary.
struct ExportImportTests {
    let scratch: Scratch
    let db: String

    init() throws {
        scratch = try Scratch()
        db = scratch.path("source.sqlite")
        let made = try CLI.run(["simulate", "--db", db, "--all-providers", "--ttft", "80ms", "--icl", "15ms", "--jitter", "7ms",
                                "--text", "Grüße, 東京!\nA second line 😀 with \"quotes\"."])
        try #require(made.status == 0, "\(made.stderr)")
    }

    func tapes(_ path: String) throws -> [Tape] {
        let store = try TapeStore(path: path)
        return try store.tapes(TapeFilter()).map { try store.tape(with: $0) }
    }

    @Test("jsonl and har round trips: every tape comes back with the same bytes, read times, status, headers and end")
    func roundTrips() throws {
        let originals = try tapes(db)
        try #require(originals.count == 10)
        for format in ["jsonl", "har"] {
            let file = scratch.path("all.\(format)")
            let exported = try CLI.run(["export", "--all", "--format", format, "-o", file, "--db", db])
            #expect(exported.status == 0, "\(exported.stderr)")
            let target = scratch.path("back-\(format).sqlite")
            let imported = try CLI.run(["import", file, "--db", target, "--tag", "restored"])
            #expect(imported.status == 0, "\(imported.stderr)")
            #expect(imported.out.contains("imported 10 tapes"))
            let back = try tapes(target)
            try #require(back.count == originals.count)
            for (a, b) in zip(originals, back) {
                #expect(b.chunks.map(\.bytes) == a.chunks.map(\.bytes), "\(format) \(a.metadata.uid)")
                #expect(b.chunks.map(\.t) == a.chunks.map(\.t), "\(format) \(a.metadata.uid)")
                #expect(b.metadata.uid == a.metadata.uid)
                #expect(b.metadata.response == a.metadata.response)
                #expect(b.metadata.endReason == a.metadata.endReason && b.metadata.tEnd == a.metadata.tEnd)
                #expect(b.metadata.source == .import && b.metadata.tags.contains("restored") && b.metadata.tags.contains("imported"))
            }
            // The same file again: its tapes are there already, and nothing is written twice.
            let again = try CLI.run(["import", file, "--db", target])
            #expect(again.status == 2 && again.stderr.contains("already in"), "\(again.stderr)")
            #expect(try tapes(target).count == 10)
        }
    }

    @Test("jsonl event lines carry time in ms, class and text; csv has one row of metrics per tape")
    func linesAndRows() throws {
        let jsonl = try CLI.run(["export", "1", "--format", "jsonl", "--db", db])
        let objects = jsonl.out.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let events = objects.filter { $0["type"] as? String == "event" }
        let text = events.filter { $0["class"] as? String == "content" }.compactMap { $0["text"] as? String }.joined()
        #expect(text == "Grüße, 東京!\nA second line 😀 with \"quotes\".")
        #expect(events.allSatisfy { $0["t_ms"] is Double })
        let csv = try CLI.run(["export", "--all", "--format", "csv", "--db", db])
        let rows = csv.out.split(separator: "\n")
        #expect(rows.count == 11)
        let header = rows[0].split(separator: ",").map(String.init)
        let ttft = try #require(header.firstIndex(of: "ttft_ms"))
        #expect(rows.dropFirst().allSatisfy { Double($0.split(separator: ",", omittingEmptySubsequences: false)[ttft]) == 80 }, "\(rows)")
    }

    @Test("asciicast v2 is played by the real asciinema: its output is the tape's text, its times the tape's within 1 ms; v3 holds the same")
    func asciicast() throws {
        let setup = try SDKInteropTests().run("/bin/bash", [SDKInteropTests.root.appendingPathComponent("Tests/Interop/setup.sh").path], timeout: 600)
        try #require(setup.0 == 0, "\(setup.1)")
        let asciinema = SDKInteropTests.root.appendingPathComponent(".venv/bin/asciinema").path
        let cast = scratch.path("one.cast")
        #expect(try CLI.run(["export", "1", "--format", "asciicast", "-o", cast, "--db", db]).status == 0)
        let played = try SDKInteropTests().run(asciinema, ["cat", cast], timeout: 60)
        #expect(played.0 == 0, "\(played.1)")
        #expect(played.1.replacingOccurrences(of: "\r\n", with: "\n") == "Grüße, 東京!\nA second line 😀 with \"quotes\".")

        // The times of the content events, worked out here from the tape itself.
        let tape = try #require(try tapes(db).first)
        var expected: [Double] = []
        for event in tape.decode().events where event.kind == .content && !(event.text ?? "").isEmpty {
            let t = Double(tape.chunks[event.chunk].t) / 1e9
            if expected.last != t { expected.append(t) }
        }
        let lines = try String(contentsOfFile: cast, encoding: .utf8).split(separator: "\n")
        let header = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(header["version"] as? Int == 2)
        let times = lines.dropFirst().compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [Any])?.first as? Double }
        #expect(times.count == expected.count)
        for (got, want) in zip(times, expected) { #expect(abs(got - want) < 0.001, "\(got) vs \(want)") }

        let v3 = try CLI.run(["export", "1", "--format", "asciicast", "--v3", "--db", db])
        let v3Lines = v3.out.split(separator: "\n")
        #expect((try JSONSerialization.jsonObject(with: Data(v3Lines[0].utf8)) as? [String: Any])?["version"] as? Int == 3)
        let intervals = v3Lines.dropFirst().compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [Any])?.first as? Double }
        var clock = 0.0
        for (interval, want) in zip(intervals, expected) {
            clock += interval
            #expect(abs(clock - want) < 0.001)
        }

        // Back in as a text tape: the text the terminal showed, at the same times.
        let v3File = scratch.path("one-v3.cast")
        try v3.stdout.write(to: URL(fileURLWithPath: v3File))
        for file in [cast, v3File] {
            let target = scratch.path("cast-\(URL(fileURLWithPath: file).lastPathComponent).sqlite")
            let imported = try CLI.run(["import", file, "--db", target])
            #expect(imported.status == 0, "\(imported.stderr)")
            let back = try #require(try tapes(target).first)
            #expect(String(decoding: back.body, as: UTF8.self) == "Grüße, 東京!\nA second line 😀 with \"quotes\".")
            #expect(back.metadata.provider == .text)
            for (chunk, want) in zip(back.chunks, expected) { #expect(abs(Double(chunk.t) / 1e9 - want) < 0.001) }
        }
    }

    @Test("a HAR shaped like a browser's: one tape per streaming response, the body as one read, the end read from the stream")
    func browserHAR() throws {
        let sse = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi there\"},\"finish_reason\":null}]}\n\ndata: [DONE]\n\n"
        let har: [String: Any] = [
            "log": [
                "version": "1.2", "creator": ["name": "WebInspector", "version": "537.36"],
                "pages": [["startedDateTime": "2026-11-25T10:00:00.000Z", "id": "page_1", "title": "Chat", "pageTimings": [:] as [String: Any]]],
                "entries": [
                    entry("https://chat.example.com/logo.png", mime: "image/png", text: "iVBORw0KGgo=", encoding: "base64"),
                    entry("https://api.openai.com/v1/models", mime: "application/json", text: #"{"data":[]}"#),
                    entry("https://api.openai.com/v1/chat/completions", mime: "text/event-stream", text: sse),
                ],
            ]
        ]
        let file = scratch.path("session.har")
        try JSONSerialization.data(withJSONObject: har).write(to: URL(fileURLWithPath: file))
        let target = scratch.path("browser.sqlite")
        let imported = try CLI.run(["import", file, "--db", target])
        #expect(imported.status == 0, "\(imported.stderr)")
        let back = try tapes(target)
        try #require(back.count == 1)
        #expect(back[0].body == Array(sse.utf8))
        #expect(back[0].metadata.provider == .openaiChat)
        #expect(back[0].metadata.endReason == .completed)
        #expect(back[0].metadata.request?.headers.first { $0.name == "Authorization" }?.value == "Bearer [REDACTED]")
    }

    func entry(_ url: String, mime: String, text: String, encoding: String? = nil) -> [String: Any] {
        var content: [String: Any] = ["size": text.utf8.count, "mimeType": mime, "text": text]
        if let encoding { content["encoding"] = encoding }
        return [
            "startedDateTime": "2026-11-25T10:00:01.000Z", "time": 812.5,
            "request": [
                "method": "POST", "url": url, "httpVersion": "http/2.0",
                "headers": [["name": "Authorization", "value": "Bearer sk-proj-BROWSERsecret0123456789abcdef"]],
                "queryString": [] as [Any], "cookies": [] as [Any], "headersSize": -1, "bodySize": 2,
                "postData": ["mimeType": "application/json", "text": "{}"],
            ] as [String: Any],
            "response": [
                "status": 200, "statusText": "", "httpVersion": "http/2.0", "headers": [["name": "content-type", "value": mime]],
                "cookies": [] as [Any], "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1,
                "_transferSize": 900,
            ] as [String: Any],
            "cache": [:] as [String: Any], "timings": ["blocked": 1.2, "dns": -1, "send": 0.1, "wait": 300.4, "receive": 510.8],
            "_priority": "High", "_resourceType": "fetch",
        ]
    }

    @Test("a raw .sse body: one untimed tape whose metrics of time are null, counts kept, and it stays untimed through jsonl")
    func rawBody() throws {
        let body = try #require(try tapes(db).first).body
        let file = scratch.path("answer.sse")
        try Data(body).write(to: URL(fileURLWithPath: file))
        let target = scratch.path("raw.sqlite")
        let imported = try CLI.run(["import", file, "--db", target])
        #expect(imported.status == 0, "\(imported.stderr)")
        let tape = try #require(try tapes(target).first)
        #expect(tape.body == body)
        #expect(!tape.metadata.timed)
        #expect(tape.metadata.provider == .openaiChat && tape.metadata.endReason == .completed)
        let metrics = try CLI.run(["show", "1", "--metrics", "--json", "--db", target])
        let json = try #require(try JSONSerialization.jsonObject(with: metrics.stdout) as? [String: Any], "\(metrics.out)")
        let figures = json["metrics"] as? [String: Any] ?? json
        #expect(figures["ttft_ms"] is NSNull, "\(figures)")
        #expect(figures["tpot_ms"] is NSNull)
        #expect(figures["output_tokens_tokens"] as? Int == 13, "\(figures)")
        #expect(try CLI.run(["show", "1", "--db", target]).out.contains("no read times"))

        let lines = scratch.path("raw.jsonl")
        #expect(try CLI.run(["export", "1", "--format", "jsonl", "-o", lines, "--db", target]).status == 0)
        let again = scratch.path("raw-again.sqlite")
        #expect(try CLI.run(["import", lines, "--db", again]).status == 0)
        #expect(try #require(try tapes(again).first).metadata.timed == false)

        let plain = scratch.path("notes.sse")
        try "just some words\n".write(toFile: plain, atomically: true, encoding: .utf8)
        let refused = try CLI.run(["import", plain, "--db", scratch.path("never.sqlite")])
        #expect(refused.status == 2 && refused.stderr.contains("not a stream body"), "\(refused.stderr)")
    }

    @Test("bad files: not JSON, a wrong version, no streams inside, empty, a newer JSONL: a clear error each, nothing written")
    func badFiles() throws {
        let cases: [(String, String, String)] = [
            ("notjson.har", "this is not json", "not JSON"),
            ("version.har", #"{"log":{"version":"0.9","creator":{"name":"x","version":"1"},"entries":[]}}"#, "HAR version 0.9"),
            ("nostreams.har", #"{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"entries":[]}}"#, "no streaming response"),
            ("old.cast", #"{"version":1,"width":80,"height":24}"#, "asciicast version 1"),
            ("empty.jsonl", "\n", "empty"),
            ("future.jsonl", #"{"type":"tape","format":"tokentape-jsonl","version":99,"uid":"tt_x","started_at":"2026-01-01T00:00:00Z","source":"proxy","tags":[]}"#, "version 99"),
            ("orphan.jsonl", #"{"type":"tape","format":"tokentape-jsonl","version":1,"uid":"tt_x","started_at":"2026-01-01T00:00:00Z","source":"proxy","tags":[]}"# + "\n" + #"{"type":"chunk","seq":0,"t_ns":5,"t_ms":0.000005,"bytes_base64":"%%%"}"#, "not base64"),
        ]
        let target = scratch.path("untouched.sqlite")
        for (name, contents, message) in cases {
            let file = scratch.path(name)
            try contents.write(toFile: file, atomically: true, encoding: .utf8)
            let result = try CLI.run(["import", file, "--db", target])
            #expect(result.status == 2, "\(name): \(result.stderr)")
            #expect(result.stderr.contains(message) && result.stderr.contains("nothing was imported"), "\(name): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: target), "\(name) created the database")
        }
        let missing = try CLI.run(["import", scratch.path("nope.har"), "--db", target])
        #expect(missing.status == 2 && missing.stderr.contains("cannot read"))
        let two = try CLI.run(["export", "1-2", "--format", "raw", "--db", db])
        #expect(two.status == 2 && two.stderr.contains("holds one tape"))
        let none = try CLI.run(["export", "--format", "jsonl", "--db", db])
        #expect(none.status == 2 && none.stderr.contains("say which tapes"))
    }
}
