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
        // Every request and response through the proxy passes here: no set is built unless `Connection` names more.
        var named: Set<String> = []
        for field in fields where field.name.utf8.count == 10 && field.name.lowercased() == "connection" {
            for token in field.value.split(separator: ",") {
                named.insert(token.trimmingCharacters(in: .whitespaces).lowercased())
            }
        }
        return fields.filter {
            let name = $0.name.lowercased()
            return !names.contains(name) && !also.contains(name) && !named.contains(name)
        }
    }
}
