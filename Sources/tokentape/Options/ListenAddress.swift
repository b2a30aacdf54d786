import ArgumentParser

/// `--listen host:port`, as `serve` and `proxy` take it.
struct ListenAddress {
    var host: String
    var port: Int

    /// - Throws: a usage error that shows the form, naming the option's default as the example.
    init(_ text: String, example: String) throws {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port),
            colon > text.startIndex
        else {
            throw ValidationError("--listen '\(text)' is not host:port, like \(example)")
        }
        host = String(text[..<colon])
        self.port = port
    }
}
