import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import TapeCore
import TapeStore

/// tokentape as the HTTP client: makes requests itself and puts each
/// response on tape, every read timestamped on arrival (`tokentape record URL`).
public final class RecordingClient: Sendable {
    /// A request as the user wrote it; secrets in it are forwarded, and
    /// redacted on the tape.
    public struct Request: Sendable {
        public let method: String
        public let url: URL
        public let headers: [HeaderField]
        public let body: [UInt8]?

        /// - Throws: `UpstreamClientError` when `url` is not an http(s) URL with a host.
        public init(method: String, url text: String, headers: [HeaderField] = [], body: [UInt8]? = nil) throws {
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                url.host?.isEmpty == false
            else {
                throw UpstreamClientError("'\(text)' is not an http(s) URL, like https://api.openai.com/v1/chat/completions")
            }
            (self.method, self.url, self.headers, self.body) = (method, url, headers, body)
        }
    }

    /// One recorded exchange.
    public struct Outcome: Sendable {
        public var uid: String
        public var status: Int?
        public var ending: TapeWriter.Ending
    }

    public let client: UpstreamClient
    public let recorder: Recorder
    private let inFlight = NIOLockedValueBox<[ObjectIdentifier: UpstreamRelay]>([:])

    public init(client: UpstreamClient, recorder: Recorder) {
        self.client = client
        self.recorder = recorder
    }

    /// Sends the request and records the answer to its end.
    /// - Parameters:
    ///   - scheduled: when the request was meant to go out (monotonic ns);
    ///     the tape's `t_sched`, so waiting for a free slot shows in `ttft_user`.
    ///   - onEvents: each read's completed events, as they come.
    public func record(
        _ request: Request, tags: [String] = [], scheduled: Int64? = nil,
        onEvents: @escaping @Sendable ([StreamEvent]) -> Void = { _ in }
    ) async -> Outcome {
        let path = request.url.path
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        var headers = HTTPHeaders(request.headers.map { ($0.name, $0.value) })
        if !headers.contains(name: "Accept-Encoding") { headers.add(name: "Accept-Encoding", value: "identity") }
        let origin = MonotonicClock.now()
        let metadata = TapeMetadata(
            source: .client,
            request: RecordedRequest(method: request.method, url: request.url.absoluteString, headers: request.headers, body: request.body),
            tSched: scheduled.map { $0 - origin }, tags: tags)
        let recording = recorder.start(metadata, decoder: StreamDecoder(path: path), origin: origin)
        let ended = NIOLockedValueBox<TapeWriter.Ending?>(nil)
        let relay = UpstreamRelay(recording: recording, loop: loop) { ending, rest in
            ended.withLockedValue { $0 = ending }
            onEvents(rest)
        }
        let key = ObjectIdentifier(relay)
        inFlight.withLockedValue { $0[key] = relay }
        defer { _ = inFlight.withLockedValue { $0.removeValue(forKey: key) } }
        do {
            let upstream = try HTTPClient.Request(
                url: request.url, method: .init(rawValue: request.method), headers: headers,
                body: request.body.map { .bytes($0) })
            relay.attach(client.http.execute(request: upstream, delegate: relay, eventLoop: .delegate(on: loop), deadline: client.deadline))
            while let parts = try await relay.nextParts() { onEvents(parts.flatMap(\.events)) }
        } catch {
            // A request that could not even be made, or a reader cancelled before the relay heard
            // of it, ends its tape here; the relay's own end, later, finds it ended.
            if ended.withLockedValue({ $0 }) == nil {
                let (transport, detail): (TransportEnd, String) =
                    if let reason = relay.cancellation { (.cancelled, reason) }
                    else if error is CancellationError { (.cancelled, "cancelled") }
                    else { UpstreamRelay.transportEnd(of: error) }
                let (ending, _) = recording.finish(transport, at: MonotonicClock.now(), detail: detail)
                ended.withLockedValue { $0 = ending }
            }
        }
        let ending = ended.withLockedValue { $0 } ?? recording.finish(.reset, at: MonotonicClock.now(), detail: "no end").0
        return Outcome(uid: recording.uid, status: recording.responseStatus, ending: ending)
    }

    /// Stops every request in flight (Ctrl-C): their tapes end `client_cancelled`.
    public func cancelAll(because reason: String) {
        for relay in inFlight.withLockedValue({ Array($0.values) }) { relay.cancel(because: reason) }
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }
}
