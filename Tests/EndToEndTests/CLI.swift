import Foundation
import Testing

/// Runs the built `tokentape` binary as a user would, with a time bound.
struct CLI {
    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var out: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// The binary beside this test bundle (SwiftPM builds it for this target).
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["TOKENTAPE_BIN"] { return URL(fileURLWithPath: path) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("tokentape")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/tokentape")
    }()

    /// Starts the binary with its standard streams on pipes.
    static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, Pipe, Pipe, Pipe) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "TOKENTAPE_DB")
        env.merge(environment) { $1 }
        process.environment = env
        let (input, output, error) = (Pipe(), Pipe(), Pipe())
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        return (process, input, output, error)
    }

    /// Runs to completion (at most `timeout` seconds, then kills it and fails).
    @discardableResult
    static func run(_ arguments: [String], stdin: Data = Data(), timeout: Double = 60) throws -> Result {
        let (process, input, output, error) = try start(arguments)
        let writer = Thread {
            input.fileHandleForWriting.write(stdin)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        return try finish(process, output, error, timeout: timeout)
    }

    /// Collects the output of a started process and waits for it within the bound.
    static func finish(_ process: Process, _ output: Pipe, _ error: Pipe, timeout: Double) throws -> Result {
        let collected = Collected()
        let readers = [output, error].enumerated().map { index, pipe in
            Thread {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collected.set(index, data)
            }
        }
        readers.forEach { $0.start() }
        let exited = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            process.waitUntilExit()
            exited.signal()
        }
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            process.end()
            Issue.record("tokentape \(process.arguments ?? []) did not finish within \(timeout) s")
        }
        collected.waitForBoth(timeout: 10)
        return Result(
            status: process.terminationStatus, stdout: collected.data[0],
            stderr: String(decoding: collected.data[1], as: UTF8.self))
    }

    final class Collected: @unchecked Sendable {
        private let lock = NSCondition()
        private(set) var data = [Data(), Data()]
        private var done = 0

        func set(_ index: Int, _ value: Data) {
            lock.lock()
            data[index] = value
            done += 1
            lock.broadcast()
            lock.unlock()
        }

        func waitForBoth(timeout: Double) {
            let deadline = Date().addingTimeInterval(timeout)
            lock.lock()
            while done < 2, lock.wait(until: deadline) {}
            lock.unlock()
        }
    }
}

extension Process {
    /// SIGTERM, then SIGKILL if it has not exited within `grace` seconds; returns once it has.
    ///
    /// A child started from a test thread inherits that thread's blocked signals (Foundation's
    /// spawn keeps the mask, and Dispatch's workers block nearly all), so a Python child
    /// never sees the SIGTERM: without the SIGKILL the wait would never end.
    func end(grace: Double = 5) {
        guard isRunning else { return }
        terminate()
        let exited = DispatchSemaphore(value: 0)
        Thread {
            self.waitUntilExit()
            exited.signal()
        }.start()
        if exited.wait(timeout: .now() + grace) == .timedOut {
            kill(processIdentifier, SIGKILL)
            _ = exited.wait(timeout: .now() + 10)
        }
    }
}

/// A directory of its own for one test, removed when the test is done.
final class Scratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tokentape-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// The fixtures folder of the repository.
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/streams")
