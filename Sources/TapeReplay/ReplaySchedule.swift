import TapeCore

/// What a replay writes and when: the tape's bytes (after any faults), cut
/// into writes, each with the time it is due, in ns after the replay starts
/// and before `speed` divides it.
///
/// Boundaries and timing are separate: a write is due when the last of its
/// bytes arrived on the tape, so cutting the bytes differently never moves
/// them earlier than they were recorded, and keeping the recorded cuts with
/// other timing is just the timing transforms.
public struct ReplaySchedule: Sendable, Hashable {
    public struct Write: Sendable, Hashable {
        public var bytes: [UInt8]
        /// ns after the start, before `speed`.
        public var t: Int64

        public init(bytes: [UInt8], t: Int64) {
            self.bytes = bytes
            self.t = t
        }
    }

    /// How the stream ends after its last write.
    public enum Ending: String, Sendable, Hashable {
        /// A clean end of the body.
        case close
        /// The connection cut without a clean end (a network failure).
        case reset
    }

    /// An HTTP error answered instead of the stream.
    public struct Failure: Sendable, Hashable {
        public var status: Int
        public var body: [UInt8]
        public var retryAfter: Int?
    }

    public var writes: [Write]
    public var ending: Ending
    public var failure: Failure?
    public var provider: Provider
    /// Divides every `t` when played.
    public var speed: Double

    /// Everything written, in order.
    public var body: [UInt8] { writes.flatMap(\.bytes) }

    public init(writes: [Write], ending: Ending = .close, failure: Failure? = nil, provider: Provider, speed: Double = 1) {
        self.writes = writes
        self.ending = ending
        self.failure = failure
        self.provider = provider
        self.speed = speed
    }

    /// The schedule of a tape under the options.
    public init(tape: Tape, options: ReplayOptions = ReplayOptions()) {
        var random = SplitMix64(seed: options.seed)
        // Decoding is the costly part of a schedule; most replays need neither of its uses.
        var decodedOnce: (events: [StreamEvent], provider: Provider, model: String?)?
        func decoded() -> (events: [StreamEvent], provider: Provider, model: String?) {
            if let decodedOnce { return decodedOnce }
            let decoded = tape.decode()
            decodedOnce = decoded
            return decoded
        }
        provider = tape.metadata.provider ?? decoded().provider
        speed = options.speed
        ending = .close
        failure = nil
        var body = TimedBody(tape)
        for fault in options.faults {
            if case .status(let status, let retryAfter) = fault {
                failure = Failure(status: status, body: ProviderErrors.statusBody(status, provider: provider), retryAfter: retryAfter)
            }
        }
        // Event faults first, last event first, so earlier positions stay valid.
        let eventFaults = options.faults.compactMap { fault -> (Int, Bool)? in
            switch fault {
            case .dropEvent(let k): (k, false)
            case .duplicateEvent(let k): (k, true)
            default: nil
            }
        }.sorted { $0.0 > $1.0 }
        let events = eventFaults.isEmpty ? [] : decoded().events
        for (k, duplicate) in eventFaults where events.indices.contains(k) {
            let range = events[k].bytes.clamped(to: 0..<body.bytes.count)
            if duplicate { body.duplicate(range) } else { body.remove(range) }
        }
        for fault in options.faults {
            switch fault {
            case .errorEvent(let k): body.insertError(ProviderErrors.streamEvent(provider), beforeRead: k)
            case .corrupt(let n): body.corrupt(n, &random)
            case .stall(let k, let ns): body.delay(fromRead: k, by: ns)
            default: break
            }
        }
        for fault in options.faults {
            switch fault {
            case .truncateAfterReads(let n, let reset):
                body.truncate(afterRead: n)
                if reset { ending = .reset }
            case .truncateAfterBytes(let n, let reset):
                body.truncate(afterBytes: n)
                if reset { ending = .reset }
            default: break
            }
        }

        // Event ends in the bytes as they will be written, for event cuts and event rates.
        var eventEnds: [Int] = []
        if options.rechunk == .event || { if case .eventsPerSecond = options.rate { return true }; return false }() {
            var decoder = StreamDecoder(provider: provider)
            let events = decoder.feed(body.bytes, chunk: 0) + decoder.finish()
            eventEnds = events.map(\.bytes.upperBound).filter { $0 > 0 && $0 <= body.bytes.count }
        }
        let cuts = Self.cuts(body, options.rechunk, eventEnds: eventEnds, &random)
        var writes: [Write] = []
        var start = 0
        for end in cuts + [body.bytes.count] where end > start {
            writes.append(Write(bytes: Array(body.bytes[start..<end]), t: body.times[end - 1]))
            start = end
        }
        self.writes = Self.retime(writes, options, eventEnds: eventEnds)
    }

    /// Where writes end, inside the body (0 and the end excluded), ascending.
    static func cuts(_ body: TimedBody, _ mode: ReplayOptions.Rechunk, eventEnds: [Int], _ random: inout SplitMix64) -> [Int] {
        let n = body.bytes.count
        guard n > 1 else { return [] }
        var recorded: [Int] = []
        for i in 1..<n where body.reads[i] != body.reads[i - 1] { recorded.append(i) }
        var cuts: Set<Int>
        switch mode {
        case .original: return recorded
        case .byte: return Array(1..<n)
        case .event: cuts = Set(eventEnds)
        case .random:
            cuts = []
            var i = 1 + random.next(below: 32)
            while i < n {
                cuts.insert(i)
                i += 1 + random.next(below: 32)
            }
        case .utf8Split:
            cuts = Set(recorded)
            var i = 0
            while i < n {
                let lead = body.bytes[i]
                let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
                if length > 1, i + 1 < n, body.bytes[i + 1] & 0xC0 == 0x80 { cuts.insert(i + 1) }
                i += 1
            }
        case .crlfSplit:
            cuts = Set(recorded)
            for i in 0..<(n - 1) where body.bytes[i] == 0x0D && body.bytes[i + 1] == 0x0A { cuts.insert(i + 1) }
        }
        return cuts.filter { $0 > 0 && $0 < n }.sorted()
    }

    /// The timing transforms: first wait, gap cap, rate cap; or all at once.
    static func retime(_ writes: [Write], _ options: ReplayOptions, eventEnds: [Int]) -> [Write] {
        var out = writes
        guard !out.isEmpty else { return out }
        if options.instant {
            for i in out.indices { out[i].t = 0 }
            return out
        }
        if let first = options.firstWait {
            let shift = first - out[0].t
            for i in out.indices { out[i].t = max(0, out[i].t + shift) }
        }
        if let cap = options.maxGap {
            var previousOriginal: Int64 = 0
            var previous: Int64 = 0
            for i in out.indices {
                let original = out[i].t
                let t = previous + min(original - previousOriginal, cap)
                previousOriginal = original
                previous = t
                out[i].t = t
            }
        }
        if let rate = options.rate {
            // Each write holds the line for its size (bytes or events) over the rate.
            var ends = eventEnds.sorted()[...]
            var offset = 0
            var free: Int64 = 0
            for i in out.indices {
                out[i].t = max(out[i].t, free)
                offset += out[i].bytes.count
                let cost: Double
                switch rate {
                case .bytesPerSecond(let r): cost = Double(out[i].bytes.count) / r
                case .eventsPerSecond(let r):
                    var events = 0
                    while let e = ends.first, e <= offset {
                        events += 1
                        ends = ends.dropFirst()
                    }
                    cost = Double(events) / r
                }
                free = out[i].t + Int64(cost * 1e9)
            }
        }
        return out
    }
}

/// The body with, for every byte, when it arrived and which read brought it.
struct TimedBody {
    var bytes: [UInt8]
    var times: [Int64]
    /// The recorded read of each byte; inserted bytes get a read of their own.
    var reads: [Int]
    private var nextRead: Int

    init(_ tape: Tape) {
        bytes = []
        times = []
        reads = []
        for (i, chunk) in tape.chunks.enumerated() {
            bytes += chunk.bytes
            times += repeatElement(chunk.t, count: chunk.bytes.count)
            reads += repeatElement(i, count: chunk.bytes.count)
        }
        nextRead = tape.chunks.count
    }

    /// The offset where recorded read `k` begins (the end when there is none).
    func start(ofRead k: Int) -> Int { reads.firstIndex { $0 >= k } ?? bytes.count }

    mutating func remove(_ range: Range<Int>) {
        bytes.removeSubrange(range)
        times.removeSubrange(range)
        reads.removeSubrange(range)
    }

    /// A second copy right after the first, arriving with its last byte.
    mutating func duplicate(_ range: Range<Int>) {
        guard !range.isEmpty else { return }
        let end = range.upperBound
        bytes.insert(contentsOf: bytes[range], at: end)
        times.insert(contentsOf: repeatElement(times[end - 1], count: range.count), at: end)
        reads.insert(contentsOf: repeatElement(reads[end - 1], count: range.count), at: end)
    }

    /// An error event as its own write where read `k` began, and nothing after it.
    mutating func insertError(_ event: [UInt8], beforeRead k: Int) {
        let at = start(ofRead: k)
        let t = at < times.count ? times[at] : times.last ?? 0
        truncate(afterBytes: at)
        bytes += event
        times += repeatElement(t, count: event.count)
        reads += repeatElement(nextRead, count: event.count)
        nextRead += 1
    }

    mutating func corrupt(_ n: Int, _ random: inout SplitMix64) {
        guard !bytes.isEmpty else { return }
        for _ in 0..<min(n, bytes.count) {
            let i = random.next(below: bytes.count)
            // Never the same value: a corruption that changes nothing is no fault.
            bytes[i] ^= UInt8(1 + random.next(below: 255))
        }
    }

    mutating func delay(fromRead k: Int, by ns: Int64) {
        for i in start(ofRead: k)..<times.count { times[i] += ns }
    }

    mutating func truncate(afterRead n: Int) { truncate(afterBytes: start(ofRead: n)) }

    mutating func truncate(afterBytes n: Int) {
        guard n < bytes.count else { return }
        remove(max(n, 0)..<bytes.count)
    }
}
