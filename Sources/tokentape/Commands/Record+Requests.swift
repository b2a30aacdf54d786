import ArgumentParser
import Foundation
import NIOConcurrencyHelpers
import TapeAnalysis
import TapeCapture
import TapeCore
import TapeStore

/// `record URL`: tokentape makes the requests and records the answers.
extension Record {
    func recordRequests() throws {
        let template = try request.request(target!)
        let store = try self.store.open()
        let recorder = Recorder(store: store)
        let client: RecordingClient
        do {
            client = RecordingClient(client: try UpstreamClient(connection.settings), recorder: recorder)
        } catch {
            throw ValidationError("\(error)")
        }
        let batch = load.count > 1
        let live = LiveText(enabled: !batch && !quiet)
        let progress = Progress(total: load.count, enabled: batch)
        let (load, tags) = (self.load, self.tag)
        let stopped = NIOLockedValueBox<String?>(nil)
        let work = AsyncWork<[RecordingClient.Outcome]>.start {
            defer { progress.end() }
            let outcomes = await Self.run(template, load: load, tags: tags, client: client, live: live, progress: progress)
            try? await client.shutdown()
            return outcomes
        }
        let signals = StopSignals { signal in
            // Tapes in flight end client_cancelled; nothing new starts.
            stopped.withLockedValue { $0 = $0 ?? signal }
            client.cancelAll(because: "stopped by \(signal)")
            work.cancel()
        }
        let outcomes = try work.result()
        signals.cancel()
        live.end()
        try recorder.close()

        if let signal = stopped.withLockedValue({ $0 }) {
            Terminal.note("stopped by \(signal): \(outcomes.count) tapes recorded, those in flight end client_cancelled")
        }
        if batch {
            let (stats, _) = try Stats.collect(
                store, TapeFilter(references: outcomes.map { .uid($0.uid) }), settings: .standard, quiet: true)
            print(Terminal.bold("Stats of the \(outcomes.count) tapes recorded") + "\n" + StatsText.render(stats))
        } else if let outcome = outcomes.first {
            let tape = try store.tape(.uid(outcome.uid))
            Terminal.note(TapeSummary.line(tape.metadata))
            if outcome.status == nil {
                Terminal.note("error: no answer from \(template.url.absoluteString): \(outcome.ending.detail ?? outcome.ending.reason.rawValue)")
            } else {
                FileHandle.standardError.write(Data((TapeSummary.metricsBlock(tape.metadata, TapeMetrics(tape: tape)) + "\n").utf8))
            }
            Terminal.note("see it with: tokentape show \(tape.metadata.number!) --metrics")
        }
        if stopped.withLockedValue({ $0 }) != nil { throw ExitCode(130) }
        // Recorded, but nothing answered: say so in the exit code too.
        if !outcomes.isEmpty, outcomes.allSatisfy({ $0.status == nil }) { throw ExitCode(1) }
    }

    /// Starts the requests on their schedule, at most `concurrency` at once.
    static func run(
        _ template: RecordingClient.Request, load: LoadOptions, tags: [String], client: RecordingClient, live: LiveText,
        progress: Progress
    ) async -> [RecordingClient.Outcome] {
        let start = MonotonicClock.now()
        var outcomes: [RecordingClient.Outcome] = []
        await withTaskGroup(of: RecordingClient.Outcome.self) { group in
            var inFlight = 0
            for i in 0..<load.count {
                var scheduled: Int64?
                if let rate = load.rate {
                    // Open loop: request i is meant to go at start + i / rate, whatever came before.
                    let due = start + Int64((Double(i) / rate * 1e9).rounded())
                    scheduled = due
                    let wait = due - MonotonicClock.now()
                    if wait > 0 { try? await Task.sleep(nanoseconds: UInt64(wait)) }
                }
                if inFlight == load.concurrency, let outcome = await group.next() {
                    inFlight -= 1
                    outcomes.append(outcome)
                    progress.finished(outcome, inFlight: inFlight)
                }
                if Task.isCancelled { break }
                group.addTask { await client.record(template, tags: tags, scheduled: scheduled, onEvents: live.show) }
                inFlight += 1
            }
            for await outcome in group {
                inFlight -= 1
                outcomes.append(outcome)
                progress.finished(outcome, inFlight: inFlight)
            }
        }
        return outcomes
    }

    /// One line on standard error, rewritten as tapes finish.
    final class Progress: Sendable {
        let total: Int
        let enabled: Bool
        private let counts = NIOLockedValueBox((done: 0, dropped: 0, failed: 0))

        init(total: Int, enabled: Bool) {
            self.total = total
            self.enabled = enabled
        }

        func finished(_ outcome: RecordingClient.Outcome, inFlight: Int) {
            guard enabled else { return }
            let line = counts.withLockedValue { counts in
                counts.done += 1
                if outcome.ending.reason.isDropOff { counts.dropped += 1 }
                if outcome.status.map({ $0 >= 400 }) ?? true { counts.failed += 1 }
                return "\r\(counts.done)/\(total) recorded · \(counts.dropped) dropped · \(counts.failed) failed · \(inFlight) in flight "
            }
            FileHandle.standardError.write(Data(line.utf8))
        }

        func end() {
            if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
        }
    }
}
