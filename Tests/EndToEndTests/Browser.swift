import Foundation
import Testing

/// Headless Chromium driven by `Tests/Interop/browser.py` (the DevTools
/// protocol, from the test virtualenv): a page loaded, steps run, and what
/// the page logged and requested on the way.
struct Browser {
    struct Outcome {
        var values: [String: Any]
        var error: String?
        var consoleErrors: [String]
        var exceptions: [String]
        var requests: [String]
        var raw: String

        func string(_ name: String) -> String? { values[name] as? String }
        func number(_ name: String) -> Double? { (values[name] as? NSNumber)?.doubleValue }
        func strings(_ name: String) -> [String] { values[name] as? [String] ?? [] }
    }

    /// Chromium is here, or this is CI (where a missing one must fail, not skip).
    static var available: Bool {
        ProcessInfo.processInfo.environment["CI"] == "true" || chromium != nil
    }

    static var chromium: String? {
        if let path = ProcessInfo.processInfo.environment["TOKENTAPE_CHROMIUM"] { return path }
        return ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Where screenshots are kept for a person to look at after a run.
    static let artifacts = SDKInteropTests.root.appendingPathComponent(".build/test-artifacts")

    /// Loads `url`, runs the steps (see browser.py), and returns what happened.
    static func run(_ url: String, steps: [[String: Any]], dark: Bool = false, width: Int = 1100, height: Int = 800) throws -> Outcome {
        let interop = SDKInteropTests()
        let setup = try interop.run("/bin/bash", [SDKInteropTests.root.appendingPathComponent("Tests/Interop/setup.sh").path], timeout: 900)
        try #require(setup.0 == 0, "making the virtualenv failed:\n\(setup.1)")
        let stepsJSON = String(decoding: try JSONSerialization.data(withJSONObject: steps), as: UTF8.self)
        var arguments = [
            SDKInteropTests.root.appendingPathComponent("Tests/Interop/browser.py").path, "--url", url, "--steps", stepsJSON,
            "--width", "\(width)", "--height", "\(height)",
        ]
        if dark { arguments.append("--dark") }
        let (_, output) = try interop.run(
            SDKInteropTests.root.appendingPathComponent(".venv/bin/python").path, arguments, timeout: 120)
        // The JSON is the last line; anything before it is Python's own complaint.
        guard let line = output.split(separator: "\n").last,
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { throw ProbeError("browser.py printed no result:\n\(output)") }
        return Outcome(
            values: object["values"] as? [String: Any] ?? [:], error: object["error"] as? String,
            consoleErrors: object["console_errors"] as? [String] ?? [], exceptions: object["exceptions"] as? [String] ?? [],
            requests: object["requests"] as? [String] ?? [], raw: output)
    }

    /// Copies a screenshot where a person finds it: `.build/test-artifacts/NAME`.
    static func keep(_ screenshot: String, as name: String) {
        try? FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let target = artifacts.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: target)
        try? FileManager.default.copyItem(at: URL(fileURLWithPath: screenshot), to: target)
    }
}
