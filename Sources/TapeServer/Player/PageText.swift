import Foundation
import TapeReport

/// Text as the server's pages write it.
enum PageText {
    static func escape(_ text: String) -> String { HTMLText.escape(text) }

    /// ns as people read a wait: `850 ms`, `2.4 s`; `–` when unknown.
    static func duration(_ ns: Int64?) -> String {
        guard let ns else { return "–" }
        let ms = Double(ns) / 1e6
        return ms < 1000 ? String(format: "%.0f ms", ms) : String(format: "%.1f s", ms / 1000)
    }

    /// Shared look of the pages: system colours, light and dark.
    static let style = """
        :root { color-scheme: light dark; --bg: #f7f7f8; --fg: #1c1c1f; --muted: #6a6a73; --card: #ffffff;
          --line: #e2e2e7; --accent: #2d6bd9; --user: #e7effd; --reason: #f5f1e8; --tool: #eaf5ec;
          --warn: #a85400; --bad: #c22727; --good: #23803a; }
        @media (prefers-color-scheme: dark) { :root { --bg: #141416; --fg: #ececf1; --muted: #9d9da8; --card: #1e1e22;
          --line: #34343b; --accent: #82aeff; --user: #1f2f4a; --reason: #2b2820; --tool: #1b2b20;
          --warn: #f2a24a; --bad: #ff7070; --good: #6fd68a; } }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
        a { color: var(--accent); }
        .muted { color: var(--muted); }
        .bad { color: var(--bad); } .warn { color: var(--warn); } .good { color: var(--good); }
        code, pre { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-size: 13px; }
        """
}
