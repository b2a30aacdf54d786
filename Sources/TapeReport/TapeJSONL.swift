import Foundation
import TapeCore

/// tokentape's own line format: lossless, versioned, readable with `jq`.
///
/// Per tape, one `tape` line (the metadata), one `chunk` line per read (its
/// time in ns and ms, its bytes in base64, and as text when they are UTF-8),
/// then one `event` line per decoded event (time in ms, class, text) for
/// readers who want the stream without decoding it. Import reads the `tape`
/// and `chunk` lines; the `event` lines are derived and ignored. Several
/// tapes follow each other in one file.
///
/// Version 1. A reader refuses a version it does not know.
public enum TapeJSONL {
    public static let format = "tokentape-jsonl"
    public static let version = 1

    struct TapeLine: Codable {
        var type = "tape"
        var format: String
        var version: Int
        var uid: String
        var started_at: String
        var source: String
        var provider: String?
        var model: String?
        var request: RequestPart?
        var response: ResponsePart?
        var t_sched_ns: Int64?
        var t_headers_ns: Int64?
        var t_end_ns: Int64?
        var end_reason: String?
        var end_phase: String?
        var end_detail: String?
        var tags: [String]
        /// false when the read times are unknown; absent means true.
        var timed: Bool?
    }

    struct RequestPart: Codable {
        var method: String
        var url: String
        var headers: [[String]]
        var body_base64: String?
    }

    struct ResponsePart: Codable {
        var status: Int
        var headers: [[String]]
    }

    struct ChunkLine: Codable {
        var type = "chunk"
        var seq: Int
        var t_ns: Int64
        var t_ms: Double
        var bytes_base64: String
        var text: String?
    }

    struct EventLine: Codable {
        var type = "event"
        var t_ms: Double
        var chunk: Int
        var `class`: String
        var text: String?
    }

    /// The lines of these tapes.
    public static func export(_ tapes: [Tape]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out = Data()
        func line(_ value: some Encodable) throws {
            out += try encoder.encode(value)
            out.append(0x0A)
        }
        for tape in tapes {
            let m = tape.metadata
            try line(tapeLine(m))
            for chunk in tape.chunks {
                try line(ChunkLine(
                    seq: chunk.seq, t_ns: chunk.t, t_ms: Double(chunk.t) / 1e6, bytes_base64: Data(chunk.bytes).base64EncodedString(),
                    text: String(validating: chunk.bytes, as: UTF8.self)))
            }
            for event in tape.decode().events {
                let t = tape.chunks.indices.contains(event.chunk) ? tape.chunks[event.chunk].t : 0
                try line(EventLine(t_ms: Double(t) / 1e6, chunk: event.chunk, class: event.kind.rawValue, text: event.text))
            }
        }
        return out
    }

    /// A tape's metadata as its `tape` line (HAR exports carry it too).
    static func tapeLine(_ m: TapeMetadata) -> TapeLine {
        TapeLine(
            format: format, version: version, uid: m.uid, started_at: Timestamps.string(m.startedAt), source: m.source.rawValue,
            provider: m.provider?.rawValue, model: m.model,
            request: m.request.map {
                RequestPart(method: $0.method, url: $0.url, headers: $0.headers.map { [$0.name, $0.value] },
                            body_base64: $0.body.map { Data($0).base64EncodedString() })
            },
            response: m.response.map { ResponsePart(status: $0.status, headers: $0.headers.map { [$0.name, $0.value] }) },
            t_sched_ns: m.tSched, t_headers_ns: m.tHeaders, t_end_ns: m.tEnd, end_reason: m.endReason?.rawValue,
            end_phase: m.endPhase?.rawValue, end_detail: m.endDetail, tags: m.tags, timed: m.timed ? nil : false)
    }

    /// The tapes in a file of these lines.
    public static func tapes(from data: Data) throws -> [Tape] {
        let decoder = JSONDecoder()
        var tapes: [Tape] = []
        for (index, raw) in data.split(separator: 0x0A, omittingEmptySubsequences: true).enumerated() {
            let number = index + 1
            guard let kind = (try? JSONSerialization.jsonObject(with: raw)) as? [String: Any], let type = kind["type"] as? String else {
                throw ImportError("line \(number) is not a JSON object with a \"type\"")
            }
            switch type {
            case "tape":
                let line: TapeLine
                do { line = try decoder.decode(TapeLine.self, from: raw) } catch { throw ImportError("line \(number): \(describe(error))") }
                guard line.format == format else { throw ImportError("line \(number) is not \(format) but '\(line.format)'") }
                guard line.version <= version else {
                    throw ImportError("line \(number) is \(format) version \(line.version); this tokentape reads up to version \(version): update tokentape")
                }
                tapes.append(Tape(metadata: try metadata(line, at: number), chunks: []))
            case "chunk":
                guard !tapes.isEmpty else { throw ImportError("line \(number) is a chunk before any tape line") }
                let line: ChunkLine
                do { line = try decoder.decode(ChunkLine.self, from: raw) } catch { throw ImportError("line \(number): \(describe(error))") }
                guard let bytes = Data(base64Encoded: line.bytes_base64) else { throw ImportError("line \(number): bytes_base64 is not base64") }
                tapes[tapes.count - 1].chunks.append(Chunk(seq: tapes[tapes.count - 1].chunks.count, t: line.t_ns, bytes: Array(bytes)))
            case "event":
                continue
            default:
                throw ImportError("line \(number) has an unknown type '\(type)'")
            }
        }
        for tape in tapes {
            guard zip(tape.chunks, tape.chunks.dropFirst()).allSatisfy({ $0.t <= $1.t }) else {
                throw ImportError("tape \(tape.metadata.uid): chunk times go backwards")
            }
        }
        return tapes
    }

    /// The metadata of a `tape` line (`number`: where it stands, for errors).
    static func metadata(_ line: TapeLine, at number: Int) throws -> TapeMetadata {
        guard let started = Timestamps.date(line.started_at) else { throw ImportError("line \(number): started_at '\(line.started_at)' is not a time") }
        let request = try line.request.map { part -> RecordedRequest in
            var body: [UInt8]?
            if let encoded = part.body_base64 {
                guard let data = Data(base64Encoded: encoded) else { throw ImportError("line \(number): body_base64 is not base64") }
                body = Array(data)
            }
            return RecordedRequest(method: part.method, url: part.url, headers: try headers(part.headers, at: number), body: body)
        }
        let response = try line.response.map { ResponseHead(status: $0.status, headers: try headers($0.headers, at: number)) }
        var tags = line.tags
        if line.source != TapeSource.import.rawValue { tags.append("imported") }
        return TapeMetadata(
            uid: line.uid, startedAt: started, source: .import, request: request, response: response,
            provider: line.provider.flatMap(Provider.init(rawValue:)), model: line.model, tSched: line.t_sched_ns,
            tHeaders: line.t_headers_ns, tEnd: line.t_end_ns, endReason: line.end_reason.flatMap(EndReason.init(rawValue:)),
            endPhase: line.end_phase.flatMap(EndPhase.init(rawValue:)), endDetail: line.end_detail, tags: Array(Set(tags)).sorted(),
            timed: line.timed ?? true)
    }

    static func headers(_ pairs: [[String]], at number: Int) throws -> [HeaderField] {
        try pairs.map { pair in
            guard pair.count == 2 else { throw ImportError("line \(number): a header is not [name, value]") }
            return HeaderField(pair[0], pair[1])
        }
    }

    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .keyNotFound(let key, _): return "the field \"\(key.stringValue)\" is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "the field \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" is not what it should be"
        @unknown default: return "\(error)"
        }
    }
}

/// Why a file could not be imported; nothing of it was written.
public struct ImportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Wall-clock instants as the formats write them (ISO 8601, UTC, milliseconds).
enum Timestamps {
    static func string(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func date(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
