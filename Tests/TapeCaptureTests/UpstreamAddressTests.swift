import Foundation
@testable import TapeCapture
import Testing

/// Where the proxy sends a request: the upstream's base path, the client's path and query.
struct UpstreamAddressTests {
    @Test(
        "request targets with and without a base path; a path that already carries it is not doubled",
        arguments: [
            ("http://127.0.0.1:8788", "/v1/chat/completions", nil, "/v1/chat/completions"),
            ("http://127.0.0.1:8788/", "/v1/chat/completions", "stream=1", "/v1/chat/completions?stream=1"),
            ("https://example.com/v1", "/v1/chat/completions", nil, "/v1/chat/completions"),
            ("https://example.com/v1/", "/chat/completions", nil, "/v1/chat/completions"),
            ("https://example.com/v1", "/v1", nil, "/v1"),
            ("https://example.com/v1", "/v10/models", nil, "/v1/v10/models"),
            ("https://example.com/openai/v1", "/openai/v1/responses", "a=b&c=d", "/openai/v1/responses?a=b&c=d"),
            ("http://h", "/", "q", "/?q"),
        ] as [(String, String, String?, String)])
    func requestTarget(upstream: String, path: String, query: String?, expected: String) throws {
        let address = UpstreamAddress(try #require(URL(string: upstream)))
        #expect(address.requestTarget(path: path, query: query) == expected)
        let origin = upstream.hasPrefix("https") ? "https://example.com" : (upstream.contains("8788") ? "http://127.0.0.1:8788" : "http://h")
        #expect(address.url(path: path, query: query) == origin + expected)
    }

    @Test("Host leaves out the scheme's own port and keeps any other")
    func hostHeader() throws {
        for (url, host) in [
            ("http://127.0.0.1:8788", "127.0.0.1:8788"), ("https://api.openai.com", "api.openai.com"),
            ("https://api.openai.com:443/v1", "api.openai.com"), ("http://localhost:80", "localhost"),
            ("https://example.com:8443", "example.com:8443"), ("http://example.com:443", "example.com:443"),
            ("http://[::1]:8080/v1", "[::1]:8080"), ("https://[2001:db8::1]", "[2001:db8::1]"),
        ] {
            #expect(UpstreamAddress(try #require(URL(string: url))).hostHeader == host, "\(url)")
        }
    }

    @Test("a request target's path and query, in origin form and absolute form")
    func split() {
        #expect(ProxyExchange.split("/v1/chat/completions") == ("/v1/chat/completions", nil))
        #expect(ProxyExchange.split("/v1/models?key=x&y=") == ("/v1/models", "key=x&y="))
        #expect(ProxyExchange.split("/?") == ("/", ""))
        #expect(ProxyExchange.split("?a=1") == ("/", "a=1"))
        #expect(ProxyExchange.split("http://api.example.com/v1/messages?beta=1") == ("/v1/messages", "beta=1"))
        #expect(ProxyExchange.split("https://api.example.com") == ("/", nil))
        #expect(ProxyExchange.split("https://api.example.com?x") == ("/", "x"))
    }
}
