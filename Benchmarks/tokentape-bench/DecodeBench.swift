import Foundation
import TapeCore

/// SSE framing + OpenAI Chat decoding over a large generated stream, fed in
/// 4 KiB reads (what a socket hands over), in MB/s and events/s.
enum DecodeBench {
    static func stream(megabytes: Int) -> [UInt8] {
        var text = ""
        var i = 0
        let words = ["Hello", " world", ",", " this", " is", " a", " token", " stream", " ünïcödé", " 中文", " 😀"]
        while text.utf8.count < megabytes * 1_000_000 {
            let word = words[i % words.count]
            text += #"data: {"id":"chatcmpl-B","object":"chat.completion.chunk","created":1767225600,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"\#(word)"},"logprobs":null,"finish_reason":null}],"usage":null}"# + "\n\n"
            i += 1
        }
        return Array((text + "data: [DONE]\n\n").utf8)
    }

    static func run(megabytes: Int, runs: Int) {
        let bytes = stream(megabytes: megabytes)
        let reads = stride(from: 0, to: bytes.count, by: 4096).map { Array(bytes[$0..<min($0 + 4096, bytes.count)]) }
        var rates: [Double] = []
        var eventRates: [Double] = []
        let rssBefore = Memory.currentMiB
        for run in 1...runs {
            let start = ContinuousClock.now
            var decoder = StreamDecoder(path: "/v1/chat/completions")
            var count = 0
            for (i, read) in reads.enumerated() { count += decoder.feed(read, chunk: i).count }
            count += decoder.finish().count
            let seconds = (ContinuousClock.now - start).seconds
            rates.append(Double(bytes.count) / 1e6 / seconds)
            eventRates.append(Double(count) / seconds)
            print(String(format: "run %d: %.1f MB/s, %.0f events/s (%d events)", run, rates.last!, eventRates.last!, count))
        }
        print(String(format: "median: %.1f MB/s, %.0f events/s over %.1f MB in 4 KiB reads; RSS grew %.1f MiB while decoding",
                     median(rates), median(eventRates), Double(bytes.count) / 1e6, Memory.currentMiB - rssBefore))
        // The SSE framing alone, to show what the JSON decoding costs.
        var framingRates: [Double] = []
        for _ in 1...runs {
            let start = ContinuousClock.now
            var parser = SSEParser()
            var frames = 0
            for (i, read) in reads.enumerated() { frames += parser.feed(read, chunk: i).count }
            frames += parser.finish().count
            framingRates.append(Double(bytes.count) / 1e6 / (ContinuousClock.now - start).seconds)
        }
        print(String(format: "SSE framing alone: median %.1f MB/s", median(framingRates)))
    }
}
