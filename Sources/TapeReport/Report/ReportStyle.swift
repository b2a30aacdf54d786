/// The page's style sheet, inline: light and dark colours as custom
/// properties that every chart uses, a system font stack (nothing to load).
enum ReportStyle {
    static let css = """
        :root{color-scheme:light dark;--bg:#ffffff;--fg:#1d232b;--muted:#5b6673;--grid:#e4e8ed;--frame:#9aa4ae;\
        --panel:#f4f6f8;--accent:#1d4ed8;--stall:#f59e0b;--cut:#dc2626;--ok:#15803d;--mark:#334155;\
        --s0:#2563eb;--s1:#dc2626;--s2:#16a34a;--s3:#9333ea;--s4:#ea580c;--s5:#0891b2;--s6:#be185d;--s7:#65a30d}
        @media (prefers-color-scheme:dark){:root{--bg:#0f1419;--fg:#e6e9ed;--muted:#a0aab5;--grid:#27313b;\
        --frame:#5b6672;--panel:#18212a;--accent:#93c5fd;--stall:#fbbf24;--cut:#f87171;--ok:#4ade80;--mark:#cbd5e1;\
        --s0:#60a5fa;--s1:#f87171;--s2:#4ade80;--s3:#c084fc;--s4:#fb923c;--s5:#22d3ee;--s6:#f472b6;--s7:#a3e635}}
        *{box-sizing:border-box}
        body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
        main{max-width:1120px;margin:0 auto;padding:24px 20px 48px}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:32px 0 6px}
        p{margin:6px 0}.note,.lede{color:var(--muted)}
        code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--panel);padding:1px 4px;border-radius:3px}
        a{color:var(--accent)}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:12px 0;padding:10px 14px;background:var(--panel);border-radius:6px}
        dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
        .scroll{overflow-x:auto}
        table{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:6px 0;font-size:13px}
        th,td{padding:3px 7px;border-bottom:1px solid var(--grid);text-align:left;white-space:nowrap}
        th{font-weight:600}thead th{border-bottom:1px solid var(--frame)}
        td.num,th.num{text-align:right}
        tr.dropped td.end{color:var(--cut);font-weight:600}tr.stalled td.stalls{color:var(--stall);font-weight:600}
        #summary-table tbody th{white-space:normal;max-width:16em;overflow-wrap:anywhere}
        #drop-off-causes{margin:4px 0;padding-left:20px}
        td.tags{white-space:normal;max-width:18em;overflow-wrap:anywhere}
        .chart{display:block;width:100%;height:auto;font:12px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
        .chart text{fill:var(--muted)}.chart .title{fill:var(--fg)}.chart .empty{fill:var(--muted);font-size:14px}
        .grid{stroke:var(--grid)}.frame{stroke:var(--frame)}
        .s0{--s:var(--s0)}.s1{--s:var(--s1)}.s2{--s:var(--s2)}.s3{--s:var(--s3)}\
        .s4{--s:var(--s4)}.s5{--s:var(--s5)}.s6{--s:var(--s6)}.s7{--s:var(--s7)}
        .line{fill:none;stroke:var(--s);stroke-width:2;stroke-linejoin:round}
        .point{fill:var(--s);opacity:0}.point:hover{opacity:1}
        .bar{fill:var(--s)}.bar:hover{opacity:.7}
        .legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 16px;padding:0;margin:4px 0 0 64px;font-size:13px}
        .legend .swatch{display:inline-block;width:12px;height:12px;border-radius:2px;background:var(--s);margin-right:6px;vertical-align:-1px}
        .legend .more{color:var(--muted)}
        figure.tape{margin:14px 0;padding:8px 10px 2px;border:1px solid var(--grid);border-radius:6px}
        figure.tape figcaption{font-size:13px}figure.tape figcaption .end.dropped{color:var(--cut);font-weight:600}
        .timeline .mark{fill:var(--mark)}.timeline .mark:hover{fill:var(--accent)}
        .timeline .stall{fill:var(--stall);opacity:.45}.timeline .stall:hover{opacity:.7}
        .timeline .base{stroke:var(--grid);stroke-width:2}
        .timeline .wait{stroke:var(--muted);stroke-width:2;stroke-dasharray:4 3}
        .timeline .first{fill:var(--accent)}
        .timeline .cut{stroke:var(--cut);stroke-width:3;fill:none}.timeline .end{stroke:var(--ok);stroke-width:3}
        .timeline .ending{font-size:11px;fill:var(--ok)}.timeline .ending.dropped{fill:var(--cut);font-weight:600}
        .key{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:13px;color:var(--muted);margin:4px 0}
        .key i{display:inline-block;width:14px;height:10px;margin-right:5px;vertical-align:-1px}
        .key .k-mark{background:var(--mark);width:3px}.key .k-first{background:var(--accent);transform:rotate(45deg);width:9px;height:9px}
        .key .k-stall{background:var(--stall);opacity:.6}.key .k-cut{background:var(--cut);width:3px}.key .k-end{background:var(--ok);width:3px}
        #empty{margin:32px 0;padding:18px 20px;border:1px solid var(--frame);border-radius:8px;background:var(--panel)}
        footer{margin-top:40px;color:var(--muted);font-size:12px}
        """
}
