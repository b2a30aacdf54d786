import Foundation
import Testing
import TapeCore
import TapeStore

/// The built binary, end to end: record from a pipe, then list and show.
@Suite(.serialized)
struct RecordTests {
    let scratch: Scratch
    var db: String { scratch.path("e2e.sqlite") }
    init() throws { scratch = try Scratch() }

    static let chatStream = """
        data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}

        data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]}

        data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":", world!"},"finish_reason":"stop"}]}

        data: [DONE]


        """

    @Test("printf … | tokentape record --stdin, then list --json and show")
    func recordListShow() throws {
        let body = Data(Self.chatStream.utf8)
        let record = try CLI.run(["record", "--stdin", "--db", db, "--tag", "e2e"], stdin: body)
        #expect(record.status == 0, "\(record.stderr)")
        #expect(record.out == "Hello, world!\n")
        #expect(record.stderr.contains("tape 1"))

        let list = try CLI.run(["list", "--json", "--db", db])
        let tapes = try JSONSerialization.jsonObject(with: list.stdout) as! [[String: Any]]
        #expect(tapes.count == 1)
        #expect(tapes[0]["provider"] as? String == "openai-chat")
        #expect(tapes[0]["model"] as? String == "gpt-4o-mini")
        #expect(tapes[0]["end_reason"] as? String == "completed")
        #expect(tapes[0]["bytes"] as? Int == body.count)
        #expect(tapes[0]["tags"] as? [String] == ["e2e"])
        #expect(tapes[0]["source"] as? String == "pipe")

        let text = try CLI.run(["show", "last", "--text", "--db", db])
        #expect(text.out == "Hello, world!\n")

        let chunks = try CLI.run(["show", "1", "--chunks", "--json", "--db", db])
        let rows = try JSONSerialization.jsonObject(with: chunks.stdout) as! [[String: Any]]
        let joined = rows.map { Data(base64Encoded: $0["base64"] as! String)! }.reduce(Data(), +)
        #expect(joined == body)

        let events = try CLI.run(["show", tapes[0]["id"] as! String, "--events", "--json", "--db", db])
        let decoded = try JSONSerialization.jsonObject(with: events.stdout) as! [[String: Any]]
        #expect(decoded.map { $0["class"] as! String } == ["role_only", "content", "content", "done"])
        #expect(decoded.allSatisfy { $0["t_ms"] is Double })

        let summary = try CLI.run(["show", "1", "--db", db])
        #expect(summary.out.contains("completed"))
        #expect(summary.out.contains("2 content, 1 role_only, 1 done"))
    }

    @Test("every fixture recorded through the pipe decodes to its expected provider and end")
    func fixturesThroughThePipe() throws {
        let files = try FileManager.default.subpathsOfDirectory(atPath: fixtures.path)
            .filter { !$0.hasSuffix(".json") && !$0.hasSuffix(".md") && !$0.hasSuffix(".py") && $0.contains("/") }
            .sorted()
        try #require(files.count >= 40, "the fixtures are missing")
        for file in files.prefix(200) {
            let body = try Data(contentsOf: fixtures.appendingPathComponent(file))
            let expectedURL = fixtures.appendingPathComponent(file).deletingPathExtension().appendingPathExtension("expected.json")
            let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: expectedURL)) as! [String: Any]
            let result = try CLI.run(["record", "--stdin", "--quiet", "--db", db], stdin: body)
            #expect(result.status == 0, "\(file): \(result.stderr)")
            let tape = try JSONSerialization.jsonObject(with: CLI.run(["show", "last", "--json", "--db", db]).stdout) as! [String: Any]
            let info = tape["tape"] as! [String: Any]
            #expect(info["provider"] as? String == expected["provider"] as? String, "\(file)")
            #expect(info["end_reason"] as? String == expected["end_reason"] as? String, "\(file)")
            #expect(info["bytes"] as? Int == body.count, "\(file)")
        }
    }

    @Test("each read is timestamped when it arrives: gaps between writes show in the chunk times")
    func timing() throws {
        let (process, input, output, error) = try CLI.start(["record", "--stdin", "--format", "text", "--db", db])
        let gaps = [0.0, 0.15, 0.3, 0.15]
        var echoed = ""
        for (i, gap) in gaps.enumerated() {
            Thread.sleep(forTimeInterval: gap)
            input.fileHandleForWriting.write(Data("tick\(i) ".utf8))
            // The text is echoed after the read returned: wait for it, so the
            // next pause starts after this read's timestamp.
            while !echoed.contains("tick\(i) ") {
                let chunk = try #require(Self.read(output, within: 10), "no echo of write \(i)")
                echoed += chunk
            }
        }
        try input.fileHandleForWriting.close()
        let result = try CLI.finish(process, output, error, timeout: 30)
        #expect(result.status == 0, "\(result.stderr)")
        let tape = try TapeStore(path: db).tape(.last)
        try #require(tape.chunks.count == 4, "one read per write")
        let measured = zip(tape.chunks.dropFirst(), tape.chunks).map { Double($0.t - $1.t) / 1e9 }
        for (got, want) in zip(measured, gaps.dropFirst()) {
            #expect(got >= want && got < want + 0.1, "gap \(got) s for a \(want) s pause")
        }
        #expect(tape.metadata.endReason == .completed)
    }

    /// Some output of a running process, or nil after `within` seconds.
    static func read(_ pipe: Pipe, within seconds: Double) -> String? {
        let box = CLI.Collected()
        let reader = Thread { box.set(0, pipe.fileHandleForReading.availableData); box.set(1, Data()) }
        reader.start()
        box.waitForBoth(timeout: seconds)
        let data = box.data[0]
        return data.isEmpty ? nil : String(decoding: data, as: UTF8.self)
    }

    @Test("--tee passes the bytes through unchanged")
    func tee() throws {
        var body = Data(Self.chatStream.utf8)
        body.append(contentsOf: [0xFF, 0x00, 0xC3])
        let result = try CLI.run(["record", "--stdin", "--tee", "--db", db], stdin: body)
        #expect(result.status == 0)
        #expect(result.stdout == body)
    }

    @Test("SIGINT ends the tape client_cancelled and keeps what was read")
    func interrupt() throws {
        let (process, input, output, error) = try CLI.start(["record", "--stdin", "--quiet", "--db", db])
        let lines = Self.chatStream.components(separatedBy: "\n\n")
        input.fileHandleForWriting.write(Data((lines[0] + "\n\n" + lines[1] + "\n\n").utf8))
        Thread.sleep(forTimeInterval: 0.5)  // let it read before the signal
        process.interrupt()
        let result = try CLI.finish(process, output, error, timeout: 30)
        #expect(result.status == 130, "\(result.stderr)")
        let tape = try TapeStore(path: db).tape(.last)
        #expect(tape.metadata.endReason == .clientCancelled)
        #expect(tape.metadata.endPhase == .afterFirstToken)
        #expect(tape.metadata.endDetail == "stopped by SIGINT")
        #expect(String(decoding: tape.body, as: UTF8.self) == lines[0] + "\n\n" + lines[1] + "\n\n")
    }
}
