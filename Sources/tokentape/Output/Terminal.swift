import Foundation

/// Writing to the terminal: notes to standard error, styles only on a TTY,
/// and aligned tables.
enum Terminal {
    static let stdoutIsTTY = isatty(STDOUT_FILENO) == 1

    /// A message for the person at the terminal, on standard error.
    static func note(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// Writes without a newline and flushes, for text that streams in.
    static func write(_ text: String) {
        print(text, terminator: "")
        fflush(nil)  // all streams: naming `stdout` is not concurrency-safe in Swift 6
    }

    static func dim(_ text: String) -> String { stdoutIsTTY ? "\u{1B}[2m\(text)\u{1B}[0m" : text }
    static func bold(_ text: String) -> String { stdoutIsTTY ? "\u{1B}[1m\(text)\u{1B}[0m" : text }

    /// Columns padded to their widest cell; `rightAligned` names columns of numbers.
    static func table(_ header: [String], _ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: max(0, widths[i] - cell.count))
                return rightAligned.contains(i) ? pad + cell : cell + pad
            }.joined(separator: "  ").replacingOccurrences(of: " +$", with: "", options: .regularExpression)
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    /// Text on one line: control characters shown as escapes, cut at `limit` characters.
    static func oneLine(_ text: String, limit: Int = 60) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += String(format: "\\x%02x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
            if out.count > limit { return String(out.prefix(limit)) + "…" }
        }
        return out
    }

    /// Bytes on one line: printable ASCII as is, the rest escaped.
    static func escaped(_ bytes: [UInt8], limit: Int = 60) -> String {
        var out = ""
        for b in bytes {
            switch b {
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x5C: out += "\\\\"
            case 0x20...0x7E: out.append(Character(UnicodeScalar(b)))
            default: out += String(format: "\\x%02x", b)
            }
            if out.count > limit { return String(out.prefix(limit)) + "…" }
        }
        return out
    }
}
