"""The official openai, anthropic, google-genai and ollama clients against `tokentape serve`.

Made-up tapes of every format are served; each SDK streams from the server as
it would from the provider and must reconstruct exactly the tape's text.
Faults must reach the SDK as the real failures would: a reset and a provider
error event raise, a clean cut ends early, a 429 raises a rate-limit error.

Usage: python sdk_clients.py TOKENTAPE_BINARY [--proxy DIR]
With --proxy, the clients talk to `tokentape proxy` in front of `serve`
instead (DIR/upstream.sqlite served, DIR/proxy.sqlite recorded, both left
for the caller to compare), at the tapes' own speed.
Exit 0 when every check passes; each failure is printed.
"""

import os
import select
import signal
import subprocess
import sys
import tempfile

import urllib.request

import anthropic
import ollama
import openai
from google import genai
from google.genai import errors as genai_errors
from google.genai import types as genai_types

TEXT = "Hello from tokentape. Grüße, 東京! 😀\nA second line, with \"quotes\" and a \\ backslash."
BIN = sys.argv[1]
PROXY_DIR = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--proxy" else None
DB = os.path.join(PROXY_DIR, "upstream.sqlite") if PROXY_DIR else os.path.join(tempfile.mkdtemp(prefix="tokentape-sdk-"), "t.sqlite")
failures = []
checks = 0


def check(name, ok, detail=""):
    global checks
    checks += 1
    if not ok:
        failures.append(f"{name}: {detail}")
        print(f"FAIL {name}: {detail}")


def start(*arguments):
    """A tokentape server on a free port of its own: the process and the port its first line names."""
    process = subprocess.Popen([BIN, *arguments, "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready, _, _ = select.select([process.stdout], [], [], 30)
    if not ready:
        process.kill()
        raise RuntimeError(f"tokentape {arguments[0]} did not start within 30 s")
    return process, int(process.stdout.readline().rsplit(":", 1)[1])


def stop(process):
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


class Server:
    """`tokentape serve` on a free port of its own, stopped on exit; with
    --proxy, the port is that of `tokentape proxy` in front of it."""

    def __init__(self, *extra):
        self.process, self.port = start("serve", "--db", DB, *extra)
        self.proxy = None
        if PROXY_DIR:
            self.proxy, self.port = start(
                "proxy", "--db", os.path.join(PROXY_DIR, "proxy.sqlite"), "--upstream", f"http://127.0.0.1:{self.port}")

    def __enter__(self):
        return self

    def __exit__(self, *_):
        if self.proxy:
            stop(self.proxy)  # first: it commits every tape before it exits
        stop(self.process)

    def openai(self):
        return openai.OpenAI(base_url=f"http://127.0.0.1:{self.port}/v1", api_key="sk-not-a-real-key", max_retries=0)

    def anthropic(self):
        return anthropic.Anthropic(base_url=f"http://127.0.0.1:{self.port}", api_key="sk-ant-not-real", max_retries=0)

    def gemini(self):
        return genai.Client(api_key="not-a-key", http_options=genai_types.HttpOptions(base_url=f"http://127.0.0.1:{self.port}"))

    def ollama(self):
        return ollama.Client(host=f"http://127.0.0.1:{self.port}")


MESSAGES = [{"role": "user", "content": "Say hello."}]


def chat_text(client):
    out = ""
    for chunk in client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True):
        for choice in chunk.choices:
            out += choice.delta.content or ""
    return out


def anthropic_text(client):
    out = ""
    for event in client.messages.create(model="claude-test-model", max_tokens=100, messages=MESSAGES, stream=True):
        if event.type == "content_block_delta" and event.delta.type == "text_delta":
            out += event.delta.text
    return out


def gemini_text(client):
    return "".join(chunk.text or "" for chunk in client.models.generate_content_stream(model="gemini-2.5-flash", contents="Say hello."))


def ollama_chat_text(client):
    return "".join(part["message"]["content"] for part in client.chat(model="qwen3:0.6b", messages=MESSAGES, stream=True))


def clients_reconstruct_the_text():
    # Through the proxy the tapes play at their own speed, so recorded gaps can be compared.
    with Server(*([] if PROXY_DIR else ["--speed", "20"])) as server:
        client = server.openai()
        check("openai chat.completions.create(stream=True)", chat_text(client) == TEXT, repr(chat_text(client)))

        with client.chat.completions.stream(model="gpt-4o-mini", messages=MESSAGES) as stream:
            text = "".join(e.delta for e in stream if e.type == "content.delta")
            final = stream.get_final_completion()
        check("openai chat.completions.stream()", text == TEXT, repr(text))
        check("openai chat.completions.stream() final message", final.choices[0].message.content == TEXT, repr(final))

        text = ""
        for event in client.responses.create(model="gpt-4.1-mini", input="Say hello.", stream=True):
            if event.type == "response.output_text.delta":
                text += event.delta
        check("openai responses.create(stream=True)", text == TEXT, repr(text))

        with client.responses.stream(model="gpt-4.1-mini", input="Say hello.") as stream:
            text = "".join(e.delta for e in stream if e.type == "response.output_text.delta")
            final = stream.get_final_response()
        check("openai responses.stream()", text == TEXT, repr(text))
        check("openai responses.stream() final output_text", final.output_text == TEXT, repr(final.output_text))

        text = ""
        for chunk in client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hello.", stream=True):
            text += chunk.choices[0].text if chunk.choices else ""
        check("openai completions.create(stream=True)", text == TEXT, repr(text))

        a = server.anthropic()
        check("anthropic messages.create(stream=True)", anthropic_text(a) == TEXT, repr(anthropic_text(a)))
        with a.messages.stream(model="claude-test-model", max_tokens=100, messages=MESSAGES) as stream:
            text = "".join(stream.text_stream)
            final = stream.get_final_message()
        check("anthropic messages.stream()", text == TEXT, repr(text))
        check("anthropic messages.stream() final message", final.content[0].text == TEXT, repr(final.content))

        text = gemini_text(server.gemini())
        check("google-genai models.generate_content_stream()", text == TEXT, repr(text))
        text = ollama_chat_text(server.ollama())
        check("ollama chat(stream=True)", text == TEXT, repr(text))
        text = "".join(part["response"] for part in server.ollama().generate(model="qwen3:0.6b", prompt="Say hello.", stream=True))
        check("ollama generate(stream=True)", text == TEXT, repr(text))

        # Any auth header form is accepted; a header picks the tape.
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.port}/v1/chat/completions", data=b'{"model":"m"}', method="POST",
            headers={"x-api-key": "anything", "X-Tokentape-Tape": "1", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            check("a header names the tape", response.headers.get("x-tokentape-tape") == "1", str(response.headers))


def faults_reach_the_sdks():
    # A reset mid-stream: no clean end of the body.
    with Server("--instant", "--fault", "truncate@5:reset") as server:
        for name, call in [("openai", lambda: chat_text(server.openai())), ("anthropic", lambda: anthropic_text(server.anthropic()))]:
            try:
                call()
                check(f"{name} raises on a reset", False, "no exception")
            except (openai.APIConnectionError, anthropic.APIConnectionError):
                check(f"{name} raises on a reset", True)
            except Exception as error:  # noqa: BLE001
                # The HTTP library's own protocol error (an incomplete chunked body) is a reset too.
                kind = type(error).__name__
                check(f"{name} raises on a reset", "Protocol" in kind or "Read" in kind, f"raised {kind}: {error}")

    # A provider error event mid-stream.
    with Server("--instant", "--fault", "error@5") as server:
        try:
            chat_text(server.openai())
            check("openai raises on an error event", False, "no exception")
        except openai.APIError as error:
            check("openai raises on an error event", "tokentape" in str(error), str(error))
        try:
            anthropic_text(server.anthropic())
            check("anthropic raises on an error event", False, "no exception")
        except anthropic.APIStatusError as error:
            check("anthropic raises on an error event", "tokentape" in str(error), str(error))

        try:
            gemini_text(server.gemini())
            check("google-genai raises on an error chunk", False, "no exception")
        except genai_errors.APIError as error:
            check("google-genai raises on an error chunk", "tokentape" in str(error), str(error))
        try:
            ollama_chat_text(server.ollama())
            check("ollama raises on an error line", False, "no exception")
        except ollama.ResponseError as error:
            check("ollama raises on an error line", "tokentape" in str(error), str(error))

    # A clean cut before the end marker: the SDK stream just ends early.
    with Server("--instant", "--fault", "truncate@5") as server:
        text = chat_text(server.openai())
        check("a clean cut ends the openai stream early", TEXT.startswith(text) and len(text) < len(TEXT), repr(text))

    # An HTTP 429 before the stream.
    with Server("--instant", "--fault", "status:429:retry=0") as server:
        for name, call, error_type in [
            ("openai", lambda: chat_text(server.openai()), openai.RateLimitError),
            ("anthropic", lambda: anthropic_text(server.anthropic()), anthropic.RateLimitError),
        ]:
            try:
                call()
                check(f"{name} raises a rate-limit error on 429", False, "no exception")
            except error_type:
                check(f"{name} raises a rate-limit error on 429", True)


def main():
    signal.alarm(240)
    made = subprocess.run([BIN, "simulate", "--all-providers", "--text", TEXT, "--ttft", "50ms", "--icl", "5ms",
                           "--jitter", "2ms", "--db", DB], capture_output=True, text=True)
    if made.returncode != 0:
        print("simulate failed:", made.stderr)
        return 1
    clients_reconstruct_the_text()
    if not PROXY_DIR:
        faults_reach_the_sdks()
    if failures:
        print(f"{len(failures)} of {checks} checks failed")
        return 1
    print(f"ok: {checks} checks passed (openai {openai.__version__}, anthropic {anthropic.__version__}, "
          f"google-genai {genai.__version__}, ollama)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
