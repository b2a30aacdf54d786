/// What a stream has said so far that decides how it ended, kept as a few
/// flags so a long recording does not keep every event to classify its end.
public struct StreamOutcome: Sendable, Hashable {
    public private(set) var sawError = false
    public private(set) var sawDone = false
    public private(set) var sawToken = false
    /// The last finish reason the provider gave.
    public private(set) var finish: String?
    /// Token counts as last reported.
    public private(set) var usage: TokenUsage?
    public private(set) var eventCount = 0

    public init() {}

    public init(events: some Sequence<StreamEvent>) {
        self.init()
        for event in events { add(event) }
    }

    public mutating func add(_ event: StreamEvent) {
        eventCount += 1
        switch event.kind {
        case .error: sawError = true
        case .done: sawDone = true
        default: break
        }
        if event.isTokenBearing { sawToken = true }
        if let f = event.finish { finish = f }
        if let u = event.usage { usage = usage.map { $0.updated(with: u) } ?? u }
    }

    public var phase: EndPhase { sawToken ? .afterFirstToken : .beforeFirstToken }

    /// The end reason of the stream from how the transport ended and what it said.
    ///
    /// What the provider said comes first: an error status or event is a
    /// provider error, and an end marker means the answer was complete (even if
    /// the connection broke afterwards). Otherwise the transport decides.
    public func endReason(provider: Provider, transport: TransportEnd, status: Int? = nil) -> EndReason {
        if let status, !(200..<300).contains(status) { return .providerError }
        if sawError { return .providerError }
        if sawDone {
            if let finish, EndReason.lengthFinishes.contains(finish) { return .length }
            if let finish, EndReason.filteredFinishes.contains(finish) { return .filtered }
            return .completed
        }
        switch transport {
        case .eof: return provider.hasEndMarker ? .eofWithoutDone : .completed
        case .reset: return .reset
        case .cancelled: return .clientCancelled
        case .timeoutIdle: return .timeoutIdle
        case .timeoutTotal: return .timeoutTotal
        }
    }
}
