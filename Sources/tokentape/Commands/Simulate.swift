import ArgumentParser
import Foundation
import TapeCore
import TapeReplay
import TapeStore

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make up provider-shaped tapes from a text and a timing model.",
        discussion: """
            No network, no key: each tape is a stream as the provider sends it (FORMATS.md), timed \
            by the model below, stored like a recorded one (source simulate). The same options and \
            --seed give the same bytes and times; tape i of --count uses seed + i.

            Examples:
              tokentape simulate                                     # one OpenAI Chat tape of the built-in text
              tokentape simulate --all-providers --ttft 800ms --icl 40ms --jitter 15ms
              tokentape simulate --count 50 --distribution lognormal --stall 20:2s --tag slow
              tokentape simulate --provider anthropic --text-file answer.txt --abort-after 10
            """)

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: "The provider's format (repeat for several).")
    var provider: [Provider] = []

    @Flag(name: .long, help: "One of each provider's format.")
    var allProviders = false

    @Option(name: .long, help: "Tapes per provider.")
    var count = 1

    @Option(name: .long, help: "The answer's text (default: a built-in paragraph).")
    var text: String?

    @Option(name: .customLong("text-file"), help: ArgumentHelp("Read the answer's text from a file.", valueName: "path"))
    var textFile: String?

    @Option(name: .long, help: "The model name the stream carries.")
    var model: String?

    @Option(name: .long, help: ArgumentHelp("Time to the first token.", valueName: "duration"), transform: DurationText.argument)
    var ttft: Double = 0.4

    @Option(name: .long, help: ArgumentHelp("Median time between chunks.", valueName: "duration"), transform: DurationText.argument)
    var icl: Double = 0.03

    @Option(name: .long, help: ArgumentHelp("How far gaps spread around --icl.", valueName: "duration"), transform: DurationText.argument)
    var jitter: Double = 0.01

    @Option(name: .long, help: "How gaps spread: constant, uniform, normal, lognormal.")
    var distribution: SyntheticTape.Distribution = .normal

    @Option(name: .customLong("tokens-per-chunk"), help: "Tokens in each content chunk.")
    var tokensPerChunk = 1

    @Option(name: .long, help: ArgumentHelp("An extra wait before content chunk K (repeat): 20:2s.", valueName: "K:duration"))
    var stall: [String] = []

    @Option(name: .customLong("abort-after"), help: ArgumentHelp("Cut the stream after N content chunks (a connection reset).", valueName: "N"))
    var abortAfter: Int?

    @Option(name: .long, help: "Seed of the timing draws.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Tag the tapes (repeat; default: simulated).")
    var tag: [String] = []

    func run() throws {
        guard (1...100_000).contains(count) else { throw ValidationError("--count must be 1…100000") }
        guard tokensPerChunk >= 1 else { throw ValidationError("--tokens-per-chunk must be at least 1") }
        if let abortAfter, abortAfter < 0 { throw ValidationError("--abort-after must be 0 or more") }
        var answer = SyntheticTape.defaultText
        if let text { answer = text }
        if let textFile {
            guard let data = FileManager.default.contents(atPath: textFile) else {
                throw ValidationError("--text-file \(textFile): cannot read it")
            }
            answer = String(decoding: data, as: UTF8.self)
        }
        guard !answer.isEmpty else { throw ValidationError("the text is empty: give --text or --text-file with something to say") }
        var timing = SyntheticTape.Timing()
        timing.ttft = Int64(ttft * 1e9)
        timing.icl = Int64(icl * 1e9)
        timing.jitter = Int64(jitter * 1e9)
        timing.distribution = distribution
        timing.tokensPerChunk = tokensPerChunk
        timing.abortAfter = abortAfter
        timing.stalls = try stall.map { text in
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let k = Int(parts[0]), k >= 0, let seconds = DurationText.seconds(parts[1]) else {
                throw ValidationError("--stall '\(text)' is not K:duration, like 20:2s")
            }
            return SyntheticTape.Stall(chunk: k, ns: Int64(seconds * 1e9))
        }
        let providers = allProviders ? Provider.allCases : (provider.isEmpty ? [.openaiChat] : provider)
        let tags = tag.isEmpty ? ["simulated"] : tag
        let now = Date()
        var tapes: [Tape] = []
        for p in providers {
            for i in 0..<count {
                tapes.append(SyntheticTape.make(
                    provider: p, text: answer, model: model, timing: timing, seed: seed &+ UInt64(i), startedAt: now, tags: tags))
            }
        }
        let numbers = try self.store.open().insert(tapes)
        let range = numbers.count == 1 ? "tape \(numbers[0])" : "tapes \(numbers.first!)–\(numbers.last!)"
        print("made up \(numbers.count) \(numbers.count == 1 ? "tape" : "tapes") (\(range)): \(providers.map(\.rawValue).joined(separator: ", "))")
        print("""
            Try next:
              tokentape replay last                 play it as a user saw it
              tokentape stats --tag \(tags[0])        what the timing model gives
            """)
    }
}

extension SyntheticTape.Distribution: ExpressibleByArgument {}
