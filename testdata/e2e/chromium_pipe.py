"""A minimal DevTools-protocol client for headless Chromium, standard library
only: Chromium is started with --remote-debugging-pipe, reads commands on its
fd 3 and writes replies and events on its fd 4, each a JSON text ended by a
NUL byte. Enough to open a page, send real mouse and keyboard input, read
values back and take a screenshot, while collecting every console error,
uncaught exception and log error the page causes.

Used by test_html_report.py (peak.html in a browser).
"""

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time

CHROMIUM = "/usr/bin/chromium"


class ChromiumError(Exception):
    pass


class Browser:
    def __init__(self, width=1280, height=1000, timeout=15.0):
        if not os.access(CHROMIUM, os.X_OK):
            raise ChromiumError(
                "%s is missing: the peak.html test needs Debian's chromium "
                "(setup.sh installs it: apt-get install chromium)" % CHROMIUM)
        self.timeout = timeout
        self.errors = []  # console errors, exceptions, log errors
        self._next_id = 0
        self._buffer = b""
        self._events = []
        self._profile_dir = tempfile.mkdtemp(prefix="tidemark-chromium-")
        # Chromium reads fd 3 and writes fd 4: hand it the pipes' ends there.
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def child_fds():
            # Through fds >= 10 first: a pipe end may itself be fd 3 or 4,
            # and dup2 onto itself would leave it close-on-exec.
            high_r = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
            high_w = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self._proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--remote-debugging-pipe", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-background-networking",
             "--user-data-dir=" + self._profile_dir, "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, preexec_fn=child_fds,
            # pass_fds would close 3 and 4 after child_fds made them; every
            # other descriptor of ours is non-inheritable (PEP 446).
            close_fds=False)
        os.close(to_child_r)
        os.close(from_child_w)
        target = self.command("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.command("Target.attachToTarget",
                                    {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.command(domain + ".enable", session=True)
        self.command("Emulation.setDeviceMetricsOverride",
                     {"width": width, "height": height, "deviceScaleFactor": 1,
                      "mobile": False}, session=True)

    # ---- the pipe ----------------------------------------------------
    def _read_message(self, deadline):
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise ChromiumError("no reply from Chromium within %.0f s" % self.timeout)
            import select
            ready, _, _ = select.select([self._from_child], [], [], 0.2)
            if ready:
                chunk = os.read(self._from_child, 1 << 20)
                if not chunk:
                    raise ChromiumError("Chromium closed its pipe (exit %s)" % self._proc.poll())
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message.decode("utf-8"))

    def _note_event(self, message):
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.errors.append("exception: %s %s" % (
                details.get("text"), details.get("exception", {}).get("description", "")))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append("console.%s: %s" % (params.get("type"), [
                a.get("value", a.get("description")) for a in params.get("args", [])]))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            self.errors.append("log: %s" % params["entry"].get("text"))
        self._events.append(message)

    def command(self, method, params=None, session=False):
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_child, json.dumps(message).encode("utf-8") + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise ChromiumError("%s failed: %s" % (method, reply["error"]))
                return reply.get("result", {})
            self._note_event(reply)

    def wait_for_event(self, method):
        for i, event in enumerate(self._events):
            if event.get("method") == method:
                del self._events[: i + 1]
                return event
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._read_message(deadline)
            if "id" not in message:
                self._note_event(message)
                if message.get("method") == method:
                    self._events.clear()
                    return message

    # ---- what tests use ----------------------------------------------
    def open(self, url):
        self._events.clear()
        self.command("Page.navigate", {"url": url}, session=True)
        self.wait_for_event("Page.loadEventFired")

    def evaluate(self, expression):
        result = self.command("Runtime.evaluate", {
            "expression": expression, "returnByValue": True, "awaitPromise": True},
            session=True)
        if "exceptionDetails" in result:
            raise ChromiumError("evaluating %r: %s" % (expression, result["exceptionDetails"]))
        return result.get("result", {}).get("value")

    def _mouse(self, kind, x, y, buttons=0, button="none", clicks=0):
        self.command("Input.dispatchMouseEvent", {
            "type": kind, "x": x, "y": y, "button": button, "buttons": buttons,
            "clickCount": clicks}, session=True)

    def move_to(self, x, y):
        self._mouse("mouseMoved", x, y)

    def click(self, x, y):
        """A real left click at (x, y) in the viewport: move, press, release."""
        self._mouse("mouseMoved", x, y)
        self._mouse("mousePressed", x, y, buttons=1, button="left", clicks=1)
        self._mouse("mouseReleased", x, y, button="left", clicks=1)

    def point_of(self, expression):
        """Scrolls the element EXPRESSION evaluates to into view; returns its
        centre in the viewport."""
        point = self.evaluate(
            "(function(){var e=(%s); if(!e) return null; e.scrollIntoView({block:'center'});"
            "var r=e.getBoundingClientRect(); return [r.left+r.width/2, r.top+r.height/2];})()"
            % expression)
        if point is None:
            raise ChromiumError("no element: %s" % expression)
        return point

    def click_element(self, expression):
        """Clicks the centre of the element EXPRESSION evaluates to."""
        point = self.point_of(expression)
        self.click(point[0], point[1])
        return point

    def type_text(self, text):
        self.command("Input.insertText", {"text": text}, session=True)

    def screenshot(self, path):
        import base64
        data = self.command("Page.captureScreenshot", {"format": "png",
                                                       "captureBeyondViewport": True},
                            session=True)["data"]
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(data))

    def close(self):
        try:
            os.close(self._to_child)  # Chromium quits when its pipe closes
            self._proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self._proc.kill()
            self._proc.wait()
        finally:
            os.close(self._from_child)
            shutil.rmtree(self._profile_dir, ignore_errors=True)
