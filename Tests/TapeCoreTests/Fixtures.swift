import Foundation
import Testing
@testable import TapeCore

/// One stream of `Fixtures/streams` with its hand-written expectation.
struct Fixture: CustomTestStringConvertible, Sendable {
    struct Expected: Decodable, Sendable {
        var provider: Provider
        var path: String?
        var model: String?
        var end_reason: EndReason
        var events: [StreamEvent]
    }

    var name: String
    var bytes: [UInt8]
    var expected: Expected

    var testDescription: String { name }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/streams")

    static let all: [Fixture] = {
        let files = (try? FileManager.default.subpathsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".expected.json") }.sorted().compactMap { file in
            let base = String(file.dropLast(".expected.json".count))
            guard let stream = files.first(where: { $0.hasPrefix(base + ".") && !$0.hasSuffix(".json") }) else { return nil }
            do {
                let expected = try JSONDecoder().decode(
                    Expected.self, from: Data(contentsOf: directory.appendingPathComponent(file)))
                let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(stream)))
                return Fixture(name: base, bytes: bytes, expected: expected)
            } catch {
                fatalError("fixture \(file) does not load: \(error)")
            }
        }
    }()

    /// Decodes the fixture given as these reads.
    func decode(_ reads: [[UInt8]], path: String? = nil) -> (events: [StreamEvent], provider: Provider, model: String?) {
        StreamDecoder.decode(reads, path: path)
    }

    /// The fixture's bytes cut at these offsets.
    func reads(cutAt cuts: [Int]) -> [[UInt8]] {
        var reads: [[UInt8]] = []
        var start = 0
        for cut in cuts.sorted() + [bytes.count] where cut >= start {
            reads.append(Array(bytes[start..<cut]))
            start = cut
        }
        return reads
    }
}

extension StreamEvent {
    /// What the fixtures pin down: everything but where the event sits in the bytes and reads.
    var semantic: StreamEvent {
        var copy = self
        copy.bytes = 0..<0
        copy.chunk = 0
        copy.serverTiming = nil
        return copy
    }

    /// Everything but the chunk, which depends on the cuts.
    var positioned: StreamEvent {
        var copy = self
        copy.chunk = 0
        return copy
    }
}

/// A small seeded generator (SplitMix64), so random cuts repeat run after run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
