import Foundation
import TapeCapture
import TapeCore

/// The demo's bundled stream: an OpenAI Chat Completions answer as the reads a
/// socket delivered, each with the time it arrived.
enum DemoStream {
    static let model = "gpt-4o-mini-2024-07-18"
    static let words = [
        "tokentape", " records", " every", " read", " of", " a", " stream,", " byte", "-exact,", " with", " the",
        " time", " it", " arrived.", " It", " shows", " how", " long", " users", " waited", " for", " the", " first",
        " token", " and", " where", " the", " stream", " stalled.",
    ]

    /// (ms after the start, bytes) for every read.
    static var reads: [(ms: Double, bytes: [UInt8])] {
        func chunk(_ delta: String, finish: String? = nil) -> String {
            let finishJSON = finish.map { "\"\($0)\"" } ?? "null"
            return #"data: {"id":"chatcmpl-DEMO0001","object":"chat.completion.chunk","created":1767225600,"model":"\#(model)","choices":[{"index":0,"delta":\#(delta),"logprobs":null,"finish_reason":\#(finishJSON)}]}"# + "\n\n"
        }
        func text(_ word: String) -> String {
            let escaped = String(data: try! JSONEncoder().encode(word), encoding: .utf8)!
            return chunk("{\"content\":\(escaped)}")
        }
        var reads: [(Double, String)] = [(420, chunk(#"{"role":"assistant","content":"","refusal":null}"#))]
        var t = 420.0
        for (i, word) in words.enumerated() {
            t += i == 13 ? 900 : Double(25 + (i * 37) % 30)  // a stall after the first sentence
            reads.append((t, text(word)))
        }
        // A read that carries two events, and an event cut across two reads.
        let last = reads.removeLast()
        reads[reads.count - 1].1 += last.1
        let usage = #"data: {"id":"chatcmpl-DEMO0001","object":"chat.completion.chunk","created":1767225600,"model":"\#(model)","choices":[],"usage":{"prompt_tokens":18,"completion_tokens":29,"total_tokens":47}}"# + "\n\n"
        let tail = chunk("{}", finish: "stop") + usage + "data: [DONE]\n\n"
        let cut = tail.index(tail.startIndex, offsetBy: 40)
        reads.append((t + 40, String(tail[..<cut])))
        reads.append((t + 55, String(tail[cut...])))
        return reads.map { ($0.0, Array($0.1.utf8)) }
    }

    /// Writes the reads into `fd` at their times, measured from one start
    /// instant so delays do not add up, then closes it.
    static func play(into fd: Int32) {
        let start = MonotonicClock.now()
        for read in reads {
            let deadline = start + Int64(read.ms * 1e6)
            let wait = deadline - MonotonicClock.now()
            if wait > 0 { Thread.sleep(forTimeInterval: Double(wait) / 1e9) }
            _ = read.bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
        close(fd)
    }
}
