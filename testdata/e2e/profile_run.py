"""Runs programs under Tidemark's command-line tool and reads what it wrote.

Shared by the end-to-end tests in this folder. Each test target runs one test
file with Debian's /usr/bin/python3 (see run_e2e.sh); paths to the tool and to
the helper programs come from Bazel as environment variables:

  E2E_PROFILE_TOOL   path of //tools:profile (relative to the runfiles root)
  E2E_LIBTIDEMARK    path of //tools:libtidemark.so (for diagnostics only)
  E2E_REPORT_TOOL    path of //tools:report (renders a stored profile)
  E2E_C_PROGRAM      path of //testdata:c_alloc_program (C scenario only)

Outside Bazel the tool defaults to bazel-bin/tools/profile in the repository.

A profile is returned as a Run: exit code, stdout, stderr, peak.folded parsed
into {tuple(frames, root first): bytes} and summary.json parsed into a dict.
Frames are matched by their exact spelling, `FUNCTION (FILE:LINE)`.

A job's report folder J holds one folder per profiled process,
J/<pid>-<program>/, and the job's index J/job.json (issue 9). A Run's
output_dir is J; its reports are read from process_dir, the job's main
process (see main_process_folder). A folder without that layout (reports
written straight into J, as before issue 9) is its own process folder.
"""

import glob
import itertools
import json
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

MiB = 1 << 20
KiB = 1 << 10
PYTHON = "/usr/bin/python3"
NO_PYTHON_STACK = "[no Python stack]"

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO_FROM_SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))


def runfiles_root():
    """The folder that Bazel's rootpaths are relative to."""
    srcdir = os.environ.get("TEST_SRCDIR")
    workspace = os.environ.get("TEST_WORKSPACE", "tidemark")
    if srcdir and os.path.isdir(os.path.join(srcdir, workspace)):
        return os.path.join(srcdir, workspace)
    return _REPO_FROM_SOURCE


def _from_root(path):
    return path if os.path.isabs(path) else os.path.join(runfiles_root(), path)


def tool_path():
    configured = os.environ.get("E2E_PROFILE_TOOL")
    if configured:
        return _from_root(configured)
    return os.path.join(_REPO_FROM_SOURCE, "bazel-bin", "tools", "profile")


def library_path():
    configured = os.environ.get("E2E_LIBTIDEMARK")
    if configured:
        return _from_root(configured)
    return os.path.join(_REPO_FROM_SOURCE, "bazel-bin", "tools", "libtidemark.so")


def report_tool_path():
    configured = os.environ.get("E2E_REPORT_TOOL")
    if configured:
        return _from_root(configured)
    return os.path.join(_REPO_FROM_SOURCE, "bazel-bin", "tools", "report")


def c_program_path():
    configured = os.environ.get("E2E_C_PROGRAM")
    if configured:
        return _from_root(configured)
    return os.path.join(_REPO_FROM_SOURCE, "bazel-bin", "testdata", "c_alloc_program")


def program(name):
    """Absolute path of a program in testdata/programs.

    Absolute, so that the code objects' co_filename (what the report prints)
    is exactly this string. Not resolved through symlinks: Python keeps the
    path it was given.
    """
    return os.path.abspath(os.path.join(runfiles_root(), "testdata", "programs", name))


_scratch = None


def scratch_dir():
    global _scratch
    if _scratch is None:
        base = os.environ.get("TEST_TMPDIR")
        if base:
            _scratch = os.path.join(base, "e2e")
            os.makedirs(_scratch, exist_ok=True)
        else:
            _scratch = tempfile.mkdtemp(prefix="tidemark-e2e-")
    return _scratch


_counter = itertools.count(1)


def fresh_output_dir(name):
    """A path that does not exist yet, inside the test's scratch folder."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    return os.path.join(scratch_dir(), "%s-%d" % (safe, next(_counter)))


# Variables that would change how Python allocates or what the library reads.
_SCRUBBED_PREFIXES = ("TIDEMARK_",)
_SCRUBBED = {
    "LD_PRELOAD",
    "PYTHONMALLOC",
    "PYTHONMALLOCSTATS",
    "PYTHONTRACEMALLOC",
    "PYTHONDEVMODE",
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "PYTHONASYNCIODEBUG",
}


def clean_env(extra=None):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _SCRUBBED and not key.startswith(_SCRUBBED_PREFIXES)
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    # Each OpenBLAS worker thread maps a 64 MiB buffer when it first gets to
    # run, which on a busy machine may be before or after a short program's
    # peak; one thread (no workers) keeps the interpreter's baseline the
    # same in every run. The profiler itself never changes this variable.
    env["OPENBLAS_NUM_THREADS"] = "1"
    if extra:
        env.update(extra)
    return env


def preload_env(mode, output, **settings):
    """A clean environment that profiles a program without the launcher:
    LD_PRELOAD plus TIDEMARK_MODE, TIDEMARK_OUTPUT and any more settings
    (keyword NAME becomes TIDEMARK_NAME)."""
    extra = {"LD_PRELOAD": library_path(), "TIDEMARK_MODE": mode, "TIDEMARK_OUTPUT": output}
    extra.update(("TIDEMARK_" + name.upper(), value) for name, value in settings.items())
    return clean_env(extra)


def wait_for(predicate, timeout=20.0, interval=0.02):
    """PREDICATE's first true value within TIMEOUT seconds, else None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None


WANTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13")


def pyenv_root():
    try:
        out = subprocess.run(["pyenv", "root"], capture_output=True, text=True, timeout=30)
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return os.path.expanduser("~/.pyenv")


def interpreters():
    """[(label, path)]: Debian's python3, then the newest pyenv patch release
    of each wanted minor version present."""
    found = [("debian-3.11", PYTHON)]
    root = pyenv_root()
    for minor in WANTED_PYTHONS:
        builds = sorted(glob.glob(os.path.join(root, "versions", minor + ".*", "bin",
                                               "python" + minor)))
        # A free-threaded build ("3.13.0t") is not supported; skip it.
        builds = [b for b in builds if not os.path.basename(os.path.dirname(
            os.path.dirname(b))).endswith("t")]
        if builds:
            found.append(("pyenv-" + minor, builds[-1]))
    return found


# ---------------------------------------------------------------------------
# Reading the report.


def parse_folded(text):
    """peak.folded -> {tuple(frames, root first): bytes}.

    Each line is `FRAME;FRAME;... BYTES`; frames contain spaces, so the count
    is whatever follows the last space. Repeated stacks are summed.
    """
    stacks = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        stack, sep, count = line.rpartition(" ")
        if not sep or not stack:
            raise ValueError("peak.folded line %d has no count: %r" % (number, raw))
        try:
            value = int(count)
        except ValueError:
            raise ValueError("peak.folded line %d: count %r is not an integer" % (number, count))
        frames = tuple(stack.split(";"))
        stacks[frames] = stacks.get(frames, 0) + value
    return stacks


def frame(function, file, line):
    """The spelling of a Python frame in the report."""
    return "%s (%s:%d)" % (function, file, line)


def bytes_for_frame(folded, wanted):
    """Bytes of every stack that contains exactly this frame (anywhere)."""
    return sum(count for frames, count in folded.items() if wanted in frames)


def bytes_for_location(folded, file, line):
    """Bytes of every stack with a frame at FILE:LINE, whatever its function.

    Each stack counts once, even when several of its frames sit on that line
    (a comprehension and the function around it, say).
    """
    suffix = " (%s:%d)" % (file, line)
    return sum(
        count for frames, count in folded.items() if any(f.endswith(suffix) for f in frames)
    )


def stacks_for_file(folded, file):
    """The stacks (and bytes) that mention FILE anywhere, largest first."""
    needle = " (%s:" % file
    hits = [(frames, count) for frames, count in folded.items() if any(needle in f for f in frames)]
    return sorted(hits, key=lambda item: -item[1])


_MARKER_CACHE = {}


def find_marker(path, marker):
    """The 1-based line of PATH carrying the comment `# MARKER` (exactly one)."""
    key = (path, marker)
    if key not in _MARKER_CACHE:
        pattern = re.compile(r"#\s*" + re.escape(marker) + r"(?![\w-])")
        with open(path, encoding="utf-8") as source:
            hits = [n for n, text in enumerate(source, 1) if pattern.search(text)]
        if len(hits) != 1:
            raise AssertionError(
                "expected exactly one '# %s' in %s, found lines %s" % (marker, path, hits)
            )
        _MARKER_CACHE[key] = hits[0]
    return _MARKER_CACHE[key]



# ---------------------------------------------------------------------------
# The job folder: one folder per process and the job's index.

JOB_INDEX_FILE = "job.json"
JOB_LOG_FILE = "processes.log"
_PROCESS_FOLDER_NAME = re.compile(r"^([0-9]+)-(.+)$")


def folder_pid(path):
    """The pid in a process folder's name (`<pid>-<program>`), or None."""
    match = _PROCESS_FOLDER_NAME.match(os.path.basename(os.path.normpath(path)))
    return int(match.group(1)) if match else None


def folder_program(path):
    """The program in a process folder's name (`<pid>-<program>`), or None."""
    match = _PROCESS_FOLDER_NAME.match(os.path.basename(os.path.normpath(path)))
    return match.group(2) if match else None


def read_job_index(job_dir):
    """J/job.json parsed, or None when there is none (or it is not JSON)."""
    index = read_json(os.path.join(job_dir, JOB_INDEX_FILE))
    return index if isinstance(index, dict) else None


def index_processes(index):
    """The index's process entries (dicts), in log order; [] for None."""
    if not index or not isinstance(index.get("processes"), list):
        return []
    return [p for p in index["processes"] if isinstance(p, dict)]


def read_job_log(job_dir):
    """J/processes.log as [(event, [fields])], fields still escaped; [] if
    there is none. Only pids and folder names are read from it here, which
    never hold a TAB or a backslash."""
    try:
        with open(os.path.join(job_dir, JOB_LOG_FILE), encoding="utf-8",
                  errors="replace") as handle:
            text = handle.read()
    except OSError:
        return []
    events = []
    for line in text.split("\n"):
        fields = line.split("\t")
        if len(fields) >= 2 and fields[0] in ("start", "end"):
            events.append((fields[0], fields[1:]))
    return events


def _listed_folders(job_dir):
    """[(pid, folder name)] of the J/<digits>-* folders, by pid."""
    try:
        names = os.listdir(job_dir)
    except OSError:
        return []
    found = []
    for name in names:
        match = _PROCESS_FOLDER_NAME.match(name)
        if match and os.path.isdir(os.path.join(job_dir, name)):
            found.append((int(match.group(1)), name))
    return sorted(found)


def process_folders(job_dir):
    """The job's process folders (absolute paths): those job.json names, in
    its order, when it is there; else every J/<pid>-<program>/ folder, by
    pid. [] for a job folder without that layout."""
    index = read_job_index(job_dir)
    if index is not None:
        return [os.path.join(job_dir, p["folder"]) for p in index_processes(index)
                if isinstance(p.get("folder"), str) and p["folder"]]
    return [os.path.join(job_dir, name) for _, name in _listed_folders(job_dir)]


def _first_pid_folders(entries):
    """From [(pid, started, folder or None)] in log order: the folders of
    the job's first process (started "first", else the first entry), each
    image of it in turn."""
    if not entries:
        return None, []
    firsts = [pid for pid, started, _ in entries if started == "first"]
    first = firsts[0] if firsts else entries[0][0]
    return first, [folder for pid, _, folder in entries if pid == first and folder]


def main_process_folder(job_dir):
    """The folder of the job's main process: the LAST image of the job's
    first pid that has a folder (a wrapper that execs Python leaves none of
    its own), from job.json, else from processes.log. Else the only process
    folder there is; else JOB_DIR itself (the layout before issue 9)."""
    index = read_job_index(job_dir)
    if index is not None:
        entries = [(p.get("pid"), p.get("started"), p.get("folder"))
                   for p in index_processes(index)]
    else:
        entries = []
        for event, fields in read_job_log(job_dir):
            if event == "start" and len(fields) >= 5 and fields[0].isdigit():
                folder = fields[4] if fields[4] != "-" else None
                entries.append((int(fields[0]), fields[3], folder))
    _, folders = _first_pid_folders(entries)
    existing = [f for f in folders if os.path.isdir(os.path.join(job_dir, f))]
    if existing:
        return os.path.join(job_dir, existing[-1])
    listed = _listed_folders(job_dir)
    if len(listed) == 1:
        return os.path.join(job_dir, listed[0][1])
    return job_dir


def find_process_folder(job_dir, pid_or_program):
    """The folder of one process of the job: by pid (int; its last image
    with a folder), by program (str; must be the only folder of that
    program) or by folder name. Raises AssertionError, saying what there
    is, when there is no such folder or several."""
    folders = process_folders(job_dir)
    if isinstance(pid_or_program, int):
        hits = [f for f in folders if folder_pid(f) == pid_or_program]
        hits = hits[-1:]
    else:
        hits = [f for f in folders if os.path.basename(f) == pid_or_program]
        if not hits:
            hits = [f for f in folders if folder_program(f) == pid_or_program]
    if len(hits) != 1:
        raise AssertionError("%s process folder for %r in %s; there are: %s\n%s" % (
            "no" if not hits else "more than one", pid_or_program, job_dir,
            [os.path.basename(f) for f in folders] or "none", listing(job_dir)))
    return hits[0]


def mib(value):
    return "%.2f MiB" % (value / MiB) if value is not None else "None"


class Run:
    """One run of the tool and everything it left behind."""

    def __init__(self, argv, output_dir, returncode, stdout, stderr, process_dir=None):
        """OUTPUT_DIR is the job folder; the reports are read from
        PROCESS_DIR (default: the job's main process folder)."""
        self.argv = argv
        self.output_dir = output_dir
        self.index = read_job_index(output_dir)
        self.process_dir = process_dir or main_process_folder(output_dir)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.folded_text = None
        self.folded = None
        self.folded_error = None
        self.summary = None
        self.summary_error = None
        folded_path = os.path.join(self.process_dir, "peak.folded")
        summary_path = os.path.join(self.process_dir, "summary.json")
        if os.path.exists(folded_path):
            with open(folded_path, encoding="utf-8", errors="replace") as handle:
                self.folded_text = handle.read()
            try:
                self.folded = parse_folded(self.folded_text)
            except ValueError as error:
                self.folded_error = str(error)
        else:
            self.folded_error = "no %s" % folded_path
        if os.path.exists(summary_path):
            with open(summary_path, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
            try:
                self.summary = json.loads(text)
            except ValueError as error:
                self.summary_error = "summary.json is not JSON (%s): %r" % (error, text[:2000])
        else:
            self.summary_error = "no %s" % summary_path

    @property
    def peak_bytes(self):
        return None if self.summary is None else self.summary.get("peak_bytes")

    @property
    def processes(self):
        """job.json's process entries, in log order ([] without an index)."""
        return index_processes(self.index)

    @property
    def process_folders(self):
        return process_folders(self.output_dir)

    @property
    def pid(self):
        """The pid in process_dir's name, or None (layout before issue 9)."""
        return folder_pid(self.process_dir)

    def entries_for(self, pid):
        """job.json's entries for PID (one per image, exec'd or not)."""
        return [p for p in self.processes if p.get("pid") == pid]

    def process(self, pid_or_program):
        """A Run of another process's folder in the same job: by pid, by
        program or by folder name (see find_process_folder). Its returncode
        is that process's exit code from job.json (None when unknown)."""
        folder = find_process_folder(self.output_dir, pid_or_program)
        code = None
        for entry in self.processes:
            if entry.get("folder") == os.path.basename(folder):
                code = entry.get("exit_code")
        return Run(self.argv, self.output_dir, code, self.stdout, self.stderr,
                   process_dir=folder)

    def bytes_at(self, function, file, line):
        return bytes_for_frame(self.folded or {}, frame(function, file, line))

    def bytes_at_location(self, file, line):
        return bytes_for_location(self.folded or {}, file, line)

    def describe(self, top=25):
        """Everything needed to diagnose a failed expectation."""
        out = []
        out.append("command: %s" % " ".join(repr(a) for a in self.argv))
        out.append("exit code: %s" % self.returncode)
        out.append("library: %s (exists: %s)" % (library_path(), os.path.exists(library_path())))
        out.append("stdout (last 2000 chars):\n%s" % _tail(self.stdout, 2000))
        out.append("stderr (last 4000 chars):\n%s" % _tail(self.stderr, 4000))
        out.append("job folder: %s\nprocess folder: %s" % (self.output_dir, self.process_dir))
        if self.index is not None:
            out.append("job.json: %d processes, highest peak %s" % (
                len(self.processes), json.dumps(self.index.get("highest_peak"))))
            for entry in self.processes[:60]:
                out.append("  pid %s parent %s %s %s folder %s peak %s inherited %s: %s" % (
                    entry.get("pid"), entry.get("parent_pid"), entry.get("started"),
                    entry.get("program"), entry.get("folder"), entry.get("peak_bytes"),
                    entry.get("inherited_bytes"), entry.get("ended")))
        else:
            out.append("job.json: none; process folders: %s" % (
                [os.path.basename(f) for f in process_folders(self.output_dir)] or "none"))
        if self.summary is not None:
            out.append("summary.json: %s" % json.dumps(self.summary, indent=1, sort_keys=True))
            if isinstance(self.peak_bytes, int):
                out.append("peak_bytes = %s" % mib(self.peak_bytes))
        else:
            out.append("summary.json: %s" % self.summary_error)
        if self.folded is not None:
            total = sum(self.folded.values())
            out.append(
                "peak.folded: %d stacks, %d bytes (%s) in all; largest %d:"
                % (len(self.folded), total, mib(total), top)
            )
            for frames, count in sorted(self.folded.items(), key=lambda item: -item[1])[:top]:
                out.append("  %12d (%s)  %s" % (count, mib(count), ";".join(frames)))
        else:
            out.append("peak.folded: %s" % self.folded_error)
            if self.folded_text:
                out.append(_tail(self.folded_text, 3000))
        return "\n".join(out)


def _tail(text, limit):
    if text is None:
        return "<none>"
    return text if len(text) <= limit else "...\n" + text[-limit:]


def run_profiled(command, mode="exact", flags=(), name="run", timeout=900, output_dir=None,
                 env=None):
    """Runs `profile [--mode=MODE] --output=DIR FLAGS -- COMMAND...` in ENV
    (default: clean_env())."""
    tool = tool_path()
    if output_dir is None:
        output_dir = fresh_output_dir(name)
    argv = [tool]
    if mode is not None:
        argv.append("--mode=%s" % mode)
    argv.append("--output=%s" % output_dir)
    argv.extend(flags)
    argv.append("--")
    argv.extend(command)
    proc = subprocess.run(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_env() if env is None else env,
        timeout=timeout,
    )
    return Run(
        argv,
        output_dir,
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def run_preloaded(command, mode="exact", name="run", timeout=900, output_dir=None, env=None,
                  **settings):
    """Runs COMMAND with LD_PRELOAD and TIDEMARK_MODE/OUTPUT (plus SETTINGS,
    as preload_env) and no launcher; ENV, when given, is added on top (PATH,
    say). Returns a Run of the job folder."""
    if output_dir is None:
        output_dir = fresh_output_dir(name)
    full_env = preload_env(mode, output_dir, **settings)
    full_env.update(env or {})
    proc = subprocess.run(list(command), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=full_env, timeout=timeout)
    return Run(
        ["LD_PRELOAD=" + library_path(), "TIDEMARK_MODE=" + mode,
         "TIDEMARK_OUTPUT=" + output_dir] + list(command),
        output_dir,
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def run_tool(argv_tail, timeout=120):
    """Runs the tool with arbitrary arguments; returns (exit, stdout, stderr)."""
    return _run_quietly([tool_path()] + list(argv_tail), timeout)


def _run_quietly(argv, timeout):
    """(exit, stdout, stderr) of ARGV, no stdin, the clean environment."""
    proc = subprocess.run(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_env(),
        timeout=timeout,
    )
    return (
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


# ---------------------------------------------------------------------------
# Stored profiles, the report tool, and jobs that are killed.

PROFILE_FILE = "profile.tidemark"
REPORT_FILES = ("peak.folded", "summary.json", "peak.svg", "peak.html")
OOM_FOLDER = "out-of-memory"
ENDED_BY_OOM_KILLER = "killed by the kernel's OOM killer"
ENDED_WITHOUT_REPORTS = "ended without writing its reports"
OOM_EXIT_CODE = 53


def ended_by_signal(number):
    return "killed by %s" % signal.Signals(number).name


def run_report(target, timeout=120):
    """Runs `report TARGET` (a folder or a profile.tidemark); returns
    (exit, stdout, stderr)."""
    return _run_quietly([report_tool_path(), target], timeout)


_CRASH_SIGNS = ("Traceback (most recent call last)", "Sanitizer", "Segmentation fault",
                "terminate called", "core dumped", "Assertion", "Aborted")


def crash_signs(returncode, stderr):
    """Why (returncode, stderr) looks like a crash of a C++ tool, or None."""
    if returncode is None:
        return "did not finish"
    if returncode < 0:
        return "died of %s" % signal.Signals(-returncode).name
    if returncode > 125:
        return "exit code %d (a shell's signal status)" % returncode
    for sign in _CRASH_SIGNS:
        if sign in stderr:
            return "stderr says %r" % sign
    return None


def tidemark_lines(text):
    return [line for line in text.splitlines() if line.startswith("tidemark:")]


TABLE_FIRST_LINE = "tidemark: peak tracked memory"


def table_count(text):
    """How many exit tables TEXT (a stderr) holds: each begins with a line
    starting "tidemark: peak tracked memory"."""
    return sum(1 for line in text.splitlines() if line.startswith(TABLE_FIRST_LINE))


def tidemark_lines_before_table(text):
    """The `tidemark:` lines printed before the exit report's table (whose
    first line says "peak tracked memory"); all of them if there is none."""
    lines = tidemark_lines(text)
    for number, line in enumerate(lines):
        if "peak tracked memory" in line:
            return lines[:number]
    return lines


def leftover_temporaries(folder):
    """Paths below FOLDER whose name says they are a temporary file."""
    found = []
    for parent, folders, files in os.walk(folder):
        for name in files + folders:
            if ".tmp" in name:
                found.append(os.path.join(parent, name))
    return sorted(found)


def listing(folder):
    """Every path below FOLDER with its size, for failure messages."""
    out = []
    for parent, _, files in os.walk(folder):
        for name in sorted(files):
            path = os.path.join(parent, name)
            try:
                size = os.lstat(path).st_size
            except OSError:
                size = "?"
            out.append("  %s (%s bytes)" % (os.path.relpath(path, folder), size))
    return "\n".join(out) or "  (nothing)"


def read_json(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def children_of(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


class Job:
    """A program started in the background, to be killed or signalled.

    how: "launcher" (//tools:profile --mode=MODE --output=OUTPUT FLAGS --
    COMMAND), "preload" (LD_PRELOAD and TIDEMARK_MODE/OUTPUT, plus SETTINGS:
    keyword NAME becomes TIDEMARK_NAME) or "plain" (no Tidemark). The
    program's first stdout line starting with MARKER ends with its pid
    (the Python process's, whoever started it): wait_marker() returns it.
    WRAPPER (e.g. prlimit and its options) is put in front of it all.
    """

    def __init__(self, command, how, mode="exact", flags=(), output=None, name="job",
                 preexec_fn=None, settings=None, wrapper=()):
        self.how = how
        self.mode = mode
        self.output = output or fresh_output_dir("%s-%s-%s" % (name, how, mode))
        env = clean_env()
        argv = list(command)
        if how == "launcher":
            argv = [tool_path(), "--mode=" + mode, "--output=" + self.output] + list(flags) + [
                "--"] + argv
        elif how == "preload":
            env = preload_env(mode, self.output, **(settings or {}))
        elif how != "plain":
            raise ValueError(how)
        # A command that execs the rest (prlimit, say) goes first: in front
        # of the launcher, which profiles only the command it starts.
        argv = list(wrapper) + argv
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, preexec_fn=preexec_fn,
                                     start_new_session=True)
        self.lines = queue.Queue()
        self.stdout_lines = []
        self.stderr_lines = []
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.stdout_lines, True),
                             daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.stderr_lines, False),
                             daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        self.pid = None
        self.returncode = None

    def _read(self, stream, kept, to_queue):
        for raw in stream:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            kept.append(line)
            if to_queue:
                self.lines.put(line)
        if to_queue:
            self.lines.put(None)

    @property
    def stdout(self):
        return "\n".join(self.stdout_lines)

    @property
    def stderr(self):
        return "\n".join(self.stderr_lines)

    def wait_marker(self, marker, timeout=60):
        """The pid at the end of the first stdout line starting with MARKER."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                self.kill_all()
                raise AssertionError("no %r line from the job within %ds\n%s"
                                     % (marker, timeout, self.describe()))
            if line.startswith(marker):
                self.pid = int(line.split()[-1])
                return self.pid

    def signal(self, number):
        os.kill(self.pid, number)

    def finish(self, timeout=120):
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill_all()
            raise AssertionError("the job did not end within %ds\n%s"
                                 % (timeout, self.describe()))
        for reader in self._readers:
            reader.join(timeout=30)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return self.returncode

    def __enter__(self):
        return self

    def __exit__(self, *unused):
        """`with job:` ends the job (kill_all) if it is still running when
        the block is left, by an assertion, say; a job the block finished is
        left as it is."""
        if self.proc.poll() is None:
            self.kill_all()
        return False

    def kill_all(self):
        """Ends a job that went wrong: its process group, and its Python
        process (the launcher's child has a group of its own)."""
        for kill, pid in ((os.killpg, self.proc.pid), (os.kill, self.pid)):
            try:
                if pid:
                    kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.proc.wait()
        for reader in self._readers:
            reader.join(timeout=30)
        self.proc.stdout.close()
        self.proc.stderr.close()

    @property
    def process_dir(self):
        """The folder of the job's main process (see main_process_folder)."""
        return main_process_folder(self.output)

    def report(self, subfolder=""):
        """The main process's reports, or those in SUBFOLDER of its folder
        (sigusr2-1, out-of-memory)."""
        main = self.process_dir
        return Run(self.argv, self.output, self.returncode, self.stdout, self.stderr,
                   process_dir=os.path.join(main, subfolder) if subfolder else main)

    def describe(self):
        return "command: %s\nexit: %s\nstdout:\n%s\nstderr:\n%s\nfiles in %s:\n%s" % (
            " ".join(self.argv), self.proc.poll(), _tail(self.stdout, 2000),
            _tail(self.stderr, 4000), self.output, listing(self.output))


_BASELINES = {}


def baseline_run(modules):
    """Profiles programs/baseline.py importing MODULES (cached per set)."""
    key = tuple(modules)
    if key not in _BASELINES:
        _BASELINES[key] = run_profiled(
            [PYTHON, program("baseline.py")] + list(key), name="baseline-" + "-".join(key)
        )
    return _BASELINES[key]


class ProfileTestCase(unittest.TestCase):
    """Assertions that print the whole report when they fail."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tool = tool_path()
        if not os.path.exists(tool):
            raise AssertionError(
                "the profiler tool is missing: %s (library %s)" % (tool, library_path())
            )

    def profile_python(self, script, *args, name=None, mode="exact", flags=()):
        return run_profiled(
            [PYTHON, script] + list(args),
            mode=mode,
            flags=flags,
            name=name or os.path.splitext(os.path.basename(script))[0],
        )

    def assert_completed(self, run, exit_code=0):
        """The program ran to EXIT_CODE and both report files are readable."""
        if run.returncode != exit_code:
            self.fail("expected exit code %d\n%s" % (exit_code, run.describe()))
        if run.summary is None or run.folded is None:
            self.fail("report files missing or unreadable\n%s" % run.describe())
        if not isinstance(run.peak_bytes, int) or isinstance(run.peak_bytes, bool):
            self.fail("summary.json peak_bytes is not an integer\n%s" % run.describe())

    def assert_job_index(self, run):
        """J/job.json is there (version 1) and every folder it names exists;
        returns its process entries."""
        if run.index is None:
            self.fail("no readable %s in %s\nfiles:\n%s\n%s" % (
                JOB_INDEX_FILE, run.output_dir, listing(run.output_dir), run.describe()))
        self.assertEqual(run.index.get("version"), 1, run.describe())
        for entry in run.processes:
            folder = entry.get("folder")
            if folder is not None and not os.path.isdir(os.path.join(run.output_dir, folder)):
                self.fail("job.json names folder %r, which is not there\n%s"
                          % (folder, run.describe()))
        return run.processes

    def process_report(self, run, pid, program="python3"):
        """The Run of process PID's own folder, <PID>-<PROGRAM>, whose report
        files must be readable."""
        name = "%d-%s" % (pid, program)
        if not os.path.isdir(os.path.join(run.output_dir, name)):
            self.fail("process %d has no folder %s in %s; files:\n%s\n%s" % (
                pid, name, run.output_dir, listing(run.output_dir), run.describe()))
        view = run.process(name)
        if view.summary is None or view.folded is None:
            self.fail("process %d: report files missing or unreadable\n%s"
                      % (pid, view.describe()))
        return view

    def baseline_peak(self, *modules):
        run = baseline_run(modules)
        if run.returncode != 0 or not isinstance(run.peak_bytes, int):
            self.fail("baseline run (imports %s) failed\n%s" % (list(modules), run.describe()))
        return run.peak_bytes

    def assert_close(self, actual, expected, rel, what, run, abs_slack=0):
        """|actual - expected| <= rel * expected + abs_slack."""
        allowed = rel * expected + abs_slack
        if actual is None or abs(actual - expected) > allowed:
            self.fail(
                "%s: got %s (%s), expected %s (%s) within %.1f%% (+%d bytes): off by %s\n%s"
                % (
                    what,
                    actual,
                    mib(actual),
                    expected,
                    mib(expected),
                    rel * 100,
                    abs_slack,
                    "?" if actual is None else mib(actual - expected),
                    run.describe(),
                )
            )

    def assert_below(self, actual, limit, what, run):
        if actual >= limit:
            self.fail(
                "%s: got %d (%s), expected below %d (%s)\n%s"
                % (what, actual, mib(actual), limit, mib(limit), run.describe())
            )

    def assert_line_bytes(self, run, function, script, marker, expected, rel=0.02):
        """Stacks through `FUNCTION (SCRIPT:LINE-of-MARKER)` hold EXPECTED bytes."""
        line = find_marker(script, marker)
        wanted = frame(function, script, line)
        self.assert_close(
            run.bytes_at(function, script, line),
            expected,
            rel,
            "bytes at peak in stacks through %s [%s]" % (wanted, marker),
            run,
        )

    def assert_line_absent(self, run, function, script, marker, limit=MiB):
        line = find_marker(script, marker)
        wanted = frame(function, script, line)
        self.assert_below(
            run.bytes_at(function, script, line),
            limit,
            "bytes at peak in stacks through %s [%s] (allocated after the peak or freed before it)"
            % (wanted, marker),
            run,
        )


def main():
    unittest.main(verbosity=2)


if __name__ == "__main__":
    sys.exit("profile_run.py is a helper module; run a test_*.py file instead")
