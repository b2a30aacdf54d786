import Foundation

/// Which process is recording a tape, so a later open can tell a tape whose
/// recorder died (mark it `interrupted`) from one still being recorded by a
/// live process (leave it alone).
struct RecorderProcess: Equatable {
    var pid: Int32
    /// The process's start time in clock ticks since boot: with the pid, it
    /// names one process even after pids wrap around.
    var start: String
    var host: String

    static let current = RecorderProcess(
        pid: getpid(), start: startTime(of: getpid()) ?? "", host: ProcessInfo.processInfo.hostName)

    /// Whether this process still runs. A recorder on another host cannot be
    /// checked from here and is taken to be alive.
    var isAlive: Bool {
        guard host == Self.current.host else { return true }
        if kill(pid, 0) != 0, errno == ESRCH { return false }
        guard let now = Self.startTime(of: pid) else { return kill(pid, 0) == 0 || errno == EPERM }
        return start.isEmpty || now == start
    }

    /// Field 22 of `/proc/PID/stat`; nil where there is no procfs.
    private static func startTime(of pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command come state (field 3) … starttime (field 22).
        return fields.count > 19 ? String(fields[19]) : nil
    }
}
