import Foundation
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
            process.terminate()
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
}

private final class Output: @unchecked Sendable {
    var data = Data()
    let done = DispatchSemaphore(value: 0)
}
