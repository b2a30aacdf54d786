import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TapeCore
import TapeReplay

/// The web player: `/` lists the tapes, `/play/{id}` plays one in a chat
/// page that reads `/tapes/{id}` as a chat UI reads a provider's stream.
extension ReplayServer {
    func addPlayer(to router: Router<ReplayRequestContext>) {
        router.get("/") { _, _ in
            Self.page(TapeIndexPage(listing: self.listing).html)
        }
        router.get("/play/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let tape = try await self.library.tape(named: id) else {
                return Self.page(
                    TapeIndexPage(listing: self.listing, missing: id).html, status: .notFound)
            }
            let ttft = self.listing.first { $0.metadata.uid == tape.metadata.uid }?.ttft
            return Self.page(PlayerPage(tape: tape.metadata, ttft: ttft).html)
        }
    }

    static func page(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                // The pages load nothing from elsewhere; say so to the browser too.
                HTTPField.Name("Content-Security-Policy")!:
                    "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:",
            ],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// `/tapes/{id}` query: `speed`, `max_gap` (ms; 0 for none) and
    /// `from_byte` (the rest of the stream after that many bytes), so the
    /// player can change speed and pause mid-stream.
    struct PlayQuery {
        var speed: Double?
        var maxGap: Int64??
        var fromByte = 0

        init(_ request: Request) throws {
            let query = request.uri.queryParameters
            if let text = query["speed"] {
                guard let value = Double(text), value > 0, value.isFinite, value <= 1000 else {
                    throw QueryError("speed must be a number above 0 and at most 1000, as in ?speed=2; got '\(text)'")
                }
                speed = value
            }
            if let text = query["max_gap"] {
                guard let ms = Double(text), ms >= 0, ms.isFinite else {
                    throw QueryError("max_gap is in ms and at least 0 (0 for no cap), as in ?max_gap=500; got '\(text)'")
                }
                maxGap = .some(ms == 0 ? nil : Int64(ms * 1_000_000))
            }
            if let text = query["from_byte"] {
                guard let value = Int(text), value >= 0 else {
                    throw QueryError("from_byte is a count of bytes already received, 0 or more; got '\(text)'")
                }
                fromByte = value
            }
        }

        struct QueryError: Error {
            var message: String
            init(_ message: String) { self.message = message }
        }
    }

}
