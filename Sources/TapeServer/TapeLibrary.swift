import Foundation
import TapeCore
import TapeReplay

/// The tapes a server answers with, and which one answers a request.
///
/// In order: the tape a `X-Tokentape-Tape` header names; a tape recorded for
/// the same request (method, path, and JSON body without the fields that
/// change from call to call), repeated identical requests getting their
/// recordings in order; otherwise the next tape of the provider the path
/// belongs to, round robin. Chunks are loaded when a tape is played, through
/// the loader the caller gives (the server never opens the database).
public actor TapeLibrary {
    public typealias Loader = @Sendable (TapeMetadata) throws -> Tape

    /// Request-body fields left out when matching: they differ between calls
    /// that ask the same thing.
    public static let volatileFields: Set<String> = ["user", "metadata", "stream_options", "store", "service_tier", "seed"]

    public let tapes: [TapeMetadata]
    private let load: Loader
    private var byRequest: [String: [Int]] = [:]
    /// Number and id, both as written in a header or a path, to the tape's index.
    private var byName: [String: Int] = [:]
    private var nextForRequest: [String: Int] = [:]
    private var nextForProvider: [Provider: Int] = [:]
    /// Tapes never change: each is loaded, and its schedule built, once.
    private var loaded: [String: Tape] = [:]
    private var schedules: [ScheduleKey: ReplaySchedule] = [:]

    private struct ScheduleKey: Hashable {
        var uid: String
        var options: ReplayOptions
    }

    public init(_ tapes: [TapeMetadata], load: @escaping Loader) {
        self.tapes = tapes
        self.load = load
        for (i, tape) in tapes.enumerated() {
            byName[tape.uid] = i
            if let number = tape.number { byName[String(number)] = i }
            guard let request = tape.request else { continue }
            byRequest[Self.key(method: request.method, path: request.path, body: request.body), default: []].append(i)
        }
    }

    /// What picked the tape, for the `x-tokentape-match` header.
    public enum Match: String, Sendable {
        case header, request, provider
    }

    public enum Choice: Sendable {
        case tape(Tape, Match)
        /// No tape for this request: why, and the nearest one.
        case none(reason: String, nearest: TapeMetadata?, differences: [String])
    }

    /// The tape that answers a request.
    public func choose(method: String, path: String, body: [UInt8], provider: Provider?, named: String?, strict: Bool) throws -> Choice {
        if let named {
            guard let index = byName[named] else {
                return .none(reason: "no tape '\(named)' is served", nearest: nil, differences: [])
            }
            return .tape(try cached(tapes[index]), .header)
        }
        let key = Self.key(method: method, path: path, body: body)
        if let matches = byRequest[key], !matches.isEmpty {
            let next = nextForRequest[key, default: 0]
            nextForRequest[key] = next + 1
            return .tape(try cached(tapes[matches[next % matches.count]]), .request)
        }
        if strict {
            let nearest = nearestTape(method: method, path: path, body: body, provider: provider)
            return .none(
                reason: "no tape was recorded for this request", nearest: nearest?.0, differences: nearest?.1 ?? [])
        }
        let candidates = tapes.indices.filter { provider == nil || tapes[$0].provider == provider }
        guard !candidates.isEmpty else {
            return .none(
                reason: "no tape of \(provider?.rawValue ?? "this API") is served; record one, or make one up with tokentape simulate",
                nearest: nil, differences: [])
        }
        let p = provider ?? .text
        let next = nextForProvider[p, default: 0]
        nextForProvider[p] = next + 1
        return .tape(try cached(tapes[candidates[next % candidates.count]]), .provider)
    }

    /// A tape by number or id, for `/tapes/{id}`.
    public func tape(named: String) throws -> Tape? {
        guard let index = byName[named] else { return nil }
        return try cached(tapes[index])
    }

    /// A tape's schedule under the server's options, built once.
    public func schedule(_ tape: Tape, options: ReplayOptions) -> ReplaySchedule {
        let key = ScheduleKey(uid: tape.metadata.uid, options: options)
        if let schedule = schedules[key] { return schedule }
        let schedule = ReplaySchedule(tape: tape, options: options)
        schedules[key] = schedule
        return schedule
    }

    private func cached(_ metadata: TapeMetadata) throws -> Tape {
        if let tape = loaded[metadata.uid] { return tape }
        let tape = try load(metadata)
        loaded[metadata.uid] = tape
        return tape
    }

    /// The tape whose request differs least, and how.
    private func nearestTape(method: String, path: String, body: [UInt8], provider: Provider?) -> (TapeMetadata, [String])? {
        let wanted = Self.fields(body)
        var best: (TapeMetadata, [String])?
        for tape in tapes {
            guard let request = tape.request else { continue }
            var differences: [String] = []
            if request.method != method { differences.append("method: \(method), the tape's \(request.method)") }
            if request.path != path { differences.append("path: \(path), the tape's \(request.path)") }
            let theirs = Self.fields(request.body ?? [])
            for name in Set(wanted.keys).union(theirs.keys).sorted() where wanted[name] != theirs[name] {
                let mine = wanted[name].map { String($0.prefix(60)) } ?? "absent"
                let recorded = theirs[name].map { String($0.prefix(60)) } ?? "absent"
                differences.append("\(name): \(mine), the tape's \(recorded)")
            }
            if tape.provider != provider { differences.append("provider: the tape's is \(tape.provider?.rawValue ?? "unknown")") }
            if best == nil || differences.count < best!.1.count { best = (tape, differences) }
        }
        return best
    }

    /// Top-level body fields as canonical JSON text, volatile ones left out.
    static func fields(_ body: [UInt8]) -> [String: String] {
        guard !body.isEmpty, let value = JSONParser.parse(String(decoding: body, as: UTF8.self)),
            case .object(let members) = value
        else { return body.isEmpty ? [:] : ["(body)": String(decoding: body, as: UTF8.self)] }
        var out: [String: String] = [:]
        for (key, value) in members.dictionary where !volatileFields.contains(key) { out[key] = value.canonicalText }
        return out
    }

    static func key(method: String, path: String, body: [UInt8]?) -> String {
        let fields = Self.fields(body ?? []).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
        return "\(method.uppercased()) \(path)\n\(fields)"
    }
}
