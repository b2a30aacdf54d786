import Foundation

/// Single key presses from the terminal, while a player runs: the terminal
/// is put in non-canonical, no-echo mode and put back as it was by `stop()`.
final class KeyPresses: @unchecked Sendable {
    private var saved = termios()
    private let lock = NSLock()
    private var active = false

    /// Starts reading keys when standard input is a terminal; nil otherwise.
    init?(_ handler: @escaping @Sendable (UInt8) -> Void) {
        guard isatty(STDIN_FILENO) == 1, tcgetattr(STDIN_FILENO, &saved) == 0 else { return nil }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        // VMIN 0 / VTIME 1: a read returns after at most 0.1 s, so the thread sees `stop()`.
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 1
        }
        guard tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0 else { return nil }
        active = true
        Thread { [self] in
            var byte: UInt8 = 0
            while isActive {
                if read(STDIN_FILENO, &byte, 1) == 1 { handler(byte) }
            }
        }.start()
    }

    private var isActive: Bool { lock.withLock { active } }

    /// Puts the terminal back; safe to call more than once.
    func stop() {
        lock.withLock {
            guard active else { return }
            active = false
            tcsetattr(STDIN_FILENO, TCSANOW, &saved)
        }
    }
}
