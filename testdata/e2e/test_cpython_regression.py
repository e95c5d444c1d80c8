"""CPython's own regression tests as the judge of transparency.

A profiler preloaded into a process must not change what the program
observes. Each suite below (a module of Debian's CPython 3.11 test package,
libpython3.11-testsuite, or a part of numpy's tests) runs with Debian's
/usr/bin/python3 in every configuration:

  baseline   unprofiled
  exact      LD_PRELOAD=libtidemark.so TIDEMARK_MODE=exact
  sample     LD_PRELOAD=libtidemark.so TIDEMARK_MODE=sample
  launcher   //tools:profile --mode=sample (only the suites marked for it)

and the outcome of every test case (passed, failed, error, skipped, xfail,
xpass, or crashed: the process died while it ran) is compared with the
baseline's. regression_runner.py runs inside the interpreter under test and
streams one JSON line per case, so a case that kills its process is named,
and the rest of the suite still runs in a new process.

A case whose outcome differs is run once more, alone, unprofiled and in the
differing configuration; it is a difference only when the two still differ
(so a timing-sensitive case that fails now and then in the baseline cannot
make this target flaky). KNOWN_DIFFERENCES lists the few explained ones.

Set CPYTHON_REGRESSION_SUITES=test_signal,test_os (names below) to run only
some suites while investigating.
"""

import collections
import concurrent.futures
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import profile_run as pr

RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "regression_runner.py")

# One test case may take this long: then faulthandler prints every thread's
# stack and ends the process, and the case is "crashed". The slowest case
# selected takes about 5 s unprofiled on a loaded machine. (The runner
# passes it as regrtest's --timeout, which also caps support.LONG_TIMEOUT.)
CASE_TIMEOUT = 30
# A whole run, in case the watchdog itself is stuck.
RUN_TIMEOUT = 300
# Runs (suite x configuration) at the same time: most of these cases wait
# (sleeps, child processes, timeouts) rather than compute.
PARALLEL_RUNS = 5
# A process that dies in a case is restarted after it this many times; then
# the cases left are "not run" (each hang costs CASE_TIMEOUT).
MAX_RESTARTS = 3

# Reporters for the preloaded configurations: all but top_table, whose
# table the job's first process (the runner) prints on its stderr at exit,
# into the run's output log. (No other process prints one, so nothing lands
# in the output of a child Python that a test captures and compares.)
# Each run of the runner is a job of its own, reports-N/<runner's pid>/
# ({pid} is the job's first process), with a folder per profiled process
# in it, <pid>-<program>/. Sample mode flushes every 5 s so that its
# background report thread runs during the tests.
PRELOAD_REPORTERS = "folded,summary_json,flamegraph"
SAMPLE_FLUSH_INTERVAL = "5"


class Suite:
    def __init__(self, name, kind, module=None, match=(), pytest_args=(), launcher=False,
                 min_cases=10):
        self.name = name
        self.kind = kind
        self.module = module
        self.match = list(match)
        self.pytest_args = list(pytest_args)
        self.launcher = launcher
        self.min_cases = min_cases


def cpython(module, match=(), **kwargs):
    return Suite(module, "cpython", module=module, match=match, **kwargs)


def numpy_tests(name, path, keywords):
    """Numpy's pytest tests in PATH (relative to the numpy package) matching
    the -k expression KEYWORDS."""
    spec = importlib.util.find_spec("numpy")
    folder = spec.submodule_search_locations[0] if spec else "<numpy is missing>"
    return Suite(name, "pytest", pytest_args=[os.path.join(folder, path), "-k", keywords])


# Cases left out of the selection only because they are slow (regrtest -i
# patterns: a full test id, or a method name in every class of the suite);
# a reason for each. Outcome differences never go here: see
# KNOWN_DIFFERENCES.
SLOW = {
    "test_signal": {
        "test.test_signal.SiginterruptTest.test_siginterrupt_off":
            "30 s: waits out a 30 s timeout by design",
        "test.test_signal.ItimerTest.test_itimer_virtual":
            "8 s of busy CPU on a loaded machine",
    },
    "test_concurrent_futures": {
        "test_map_timeout": "6 s in each executor class: waits out a timeout",
        "test_timeout": "6 s in each wait class: waits out a timeout",
        "test.test_concurrent_futures.ThreadPoolExecutorTest.test_hang_global_shutdown_lock":
            "4 s: a child process that sleeps",
    },
    "test_multiprocessing_fork": {
        "test_many_processes": "5 s: 100 processes",
    },
    "test_multiprocessing_forkserver": {
        "test_many_processes": "11 s: 100 processes",
    },
    "test_multiprocessing_spawn": {
        "test_many_processes": "4 s: 100 interpreters",
        "test_args_argument": "7 s: 16 interpreters",
        "test_recursion": "4 s: a tree of interpreters",
        "test_child_fd_inflation": "4 s: a pool of interpreters",
        "test_error_on_stdio_flush_1": "3 s: interpreters one after another",
        "test_error_on_stdio_flush_2": "3 s: interpreters one after another",
    },
}

# The multiprocessing suites share one selection: the process, pool, queue,
# lock, event, value, connection and manager basics.
_MULTIPROCESSING_MATCH = [
    "WithProcessesTestProcess",
    "WithProcessesTestQueue",
    "WithProcessesTestPool",
    "WithProcessesTestLock",
    "WithProcessesTestEvent",
    "WithProcessesTestValue",
    "WithProcessesTestConnection",
    "WithManagerTestContainers",
    "WithManagerTestQueue",
]

# The longest first, so that the parallel runs finish together.
SUITES = [
    # Futures, the thread pool, and the process pool with the fork and
    # forkserver start methods (spawn: see test_multiprocessing_spawn).
    cpython("test_concurrent_futures",
            match=["FutureTests", "ThreadPool*", "ProcessPoolFork*"]),
    cpython("test_subprocess", launcher=True),
    cpython("test_multiprocessing_spawn", match=_MULTIPROCESSING_MATCH),
    cpython("test_multiprocessing_forkserver", match=_MULTIPROCESSING_MATCH),
    cpython("test_multiprocessing_fork", match=_MULTIPROCESSING_MATCH),
    cpython("test_signal", launcher=True),
    cpython("test_faulthandler", launcher=True),
    cpython("test_threading"),
    # Array creation, attributes, methods, resizing, buffers, file I/O and
    # pickling: numpy's own allocations (PyDataMem, malloc, calloc, realloc).
    numpy_tests("numpy_multiarray", "core/tests/test_multiarray.py",
                "TestCreation or TestAttributes or TestMethods or TestResize or "
                "TestFromBuffer or TestIO or TestPickling or TestNewBufferProtocol"),
    cpython("test_os", launcher=True),
    cpython("test_gc"),
    cpython("test_json"),
    cpython("test_mmap"),
]

# Differences that are explained and not a defect of the profiler: exact
# test id -> (the profiled configurations, a one-line reason). Empty so far:
# every difference seen was the profiler's doing.
KNOWN_DIFFERENCES = {
}

# ---------------------------------------------------------------------------
# Running one suite in one configuration.

NOT_RUN = "not run"


class Case:
    def __init__(self, test_id, outcome, detail="", seconds=0.0):
        self.test_id = test_id
        self.outcome = outcome
        self.detail = detail
        self.seconds = seconds


class SuiteRun:
    """The outcome of every case of one suite in one configuration."""

    def __init__(self, suite, config):
        self.suite = suite
        self.config = config
        self.cases = collections.OrderedDict()  # id -> Case
        self.processes = []  # (pid, exit status, log path, report folder, finished)
        self.seconds = 0.0
        self.problems = []  # about the run itself, not about a case
        self.gave_up = False  # the process kept dying: the cases left never ran

    def outcome(self, test_id):
        case = self.cases.get(test_id)
        return case.outcome if case is not None else NOT_RUN

    def case(self, test_id):
        return self.cases.get(test_id) or Case(test_id, NOT_RUN)


def _describe_status(status):
    if status is None:
        return "killed after %d s" % RUN_TIMEOUT
    if status < 0:
        try:
            return "killed by %s" % signal.Signals(-status).name
        except ValueError:
            return "killed by signal %d" % -status
    return "exit status %d" % status


def _names_in(folder, most=40):
    """The first names in FOLDER (a job's: it may hold many process folders)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError as error:
        return "  (%s)" % error
    shown = ["  " + name for name in names[:most]]
    if len(names) > most:
        shown.append("  ... (%d more)" % (len(names) - most))
    return "\n".join(shown) or "  (nothing)"


def _tail_file(path, lines=15):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read().splitlines()
    except OSError:
        return ""
    return "\n".join(text[-lines:])


def _output_of_case(path, test_id, lines=60):
    """What the process printed from the start of TEST_ID (unittest's
    verbose line names it) to its end: faulthandler's stacks, say."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return ""
    start = text.rfind("(%s)" % test_id)
    if start < 0:
        return _tail_file(path, lines)
    return "\n".join(text[start:].splitlines()[:lines])


_lock = threading.Lock()
_counter = [0]
_live_groups = set()  # process groups of the runs going on


def _fresh(name):
    with _lock:
        _counter[0] += 1
        number = _counter[0]
    path = os.path.join(pr.scratch_dir(), "%s-%d" % (name, number))
    os.makedirs(path)
    return path


def _kill_live_groups(*_):
    with _lock:
        groups = list(_live_groups)
    for group in groups:
        try:
            os.killpg(group, signal.SIGKILL)
        except OSError:
            pass


def _on_sigterm(signum, frame):
    # Bazel's timeout: the runs are process groups of their own, so end them.
    _kill_live_groups()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _command_and_env(config, spec_path, reports):
    """argv and environment of one run of the runner in CONFIG."""
    python = [pr.PYTHON, "-B", RUNNER, spec_path]
    if config == "baseline":
        return python, pr.clean_env()
    if config in ("exact", "sample"):
        settings = {"reporters": PRELOAD_REPORTERS}
        if config == "sample":
            settings["flush_interval"] = SAMPLE_FLUSH_INTERVAL
        return python, pr.preload_env(config, os.path.join(reports, "{pid}"), **settings)
    if config == "launcher":
        tool = [pr.tool_path(), "--mode=sample", "--output=%s" % reports, "--"]
        return tool + python, pr.clean_env()
    raise ValueError(config)


def run_suite(suite, config, only=None):
    """Runs SUITE in CONFIG (ONLY: just these ids) until every selected case
    has an outcome. A process that dies inside a case leaves that case
    "crashed", with its exit status and the end of its output; the rest run
    in a new process, at most MAX_RESTARTS times."""
    result = SuiteRun(suite, config)
    started = time.monotonic()
    root = _fresh("%s-%s%s" % (suite.name, config, "-again" if only is not None else ""))
    # The tests' current and temporary folders: short paths, since some
    # tests bind Unix sockets there (108 bytes at most), and Bazel's
    # TEST_TMPDIR is long.
    scratch = tempfile.mkdtemp(prefix="tidemark-cpy-", dir="/tmp")
    workdir = os.path.join(scratch, "cwd")
    tmpdir = os.path.join(scratch, "tmp")
    os.makedirs(workdir)
    os.makedirs(tmpdir)
    results_path = os.path.join(root, "results.jsonl")
    seen = set()
    for attempt in range(MAX_RESTARTS + 1):
        spec = {
            "kind": suite.kind,
            "module": suite.module,
            "match": suite.match,
            "ignore": sorted(SLOW.get(suite.name, {})),
            "pytest_args": suite.pytest_args,
            "only": None if only is None else sorted(set(only) - seen),
            "skip": sorted(seen),
            "results": results_path,
            "workdir": workdir,
            "timeout": CASE_TIMEOUT,
        }
        spec_path = os.path.join(root, "spec-%d.json" % attempt)
        with open(spec_path, "w", encoding="utf-8") as handle:
            json.dump(spec, handle)
        reports = os.path.join(root, "reports-%d" % attempt)
        os.makedirs(reports)
        argv, env = _command_and_env(config, spec_path, reports)
        env["TMPDIR"] = tmpdir
        log_path = os.path.join(root, "output-%d.log" % attempt)
        offset = os.path.getsize(results_path) if os.path.exists(results_path) else 0
        with open(log_path, "wb") as log:
            with _lock:
                proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                        stderr=subprocess.STDOUT, env=env, cwd=workdir,
                                        start_new_session=True)
                _live_groups.add(proc.pid)
            try:
                status = proc.wait(timeout=RUN_TIMEOUT)
            except subprocess.TimeoutExpired:
                status = None
            # Whatever the tests left behind (daemons, pool workers) goes too.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            proc.wait()
            with _lock:
                _live_groups.discard(proc.pid)
        running, finished, runner_error = _read_events(results_path, offset, result, seen)
        result.processes.append((proc.pid, status, log_path, reports, finished))
        if finished:
            break
        if running is None:
            result.problems.append(
                "%s ended outside any test case (%s):\n%s\n%s"
                % (" ".join(argv), _describe_status(status), runner_error or "",
                   _tail_file(log_path)))
            break
        detail = "the process ended in this case (%s)%s; its output in this case:\n%s" % (
            _describe_status(status),
            ", the runner caught:\n" + runner_error if runner_error else "",
            _output_of_case(log_path, running))
        result.cases[running] = Case(running, "crashed", detail)
    else:
        result.gave_up = True
        result.problems.append("the process died in %d cases (see them); the cases after "
                               "the last one were not run" % (MAX_RESTARTS + 1))
    shutil.rmtree(scratch, ignore_errors=True)
    result.seconds = time.monotonic() - started
    return result


def _read_events(path, offset, result, seen):
    """Adds the results written from OFFSET on. Returns the id of the case
    that was running when the process ended (or None), whether the runner
    finished, and the runner's own error, if any."""
    running = None
    finished = False
    runner_error = None
    if not os.path.exists(path):
        return None, False, None
    with open(path, encoding="utf-8") as handle:
        handle.seek(offset)
        for line in handle:
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a line cut short by the process's death
            kind = event.get("event")
            if kind == "start":
                running = event["id"]
                seen.add(running)
            elif kind == "result":
                if event["id"] == "runner":
                    runner_error = event.get("detail")
                    continue
                if event["id"] == running:
                    running = None
                seen.add(event["id"])
                if event["id"] not in result.cases:
                    result.cases[event["id"]] = Case(event["id"], event["outcome"],
                                                     event.get("detail", ""),
                                                     event.get("seconds", 0.0))
            elif kind == "done":
                finished = True
    return running, finished, runner_error


# ---------------------------------------------------------------------------
# The whole comparison, computed once for all the test methods.


def configs_for(suite):
    return ["baseline", "exact", "sample"] + (["launcher"] if suite.launcher else [])


def selected_suites():
    wanted = os.environ.get("CPYTHON_REGRESSION_SUITES")
    if not wanted:
        return SUITES
    names = set(wanted.split(","))
    unknown = names - {suite.name for suite in SUITES}
    if unknown:
        raise AssertionError("CPYTHON_REGRESSION_SUITES names unknown suites: %s" % unknown)
    return [suite for suite in SUITES if suite.name in names]


def differing(base, other):
    """Ids whose outcome differs between two runs. A case that one run never
    reached because its process kept dying is left to that run's problems;
    one that a run left out for another reason (its class's setUpClass
    failed, say) is "not run" there, a difference."""
    ids = list(base.cases) + [i for i in other.cases if i not in base.cases]
    return [i for i in ids
            if base.outcome(i) != other.outcome(i)
            and not (base.gave_up and i not in base.cases)
            and not (other.gave_up and i not in other.cases)]


def selectable(test_id):
    """A test case's id, not unittest's for a failed setUpClass or
    setUpModule ("setUpClass (module.Class)"), which cannot be run alone."""
    return " (" not in test_id


class Comparison:
    def __init__(self):
        self.runs = {}  # (suite name, config) -> SuiteRun
        self.again = {}  # (suite name, config) -> SuiteRun of the differing ids, alone
        self.seconds = 0.0


_COMPARISON = None


def comparison():
    global _COMPARISON
    if _COMPARISON is None:
        _COMPARISON = _compare()
    return _COMPARISON


def _log(text):
    print("cpython-regression: %s" % text, file=sys.stderr, flush=True)


def _compare():
    started = time.monotonic()
    result = Comparison()
    suites = selected_suites()
    pr.scratch_dir()  # made once, before the threads that use it
    # A suite's configurations side by side (under the same load), the
    # longest suites first.
    jobs = [(suite, config, None) for suite in suites for config in configs_for(suite)]
    with concurrent.futures.ThreadPoolExecutor(PARALLEL_RUNS) as pool:
        futures = {pool.submit(run_suite, *job): job for job in jobs}
        for future in concurrent.futures.as_completed(futures):
            suite, config, _ = futures[future]
            run = future.result()
            result.runs[(suite.name, config)] = run
            _log("%s %s: %d cases in %.0f s" % (suite.name, config, len(run.cases), run.seconds))
        # Each differing case once more, alone: in the baseline and in the
        # configuration where it differed.
        jobs = []
        for suite in suites:
            base = result.runs[(suite.name, "baseline")]
            ids = set()
            for config in configs_for(suite)[1:]:
                found = [i for i in differing(base, result.runs[(suite.name, config)])
                         if selectable(i)]
                if found:
                    ids.update(found)
                    jobs.append((suite, config, found))
            if ids:
                jobs.append((suite, "baseline", sorted(ids)))
        futures = {pool.submit(run_suite, *job): job for job in jobs}
        for future in concurrent.futures.as_completed(futures):
            suite, config, only = futures[future]
            result.again[(suite.name, config)] = future.result()
            _log("%s %s: %d differing cases again in %.0f s"
                 % (suite.name, config, len(only), future.result().seconds))
    result.seconds = time.monotonic() - started
    _log("every run took %.0f s in all" % result.seconds)
    return result


def _first_lines(text, head=10, tail=4):
    """The start of a traceback and its last lines (the exception)."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    if len(lines) > head + tail + 1:
        lines = lines[:head] + ["... (%d lines)" % (len(lines) - head - tail)] + lines[-tail:]
    return "\n".join("      " + line for line in lines)


def _shown(test_id, outcome):
    if outcome == NOT_RUN and not selectable(test_id):
        return "no error"  # setUpClass, setUpModule: only failures have a result
    return outcome


class CPythonRegressionTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        if importlib.util.find_spec("test.test_signal") is None:
            raise AssertionError("CPython's test package is missing: apt-get install "
                                 "libpython3.11-testsuite (setup.sh installs it)")
        for module in ("numpy", "pytest", "hypothesis"):
            if importlib.util.find_spec(module) is None:
                raise AssertionError("%s is missing: run setup.sh" % module)
        for path in (pr.library_path(), pr.tool_path()):
            if not os.path.exists(path):
                raise AssertionError("missing: %s" % path)
        signal.signal(signal.SIGTERM, _on_sigterm)
        # A program started from a terminal begins with these signals at
        # SIG_DFL, and both CPython and the profiler act on that; one started
        # in the background of a shell (or by some CI runners) inherits
        # SIGINT ignored, and then neither installs its handler. Every run
        # starts from the terminal's state. (SIGPIPE and SIGXFSZ: subprocess
        # restores them itself.)
        for signum in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGUSR1,
                       signal.SIGUSR2, signal.SIGALRM):
            if signal.getsignal(signum) == signal.SIG_IGN:
                signal.signal(signum, signal.SIG_DFL)

    def check_suite(self, suite):
        data = comparison()
        configs = configs_for(suite)
        runs = {config: data.runs[(suite.name, config)] for config in configs}
        base = runs["baseline"]
        problems = []
        if base.problems:
            problems.append("the unprofiled run: %s" % "\n".join(base.problems))
        ran = [c for c in base.cases.values() if c.outcome in ("passed", "failed")]
        if len(ran) < suite.min_cases:
            problems.append("the unprofiled run ran only %d cases (passed or failed): %s"
                            % (len(ran), ", ".join(base.cases)))
        for config in configs[1:]:
            run = runs[config]
            problems.extend("%s: %s" % (config, p) for p in run.problems)
            problems.extend(self.not_profiled(run))
            problems.extend(self.differences(suite, config, data))
        _log("%s: %d cases; %s" % (suite.name, len(base.cases), ", ".join(
            "%s %.0f s" % (config, runs[config].seconds) for config in configs)))
        if problems:
            self.fail("%s: %d problem(s)\n%s" % (suite.name, len(problems),
                                                 "\n".join(problems)))

    def not_profiled(self, run):
        """Every runner process that finished wrote its report into its own
        folder of its job, which the job's index names: profiling was on."""
        problems = []
        for pid, status, log_path, reports, finished in run.processes:
            if not finished:
                continue
            launcher = run.config == "launcher"
            # The launcher's job folder is --output; a preloaded job's is
            # TIDEMARK_OUTPUT with {pid} the runner's, the job's first process.
            job_dir = reports if launcher else os.path.join(reports, str(pid))
            folder = pr.main_process_folder(job_dir)
            context = "%s: job %s (pid %d, %s)" % (run.config, job_dir, pid,
                                                  _describe_status(status))
            if launcher:
                # The runner is the launcher's child: a pid we do not know.
                expected = folder if pr.folder_pid(folder) is not None else None
            else:
                expected = os.path.join(job_dir, "%d-python3" % pid)
            if expected is None or folder != expected:
                problems.append("%s: the runner has no process folder of its own (found %s)"
                                ": not profiled?\n%s\n%s" % (context, folder,
                                                             _names_in(job_dir),
                                                             _tail_file(log_path)))
                continue
            summary = pr.read_json(os.path.join(folder, "summary.json"))
            if not isinstance(summary, dict):
                problems.append("%s: no summary.json in %s: not profiled?\n%s"
                                % (context, folder, _tail_file(log_path)))
                continue
            if status is not None and status >= 0 and summary.get("exit_code") != status:
                problems.append("%s: summary.json in %s says exit code %s, the runner's was %d"
                                % (context, folder, summary.get("exit_code"), status))
            named = [p for p in pr.index_processes(pr.read_job_index(job_dir))
                     if p.get("folder") == os.path.basename(folder)]
            if len(named) != 1 or (not launcher and named[0].get("pid") != pid):
                problems.append("%s: %s does not name the runner's folder %s once (%s)\n%s"
                                % (context, pr.JOB_INDEX_FILE, os.path.basename(folder),
                                   named, _names_in(job_dir)))
        return problems

    def differences(self, suite, config, data):
        base = data.runs[(suite.name, "baseline")]
        run = data.runs[(suite.name, config)]
        problems = []
        not_run = []
        for test_id in differing(base, run):
            known = KNOWN_DIFFERENCES.get(test_id)
            if known is not None and config in known[0]:
                _log("%s under %s: a known difference (%s)" % (test_id, config, known[1]))
                continue
            case = run.case(test_id)
            outcomes = "unprofiled: %s; %s: %s" % (_shown(test_id, base.outcome(test_id)),
                                                   config, _shown(test_id, case.outcome))
            detail = case.detail
            if selectable(test_id):
                base_again = data.again[(suite.name, "baseline")].outcome(test_id)
                again = data.again[(suite.name, config)].case(test_id)
                if base_again == again.outcome:
                    _log("%s: %s; %s in both when run again alone"
                         % (test_id, outcomes, again.outcome))
                    continue
                if case.outcome == NOT_RUN and again.outcome == NOT_RUN:
                    not_run.append(test_id)
                    continue
                outcomes = "unprofiled: %s (alone: %s); %s: %s (alone: %s)" % (
                    base.outcome(test_id), base_again, config, case.outcome, again.outcome)
                if again.outcome == case.outcome:
                    detail = again.detail
            problems.append("%s differs under %s:\n    %s\n%s"
                            % (test_id, config, outcomes, _first_lines(detail)))
        if not_run:
            problems.append("%d cases run unprofiled were not run under %s (alone neither; a "
                            "setUpClass above failed?): %s"
                            % (len(not_run), config, ", ".join(not_run)))
        return problems


def _add_test_methods():
    for suite in selected_suites():
        def method(self, suite=suite):
            self.check_suite(suite)
        method.__name__ = "test_" + suite.name.replace("test_", "", 1)
        method.__doc__ = None
        setattr(CPythonRegressionTest, method.__name__, method)


_add_test_methods()


if __name__ == "__main__":
    unittest.main(verbosity=2)
