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
            for var token in field.value.split(separator: ",") {
                // Optional whitespace is spaces and tabs (RFC 9110 §5.6.3); Foundation's trim took
                // most of a proxied request's header work (measured).
                while let c = token.first, c == " " || c == "\t" { token = token.dropFirst() }
                while let c = token.last, c == " " || c == "\t" { token = token.dropLast() }
                named.insert(token.lowercased())
            }
        }
        return fields.filter {
            let name = $0.name.lowercased()
            return !names.contains(name) && !also.contains(name) && !named.contains(name)
        }
    }
}
