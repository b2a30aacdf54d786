import Foundation

/// Headers that describe one connection, not the message (RFC 9110 §7.6.1):
/// a proxy or a replay never passes them on.
public enum HopByHop {
    public static let names: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade",
    ]

    /// The fields minus the hop-by-hop ones, including any the `Connection`
    /// header names, and minus `also` (lowercase names).
    public static func endToEnd(_ fields: [HeaderField], also: Set<String> = []) -> [HeaderField] {
        var dropped = names.union(also)
        for field in fields where field.name.lowercased() == "connection" {
            for token in field.value.split(separator: ",") {
                dropped.insert(token.trimmingCharacters(in: .whitespaces).lowercased())
            }
        }
        return fields.filter { !dropped.contains($0.name.lowercased()) }
    }
}
