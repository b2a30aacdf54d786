/// Why a stream ended: exactly one per finished tape (METRICS.md, "End reasons").
public enum EndReason: String, Sendable, Codable, CaseIterable {
    /// The provider's end marker, or a clean finish where the format has none.
    case completed
    /// Stopped by a token limit (`finish_reason: length`, `max_tokens`, …).
    case length
    /// Stopped by a content filter or safety block.
    case filtered
    /// An error event in the stream, or a non-2xx status.
    case providerError = "provider_error"
    /// The upstream closed the body cleanly before the end marker.
    case eofWithoutDone = "eof_without_done"
    /// The connection was reset or cut without a clean end.
    case reset
    /// The client stopped reading (the user stopped the generation).
    case clientCancelled = "client_cancelled"
    case timeoutIdle = "timeout_idle"
    case timeoutTotal = "timeout_total"
    /// The recorder itself died; found when the store is next opened.
    case interrupted

    /// True when the stream did not finish as the provider meant it to.
    public var isDropOff: Bool {
        switch self {
        case .completed, .length, .filtered: false
        default: true
        }
    }
}

/// Whether a stream ended before or after its first token-bearing event.
public enum EndPhase: String, Sendable, Codable {
    case beforeFirstToken = "before_first_token"
    case afterFirstToken = "after_first_token"
}
