import ArgumentParser
import Foundation
import TapeCore
import TapeStore

/// Which tapes a listing covers.
struct SelectionOptions: ParsableArguments {
    @Option(name: .long, help: "Only tapes with this tag (repeat for several: all must match).")
    var tag: [String] = []

    @Option(name: .long, help: "Only tapes of this provider (\(Provider.allCases.map(\.rawValue).joined(separator: ", "))).")
    var provider: Provider?

    @Option(name: .long, help: "Only tapes of this model.")
    var model: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Only tapes started since then.", discussion: "A duration back from now (90s, 30m, 2h, 7d) or a date (2026-11-25).",
            valueName: "when"))
    var since: String?

    @Option(name: .long, help: "At most this many tapes, the newest.")
    var limit: Int?

    func filter(now: Date = Date()) throws -> TapeFilter {
        var sinceDate: Date?
        if let since {
            if let back = DurationText.seconds(since) {
                sinceDate = now.addingTimeInterval(-back)
            } else if let date = try? Date(since, strategy: Date.ISO8601FormatStyle()) {
                sinceDate = date
            } else if let date = try? Date(since, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
                sinceDate = date
            } else if since.count == 10, let date = try? Date(since, strategy: Date.ISO8601FormatStyle().year().month().day()) {
                // Date-only last: that style also accepts a prefix of a longer text.
                sinceDate = date
            } else {
                throw ValidationError("--since '\(since)' is neither a duration (30m, 2h, 7d) nor a date (2026-11-25)")
            }
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        return TapeFilter(tags: tag, provider: provider, model: model, since: sinceDate, limit: limit)
    }
}

extension Provider: ExpressibleByArgument {}
extension Framing: ExpressibleByArgument {}
