import Testing
@testable import TapeCore

struct RedactionTests {
    @Test("secret headers lose their values, whatever their case; the auth scheme is kept")
    func headers() {
        let headers = Redaction.headers([
            HeaderField("Authorization", "Bearer sk-test-FAKE0123456789abcdef"),
            HeaderField("x-api-key", "sk-ant-test-FAKE0123456789abcdef"),
            HeaderField("X-Goog-Api-Key", "AIzaFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE12"),
            HeaderField("api-key", "azure-secret"),
            HeaderField("Cookie", "session=abc"),
            HeaderField("Set-Cookie", "id=1; HttpOnly"),
            HeaderField("Proxy-Authorization", "Basic dXNlcjpwYXNz"),
            HeaderField("Content-Type", "application/json"),
        ])
        #expect(headers.map(\.value) == [
            "Bearer [REDACTED]", "[REDACTED]", "[REDACTED]", "[REDACTED]", "[REDACTED]", "[REDACTED]",
            "Basic [REDACTED]", "application/json",
        ])
    }

    @Test("secret query parameters and key-shaped values in URLs")
    func urls() {
        #expect(Redaction.url("https://g.example/v1beta/models/m:streamGenerateContent?alt=sse&key=AIzaSyFAKE")
            == "https://g.example/v1beta/models/m:streamGenerateContent?alt=sse&key=[REDACTED]")
        #expect(Redaction.url("http://h/x?API_KEY=1&token=2&keep=3#frag") == "http://h/x?API_KEY=[REDACTED]&token=[REDACTED]&keep=3#frag")
        #expect(Redaction.url("http://h/x?other=sk-test-FAKE0123456789abcdef") == "http://h/x?other=[REDACTED]")
        // A query with nothing secret comes back as it was, empty items and all.
        for url in ["http://h/x?chunks=3&size=64", "http://h/x?a&&b=&keyring=1#token=2", "http://h/x?"] { #expect(Redaction.url(url) == url) }
        #expect(Redaction.url("http://h/x?a=1&Key=2") == "http://h/x?a=1&Key=[REDACTED]")
    }

    @Test("key shapes anywhere in text; short look-alikes stay")
    func keyShapes() {
        #expect(Redaction.text(#"{"api_key":"sk-proj-FAKE_0123456789abcdefXYZ","m":"sk-learn"}"#)
            == #"{"api_key":"[REDACTED]","m":"sk-learn"}"#)
        #expect(Redaction.text("use sk-ant-api03-FAKEFAKEFAKEFAKE-xyz and AIzaSyFAKEFAKEFAKEFAKEFAKEFAKEFAKE0 now")
            == "use [REDACTED] and [REDACTED] now")
        #expect(Redaction.text("risk-fake-lookalike-assessment-document") == "risk-fake-lookalike-assessment-document")
    }

    @Test("a recorded request never holds the secret")
    func recordedRequest() {
        let request = RecordedRequest(
            method: "POST", url: "https://api.example/v1/chat/completions?key=hunter2",
            headers: [HeaderField("authorization", "Bearer sk-test-FAKE0123456789abcdef")],
            body: Array(#"{"note":"sk-test-FAKE0123456789abcdef"}"#.utf8))
        let all = request.url + request.headers.map(\.value).joined() + String(decoding: request.body!, as: UTF8.self)
        #expect(!all.contains("hunter2"))
        #expect(!all.contains("sk-test-FAKE"))
    }
}

struct ProviderDetectionTests {
    @Test("request paths, whatever the prefix")
    func paths() {
        let cases: [(String, Provider?)] = [
            ("/v1/chat/completions", .openaiChat), ("/openai/deployments/x/chat/completions?api-version=1", .openaiChat),
            ("/v1/completions", .openaiCompletions), ("/v1/responses", .openaiResponses),
            ("/v1/messages", .anthropic), ("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", .gemini),
            ("/api/chat", .ollamaChat), ("/api/generate", .ollamaGenerate), ("/v1/embeddings", nil),
            ("/v1/responses/resp_1/input_items", .openaiResponses), ("/v1/chat/completions/", nil), ("", nil), ("/", nil),
            // Only the path counts, not the query.
            ("/v1/embeddings?next=/v1/messages", nil), ("/proxy?to=x:streamGenerateContent", nil),
        ]
        for (path, provider) in cases { #expect(ProviderDetection.provider(forPath: path) == provider, "\(path)") }
    }

    @Test("content types")
    func contentTypes() {
        #expect(ProviderDetection.framing(forContentType: "text/event-stream; charset=utf-8") == .sse)
        #expect(ProviderDetection.framing(forContentType: "application/x-ndjson") == .ndjson)
        #expect(ProviderDetection.framing(forContentType: "text/plain") == .text)
        #expect(ProviderDetection.framing(forContentType: "application/json") == nil)
    }

    @Test("first bytes, waiting while they could still become a field name")
    func sniffing() {
        func sniff(_ s: String, _ atEnd: Bool = false) -> Framing? { ProviderDetection.framing(sniffing: Array(s.utf8), atEnd: atEnd) }
        #expect(sniff("da") == nil)
        #expect(sniff("data:") == .sse)
        #expect(sniff("\u{FEFF}event: x") == .sse)
        #expect(sniff(": hi") == .sse)
        #expect(sniff("\n{\"model\"") == .ndjson)
        #expect(sniff("Hello") == .text)
        #expect(sniff("dat", true) == .text)
        #expect(sniff("") == nil)
    }

    @Test("an explicit provider beats the path, and an explicit framing beats both")
    func overrides() {
        let body = Array("data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n".utf8)
        #expect(StreamDecoder.decode([body], path: "/v1/messages").provider == .anthropic)
        #expect(StreamDecoder.decode([body], provider: .openaiChat, path: "/v1/messages").provider == .openaiChat)
        #expect(StreamDecoder.decode([body]).provider == .openaiChat)
        let asText = StreamDecoder.decode([body], framing: .text, path: "/v1/chat/completions")
        #expect(asText.provider == .text)
        #expect(asText.events.map(\.text) == [String(decoding: body, as: UTF8.self)])
    }

    @Test("the byte scan finds a key's prefix anywhere, also at the very end; text without one passes untouched")
    func keyScan() {
        for (text, holds) in [
            ("", false), ("sk", false), ("sk-", true), ("xsk-", true), ("AIz", false), ("AIza", true), ("…AIza", true),
            ("application/json", false), ("Bearer s k-", false), ("ski-lift", false), ("AIz a", false),
        ] {
            #expect(Redaction.mayHoldKey(text) == holds, "\(text)")
        }
        #expect(Redaction.text("key sk-proj-FAKE0123456789abcdef") == "key [REDACTED]")
        #expect(Redaction.text("Grüße, sk-") == "Grüße, sk-")
    }
}
