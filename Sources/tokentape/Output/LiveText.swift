import Foundation
import TapeCore

/// Prints a stream's visible text as its events arrive: content as is,
/// reasoning dimmed, tool calls marked. A signal handler may print the last
/// events while the reading thread is still here, hence the lock.
final class LiveText: @unchecked Sendable {
    private let enabled: Bool
    private let lock = NSLock()
    private var last: EventClass?
    private var printedAnything = false

    init(enabled: Bool) {
        self.enabled = enabled
    }

    func show(_ events: [StreamEvent]) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        for event in events {
            switch event.kind {
            case .content:
                switchTo(.content)
                Terminal.write(event.text ?? "")
            case .reasoning:
                switchTo(.reasoning)
                Terminal.write(Terminal.dim(event.text ?? ""))
            case .toolCall:
                if let name = event.tool?.name {
                    switchTo(nil)
                    Terminal.write(Terminal.bold("⚙ \(name)") + " ")
                }
                last = .toolCall
                Terminal.write(Terminal.dim(event.tool?.arguments ?? ""))
            case .error:
                switchTo(nil)
                Terminal.write("✗ error: \(event.error?.message ?? "")\n")
            default:
                continue
            }
            printedAnything = true
        }
    }

    /// Ends the text with a newline, if any was printed.
    func end() {
        lock.lock()
        defer { lock.unlock() }
        if enabled, printedAnything { Terminal.write("\n") }
    }

    /// A new line when the kind of text changes (reasoning, then the answer).
    private func switchTo(_ kind: EventClass?) {
        if let last, last != kind { Terminal.write("\n") }
        last = kind
    }
}
