import Foundation
import TapeCore
import TapeStore

/// Where every live source (pipe, client, proxy) hands its reads, so
/// timestamping, batching and end classification exist once.
public final class Recorder: Sendable {
    public let writer: TapeWriter

    public init(store: TapeStore) {
        writer = store.writer()
    }

    /// Starts a tape whose `t_send` is `origin` (now, unless told).
    ///
    /// - Parameters:
    ///   - decoder: decodes the body as it arrives, to classify the end
    ///     (provider, model, end marker, first token) without a second pass.
    ///   - origin: `t_send` on the monotonic clock: just before the request's first byte goes out.
    public func start(
        _ metadata: TapeMetadata, decoder: StreamDecoder = StreamDecoder(), origin: Int64 = MonotonicClock.now()
    ) -> Recording {
        Recording(metadata: metadata, writer: writer, decoder: decoder, origin: origin)
    }

    /// Commits everything and stops the writer.
    public func close() throws {
        try writer.close()
    }
}

/// One tape being recorded. Thread-safe: a reading thread appends while a
/// signal handler may end it; whatever comes after the end is ignored.
public final class Recording: @unchecked Sendable {
    public let uid: String
    /// `t_send` on the monotonic clock, ns.
    public let origin: Int64
    private let writer: TapeWriter
    private let lock = NSLock()
    private var decoder: StreamDecoder
    private var outcome = StreamOutcome()
    /// Built live for the metrics row, up to `liveTimelineLimit` token events;
    /// past that it is dropped and the analysis rebuilds it from the chunks,
    /// so recording a huge stream takes flat memory.
    private var timeline: TokenTimeline.Builder? = TokenTimeline.Builder()
    static let liveTimelineLimit = 100_000
    private var lastRead: Int64 = 0
    private var status: Int?
    private var seq = 0
    private var ending: TapeWriter.Ending?

    init(metadata: TapeMetadata, writer: TapeWriter, decoder: StreamDecoder, origin: Int64) {
        self.uid = metadata.uid
        self.origin = origin
        self.writer = writer
        self.decoder = decoder
        writer.begin(metadata)
    }

    /// Reads recorded so far.
    public var chunkCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return seq
    }

    /// The response status, once the head has come.
    public var responseStatus: Int? {
        lock.lock()
        defer { lock.unlock() }
        return status
    }

    /// Records one read. `at` is `MonotonicClock.now()` taken by the source
    /// the moment the read returned, before anything else.
    /// - Returns: the events this read completed.
    @discardableResult
    public func received(_ bytes: [UInt8], at now: Int64) -> [StreamEvent] {
        lock.lock()
        defer { lock.unlock() }
        guard ending == nil, !bytes.isEmpty else { return [] }
        let chunk = Chunk(seq: seq, t: now - origin, bytes: bytes)
        writer.append(uid, chunk)
        let events = decoder.feed(bytes, chunk: seq)
        seq += 1
        lastRead = chunk.t
        timeline?.read(at: chunk.t)
        // By index: an event is a large value, and `for event in` copies each one (a tenth of the
        // proxy's own time per chunk, measured).
        for i in events.indices {
            outcome.add(events[i])
            timeline?.add(events[i], at: chunk.t)
        }
        if let count = timeline?.tokenCount, count > Self.liveTimelineLimit { timeline = nil }
        return events
    }

    /// Records the response head.
    public func responded(_ head: ResponseHead, at now: Int64) {
        lock.lock()
        defer { lock.unlock() }
        guard ending == nil else { return }
        status = head.status
        // A kept Content-Encoding (`proxy --keep-encoding`): decode what it carries.
        if let encoding = head.header("content-encoding") { decoder.setContentEncoding(encoding) }
        writer.respond(uid, head: head, tHeaders: now - origin)
    }

    /// Ends the tape; the first call wins.
    /// - Returns: how it ended, and the events the decoder still held.
    @discardableResult
    public func finish(_ transport: TransportEnd, at now: Int64, detail: String? = nil) -> (TapeWriter.Ending, [StreamEvent]) {
        lock.lock()
        defer { lock.unlock() }
        if let ending { return (ending, []) }
        let events = decoder.finish()
        for event in events {
            outcome.add(event)
            timeline?.add(event, at: lastRead)
        }
        let provider = decoder.provider ?? .text
        let ending = TapeWriter.Ending(
            reason: outcome.endReason(provider: provider, transport: transport, status: status),
            phase: outcome.phase, detail: detail, tEnd: now - origin, provider: provider, model: decoder.model,
            timeline: timeline?.build())
        self.ending = ending
        writer.finish(uid, ending)
        return (ending, events)
    }
}
