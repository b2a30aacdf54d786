import Foundation
import TapeCore

/// A tape's metadata as `list --json` and `show --json` print it.
struct TapeJSON: Encodable {
    var number: Int64?
    var id: String
    var started_at: String
    var source: String
    var provider: String?
    var model: String?
    var method: String?
    var url: String?
    var status: Int?
    var t_sched_ms: Double?
    var t_headers_ms: Double?
    var duration_ms: Double?
    var end_reason: String?
    var end_phase: String?
    var end_detail: String?
    var chunks: Int
    var bytes: Int
    var tags: [String]
    var request_headers: [HeaderField]?
    var response_headers: [HeaderField]?

    init(_ m: TapeMetadata, detailed: Bool = false) {
        number = m.number
        id = m.uid
        started_at = m.startedAt.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        source = m.source.rawValue
        provider = m.provider?.rawValue
        model = m.model
        method = m.request?.method
        url = m.request?.url
        status = m.response?.status
        t_sched_ms = m.tSched.map(Self.ms)
        t_headers_ms = m.tHeaders.map(Self.ms)
        duration_ms = m.tEnd.map(Self.ms)
        end_reason = m.endReason?.rawValue
        end_phase = m.endPhase?.rawValue
        end_detail = m.endDetail
        chunks = m.chunkCount
        bytes = m.byteCount
        tags = m.tags
        if detailed {
            request_headers = m.request?.headers
            response_headers = m.response?.headers
        }
    }

    static func ms(_ ns: Int64) -> Double { Double(ns) / 1e6 }
}

/// An event with its time, as `show --events --json` prints it.
struct TimedEventJSON: Encodable {
    var tMs: Double
    var event: StreamEvent

    private enum Keys: String, CodingKey { case t_ms }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(tMs, forKey: .t_ms)
        try event.encode(to: encoder)
    }
}

/// A chunk as `show --chunks --json` prints it: bytes as base64 (they may not be text).
struct ChunkJSON: Encodable {
    var seq: Int
    var t_ms: Double
    var size: Int
    var base64: String

    init(_ chunk: Chunk) {
        seq = chunk.seq
        t_ms = Double(chunk.t) / 1e6
        size = chunk.bytes.count
        base64 = Data(chunk.bytes).base64EncodedString()
    }
}

enum JSONOutput {
    static func print(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        Terminal.write(String(decoding: try encoder.encode(value), as: UTF8.self) + "\n")
    }
}
