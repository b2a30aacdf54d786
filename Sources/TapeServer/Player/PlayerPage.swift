import Foundation
import TapeCore

/// `/play/{id}`: one tape replayed as a chat, from the server's own
/// `/tapes/{id}` stream, read with `fetch` as a chat UI reads a provider's.
///
/// The page is whole in itself (no request but its stream), so a demo runs
/// offline. Pausing drops the connection and resuming asks for the rest of
/// the stream from the byte where it stopped (`from_byte`): a paused reader
/// would otherwise get the held-back chunks in one burst. Changing speed or
/// the gap cap mid-stream resumes the same way.
struct PlayerPage {
    var tape: TapeMetadata
    var ttft: Int64?

    /// What the script needs to know of the tape, as JSON in the page.
    struct Facts: Encodable {
        var name: String
        var provider: String
        var framing: String
        var model: String?
        var status: Int
        var end_reason: String?
        var end_phase: String?
        var end_detail: String?
        var duration_ms: Double?
        var ttft_ms: Double?
        var timed: Bool
        /// The request body (redacted, at most 64 KiB), for the prompt shown above the answer.
        var request_body: String?
    }

    var facts: Facts {
        let provider = tape.provider ?? .text
        let body = tape.request?.body.map { String(decoding: $0.prefix(64 << 10), as: UTF8.self) }
        return Facts(
            name: tape.number.map(String.init) ?? tape.uid, provider: provider.rawValue, framing: provider.framing.rawValue,
            model: tape.model, status: tape.response?.status ?? 200, end_reason: tape.endReason?.rawValue,
            end_phase: tape.endPhase?.rawValue, end_detail: tape.endDetail,
            duration_ms: tape.timed ? tape.tEnd.map { Double($0) / 1e6 } : nil,
            ttft_ms: tape.timed ? ttft.map { Double($0) / 1e6 } : nil, timed: tape.timed, request_body: body)
    }

    var html: String {
        let facts = facts
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // `<` escaped: the JSON sits inside a script element, which `</script>` in a tape would end.
        let json = String(decoding: (try? encoder.encode(facts)) ?? Data("{}".utf8), as: UTF8.self)
            .replacingOccurrences(of: "<", with: "\\u003c")
        let title = "tape \(facts.name)" + (facts.model.map { " · \($0)" } ?? "")
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="icon" href="data:,">
            <title>tokentape · \(PageText.escape(title))</title>
            <style>
            \(PageText.style)
            \(Self.style)
            </style></head>
            <body data-state="idle">
            <header>
              <a href="/" class="back">← tapes</a>
              <span class="title"><strong>tape \(PageText.escape(facts.name))</strong>
                <span class="muted">\(PageText.escape(facts.provider))\(facts.model.map { " · " + PageText.escape($0) } ?? "")</span></span>
              <span class="controls">
                <button id="play" type="button">Play</button>
                <button id="restart" type="button">Restart</button>
                <label>speed <select id="speed">
                  <option value="0.5">0.5×</option><option value="1" selected>1×</option><option value="2">2×</option>
                  <option value="4">4×</option><option value="10">10×</option></select></label>
                <label>max gap <select id="max-gap">
                  <option value="0" selected>none</option><option value="250">0.25 s</option><option value="500">0.5 s</option>
                  <option value="1000">1 s</option><option value="2000">2 s</option></select></label>
              </span>
              <span id="meter">first token <b id="ttft">–</b><span class="muted" id="ttft-tape"></span>
                · gap <b id="gap">–</b> · <b id="events">0</b> tokens · <b id="elapsed">0.0 s</b></span>
            </header>
            <main>
              <div class="message user" id="prompt" hidden></div>
              <div class="message assistant">
                <details id="reasoning-box" open hidden><summary>Reasoning</summary><div id="reasoning"></div></details>
                <div><span id="answer"></span><span id="cursor" aria-hidden="true"></span></div>
                <div id="tools" hidden></div>
              </div>
              <div id="end" hidden></div>
            </main>
            <script type="application/json" id="tape">\(json)</script>
            <script>
            \(Self.script)
            </script>
            </body></html>
            """
    }

    static let style = """
        header { position: sticky; top: 0; z-index: 1; display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center;
          padding: 10px 16px; background: var(--card); border-bottom: 1px solid var(--line); }
        .back { text-decoration: none; }
        .controls { display: flex; gap: 8px; align-items: center; }
        button, select { font: inherit; font-size: 14px; padding: 3px 10px; border-radius: 6px; border: 1px solid var(--line);
          background: var(--bg); color: var(--fg); cursor: pointer; }
        button#play { min-width: 5.5em; background: var(--accent); color: var(--card); border-color: var(--accent); }
        #meter { margin-left: auto; font-variant-numeric: tabular-nums; white-space: nowrap; }
        #meter.stalling #gap { color: var(--warn); }
        main { max-width: 820px; margin: 0 auto; padding: 20px 16px 60px; display: flex; flex-direction: column; gap: 14px; }
        .message { padding: 12px 16px; border-radius: 12px; background: var(--card); border: 1px solid var(--line);
          overflow-wrap: anywhere; }
        .message.user, #answer, #reasoning { white-space: pre-wrap; }
        .message.user { align-self: flex-end; max-width: 80%; background: var(--user); }
        #reasoning-box { margin: -4px 0 10px; padding: 6px 10px; border-radius: 8px; background: var(--reason); color: var(--muted);
          font-size: 14px; }
        #reasoning-box summary { cursor: pointer; font-weight: 600; }
        #tools { display: flex; flex-direction: column; gap: 6px; margin-top: 10px; }
        .tool { padding: 6px 10px; border-radius: 8px; background: var(--tool); font-size: 14px; }
        .tool pre { margin: 4px 0 0; white-space: pre-wrap; overflow-wrap: anywhere; }
        body[data-state="playing"] #cursor::after { content: "▍"; animation: blink 1s steps(1) infinite; color: var(--accent); }
        @keyframes blink { 50% { opacity: 0; } }
        #end { padding: 8px 12px; border-radius: 8px; border: 1px dashed var(--line); font-size: 14px; }
        """

    /// The player. Framing follows the WHATWG SSE rules and NDJSON's one
    /// object per line; the event shapes are FORMATS.md's, each provider's
    /// answer, reasoning and tool calls put apart.
    static let script = #"""
        "use strict";
        const tape = JSON.parse(document.getElementById("tape").textContent);
        const $ = (id) => document.getElementById(id);
        const query = new URLSearchParams(location.search);

        let state = "idle";       // idle | playing | paused | ended
        let received = 0;         // body bytes taken so far: where a resume starts
        let controller = null;    // the stream being read
        let playedMs = 0, segmentStart = 0;  // the play clock: time spent playing
        let firstTokenMs = null, lastTokenMs = null, tokens = 0;
        let decoder, framer, tools;

        for (const [param, id] of [["speed", "speed"], ["max_gap", "max-gap"]]) {
          const value = query.get(param);
          if (value !== null) {
            const select = $(id);
            if (![...select.options].some((o) => o.value === value)) select.add(new Option(value, value));
            select.value = value;
          }
        }
        if (tape.ttft_ms != null) $("ttft-tape").textContent = ` (tape ${ms(tape.ttft_ms)})`;
        showPrompt();

        function ms(value) {
          return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`;
        }
        function clock() {
          return playedMs + (state === "playing" ? performance.now() - segmentStart : 0);
        }
        function setState(next) {
          state = next;
          document.body.dataset.state = next;
          $("play").textContent = next === "playing" ? "Pause" : next === "ended" ? "Replay" : "Play";
        }

        function reset() {
          received = 0; playedMs = 0; firstTokenMs = lastTokenMs = null; tokens = 0;
          decoder = new TextDecoder();
          framer = tape.framing === "sse" ? sseFramer() : tape.framing === "ndjson" ? ndjsonFramer() : textFramer();
          tools = new Map();
          for (const id of ["answer", "reasoning", "tools"]) $(id).textContent = "";
          $("reasoning-box").hidden = true; $("tools").hidden = true; $("end").hidden = true;
          $("ttft").textContent = "–"; $("gap").textContent = "–"; $("events").textContent = "0";
        }

        async function play() {
          if (state === "playing") return;
          if (state === "idle" || state === "ended") reset();
          const mine = new AbortController();
          controller = mine;
          setState("playing");
          segmentStart = performance.now();
          const params = new URLSearchParams({ speed: $("speed").value });
          if (Number($("max-gap").value) > 0) params.set("max_gap", $("max-gap").value);
          if (received > 0) params.set("from_byte", String(received));
          try {
            const response = await fetch(`/tapes/${encodeURIComponent(tape.name)}?${params}`, { signal: mine.signal, cache: "no-store" });
            if (!response.ok) {
              finish(`The tape answers HTTP ${response.status}: ${await response.text()}`, "bad");
              return;
            }
            const reader = response.body.getReader();
            for (;;) {
              const { done, value } = await reader.read();
              if (done) break;
              received += value.length;
              framer.push(decoder.decode(value, { stream: true }), handle);
            }
            framer.push(decoder.decode(), handle);
            framer.end(handle);
            finish(null);
          } catch (error) {
            if (mine.signal.aborted) return;  // paused, restarted or re-timed: not an end
            framer.end(handle);
            finish(`The connection was cut (${error.message || error}), as the recorded stream was.`, "bad");
          }
        }

        function pause() {
          if (state !== "playing") return;
          playedMs = clock();
          setState("paused");
          controller.abort();
        }

        // Speed and gap cap apply from the next byte: pick up where the stream is.
        function retime() {
          if (state !== "playing") return;
          pause();
          play();
        }

        function finish(problem, tone) {
          playedMs = clock();
          setState("ended");
          const reason = tape.end_reason ? tape.end_reason.replaceAll("_", " ") : "still recording";
          const dropped = tape.end_reason && !["completed", "length", "filtered"].includes(tape.end_reason);
          const phase = dropped && tape.end_phase ? ` ${tape.end_phase.replaceAll("_", " ")}` : "";
          const detail = tape.end_detail ? ` — ${tape.end_detail}` : "";
          const recorded = tape.duration_ms != null ? `; recorded ${ms(tape.duration_ms)}` : "";
          const end = $("end");
          end.textContent = (problem ? problem + " " : "") + `Tape ended: ${reason}${phase}${detail}. Replayed in ${ms(playedMs)}${recorded}.`;
          end.className = problem || dropped ? tone || "warn" : "good";
          end.hidden = false;
        }

        // One decoded piece of the stream: answer text, reasoning, a tool call's name or arguments, or an error.
        function show(part) {
          if (!part.text && !part.name) return;
          if (part.kind !== "error" && part.text) {
            tokens += 1;
            lastTokenMs = clock();
            if (firstTokenMs === null) { firstTokenMs = lastTokenMs; $("ttft").textContent = ms(firstTokenMs); }
            $("events").textContent = String(tokens);
          }
          if (part.kind === "content") {
            $("answer").append(part.text);
          } else if (part.kind === "reasoning") {
            $("reasoning-box").hidden = false;
            $("reasoning").append(part.text);
          } else if (part.kind === "tool") {
            let call = tools.get(part.index);
            if (!call) {
              call = document.createElement("div");
              call.className = "tool";
              call.innerHTML = `<strong>tool call</strong> <code class="name"></code><pre class="arguments"></pre>`;
              tools.set(part.index, call);
              $("tools").append(call);
              $("tools").hidden = false;
            }
            if (part.name) call.querySelector(".name").textContent = part.name;
            if (part.text) call.querySelector(".arguments").append(part.text);
          } else if (part.kind === "error") {
            const box = document.createElement("div");
            box.className = "bad";
            box.textContent = `error in the stream: ${part.text}`;
            $("answer").parentElement.after(box);
          }
        }

        function handle(name, data) {
          // A stream of an API not known: every payload is the answer, as `tokentape show --text` has it.
          if (["text", "sse", "ndjson"].includes(tape.provider)) {
            return show({ kind: name === "error" ? "error" : "content", text: data });
          }
          if (data.trim() === "" || data === "[DONE]") return;
          let object;
          try { object = JSON.parse(data); } catch { return; }  // a keepalive or a broken line: the tape still shows it
          for (const part of partsOf(object, name)) show(part);
        }

        let calls = 0;  // Gemini and Ollama send whole calls: each gets its own box
        function partsOf(o, name) {
          const out = [];
          if (!o || typeof o !== "object") return out;
          if (o.error) return [{ kind: "error", text: typeof o.error === "string" ? o.error : o.error.message || JSON.stringify(o.error) }];
          if (Array.isArray(o.choices)) {  // OpenAI chat and completions
            for (const c of o.choices) {
              const d = c.delta || {};
              if (typeof c.text === "string") out.push({ kind: "content", text: c.text });
              const r = d.reasoning ?? d.reasoning_content;
              if (typeof r === "string") out.push({ kind: "reasoning", text: r });
              if (typeof d.content === "string") out.push({ kind: "content", text: d.content });
              for (const t of d.tool_calls || []) {
                out.push({ kind: "tool", index: `c${t.index ?? 0}`, name: t.function?.name, text: t.function?.arguments || "" });
              }
            }
          } else if (typeof o.type === "string" && o.type.startsWith("response.")) {  // OpenAI Responses
            if (o.type === "response.output_text.delta") out.push({ kind: "content", text: o.delta });
            else if (o.type === "response.reasoning_summary_text.delta" || o.type === "response.reasoning_text.delta") {
              out.push({ kind: "reasoning", text: o.delta });
            } else if (o.type === "response.output_item.added" && o.item?.type === "function_call") {
              out.push({ kind: "tool", index: `r${o.output_index}`, name: o.item.name, text: "" });
            } else if (o.type === "response.function_call_arguments.delta") {
              out.push({ kind: "tool", index: `r${o.output_index}`, text: o.delta });
            } else if (o.type === "response.failed") {
              out.push({ kind: "error", text: o.response?.error?.message || "response failed" });
            }
          } else if (o.type === "content_block_start" && o.content_block) {  // Anthropic
            const b = o.content_block;
            if (b.type === "tool_use") out.push({ kind: "tool", index: `a${o.index}`, name: b.name, text: "" });
            else if (b.type === "text") out.push({ kind: "content", text: b.text || "" });
            else if (b.type === "thinking") out.push({ kind: "reasoning", text: b.thinking || "" });
          } else if (o.type === "content_block_delta" && o.delta) {
            const d = o.delta;
            if (d.type === "text_delta") out.push({ kind: "content", text: d.text });
            else if (d.type === "thinking_delta") out.push({ kind: "reasoning", text: d.thinking });
            else if (d.type === "input_json_delta") out.push({ kind: "tool", index: `a${o.index}`, text: d.partial_json });
          } else if (Array.isArray(o.candidates)) {  // Gemini
            for (const c of o.candidates) {
              for (const p of c.content?.parts || []) {
                if (typeof p.text === "string") out.push({ kind: p.thought ? "reasoning" : "content", text: p.text });
                if (p.functionCall) {
                  out.push({ kind: "tool", index: `g${calls++}`, name: p.functionCall.name, text: JSON.stringify(p.functionCall.args ?? {}) });
                }
              }
            }
          } else if (o.message && typeof o.message === "object") {  // Ollama chat
            if (typeof o.message.thinking === "string") out.push({ kind: "reasoning", text: o.message.thinking });
            if (typeof o.message.content === "string") out.push({ kind: "content", text: o.message.content });
            for (const t of o.message.tool_calls || []) {
              out.push({ kind: "tool", index: `o${calls++}`, name: t.function?.name, text: JSON.stringify(t.function?.arguments ?? {}) });
            }
          } else if (typeof o.response === "string" || typeof o.thinking === "string") {  // Ollama generate
            if (typeof o.thinking === "string") out.push({ kind: "reasoning", text: o.thinking });
            if (typeof o.response === "string") out.push({ kind: "content", text: o.response });
          }
          return out;
        }

        // Server-Sent Events as the WHATWG spec frames them: lines end in CRLF, LF or CR;
        // a blank line dispatches; an event cut off by the end of the stream is dropped.
        function sseFramer() {
          let buffer = "", data = [], name = "";
          function line(text, emit) {
            if (text === "") {
              if (data.length) emit(name || "message", data.join("\n"));
              data = []; name = "";
              return;
            }
            if (text.startsWith(":")) return;
            const colon = text.indexOf(":");
            const field = colon < 0 ? text : text.slice(0, colon);
            let value = colon < 0 ? "" : text.slice(colon + 1);
            if (value.startsWith(" ")) value = value.slice(1);
            if (field === "data") data.push(value);
            else if (field === "event") name = value;
          }
          return {
            push(text, emit) {
              buffer += text;
              let start = 0;
              for (let i = 0; i < buffer.length; i++) {
                const c = buffer[i];
                if (c !== "\n" && c !== "\r") continue;
                if (c === "\r" && i + 1 === buffer.length) break;  // maybe half of a CRLF: wait for the next byte
                line(buffer.slice(start, i), emit);
                if (c === "\r" && buffer[i + 1] === "\n") i++;
                start = i + 1;
              }
              buffer = buffer.slice(start);
            },
            end(emit) { if (buffer === "\r") line("", emit); buffer = ""; data = []; },
          };
        }

        function ndjsonFramer() {
          let buffer = "";
          return {
            push(text, emit) {
              buffer += text;
              const lines = buffer.split("\n");
              buffer = lines.pop();
              for (const l of lines) emit("line", l);
            },
            end(emit) { if (buffer.trim()) emit("line", buffer); buffer = ""; },
          };
        }

        function textFramer() {
          return { push(text, emit) { if (text) emit("text", text); }, end() {} };
        }

        function showPrompt() {
          let body;
          try { body = JSON.parse(tape.request_body || ""); } catch { return; }
          const text = (value) => typeof value === "string" ? value
            : Array.isArray(value) ? value.map((p) => typeof p === "string" ? p : p?.text ?? "").join("") : "";
          let prompt = "";
          const last = (list) => (Array.isArray(list) ? list.filter((m) => (m.role ?? "user") === "user").at(-1) : null);
          if (last(body.messages)) prompt = text(last(body.messages).content);
          else if (typeof body.input === "string") prompt = body.input;
          else if (last(body.input)) prompt = text(last(body.input).content);
          else if (last(body.contents)) prompt = text(last(body.contents).parts);
          else if (typeof body.prompt === "string") prompt = body.prompt;
          if (prompt) { $("prompt").textContent = prompt; $("prompt").hidden = false; }
        }

        // The live meter: the gap since the last token, flagged past a second (a stall, METRICS.md).
        function tick() {
          $("elapsed").textContent = `${(clock() / 1000).toFixed(1)} s`;
          if (lastTokenMs !== null && state === "playing") {
            const gap = clock() - lastTokenMs;
            $("gap").textContent = ms(gap);
            $("meter").classList.toggle("stalling", gap > 1000);
          } else {
            $("meter").classList.remove("stalling");
          }
          requestAnimationFrame(tick);
        }
        requestAnimationFrame(tick);

        $("play").addEventListener("click", () => (state === "playing" ? pause() : play()));
        $("restart").addEventListener("click", () => { if (state === "playing") { controller.abort(); } setState("idle"); play(); });
        $("speed").addEventListener("change", retime);
        $("max-gap").addEventListener("change", retime);
        document.addEventListener("keydown", (e) => {
          if (e.key === " " && e.target === document.body) { e.preventDefault(); $("play").click(); }
        });
        if (query.get("autoplay") !== "0") play();
        """#
}
