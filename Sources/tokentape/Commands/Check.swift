import ArgumentParser
import Foundation
import TapeAnalysis
import TapeCore
import TapeStore

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Gate a set of tapes on latency, stalls and drop-off, for CI.",
        discussion: """
            Prints each gate with its measured value. Exit 0 when every gate passes, 1 when any fails \
            (a figure with no sample fails: it cannot be shown to pass), 2 on a usage error or when \
            the selection holds no finished tape: an empty selection never passes.

            Name the tapes (or --all): a gate on a set nobody chose is not a gate.

            Examples:
              tokentape check --tag release-42 --ttft-p95 800ms --tpot-p99 60ms --icl-p99 150ms --drop-off-max 1%
              tokentape check --all --stall-max 2s --gate 'adj_ttft.p99<=3s' --gate 'fluidity.p50>=90%'

            --gate takes METRIC.STAT<=VALUE or >=VALUE. METRIC: \(Gate.Subject.names.joined(separator: ", ")). \
            STAT: p50, p90, p95, p99, p99.9, max, mean (drop_off has none). VALUE: a duration (250ms, 1.5s) \
            for times, a share (1% or 0.01) for drop_off and fluidity, a number otherwise.
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var tapes: TapeSetOptions
    @OptionGroup var analysis: AnalysisOptions

    @Option(name: .customLong("ttft-p50"), help: ArgumentHelp("Largest median ttft allowed.", valueName: "duration"))
    var ttftP50: String?
    @Option(name: .customLong("ttft-p95"), help: ArgumentHelp("Largest p95 ttft allowed.", valueName: "duration"))
    var ttftP95: String?
    @Option(name: .customLong("ttft-p99"), help: ArgumentHelp("Largest p99 ttft allowed.", valueName: "duration"))
    var ttftP99: String?
    @Option(name: .customLong("tpot-p50"), help: ArgumentHelp("Largest median tpot allowed.", valueName: "duration"))
    var tpotP50: String?
    @Option(name: .customLong("tpot-p95"), help: ArgumentHelp("Largest p95 tpot allowed.", valueName: "duration"))
    var tpotP95: String?
    @Option(name: .customLong("tpot-p99"), help: ArgumentHelp("Largest p99 tpot allowed.", valueName: "duration"))
    var tpotP99: String?
    @Option(name: .customLong("icl-p95"), help: ArgumentHelp("Largest p95 gap between token events allowed.", valueName: "duration"))
    var iclP95: String?
    @Option(name: .customLong("icl-p99"), help: ArgumentHelp("Largest p99 gap between token events allowed.", valueName: "duration"))
    var iclP99: String?
    @Option(name: .customLong("e2e-p95"), help: ArgumentHelp("Largest p95 end-to-end time allowed.", valueName: "duration"))
    var e2eP95: String?
    @Option(name: .customLong("stall-max"), help: ArgumentHelp("Longest gap between token events allowed in any tape.", valueName: "duration"))
    var stallMax: String?
    @Option(name: .customLong("drop-off-max"), help: ArgumentHelp("Largest drop-off rate allowed (1% or 0.01).", valueName: "share"))
    var dropOffMax: String?
    @Option(name: .long, help: ArgumentHelp("Any other gate: METRIC.STAT<=VALUE or >=VALUE (repeat).", valueName: "gate"))
    var gate: [String] = []

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func gates() throws -> [Gate] {
        var gates: [Gate] = []
        let shortcuts: [(String, String?, Gate.Subject, Statistic?)] = [
            ("--ttft-p50", ttftP50, .request(.ttft, adjusted: false), .p50),
            ("--ttft-p95", ttftP95, .request(.ttft, adjusted: false), .p95),
            ("--ttft-p99", ttftP99, .request(.ttft, adjusted: false), .p99),
            ("--tpot-p50", tpotP50, .request(.tpot, adjusted: false), .p50),
            ("--tpot-p95", tpotP95, .request(.tpot, adjusted: false), .p95),
            ("--tpot-p99", tpotP99, .request(.tpot, adjusted: false), .p99),
            ("--icl-p95", iclP95, .icl, .p95),
            ("--icl-p99", iclP99, .icl, .p99),
            ("--e2e-p95", e2eP95, .request(.e2e, adjusted: false), .p95),
            ("--stall-max", stallMax, .icl, .max),
            ("--drop-off-max", dropOffMax, .dropOff, nil),
        ]
        for (flag, text, subject, statistic) in shortcuts {
            guard let text else { continue }
            gates.append(Gate(subject, statistic, atMost: true, try GateText.bound(text, unit: subject.unit, flag: flag)))
        }
        for text in gate { gates.append(try GateText.parse(text)) }
        guard !gates.isEmpty else {
            throw ValidationError("no gate given: add at least one, e.g. --ttft-p95 800ms or --gate 'icl.p99<=150ms'")
        }
        return gates
    }

    func run() throws {
        let gates = try gates()
        let settings = try analysis.settings()
        guard !tapes.isUnspecified else {
            throw ValidationError("say which tapes to check: numbers, tag:T, --tag, --since … or --all")
        }
        let store = try self.store.open()
        let (stats, _) = try Stats.collect(store, try tapes.filter(), settings: settings, quiet: json)
        guard stats.dropOff.started > 0 else {
            throw ValidationError(
                "the selection holds no finished tape (\(stats.tapes) matched), so nothing can be checked; "
                    + "check the selection with: tokentape list …")
        }
        let results = gates.map { ($0, $0.measure(stats), $0.passes(stats)) }
        let passed = results.allSatisfy(\.2)
        if json {
            struct Result: Encodable {
                var gate: String
                var bound: JSONFigure
                var measured: JSONFigure?
                var passed: Bool
            }
            struct Output: Encodable {
                var tapes: Int
                var passed: Bool
                var gates: [Result]
            }
            try JSONOutput.print(Output(
                tapes: stats.tapes, passed: passed,
                gates: results.map {
                    Result(gate: $0.0.description.trimmingCharacters(in: .whitespaces), bound: JSONFigure(value: $0.0.bound),
                           measured: JSONFigure.from($0.1), passed: $0.2)
                }))
        } else {
            let rows = results.map { gate, value, ok in
                [
                    gate.description + GateText.show(gate.bound, gate.subject.unit),
                    value.map { GateText.show($0, gate.subject.unit) } ?? "no sample",
                    ok ? "pass" : Terminal.bold("FAIL"),
                ]
            }
            print("\(stats.tapes) tapes (\(stats.dropOff.started) finished)")
            print(Terminal.table(["gate", "measured", ""], rows))
            print(passed ? "all \(gates.count) gates pass" : "\(results.filter { !$0.2 }.count) of \(gates.count) gates fail")
        }
        if !passed { throw ExitCode(1) }
    }
}

/// Gates as users write them and as we print them.
enum GateText {
    /// `adj_ttft.p99<=3s`, `drop_off<=1%`, `fluidity.p50>=90%`.
    static func parse(_ text: String) throws -> Gate {
        let compact = text.replacingOccurrences(of: " ", with: "")
        let atMost: Bool
        let parts: [String]
        if compact.contains("<=") {
            atMost = true
            parts = compact.components(separatedBy: "<=")
        } else if compact.contains(">=") {
            atMost = false
            parts = compact.components(separatedBy: ">=")
        } else {
            throw ValidationError("gate '\(text)' has no <= or >=: write it like 'ttft.p95<=800ms'")
        }
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ValidationError("gate '\(text)' is not METRIC.STAT<=VALUE: write it like 'ttft.p95<=800ms'")
        }
        var name = parts[0]
        var statistic: Statistic?
        if let dot = name.firstIndex(of: ".") {
            let stat = String(name[name.index(after: dot)...])
            guard let s = Statistic(rawValue: stat) else {
                throw ValidationError(
                    "gate '\(text)': unknown statistic '\(stat)'; one of \(Statistic.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            statistic = s
            name = String(name[..<dot])
        }
        guard let subject = Gate.Subject(name: name) else {
            throw ValidationError("gate '\(text)': unknown metric '\(name)'; one of \(Gate.Subject.names.joined(separator: ", "))")
        }
        if subject == .dropOff {
            if statistic != nil { throw ValidationError("gate '\(text)': drop_off is a rate and takes no statistic") }
        } else if statistic == nil {
            throw ValidationError("gate '\(text)': say which statistic, e.g. \(name).p95")
        }
        return Gate(subject, statistic, atMost: atMost, try bound(parts[1], unit: subject.unit, flag: "gate '\(text)'"))
    }

    /// A bound in the unit of its metric.
    static func bound(_ text: String, unit: Metric.Unit, flag: String) throws -> Double {
        switch unit {
        case .ms:
            guard let seconds = DurationText.seconds(text) else {
                throw ValidationError("\(flag): '\(text)' is not a duration; write it with a unit, like 800ms or 1.5s")
            }
            return seconds * 1000
        case .share:
            if text.hasSuffix("%"), let p = Double(text.dropLast()), p >= 0, p <= 100 { return p / 100 }
            if let share = Double(text), share >= 0, share <= 1 { return share }
            throw ValidationError("\(flag): '\(text)' is not a share; write 1% or 0.01")
        case .tokens, .tokensPerSecond:
            guard let n = Double(text), n.isFinite, n >= 0 else { throw ValidationError("\(flag): '\(text)' is not a number") }
            return n
        }
    }

    static func show(_ value: Double, _ unit: Metric.Unit) -> String {
        switch unit {
        case .ms: StatsText.figure(value) + " ms"
        case .share: StatsText.percent(value)
        case .tokensPerSecond: StatsText.figure(value, unit) + " tok/s"
        case .tokens: StatsText.figure(value, unit)
        }
    }
}
