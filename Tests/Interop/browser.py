"""A small headless-Chromium driver for tests (Chrome DevTools Protocol).

    browser.py --url URL [--dark] [--width W --height H] --steps STEPS_JSON

STEPS_JSON is a JSON list run in order; each step is one of
    {"wait": "JS boolean expression", "timeout": seconds}   poll until true (fails past the bound)
    {"eval": "JS expression", "as": "name"}                 keep the value under values[name]
    {"sample": "JS expression", "as": "name", "until": "JS boolean", "timeout": s}
                                                             keep every distinct value seen until the condition holds
    {"sleep": seconds}                                      a bounded pause (to see that nothing changes)
    {"click": "css selector"}
    {"type": "text", "into": "css selector"}               focus, then insert the text as typed
    {"key": "Enter"}
    {"screenshot": "path.png"}

Prints one JSON object: {"values", "console_errors", "exceptions", "requests", "error"}
and exits 0 when every step ran, 1 when one failed (the object says which).
The page's console errors, uncaught exceptions and every URL it requested are
collected throughout, so a test can assert "no errors" and "nothing left the machine".
"""

import argparse
import base64
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import websocket  # websocket-client


class StepFailed(Exception):
    pass


class Chromium:
    """One headless Chromium with one page, spoken to over its DevTools websocket."""

    def __init__(self, width, height, dark):
        binary = os.environ.get("TOKENTAPE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
        if not binary:
            raise StepFailed("chromium not found: install Debian's chromium (apt-get install chromium)")
        self.profile = tempfile.mkdtemp(prefix="tokentape-chromium-")
        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-extensions", "--disable-background-networking", "--disable-sync",
             "--disable-component-update", "--mute-audio", "--hide-scrollbars",
             f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
             "--remote-allow-origins=*", f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        browser_url = self._devtools_url(deadline=time.monotonic() + 30)
        self.socket = websocket.create_connection(browser_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.replies = {}
        self.events = queue.Queue()
        self.lock = threading.Lock()
        self.console_errors, self.exceptions, self.requests = [], [], []
        reader = threading.Thread(target=self._read, daemon=True)
        reader.start()
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page.enable", "Runtime.enable", "Network.enable", "Log.enable"):
            self.call(domain, session=True)
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=True)
        self.call("Emulation.setEmulatedMedia",
                  {"features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]}, session=True)

    def _devtools_url(self, deadline):
        lines = []
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line:
                break
            lines.append(line)
            found = re.search(r"DevTools listening on (ws://\S+)", line)
            if found:
                # Keep draining stderr so Chromium never blocks on a full pipe.
                threading.Thread(target=lambda: [None for _ in self.process.stderr], daemon=True).start()
                return found.group(1)
        raise StepFailed("chromium did not start its DevTools endpoint: " + "".join(lines[-5:]))

    def _read(self):
        while True:
            try:
                message = json.loads(self.socket.recv())
            except Exception:
                return
            if "id" in message:
                with self.lock:
                    waiter = self.replies.get(message["id"])
                if waiter is not None:
                    waiter.put(message)
            else:
                self._note(message)

    def _note(self, event):
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.console_errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.exceptions.append(details.get("exception", {}).get("description") or details.get("text", "exception"))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.console_errors.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}".strip())
        elif method == "Network.requestWillBeSent":
            self.requests.append(params.get("request", {}).get("url", ""))

    def call(self, method, params=None, session=False, timeout=30):
        with self.lock:
            self.next_id += 1
            ident = self.next_id
            waiter = queue.Queue()
            self.replies[ident] = waiter
        message = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        self.socket.send(json.dumps(message))
        try:
            reply = waiter.get(timeout=timeout)
        except queue.Empty:
            raise StepFailed(f"{method}: no answer from chromium within {timeout} s")
        finally:
            with self.lock:
                self.replies.pop(ident, None)
        if "error" in reply:
            raise StepFailed(f"{method}: {reply['error'].get('message')}")
        return reply.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True},
                           session=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise StepFailed(f"{expression!r} threw: " + (details.get("exception", {}).get("description") or details.get("text", "")))
        return result.get("result", {}).get("value")

    def navigate(self, url, timeout):
        reply = self.call("Page.navigate", {"url": url}, session=True)
        if reply.get("errorText"):
            raise StepFailed(f"navigation to {url} failed: {reply['errorText']}")
        self.wait("document.readyState === 'complete'", timeout)

    def wait(self, condition, timeout):
        deadline = time.monotonic() + timeout
        while True:
            if self.evaluate(f"Boolean({condition})"):
                return
            if time.monotonic() > deadline:
                raise StepFailed(f"waited {timeout} s for: {condition}")
            time.sleep(0.02)  # polls the page: the condition lives in another process

    def close(self):
        try:
            self.socket.close()
        except Exception:
            pass
        self.process.kill()
        self.process.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)


def run_step(browser, step, values):
    if "wait" in step:
        browser.wait(step["wait"], float(step.get("timeout", 10)))
    elif "eval" in step:
        value = browser.evaluate(step["eval"])
        if "as" in step:
            values[step["as"]] = value
    elif "sample" in step:
        seen, deadline = [], time.monotonic() + float(step.get("timeout", 10))
        while True:
            value = browser.evaluate(step["sample"])
            if not seen or seen[-1] != value:
                seen.append(value)
            if browser.evaluate(f"Boolean({step['until']})"):
                break
            if time.monotonic() > deadline:
                values[step["as"]] = seen
                raise StepFailed(f"sampled {step.get('timeout', 10)} s and never saw: {step['until']}")
            time.sleep(0.01)
        values[step["as"]] = seen
    elif "sleep" in step:
        time.sleep(min(float(step["sleep"]), 30))
    elif "click" in step:
        selector = json.dumps(step["click"])
        if not browser.evaluate(f"(() => {{ const e = document.querySelector({selector}); if (!e) return false; e.click(); return true; }})()"):
            raise StepFailed(f"nothing to click at {step['click']}")
    elif "type" in step:
        selector = json.dumps(step["into"])
        if not browser.evaluate(f"(() => {{ const e = document.querySelector({selector}); if (!e) return false; e.focus(); return true; }})()"):
            raise StepFailed(f"nothing to type into at {step['into']}")
        browser.call("Input.insertText", {"text": step["type"]}, session=True)
    elif "key" in step:
        key = step["key"]
        codes = {"Enter": 13, "Escape": 27, "Tab": 9}
        for kind in ("keyDown", "keyUp"):
            params = {"type": kind, "key": key, "code": key, "windowsVirtualKeyCode": codes.get(key, 0)}
            if kind == "keyDown" and key == "Enter":
                params["text"] = "\r"
            browser.call("Input.dispatchKeyEvent", params, session=True)
    elif "screenshot" in step:
        data = browser.call("Page.captureScreenshot", {"format": "png"}, session=True)["data"]
        with open(step["screenshot"], "wb") as file:
            file.write(base64.b64decode(data))
    else:
        raise StepFailed(f"unknown step {json.dumps(step)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--steps", default="[]", help="a JSON list of steps (see above)")
    parser.add_argument("--dark", action="store_true", help="prefers-color-scheme: dark")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--load-timeout", type=float, default=20)
    args = parser.parse_args()
    values, error, browser = {}, None, None
    try:
        steps = json.loads(args.steps)
        browser = Chromium(args.width, args.height, args.dark)
        browser.navigate(args.url, args.load_timeout)
        for step in steps:
            run_step(browser, step, values)
    except StepFailed as failure:
        error = str(failure)
    except (json.JSONDecodeError, OSError, websocket.WebSocketException) as failure:
        error = f"{type(failure).__name__}: {failure}"
    result = {"values": values, "error": error,
              "console_errors": browser.console_errors if browser else [],
              "exceptions": browser.exceptions if browser else [],
              "requests": browser.requests if browser else []}
    if browser:
        browser.close()
    print(json.dumps(result))
    sys.exit(0 if error is None else 1)


if __name__ == "__main__":
    main()
