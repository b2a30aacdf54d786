import ArgumentParser
import Foundation
import TapeAnalysis
import TapeCapture
import TapeCore
import TapeStore

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record a bundled stream through the pipe capture, then show its tape and events.",
        discussion: """
            No network and no API key: a bundled OpenAI-style stream is written into a pipe \
            with its original timing (a slow first token, a stall, reads that carry several \
            events and an event cut across two reads) and recorded exactly as \
            `… | tokentape record --stdin` would. The tape is tagged `demo`.
            """)

    @OptionGroup var store: StoreOptions

    func run() throws {
        let store = try self.store.open()
        print(Terminal.bold("▶ Recording a bundled stream through a pipe (about 2 s)…"))
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ValidationError("could not create a pipe: \(String(cString: strerror(errno)))") }
        let (readEnd, writeEnd) = (fds[0], fds[1])

        let recorder = Recorder(store: store)
        let recording = recorder.start(TapeMetadata(source: .pipe, tags: ["demo"]))
        let player = Thread { DemoStream.play(into: writeEnd) }
        player.start()
        let live = LiveText(enabled: true)
        let (transport, detail) = PipeCapture(input: readEnd).run(into: recording, onEvents: live.show)
        close(readEnd)
        let (_, rest) = recording.finish(transport, at: MonotonicClock.now(), detail: detail)
        live.show(rest)
        live.end()
        try recorder.close()

        let tape = try store.tape(.uid(recording.uid))
        let events = tape.decode().events
        print("\n" + TapeSummary.block(tape.metadata, events: events))
        print("\n" + Terminal.bold("Events") + " (time is when the read that completed each event arrived)")
        let rows = events.map { e in
            [String(format: "%.1f", Double(tape.chunks[e.chunk].t) / 1e6), "\(e.chunk)", e.kind.rawValue, TapeSummary.describe(e)]
        }
        print(Terminal.table(["t (ms)", "chunk", "class", "event"], rows, rightAligned: [0, 1]))
        let n = tape.metadata.number!
        print("\n" + TapeSummary.metricsBlock(tape.metadata, TapeMetrics(tape: tape)))
        let (stats, _) = try Stats.collect(store, TapeFilter(tags: ["demo"]), settings: .standard)
        print("\n" + Terminal.bold("Stats of the \(stats.tapes) demo tapes in this store") + "\n" + StatsText.render(stats))
        print("""

            Saved in \(store.path). Try next:
              tokentape show \(n) --metrics                       the timeline, with the stall marked
              tokentape show \(n) --chunks                        every read with its time and bytes
              tokentape stats --by tag                          latency and drop-off across tapes
              tokentape check --tag demo --ttft-p95 500ms       a CI gate (exit 1 when it fails)
              tokentape list                                    all tapes
              curl -sN … | tokentape record --stdin --tag mine  record your own stream
            """)
    }
}
