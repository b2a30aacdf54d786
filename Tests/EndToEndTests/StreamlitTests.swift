import Foundation
import Testing

/// `examples/streamlit_chat` run headless against `serve`, its page in
/// headless Chromium: the tape's answer streams in as the user watches.
@Suite(.enabled(if: Browser.available, "needs Debian's chromium (apt-get install chromium); CI installs it"))
struct StreamlitTests {
    /// A free loopback port for a server that cannot pick its own.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw ProbeError("no free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// `streamlit run app.py`, headless on loopback; returns once it says it serves.
    static func startStreamlit(port: Int, baseURL: String) throws -> Process {
        let process = Process()
        process.executableURL = SDKInteropTests.root.appendingPathComponent(".venv/bin/streamlit")
        process.arguments = [
            "run", SDKInteropTests.root.appendingPathComponent("examples/streamlit_chat/app.py").path,
            "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", "\(port)",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["OPENAI_BASE_URL"] = baseURL
        environment["OPENAI_API_KEY"] = nil
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // It prints its URL when it accepts connections: wait for that line, with a bound.
        let said = DispatchSemaphore(value: 0)
        let log = Log()
        Thread {
            while true {
                let data = output.fileHandleForReading.availableData
                if data.isEmpty { break }
                log.append(data)
                if log.text.contains("127.0.0.1:\(port)") { said.signal() }
            }
        }.start()
        if said.wait(timeout: .now() + 60) == .timedOut {
            process.end()
            throw ProbeError("streamlit did not start within 60 s:\n\(log.text)")
        }
        return process
    }

    @Test("the Streamlit chat against serve: the answer streams in (partial, then whole) and equals the tape's text")
    func chatStreamsTheTape() throws {
        let scratch = try Scratch()
        let db = scratch.path("streamlit.sqlite")
        #expect(try CLI.run(["simulate", "--db", db, "--ttft", "300ms", "--icl", "50ms", "--jitter", "0ms"]).status == 0)
        let expected = try CLI.run(["show", "1", "--text", "--db", db]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(expected.count > 100)
        let server = try Server(["--db", db])
        // Python's own dependencies first (streamlit is in the test virtualenv).
        let setup = try SDKInteropTests().run(
            "/bin/bash", [SDKInteropTests.root.appendingPathComponent("Tests/Interop/setup.sh").path], timeout: 900)
        try #require(setup.0 == 0, "making the virtualenv failed:\n\(setup.1)")
        let port = try Self.freePort()
        let streamlit = try Self.startStreamlit(port: port, baseURL: "http://127.0.0.1:\(server.port)/v1")
        defer { streamlit.end() }
        let answer = "[...document.querySelectorAll('[data-testid=stChatMessageContent]')].slice(1).map(e => e.innerText).join('')"
        let shot = scratch.path("streamlit.png")
        let page = try Browser.run(
            "http://127.0.0.1:\(port)/",
            steps: [
                ["wait": "document.querySelector('[data-testid=stChatInputTextArea]')", "timeout": 60],
                ["type": "What makes streaming feel fast?", "into": "[data-testid=stChatInputTextArea]"],
                ["key": "Enter"],
                ["sample": answer, "as": "answers", "until": "\(answer).length >= \(expected.count)", "timeout": 60],
                ["eval": answer, "as": "final"],
                ["screenshot": shot],
            ], width: 1000, height: 700)
        Browser.keep(shot, as: "streamlit.png")
        #expect(page.error == nil, "\(page.raw)")
        func words(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        let final = words(page.string("final") ?? "")
        #expect(final == words(expected))
        // Streaming, not one block: several partial answers, each the start of the whole.
        let partials = page.strings("answers").map(words).filter { !$0.isEmpty && $0 != final }
        #expect(partials.count >= 5, "partial answers seen: \(partials)")
        #expect(partials.allSatisfy { final.hasPrefix($0) }, "\(partials)")
        #expect(page.exceptions.isEmpty, "\(page.exceptions)")
        #expect(page.requests.allSatisfy { $0.hasPrefix("http://127.0.0.1:\(port)/") || $0.hasPrefix("data:") }, "\(page.requests)")
    }

    private final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func append(_ more: Data) { lock.withLock { data += more } }
        var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
    }
}
