import Foundation
import Testing

/// Bad input gets a clear message, a non-zero exit, and changes nothing.
struct BadInputTests {
    let scratch: Scratch
    init() throws { scratch = try Scratch() }

    @Test("--db pointing at a file that is not a tokentape database")
    func foreignFile() throws {
        let notes = scratch.path("notes.txt")
        try "my notes\n".write(toFile: notes, atomically: true, encoding: .utf8)
        for arguments in [["list"], ["record", "--stdin"], ["show", "1"], ["demo"]] {
            let result = try CLI.run(arguments + ["--db", notes], stdin: Data("data: x\n\n".utf8))
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains("\(notes) is not a tokentape database"), "\(arguments): \(result.stderr)")
        }
        #expect(try String(contentsOfFile: notes, encoding: .utf8) == "my notes\n")
    }

    @Test("unknown tapes and references that name no tape")
    func badReferences() throws {
        let db = scratch.path("t.sqlite")
        let missing = try CLI.run(["show", "7", "--db", db])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no tape 7"))
        let nonsense = try CLI.run(["show", "seven", "--db", db])
        #expect(nonsense.status != 0)
        #expect(nonsense.stderr.contains("'seven' does not name a tape"))
        let delete = try CLI.run(["delete", "last", "--db", db])
        #expect(delete.status != 0)
        #expect(delete.stderr.contains("no tape last"))
    }

    @Test("usage errors say what to do")
    func usage() throws {
        let db = scratch.path("t.sqlite")
        let noStdin = try CLI.run(["record", "--db", db])
        #expect(noStdin.status != 0)
        #expect(noStdin.stderr.contains("record needs a URL"))
        let noTags = try CLI.run(["tag", "1", "--db", db])
        #expect(noTags.status != 0)
        #expect(noTags.stderr.contains("at least one tag"))
        let badSince = try CLI.run(["list", "--since", "yesterday", "--db", db])
        #expect(badSince.status != 0)
        #expect(badSince.stderr.contains("neither a duration"))
        let badProvider = try CLI.run(["record", "--stdin", "--provider", "openai", "--db", db])
        #expect(badProvider.status != 0)
    }

    @Test("an empty body is still a tape, with nothing decoded")
    func emptyBody() throws {
        let db = scratch.path("t.sqlite")
        let result = try CLI.run(["record", "--stdin", "--db", db], stdin: Data())
        #expect(result.status == 0, "\(result.stderr)")
        let show = try CLI.run(["show", "last", "--db", db])
        #expect(show.out.contains("0 (0 B)"))
        #expect(show.out.contains("events    none"))
    }

    @Test("tag and delete through the CLI")
    func tagAndDelete() throws {
        let db = scratch.path("t.sqlite")
        try CLI.run(["record", "--stdin", "--quiet", "--db", db], stdin: Data("hello".utf8))
        let tagged = try CLI.run(["tag", "last", "+keep", "drop", "--db", db])
        #expect(tagged.out == "tape 1: drop, keep\n")
        let untagged = try CLI.run(["tag", "1", "-drop", "--db", db])
        #expect(untagged.out == "tape 1: keep\n", "\(untagged.stderr)")
        let listed = try CLI.run(["list", "--tag", "keep", "--json", "--db", db])
        #expect((try JSONSerialization.jsonObject(with: listed.stdout) as! [Any]).count == 1)
        #expect(try CLI.run(["delete", "1", "--db", db]).out.hasPrefix("deleted tape 1"))
        #expect(try CLI.run(["list", "--json", "--db", db]).out == "[\n\n]\n")
    }

    @Test("the demo records a batch through the proxy from its own made-up provider, analyses it and replays the stalled tape")
    func demo() throws {
        let db = scratch.path("demo.sqlite")
        let started = Date()
        let result = try CLI.run(["demo", "--db", db], timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Date().timeIntervalSince(started) < 60)
        // Nothing but the demo's own words: its servers stop without complaints.
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        #expect(result.out.contains("12 tapes · 9 completed · 3 dropped (25.0%)"), "\(result.out)")
        #expect(result.out.contains("By profile"))
        #expect(result.out.contains("Replaying tape"))
        #expect(result.out.contains("plays it back exactly"))  // the replayed text
        #expect(result.out.contains("Try next"))
        let list = try JSONSerialization.jsonObject(with: CLI.run(["list", "--json", "--db", db]).stdout) as! [[String: Any]]
        #expect(list.count == 12)
        var endsByProfile: [String: Set<String>] = [:]
        for tape in list {
            #expect(tape["source"] as? String == "proxy")
            let tags = tape["tags"] as? [String] ?? []
            #expect(tags.contains("demo"))
            let profile = tags.first { $0 != "demo" } ?? "?"
            endsByProfile[profile, default: []].insert(tape["end_reason"] as? String ?? "?")
        }
        #expect(endsByProfile == ["fast": ["completed"], "slow-start": ["completed"], "stall": ["completed"], "cut-off": ["eof_without_done"]])
        let stalls = try CLI.run(["check", "--tag", "stall", "--stall-max", "1s", "--db", db])
        #expect(stalls.status == 1, "the stall profile's 1.5 s gaps must fail a 1 s gate: \(stalls.out)")
    }
}

/// Where the database is, when --db is not given.
struct DatabaseLocationTests {
    @Test("$TOKENTAPE_DB names the database; --db wins over it")
    func environment() throws {
        let scratch = try Scratch()
        let fromEnv = scratch.path("env.sqlite")
        let fromFlag = scratch.path("flag.sqlite")
        let (process, input, output, error) = try CLI.start(["record", "--stdin", "--quiet"], environment: ["TOKENTAPE_DB": fromEnv])
        input.fileHandleForWriting.write(Data("hello".utf8))
        try input.fileHandleForWriting.close()
        #expect(try CLI.finish(process, output, error, timeout: 30).status == 0)
        #expect(FileManager.default.fileExists(atPath: fromEnv))
        let (p2, i2, o2, e2) = try CLI.start(["list", "--json", "--db", fromFlag], environment: ["TOKENTAPE_DB": fromEnv])
        try i2.fileHandleForWriting.close()
        #expect(try CLI.finish(p2, o2, e2, timeout: 30).out == "[\n\n]\n")
    }
}

struct SinceTests {
    @Test("--since takes a duration, a date, or a date and time")
    func since() throws {
        let scratch = try Scratch()
        let db = scratch.path("t.sqlite")
        try CLI.run(["record", "--stdin", "--quiet", "--db", db], stdin: Data("hello".utf8))
        func count(_ since: String) throws -> Int {
            let result = try CLI.run(["list", "--json", "--since", since, "--db", db])
            return (try JSONSerialization.jsonObject(with: result.stdout) as! [Any]).count
        }
        let style = Date.ISO8601FormatStyle()
        #expect(try count("1h") == 1)
        #expect(try count(Date().addingTimeInterval(-3600).formatted(style)) == 1)
        #expect(try count(Date().addingTimeInterval(3600).formatted(style)) == 0)
        #expect(try count(Date().addingTimeInterval(2 * 86400).formatted(style.year().month().day())) == 0)
        #expect(try count(Date().addingTimeInterval(-2 * 86400).formatted(style.year().month().day())) == 1)
    }
}
