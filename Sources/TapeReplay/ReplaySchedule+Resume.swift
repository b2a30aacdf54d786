import TapeCore

extension ReplaySchedule {
    /// The rest of the schedule after its first `byte` bytes, as a player
    /// that paused there continues it: the bytes it lacks, with the time
    /// between the last write it got and the next one kept. A write cut in
    /// two by `byte` sends its rest at once.
    ///
    /// A browser cannot pause a stream it is reading without the server
    /// bursting the backlog when it reads again, so the web player drops
    /// the connection to pause and asks for the rest to resume.
    public func resumed(fromByte byte: Int) -> ReplaySchedule {
        var rest = self
        guard byte > 0 else { return rest }
        var skipped = 0
        var origin: Int64 = 0
        var writes: [Write] = []
        for write in self.writes {
            let end = skipped + write.bytes.count
            if end <= byte {
                origin = write.t
            } else if skipped >= byte {
                writes.append(Write(bytes: write.bytes, t: max(0, write.t - origin)))
            } else {
                origin = write.t
                writes.append(Write(bytes: Array(write.bytes[(byte - skipped)...]), t: 0))
            }
            skipped = end
        }
        rest.writes = writes
        return rest
    }
}
