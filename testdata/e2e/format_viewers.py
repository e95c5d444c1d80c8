"""The real tools that read Tidemark's report formats, for the e2e tests of
those formats (test_report_formats.py): Go's pprof built from Debian's
packages, speedscope's page from its npm package and a local web server for
it (the browser that opens it is chromium_pipe.py's, shared with
test_html_report.py).

Each tool is built or installed once into a cache folder these tests own,
CACHE_ROOT ($HOME/.cache/tidemark-e2e-viewers, or $E2E_VIEWER_CACHE), keyed
by the versions it came from, so later runs pay nothing. A missing
prerequisite raises ViewerMissing naming the Debian package (setup.sh
installs them all): the tests FAIL with it, they never skip.
"""
import contextlib
import functools
import http.server
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse

GO = "/usr/lib/go/bin/go"  # Debian's golang-go, not /usr/local/go
GO_PATH = "/usr/share/gocode"  # golang-github-google-pprof-dev's sources
PPROF_PACKAGE = "github.com/google/pprof"
NPM = "/usr/bin/npm"
# The speedscope release these tests were written against (its page reads
# #profileURL=...&view=sandwich).
SPEEDSCOPE_VERSION = "1.25.0"


class ViewerMissing(AssertionError):
    """A tool the format tests need is not installed."""


def cache_root():
    root = os.environ.get("E2E_VIEWER_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "tidemark-e2e-viewers")
    os.makedirs(root, exist_ok=True)
    return root


def _require(path, package):
    if not os.path.exists(path):
        raise ViewerMissing("%s is missing: install Debian's %s (setup.sh does)" % (path, package))


def _dpkg_version(package):
    proc = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return proc.stdout.decode().strip() if proc.returncode == 0 else "unknown"


# Whether this process built pprof and how long that took (for the test's
# log: the build is the slow part, paid once per cache).
pprof_build = {"seconds": 0.0, "built": False}


def go_pprof():
    """The path of a pprof binary built from Debian's Go and pprof sources
    (GOPATH mode, offline), building it on first use."""
    _require(GO, "golang-go")
    _require(os.path.join(GO_PATH, "src", PPROF_PACKAGE, "pprof.go"),
             "golang-github-google-pprof-dev")
    key = "pprof-go%s-src%s" % (_dpkg_version("golang-go"),
                                _dpkg_version("golang-github-google-pprof-dev"))
    key = "".join(c if c.isalnum() or c in ".-_" else "_" for c in key)
    binary = os.path.join(cache_root(), key, "pprof")
    start = time.monotonic()
    if not os.path.exists(binary):
        work = tempfile.mkdtemp(prefix="pprof-build-", dir=cache_root())
        try:
            env = {
                "PATH": "/usr/lib/go/bin:/usr/bin:/bin",
                "HOME": work,
                "GO111MODULE": "off",
                "GOPATH": GO_PATH,
                "GOCACHE": os.path.join(work, "gocache"),
                "GOFLAGS": "",
                "GOPROXY": "off",
                "GOTOOLCHAIN": "local",
                "CGO_ENABLED": "0",
            }
            out = os.path.join(work, "pprof")
            proc = subprocess.run([GO, "build", "-o", out, PPROF_PACKAGE], env=env,
                                  cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  timeout=600)
            if proc.returncode != 0:
                raise ViewerMissing(
                    "building pprof from Debian's packages failed (a Go dependency of pprof "
                    "may lack its Debian package; add it to setup.sh):\n%s"
                    % proc.stdout.decode("utf-8", "replace")[-3000:])
            os.makedirs(os.path.dirname(binary), exist_ok=True)
            os.replace(out, binary)  # atomic: a concurrent run sees all or nothing
            pprof_build["built"] = True
            pprof_build["seconds"] = time.monotonic() - start
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return binary


def run_pprof(args, timeout=120):
    """(exit code, stdout, stderr) of `pprof ARGS`."""
    proc = subprocess.run([go_pprof()] + list(args), stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env={"PATH": "/usr/bin:/bin", "HOME": cache_root(),
                               "PPROF_TMPDIR": tempfile.gettempdir()},
                          timeout=timeout)
    return (proc.returncode, proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"))


def parse_pprof_top(text):
    """{name: (flat bytes, cum bytes)} from `pprof -top -unit=B` output."""
    rows = {}
    for line in text.splitlines():
        parts = line.split(None, 5)
        if len(parts) != 6 or not parts[4].endswith("%"):
            continue
        flat, cum = parts[0], parts[3]
        try:
            values = tuple(0 if v == "0" else int(v.rstrip("B")) for v in (flat, cum))
        except ValueError:
            continue  # the header line
        rows[parts[5]] = values
    return rows


def _npm_env(work):
    """The environment for npm: the user's (HOME: ~/.npmrc applies), a
    download cache of our own, and Node trusting the system's certificate
    authorities as Debian's other tools do (Bazel passes no
    NODE_EXTRA_CA_CERTS; behind a proxy with its own authority, Node's
    built-in list alone refuses the registry)."""
    env = dict(os.environ, PATH="/usr/bin:/bin",
               npm_config_cache=os.path.join(work, "npm-cache"))
    system_authorities = "/etc/ssl/certs/ca-certificates.crt"
    if "NODE_EXTRA_CA_CERTS" not in env and os.path.exists(system_authorities):
        env["NODE_EXTRA_CA_CERTS"] = system_authorities
    return env


def speedscope_page():
    """The folder of speedscope's built page (index.html and its scripts),
    from the npm package, installed from the registry on first use."""
    _require(NPM, "npm")
    folder = os.path.join(cache_root(), "speedscope-%s" % SPEEDSCOPE_VERSION)
    page = os.path.join(folder, "node_modules", "speedscope", "dist", "release")
    if not os.path.exists(os.path.join(page, "index.html")):
        work = tempfile.mkdtemp(prefix="speedscope-npm-", dir=cache_root())
        try:
            proc = subprocess.run(
                [NPM, "install", "--no-audit", "--no-fund", "--fetch-timeout=60000",
                 "--fetch-retries=1", "--prefix", work,
                 "speedscope@%s" % SPEEDSCOPE_VERSION],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                env=_npm_env(work),
                timeout=600)
            if proc.returncode != 0 or not os.path.exists(
                    os.path.join(work, "node_modules", "speedscope", "dist", "release",
                                 "index.html")):
                raise ViewerMissing("npm install speedscope@%s failed:\n%s" % (
                    SPEEDSCOPE_VERSION, proc.stdout.decode("utf-8", "replace")[-3000:]))
            shutil.rmtree(os.path.join(work, "npm-cache"), ignore_errors=True)
            shutil.rmtree(folder, ignore_errors=True)
            try:
                os.replace(work, folder)
            except OSError:
                # Another run installed it first: theirs serves.
                if not os.path.exists(os.path.join(page, "index.html")):
                    raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return page


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *unused):
        pass


@contextlib.contextmanager
def serve_folder(folder):
    """Serves FOLDER on http://127.0.0.1:PORT/ while in the block; yields
    the base URL."""
    handler = functools.partial(_QuietHandler, directory=folder)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d/" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def speedscope_url(base, profile_name, view="sandwich"):
    return "%sindex.html#profileURL=%s&view=%s" % (
        base, urllib.parse.quote(base + profile_name, safe=""), view)
