/// The JSON shape of an event, as `show --events --json` prints it and the
/// fixtures' `expected.json` files hold it: unset fields are left out.
extension StreamEvent: Codable {
    enum CodingKeys: String, CodingKey {
        case kind = "class", text, tool, usage, finish, error, serverTiming = "server_timing"
        case bytes, chunk, incomplete, anomaly
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let range = try c.decodeIfPresent([Int].self, forKey: .bytes) ?? [0, 0]
        guard range.count == 2, range[0] <= range[1] else {
            throw DecodingError.dataCorruptedError(
                forKey: .bytes, in: c, debugDescription: "bytes must be [start, end] with start <= end")
        }
        self.init(
            try c.decode(EventClass.self, forKey: .kind),
            text: try c.decodeIfPresent(String.self, forKey: .text),
            tool: try c.decodeIfPresent(ToolCallDelta.self, forKey: .tool),
            usage: try c.decodeIfPresent(TokenUsage.self, forKey: .usage),
            finish: try c.decodeIfPresent(String.self, forKey: .finish),
            error: try c.decodeIfPresent(EventError.self, forKey: .error),
            serverTiming: try c.decodeIfPresent(ServerTiming.self, forKey: .serverTiming),
            bytes: range[0]..<range[1],
            chunk: try c.decodeIfPresent(Int.self, forKey: .chunk) ?? 0,
            incomplete: try c.decodeIfPresent(Bool.self, forKey: .incomplete) ?? false,
            anomaly: try c.decodeIfPresent(String.self, forKey: .anomaly))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encodeIfPresent(text, forKey: .text)
        try c.encodeIfPresent(tool, forKey: .tool)
        try c.encodeIfPresent(usage, forKey: .usage)
        try c.encodeIfPresent(finish, forKey: .finish)
        try c.encodeIfPresent(error, forKey: .error)
        try c.encodeIfPresent(serverTiming, forKey: .serverTiming)
        try c.encode([bytes.lowerBound, bytes.upperBound], forKey: .bytes)
        try c.encode(chunk, forKey: .chunk)
        if incomplete { try c.encode(true, forKey: .incomplete) }
        try c.encodeIfPresent(anomaly, forKey: .anomaly)
    }
}
