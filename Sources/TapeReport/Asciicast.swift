import Foundation
import TapeCore

/// A tape as a terminal recording (asciinema's asciicast, v2 or v3): the
/// visible text (content events) as it appeared, at the time of the read
/// that completed it, so `asciinema play` shows the stream as a user saw it.
public enum Asciicast {
    /// asciicast lines for one tape.
    /// - Parameter v3: asciicast v3 (relative times) instead of v2 (absolute).
    public static func export(_ tape: Tape, v3: Bool = false, width: Int = 80, height: Int = 24) throws -> Data {
        var header: [String: Any] = ["timestamp": Int(tape.metadata.startedAt.timeIntervalSince1970)]
        let title = "tokentape \(tape.metadata.number.map(String.init) ?? tape.metadata.uid) \(tape.metadata.provider?.rawValue ?? "")"
        header["title"] = title.trimmingCharacters(in: .whitespaces)
        if v3 {
            header["version"] = 3
            header["term"] = ["cols": width, "rows": height]
        } else {
            header["version"] = 2
            header["width"] = width
            header["height"] = height
        }
        var out = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes])
        out.append(0x0A)
        var previous: Int64 = 0
        for (t, text) in visibleOutput(tape) {
            // A terminal needs CR LF to start a new line.
            let data = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
            let time = v3 ? t - previous : t
            previous = t
            let line = try JSONSerialization.data(withJSONObject: [seconds(time), "o", data] as [Any], options: [.withoutEscapingSlashes])
            out += line
            out.append(0x0A)
        }
        return out
    }

    /// The visible text of each read that completed content, with its time (ns).
    public static func visibleOutput(_ tape: Tape) -> [(t: Int64, text: String)] {
        var out: [(Int64, String)] = []
        for event in tape.decode().events where event.kind == .content {
            guard let text = event.text, !text.isEmpty else { continue }
            let t = tape.chunks.indices.contains(event.chunk) ? tape.chunks[event.chunk].t : 0
            if let last = out.last, last.0 == t {
                out[out.count - 1].1 += text
            } else {
                out.append((t, text))
            }
        }
        return out
    }

    /// Seconds with microseconds, as asciinema writes them.
    static func seconds(_ ns: Int64) -> Double {
        (Double(ns) / 1e3).rounded() / 1e6
    }

    /// A terminal recording (v2 or v3) as a text tape: each output event a read
    /// at its time. What a terminal showed, not the bytes of an HTTP stream.
    public static func tape(from data: Data, name: String) throws -> Tape {
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: true)
        guard let first = lines.first, let header = (try? JSONSerialization.jsonObject(with: first)) as? [String: Any] else {
            throw ImportError("not an asciicast: the first line is not a JSON header")
        }
        guard let version = header["version"] as? Int, version == 2 || version == 3 else {
            throw ImportError("asciicast version \(header["version"].map { "\($0)" } ?? "missing"); tokentape reads 2 and 3")
        }
        var chunks: [Chunk] = []
        var clock = 0.0
        for (index, line) in lines.dropFirst().enumerated() {
            guard let event = (try? JSONSerialization.jsonObject(with: line)) as? [Any], event.count >= 3,
                let time = (event[0] as? NSNumber)?.doubleValue, let code = event[1] as? String, let text = event[2] as? String
            else {
                throw ImportError("line \(index + 2) is not an asciicast event [time, code, data]")
            }
            clock = version == 3 ? clock + time : time
            guard code == "o", !text.isEmpty else { continue }
            let t = Int64((clock * 1e9).rounded())
            guard t >= (chunks.last?.t ?? 0) else { throw ImportError("line \(index + 2): time goes backwards") }
            // What the terminal got; a line break back to the text's own.
            chunks.append(Chunk(seq: chunks.count, t: t, bytes: Array(text.replacingOccurrences(of: "\r\n", with: "\n").utf8)))
        }
        guard !chunks.isEmpty else { throw ImportError("no output inside") }
        let started = (header["timestamp"] as? NSNumber).map { Date(timeIntervalSince1970: $0.doubleValue) } ?? Date()
        let metadata = TapeMetadata(
            startedAt: started, source: .import, provider: .text, tEnd: chunks.last?.t,
            endDetail: "imported from \(name): a terminal recording", tags: ["imported", "asciicast"])
        return Tape(metadata: metadata, chunks: chunks)
    }
}
