import Foundation

/// A directory of its own for one test, removed when the test is done.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tokentape-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Every byte of a file and of its WAL, to look for what must not be there.
    func bytesOfDatabase(_ name: String) -> [UInt8] {
        ["", "-wal", "-shm"].flatMap { suffix in
            (FileManager.default.contents(atPath: path(name) + suffix)).map { [UInt8]($0) } ?? []
        }
    }
}

extension Array where Element == UInt8 {
    func contains(_ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard n.count <= count else { return false }
        for i in 0...(count - n.count) where self[i] == n[0] && Array(self[i..<(i + n.count)]) == n { return true }
        return false
    }
}
