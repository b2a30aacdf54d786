import Foundation
import Testing
import TapeCore
import TapeStore

/// What a dead recorder and concurrent recorders leave in the database.
struct CrashTests {
    let scratch: Scratch
    var db: String { scratch.path("crash.sqlite") }
    init() throws { scratch = try Scratch() }

    @Test("a recorder killed with SIGKILL leaves a database that opens, the tape interrupted, every chunk older than the batch window kept")
    func sigkill() throws {
        let (process, input, output, error) = try CLI.start(["record", "--stdin", "--format", "text", "--db", db])
        var written = Data()
        var echoed = ""
        for i in 0..<12 {
            let piece = Data("piece-\(i) ".utf8)
            input.fileHandleForWriting.write(piece)
            written.append(piece)
            while !echoed.contains("piece-\(i) ") {
                echoed += try #require(RecordTests.read(output, within: 10), "no echo of piece \(i)")
            }
        }
        // Every read is now older than the 50 ms batch window once this pause is over.
        Thread.sleep(forTimeInterval: 0.3)
        kill(process.processIdentifier, SIGKILL)
        _ = try CLI.finish(process, output, error, timeout: 30)
        #expect(process.terminationReason == .uncaughtSignal)

        let store = try TapeStore(path: db)
        #expect(store.interruptedOnOpen.count == 1)
        let tape = try store.tape(.last)
        #expect(tape.metadata.endReason == .interrupted)
        #expect(tape.body == [UInt8](written))
        #expect(tape.metadata.tEnd == tape.chunks.last?.t)
        // The CLI reports it too, and reopening again finds nothing new.
        let list = try CLI.run(["list", "--db", db])
        #expect(list.status == 0)
        #expect(list.out.contains("interrupted"))
    }

    @Test("two processes recording different tapes at once lose nothing and hit no busy error")
    func twoWriters() throws {
        let streams = (0..<2).map { n in (0..<3000).map { i in Data("w\(n)-\(i);".utf8) } }
        let processes = try streams.indices.map { _ in try CLI.start(["record", "--stdin", "--quiet", "--format", "text", "--db", db]) }
        let feeders = zip(processes, streams).map { started, pieces in
            Thread {
                for piece in pieces { started.1.fileHandleForWriting.write(piece) }
                try? started.1.fileHandleForWriting.close()
            }
        }
        feeders.forEach { $0.start() }
        for (process, _, output, error) in processes {
            let result = try CLI.finish(process, output, error, timeout: 120)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(!result.stderr.lowercased().contains("busy"))
            #expect(!result.stderr.lowercased().contains("locked"))
        }
        let tapes = try TapeStore(path: db).tapes()
        #expect(tapes.count == 2)
        let bodies = try Set(tapes.map { try TapeStore(path: db).tape(.number($0.number!)).body })
        #expect(bodies == Set(streams.map { [UInt8]($0.reduce(Data(), +)) }))
        #expect(tapes.allSatisfy { $0.endReason == .completed })
    }
}
