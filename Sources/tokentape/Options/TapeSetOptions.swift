import ArgumentParser
import Foundation
import TapeAnalysis
import TapeCore
import TapeStore

/// SEL: the set of tapes a figure covers: tapes named on the command line,
/// `--all`, and the filters of every listing.
struct TapeSetOptions: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "Tapes: numbers, ranges (10-20), ids (tt_…), `last`, or tag:T, model:M, provider:P.",
            discussion: "Several terms of one kind add up; different kinds must all hold. A bare word is a tag.",
            valueName: "tapes"))
    var terms: [String] = []

    @Flag(name: .long, help: "Every tape in the store (what no selection means, said out loud).")
    var all = false

    @OptionGroup var selection: SelectionOptions

    /// Nothing named: neither terms, `--all` nor a filter.
    var isUnspecified: Bool {
        terms.isEmpty && !all && selection.tag.isEmpty && selection.provider == nil && selection.model == nil
            && selection.since == nil && selection.limit == nil
    }

    func filter() throws -> TapeFilter {
        var filter = try selection.filter()
        for term in terms { try SelectionTerm.apply(term, to: &filter) }
        return filter
    }
}

/// One term of a selection: `12`, `10-20`, `tt_…`, `last`, `tag:T`, `model:M`, `provider:P`, or a bare tag.
enum SelectionTerm {
    static func apply(_ term: String, to filter: inout TapeFilter) throws {
        let term = term.trimmingCharacters(in: .whitespaces)
        guard !term.isEmpty else { throw ValidationError("an empty selection term: name tapes (12, 10-20, tt_…) or tag:T") }
        if let colon = term.firstIndex(of: ":"), !term.hasPrefix("tt_") {
            let key = term[..<colon]
            let value = String(term[term.index(after: colon)...])
            guard !value.isEmpty else { throw ValidationError("'\(term)' has no value after '\(key):'") }
            switch key {
            case "tag": filter.tags.append(value)
            case "model":
                if let model = filter.model, model != value { throw ValidationError("'\(term)': a tape has one model, already '\(model)'") }
                filter.model = value
            case "provider":
                guard let provider = Provider(rawValue: value) else {
                    throw ValidationError(
                        "'\(term)': unknown provider; one of \(Provider.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                filter.provider = provider
            default:
                throw ValidationError("'\(term)': unknown key '\(key)'; use tag:, model: or provider:")
            }
            return
        }
        if let dash = term.firstIndex(of: "-"), let low = Int64(term[..<dash]),
            let high = Int64(term[term.index(after: dash)...])
        {
            guard low >= 1, low <= high else { throw ValidationError("'\(term)': a range goes from a tape number up, like 10-20") }
            filter.ranges.append(low...high)
            return
        }
        if term == "last" || Int64(term) != nil || term.hasPrefix("tt_") {
            filter.references.append(try TapeReference.argument(term))
            return
        }
        filter.tags.append(term)
    }

    /// A whole selection written as one argument: terms joined by commas (`tag:v1,model:gpt-4o`, `1-50`).
    static func filter(_ text: String, base: TapeFilter) throws -> TapeFilter {
        var filter = base
        for term in text.split(separator: ",", omittingEmptySubsequences: false) { try apply(String(term), to: &filter) }
        return filter
    }
}

/// The thresholds of the definitions, shared by every command that computes metrics.
struct AnalysisOptions: ParsableArguments {
    @Option(
        name: .customLong("stall"),
        help: ArgumentHelp("A gap between tokens longer than this is a stall.", valueName: "duration"),
        transform: DurationText.argument)
    var stallThreshold: Double = 1

    @Option(
        name: .customLong("stall-factor"),
        help: ArgumentHelp("A gap longer than this many times the tape's median gap is a relative stall.", valueName: "x"))
    var stallFactor: Double = 5

    @Option(
        name: .customLong("reading-rate"),
        help: ArgumentHelp(
            "The reading rate of fluidity, tokens/s.",
            discussion: "Default 10: a skimming reader (an adult reads ~250 words/min, about 5.5 tokens/s).",
            valueName: "tokens/s"))
    var readingRate: Double = 10

    func settings() throws -> AnalysisSettings {
        guard stallFactor > 0, stallFactor.isFinite else { throw ValidationError("--stall-factor must be a positive number") }
        guard readingRate > 0, readingRate.isFinite else { throw ValidationError("--reading-rate must be a positive number of tokens/s") }
        return AnalysisSettings(
            stallThreshold: Int64(stallThreshold * 1e9), relativeStallFactor: stallFactor, readingRate: readingRate)
    }
}
