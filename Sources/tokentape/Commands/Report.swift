import ArgumentParser
import Foundation
import TapeAnalysis
import TapeReport
import TapeStore

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an HTML report: summary, ttft curves, icl histogram, drop-off, stalls and timelines.",
        discussion: """
            One self-contained page (no network: style inline, charts as inline SVG) that opens from \
            disk, in light or dark. The selection and the figures are those of `tokentape stats`: a \
            summary table per group, the time to first token of each group as a cumulative curve, the \
            inter-chunk latency histogram, the drop-off survival curve, the longest stalls, and the \
            worst tapes (dropped, then stalled, then slowest first) with a timeline of their token \
            arrivals where stalls and the end stand out. Hover a point, bar or mark for its numbers.

            Examples:
              tokentape report                                  # every tape, to report.html
              tokentape report --tag release-42 --by model -o release-42.html
              tokentape report --all --timelines all -o - > everything.html
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var tapes: TapeSetOptions
    @OptionGroup var analysis: AnalysisOptions

    @Option(name: .long, help: "Group by tag, model or provider (repeat for combinations).")
    var by: [GroupDimension] = []

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("The HTML file to write; - for standard output.", valueName: "file"))
    var output = "report.html"

    @Option(name: .long, help: ArgumentHelp("How many of the worst tapes get a timeline: a number, or all.", valueName: "N|all"))
    var timelines: TimelineCount = TimelineCount(limit: .count(12))

    func run() throws {
        let filter = try tapes.filter()
        let settings = try analysis.settings()
        let destination = output == "-" ? nil : URL(fileURLWithPath: output)
        // Refuse a destination that cannot be written before the work, not after it.
        if let destination {
            var isDirectory: ObjCBool = false
            let folder = destination.deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("cannot write \(output): the folder \(folder) does not exist")
            }
            if FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory), isDirectory.boolValue {
                throw ValidationError("cannot write \(output): it is a folder")
            }
        }
        let store = try self.store.open()
        let input = try store.reportInput(
            filter, by: by, settings: settings, timelines: timelines.limit, selection: selectionText,
            storeName: URL(fileURLWithPath: self.store.path).lastPathComponent)
        let data = Data(HTMLReport.render(input).utf8)
        if let destination {
            do {
                // Atomic: a failed write leaves no partial page (and an older report intact).
                try data.write(to: destination, options: .atomic)
            } catch {
                throw ValidationError("cannot write \(output): \(error.localizedDescription)")
            }
        } else {
            FileHandle.standardOutput.write(data)
        }
        let written = destination == nil ? "standard output" : output
        if input.isEmpty {
            Terminal.note("no tapes in \(self.store.path) match; \(written) says so. Record some: tokentape demo")
        } else if destination != nil {
            let tapes = input.groups[0].stats.tapes
            Terminal.note("wrote \(output): \(tapes) tape\(tapes == 1 ? "" : "s"), \(input.timelines.count) timelines, \(data.count / 1024) KiB")
        }
    }

    /// The selection as the user wrote it, for the page's header.
    var selectionText: String {
        let s = tapes.selection
        var parts = tapes.terms
        if tapes.all { parts.append("--all") }
        parts += s.tag.map { "--tag \($0)" }
        if let provider = s.provider { parts.append("--provider \(provider.rawValue)") }
        if let model = s.model { parts.append("--model \(model)") }
        if let since = s.since { parts.append("--since \(since)") }
        if let limit = s.limit { parts.append("--limit \(limit)") }
        return parts.isEmpty ? "all tapes" : parts.joined(separator: " ")
    }

    /// `--timelines`: a count, or `all`.
    struct TimelineCount: ExpressibleByArgument {
        var limit: ReportBuilder.TimelineLimit

        init(limit: ReportBuilder.TimelineLimit) { self.limit = limit }

        init?(argument: String) {
            if argument == "all" {
                limit = .all
            } else if let n = Int(argument), n >= 0 {
                limit = .count(n)
            } else {
                return nil
            }
        }

        var defaultValueDescription: String {
            switch limit {
            case .count(let n): "\(n)"
            case .all: "all"
            }
        }
    }
}
