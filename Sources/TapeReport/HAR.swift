import Foundation
import TapeCore

/// HTTP Archive 1.2, the format of browsers' developer tools. Export writes
/// each tape as an entry whose `_chunks` field keeps every read with its
/// time, so nothing is lost; import takes the streaming responses of any HAR
/// (with `_chunks` when tokentape wrote it, else the body as one read).
public enum HAR {
    struct File: Codable {
        var log: Log
    }

    struct Log: Codable {
        var version: String
        var creator: Creator
        var entries: [Entry]
    }

    struct Creator: Codable {
        var name: String
        var version: String
    }

    struct Entry: Codable {
        var startedDateTime: String
        var time: Double
        var request: Request
        var response: Response
        var cache: [String: String]? = [:]
        var timings: Timings
        var _chunks: [ChunkRecord]?
        /// The tape's own metadata line (tokentape JSONL), for what HAR has no field for.
        var _tokentape: TapeJSONL.TapeLine?
    }

    struct Request: Codable {
        var method: String
        var url: String
        var httpVersion: String
        var headers: [Header]
        var queryString: [Header]? = []
        var cookies: [Header]? = []
        var headersSize: Int? = -1
        var bodySize: Int? = -1
        var postData: PostData?
    }

    struct PostData: Codable {
        var mimeType: String?
        var text: String?
    }

    struct Response: Codable {
        var status: Int
        var statusText: String?
        var httpVersion: String?
        var headers: [Header]
        var cookies: [Header]? = []
        var content: Content
        var redirectURL: String? = ""
        var headersSize: Int? = -1
        var bodySize: Int? = -1
    }

    struct Content: Codable {
        var size: Int?
        var mimeType: String?
        var text: String?
        var encoding: String?
    }

    struct Header: Codable {
        var name: String
        var value: String
    }

    struct Timings: Codable {
        var send: Double?
        var wait: Double?
        var receive: Double?
    }

    /// One read: its time after the request was sent, and its bytes.
    struct ChunkRecord: Codable {
        var t_ns: Int64
        var bytes_base64: String
    }

    public static func export(_ tapes: [Tape], creatorVersion: String = "1") throws -> Data {
        let entries = tapes.map { tape -> Entry in
            let m = tape.metadata
            let body = tape.body
            let mime = m.response?.header("content-type") ?? "application/octet-stream"
            let text = String(validating: body, as: UTF8.self)
            let total = Double(m.tEnd ?? tape.chunks.last?.t ?? 0) / 1e6
            let wait = Double(m.tHeaders ?? tape.chunks.first?.t ?? 0) / 1e6
            return Entry(
                startedDateTime: Timestamps.string(m.startedAt), time: total,
                request: Request(
                    method: m.request?.method ?? "GET", url: m.request?.url ?? "tokentape:tape/\(m.uid)", httpVersion: "HTTP/1.1",
                    headers: (m.request?.headers ?? []).map { Header(name: $0.name, value: $0.value) },
                    postData: m.request?.body.map {
                        PostData(mimeType: m.request?.headers.first { $0.name.lowercased() == "content-type" }?.value, text: String(decoding: $0, as: UTF8.self))
                    }),
                response: Response(
                    status: m.response?.status ?? 0, statusText: "", httpVersion: "HTTP/1.1",
                    headers: (m.response?.headers ?? []).map { Header(name: $0.name, value: $0.value) },
                    content: Content(
                        size: body.count, mimeType: mime, text: text ?? Data(body).base64EncodedString(), encoding: text == nil ? "base64" : nil),
                    bodySize: body.count),
                timings: Timings(send: 0, wait: wait, receive: max(0, total - wait)),
                _chunks: tape.chunks.map { ChunkRecord(t_ns: $0.t, bytes_base64: Data($0.bytes).base64EncodedString()) },
                _tokentape: TapeJSONL.tapeLine(m))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(File(log: Log(version: "1.2", creator: Creator(name: "tokentape", version: creatorVersion), entries: entries)))
    }

    /// The streaming responses of a HAR file, as tapes.
    public static func tapes(from data: Data) throws -> [Tape] {
        guard (try? JSONSerialization.jsonObject(with: data)) != nil else { throw ImportError("not JSON: a HAR file is one JSON object") }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw ImportError("not a HAR file (\(TapeJSONL.describe(error))): expected {\"log\": {\"version\", \"entries\": […]}}")
        }
        guard ["1.1", "1.2"].contains(file.log.version) else {
            throw ImportError("HAR version \(file.log.version); tokentape reads 1.1 and 1.2")
        }
        var tapes: [Tape] = []
        for entry in file.log.entries where isStream(entry) {
            tapes.append(try tape(entry))
        }
        guard !tapes.isEmpty else {
            throw ImportError("no streaming response among the \(file.log.entries.count) entries (text/event-stream, NDJSON, or a provider's stream path)")
        }
        return tapes
    }

    static func isStream(_ entry: Entry) -> Bool {
        if entry._chunks != nil { return true }
        guard entry.response.content.text?.isEmpty == false else { return false }
        let mime = (entry.response.content.mimeType ?? "").lowercased()
        if mime.contains("event-stream") || mime.contains("ndjson") || mime.contains("jsonl") { return true }
        let path = URL(string: entry.request.url)?.path ?? ""
        return ProviderDetection.provider(forPath: path) != nil && !mime.contains("application/json")
    }

    static func tape(_ entry: Entry) throws -> Tape {
        var chunks: [Chunk] = []
        if let records = entry._chunks {
            for record in records {
                guard let bytes = Data(base64Encoded: record.bytes_base64) else { throw ImportError("a _chunks entry is not base64") }
                chunks.append(Chunk(seq: chunks.count, t: record.t_ns, bytes: Array(bytes)))
            }
        } else if let text = entry.response.content.text {
            let bytes = entry.response.content.encoding == "base64" ? Data(base64Encoded: text).map(Array.init) : Array(text.utf8)
            guard let bytes else { throw ImportError("a response body says base64 but is not") }
            // A browser keeps the body, not its reads: one read, when the response was complete.
            let t = Int64(((entry.timings.wait ?? 0) + (entry.timings.receive ?? 0)) * 1e6)
            chunks = [Chunk(seq: 0, t: max(0, t), bytes: bytes)]
        }
        if let line = entry._tokentape {
            return Tape(metadata: try TapeJSONL.metadata(line, at: 0), chunks: chunks)
        }
        let metadata = TapeMetadata(
            startedAt: Timestamps.date(entry.startedDateTime) ?? Date(), source: .import,
            request: RecordedRequest(
                method: entry.request.method, url: entry.request.url, headers: entry.request.headers.map { HeaderField($0.name, $0.value) },
                body: entry.request.postData?.text.map { Array($0.utf8) }),
            response: ResponseHead(status: entry.response.status, headers: entry.response.headers.map { HeaderField($0.name, $0.value) }),
            tHeaders: entry.timings.wait.map { Int64($0 * 1e6) }, tEnd: Int64(entry.time * 1e6),
            endDetail: "imported from HAR: the body as one read, no timing within it", tags: ["imported"])
        return Tape(metadata: metadata, chunks: chunks)
    }
}
