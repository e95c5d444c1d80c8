"""The e2e tests' one driver of headless Chromium, standard library only:
Chromium is started with --remote-debugging-pipe, reads DevTools-protocol
commands on its fd 3 and writes replies and events on its fd 4, each a JSON
text ended by a NUL byte (so no WebSocket library is needed). Enough to open
a page, send real mouse and keyboard input, wait for and read values back
and take a screenshot, while collecting every console error, uncaught
exception and log error the page causes.

    with Browser() as browser:
        browser.open(url)
        browser.wait_for("document.title != ''")
        text = browser.evaluate("document.body.innerText")

Used by test_html_report.py (peak.html) and test_report_formats.py
(speedscope's page). A missing /usr/bin/chromium FAILS, naming the package.
"""

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

CHROMIUM = "/usr/bin/chromium"


class ChromiumError(AssertionError):
    """Chromium is missing, did not answer, or refused a command: the test
    fails (an AssertionError) rather than erring or skipping."""


class Browser:
    def __init__(self, width=1280, height=1000, timeout=15.0):
        if not os.access(CHROMIUM, os.X_OK):
            raise ChromiumError(
                "%s is missing: the browser tests need Debian's chromium "
                "(setup.sh installs it: apt-get install chromium)" % CHROMIUM)
        self.timeout = timeout  # seconds for each command's reply
        self.errors = []  # console errors, exceptions, log errors
        self._next_id = 0
        self._buffer = b""
        self._events = []
        self._closed = False
        # One folder of ours: Chromium's profile (also its HOME, so nothing
        # lands in the user's) and its stderr, quoted when it stops answering.
        self._dir = tempfile.mkdtemp(prefix="tidemark-chromium-")
        profile = os.path.join(self._dir, "profile")
        self._log_path = os.path.join(self._dir, "chromium.log")
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

        with open(self._log_path, "wb") as log:
            self._proc = subprocess.Popen(
                [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                 "--remote-debugging-pipe", "--no-first-run", "--no-default-browser-check",
                 "--disable-extensions", "--disable-background-networking",
                 # Containers' /dev/shm can be too small for the renderer.
                 "--disable-dev-shm-usage",
                 "--window-size=%d,%d" % (width, height),
                 "--user-data-dir=" + profile, "about:blank"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                env={"PATH": "/usr/bin:/bin", "HOME": profile},
                preexec_fn=child_fds,
                # pass_fds would close 3 and 4 after child_fds made them; every
                # other descriptor of ours is non-inheritable (PEP 446).
                close_fds=False)
        os.close(to_child_r)
        os.close(from_child_w)
        try:
            target = self.call("Target.createTarget", url="about:blank")["targetId"]
            self.session = self.call("Target.attachToTarget", targetId=target,
                                     flatten=True)["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                self.call(domain + ".enable", session=True)
            # The viewport exactly WIDTH x HEIGHT, whatever the window's frame.
            self.call("Emulation.setDeviceMetricsOverride", session=True, width=width,
                      height=height, deviceScaleFactor=1, mobile=False)
        except BaseException:
            self.close()
            raise

    # ---- the pipe ----------------------------------------------------
    def _stderr_tail(self):
        try:
            with open(self._log_path, "rb") as handle:
                return handle.read()[-3000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def _read_message(self, deadline, waiting_for):
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise ChromiumError("Chromium did not answer %s within %.0f s; its stderr:\n%s"
                                    % (waiting_for, self.timeout, self._stderr_tail()))
            ready, _, _ = select.select([self._from_child], [], [], 0.2)
            if ready:
                chunk = os.read(self._from_child, 1 << 20)
                if not chunk:
                    raise ChromiumError("Chromium closed its pipe (exit %s) waiting for %s; "
                                        "its stderr:\n%s" % (self._proc.poll(), waiting_for,
                                                             self._stderr_tail()))
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message.decode("utf-8", "replace"))

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
            entry = params["entry"]
            self.errors.append("log (%s): %s %s" % (entry.get("source"), entry.get("text"),
                                                    entry.get("url", "")))
        self._events.append(message)

    def call(self, method, session=False, **params):
        """Sends one DevTools command, its parameters as keywords (to the
        page's session if SESSION, else to the browser); returns its result.
        Events read meanwhile are kept, their errors noted."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_child, json.dumps(message).encode("utf-8") + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline, method)
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
            message = self._read_message(deadline, method)
            if "id" not in message:
                self._note_event(message)
                if message.get("method") == method:
                    self._events.clear()
                    return message

    # ---- what tests use ----------------------------------------------
    def open(self, url):
        """Navigates to URL and waits for its load event."""
        self._events.clear()
        self.call("Page.navigate", session=True, url=url)
        self.wait_for_event("Page.loadEventFired")

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page (a promise's,
        awaited)."""
        result = self.call("Runtime.evaluate", session=True, expression=expression,
                           returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise ChromiumError("evaluating %r: %s" % (expression, result["exceptionDetails"]))
        return result.get("result", {}).get("value")

    def wait_for(self, expression, timeout=30):
        """Polls EXPRESSION until truthy; returns its value (fails after
        TIMEOUT s, quoting the page's errors)."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise ChromiumError("waited %d s for %s; page errors: %s" % (
                    timeout, expression, self.errors))
            time.sleep(0.1)

    def _mouse(self, kind, x, y, buttons=0, button="none", clicks=0):
        self.call("Input.dispatchMouseEvent", session=True, type=kind, x=x, y=y,
                  button=button, buttons=buttons, clickCount=clicks)

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
        self.call("Input.insertText", session=True, text=text)

    def press_key(self, key, code, key_code):
        """A real key press and release (KEY_CODE: Windows' virtual key code,
        which Chromium needs to act on keys such as Backspace)."""
        for kind in ("keyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", session=True, type=kind, key=key, code=code,
                      windowsVirtualKeyCode=key_code)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", session=True, format="png",
                         captureBeyondViewport=True)["data"]
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(data))

    def close(self):
        """Ends Chromium (closing its pipe makes it quit; killed if it has not
        within 5 s) and removes its folder. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        try:
            os.close(self._to_child)
            self._proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self._proc.kill()
            self._proc.wait()
        finally:
            os.close(self._from_child)
            shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *unused):
        self.close()
