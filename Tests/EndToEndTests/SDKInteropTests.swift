import Foundation
import TapeCore
import TapeStore
import Testing

/// The official openai, anthropic, google-genai and ollama Python clients, pinned in a virtualenv of
/// the repository's own (`Tests/Interop/setup.sh`), streaming from `serve`:
/// see `Tests/Interop/sdk_clients.py` for every check.
struct SDKInteropTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func run(_ executable: String, _ arguments: [String], timeout: Double) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = Output()
        let reader = Thread {
            output.data = pipe.fileHandleForReading.readDataToEndOfFile()
            output.done.signal()
        }
        reader.start()
        if output.done.wait(timeout: .now() + timeout) == .timedOut {
            process.end()
            Issue.record("\(executable) \(arguments) did not finish within \(timeout) s")
        }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output.data, as: UTF8.self))
    }

    @Test("the openai, anthropic, google-genai and ollama clients take serve for the provider: text exact, faults raised as real ones")
    func sdksAgainstServe() throws {
        let setup = try run("/bin/bash", [Self.root.appendingPathComponent("Tests/Interop/setup.sh").path], timeout: 600)
        try #require(setup.0 == 0, "making the virtualenv failed:\n\(setup.1)")
        let python = Self.root.appendingPathComponent(".venv/bin/python").path
        let (status, output) = try run(
            python, [Self.root.appendingPathComponent("Tests/Interop/sdk_clients.py").path, CLI.binary.path], timeout: 300)
        #expect(status == 0, "\(output)")
        #expect(output.contains("ok: 23 checks passed"), "\(output)")
    }

    @Test("the same clients through proxy to serve: text exact, each tape byte-exact with the upstream's answer and its gaps kept")
    func sdksThroughProxy() throws {
        let setup = try run("/bin/bash", [Self.root.appendingPathComponent("Tests/Interop/setup.sh").path], timeout: 600)
        try #require(setup.0 == 0, "making the virtualenv failed:\n\(setup.1)")
        let scratch = try Scratch()
        let python = Self.root.appendingPathComponent(".venv/bin/python").path
        let (status, output) = try run(
            python, [Self.root.appendingPathComponent("Tests/Interop/sdk_clients.py").path, CLI.binary.path, "--proxy", scratch.url.path],
            timeout: 300)
        #expect(status == 0, "\(output)")
        #expect(output.contains("ok: 14 checks passed"), "\(output)")

        let upstream = try TapeStore(path: scratch.path("upstream.sqlite"))
        let recorded = try TapeStore(path: scratch.path("proxy.sqlite"))
        let tapes = try recorded.tapes(TapeFilter())
        // Every SDK call and the header check: 13 exchanges (the final-message helpers reuse their stream).
        #expect(tapes.count == 13, "\(tapes.map { $0.request?.path ?? "?" })")
        var providers: Set<Provider> = []
        var gapsCompared = 0
        for metadata in tapes {
            let tape = try recorded.tape(with: metadata)
            #expect(metadata.source == .proxy)
            #expect(metadata.endReason == .completed, "\(metadata.uid): \(String(describing: metadata.endReason)) \(metadata.endDetail ?? "")")
            let served = try #require(metadata.response?.header("x-tokentape-tape").flatMap { Int64($0) })
            let original = try upstream.tape(.number(served))
            // Byte-exact: what the upstream sent is what the client got is what the tape holds.
            #expect(tape.body == original.body, "tape \(metadata.number!) vs upstream tape \(served)")
            if let provider = metadata.provider { providers.insert(provider) }
            // The gaps between reads match the upstream's schedule (generous: a debug build on a busy machine;
            // the tight figures belong to the benchmark). Writes the upstream made close together may arrive
            // as one read (more so on a loaded machine), so compare only where a read ends where one of the
            // upstream's writes ended, write for write: the byte offset says which write a read is.
            let readEnds = Dictionary(ends(of: tape.chunks), uniquingKeysWith: { first, _ in first })
            let writes = ends(of: original.chunks)
            for k in 1..<max(1, writes.count) {
                guard let before = readEnds[writes[k - 1].offset], let after = readEnds[writes[k].offset] else { continue }
                let recordedGap = Double(after - before) / 1e6
                let scheduledGap = Double(writes[k].t - writes[k - 1].t) / 1e6
                #expect(abs(recordedGap - scheduledGap) < 25, "tape \(metadata.number!) gap \(k): \(recordedGap) ms, upstream \(scheduledGap) ms")
                gapsCompared += 1
            }
        }
        #expect(providers.count == 7, "\(providers)")
        #expect(gapsCompared > 100, "only \(gapsCompared) gaps could be compared read for read")
    }
}

/// Where each chunk ends in the body (bytes so far), and when it came.
private func ends(of chunks: [Chunk]) -> [(offset: Int, t: Int64)] {
    var offset = 0
    return chunks.map { chunk in
        offset += chunk.bytes.count
        return (offset, chunk.t)
    }
}

private final class Output: @unchecked Sendable {
    var data = Data()
    let done = DispatchSemaphore(value: 0)
}
