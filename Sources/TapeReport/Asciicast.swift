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
}
