/// How the transport ended a stream, before its events are looked at.
public enum TransportEnd: String, Sendable, Codable {
    /// The body ended cleanly.
    case eof
    case reset
    /// Our side stopped reading (the user cancelled).
    case cancelled
    case timeoutIdle = "timeout_idle"
    case timeoutTotal = "timeout_total"
}

extension EndReason {
    /// Finish reasons that mean a token limit stopped the answer.
    static let lengthFinishes: Set<String> = [
        "length", "max_tokens", "MAX_TOKENS", "max_output_tokens", "model_context_window_exceeded",
    ]
    /// Finish reasons that mean a filter or safety block stopped the answer.
    static let filteredFinishes: Set<String> = [
        "content_filter", "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "refusal",
    ]

}
