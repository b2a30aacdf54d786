import Foundation
import TapeCore
import Testing

/// Tape ids: `tt_`, 10 characters of creation time in milliseconds, 16 random, all lowercase base 32.
struct TapeUIDTests {
    static let alphabet = Set("0123456789abcdefghjkmnpqrstvwxyz")

    @Test("the shape: tt_ and 26 characters of the alphabet")
    func shape() {
        for _ in 0..<100 {
            let uid = TapeMetadata.newUID()
            #expect(uid.hasPrefix("tt_") && uid.count == 29, "\(uid)")
            #expect(uid.dropFirst(3).allSatisfy(Self.alphabet.contains), "\(uid)")
        }
    }

    @Test("the time part is the millisecond, in base 32, so ids sort by creation")
    func time() throws {
        let date = Date(timeIntervalSince1970: 1_796_000_000.1235)  // half a millisecond in: no rounding doubt
        let uid = TapeMetadata.newUID(at: date)
        let digits = Array("0123456789abcdefghjkmnpqrstvwxyz")
        let millis = uid.dropFirst(3).prefix(10).reduce(UInt64(0)) { $0 * 32 + UInt64(digits.firstIndex(of: $1)!) }
        #expect(millis == 1_796_000_000_123)
        let later = TapeMetadata.newUID(at: date.addingTimeInterval(0.001))
        #expect(uid < later)
        #expect(TapeMetadata.newUID(at: Date(timeIntervalSince1970: 0)).hasPrefix("tt_0000000000"))
    }

    @Test("the random part: 10,000 ids made in the same millisecond are all different, every character used in every place")
    func random() {
        let date = Date()
        let uids = (0..<10_000).map { _ in TapeMetadata.newUID(at: date) }
        #expect(Set(uids).count == uids.count)
        #expect(Set(uids.map { $0.prefix(13) }).count == 1)
        for place in 13..<29 {
            let seen = Set(uids.map { $0[$0.index($0.startIndex, offsetBy: place)] })
            #expect(seen.count == 32, "place \(place): \(seen.count) characters")
        }
    }
}
