import TapeCore

/// One row of the web player's tape list: a served tape and the figure
/// people pick a tape by, its time to first token.
public struct TapeListing: Sendable {
    public var metadata: TapeMetadata
    /// ns after t_send; nil when unknown (no token, untimed, or not analysed).
    public var ttft: Int64?

    public init(metadata: TapeMetadata, ttft: Int64? = nil) {
        self.metadata = metadata
        self.ttft = ttft
    }

    /// How the list and the player name the tape: its number, else its id.
    public var name: String { metadata.number.map(String.init) ?? metadata.uid }
}
