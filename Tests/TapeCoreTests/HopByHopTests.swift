import TapeCore
import Testing

struct HopByHopTests {
    @Test("hop-by-hop fields go, with every field Connection names, however its list is spaced and cased")
    func connectionNames() {
        let fields = [
            HeaderField("Connection", " close,\tX-Trace-Hop , KEEP-ALIVE,,"), HeaderField("x-trace-hop", "1"),
            HeaderField("Keep-Alive", "timeout=5"), HeaderField("Transfer-Encoding", "chunked"), HeaderField("TE", "trailers"),
            HeaderField("Content-Type", "text/event-stream"), HeaderField("X-Request-Id", "abc"), HeaderField("X-Trace", "kept"),
        ]
        let kept = HopByHop.endToEnd(fields, also: ["x-request-id"])
        #expect(kept == [HeaderField("Content-Type", "text/event-stream"), HeaderField("X-Trace", "kept")])
    }

    @Test("without a Connection field only the fixed hop-by-hop names go")
    func noConnection() {
        let fields = [HeaderField("Upgrade", "h2c"), HeaderField("Proxy-Authorization", "Basic x"), HeaderField("Accept", "*/*")]
        #expect(HopByHop.endToEnd(fields) == [HeaderField("Accept", "*/*")])
    }
}
