"""Runs part of a test suite and streams one JSON line per test case.

Runs inside the interpreter under test (unprofiled, or with libtidemark.so
preloaded), started by test_cpython_regression.py as

    python3 regression_runner.py SPEC.json

SPEC.json holds:
  kind       "cpython": a module of CPython's own test package (Debian's
             libpython3.11-testsuite), set up the way `python3 -m test -v`
             sets it up; "pytest": pytest arguments (numpy's tests).
  module     (cpython) the module under test/, e.g. "test_signal".
  match      (cpython) -m patterns of regrtest (class or method names, globs).
  ignore     (cpython) -i patterns of regrtest.
  pytest_args (pytest) the arguments: files and -k expressions.
  only       null, or the exact test ids to run (a re-run).
  skip       test ids not to run (already run before the process died).
  results    the JSON-lines file to append to.
  workdir    the current directory for the tests (their TESTFN files).
  timeout    seconds one test case may take; then faulthandler dumps every
             thread's stack and the process exits (regrtest's --timeout).

Each event is written and flushed at once, so when a test case kills the
process (a signal, an abort, a hang) everything before it is on disk and the
parent knows which case was running:

  {"event": "start", "id": ID}
  {"event": "result", "id": ID, "outcome": OUTCOME, "detail": TEXT, "seconds": S}
  {"event": "done"}

OUTCOME is one of passed, failed, error, skipped, xfail (expected failure),
xpass (unexpected success). Errors outside a test case (setUpClass,
setUpModule) are results of their own, with unittest's id for them.
"""

import faulthandler
import json
import os
import sys
import time
import traceback


class EventLog:
    def __init__(self, path):
        self._file = open(path, "a", encoding="utf-8")

    def write(self, **event):
        self._file.write(json.dumps(event) + "\n")
        self._file.flush()


# Worst first: a test case whose subtests both fail and pass has failed.
_PRECEDENCE = ("error", "failed", "xpass", "passed", "xfail", "skipped")


class CaseRecord:
    def __init__(self, test_id):
        self.test_id = test_id
        self.outcomes = set()
        self.details = []
        self.started = time.monotonic()

    def add(self, outcome, detail=""):
        self.outcomes.add(outcome)
        if detail:
            self.details.append(detail)

    def outcome(self):
        for outcome in _PRECEDENCE:
            if outcome in self.outcomes:
                return outcome
        return "error"  # started, stopped, and nothing said how it went

    def detail(self):
        text = "\n".join(self.details)
        return text if len(text) <= 6000 else text[:6000] + "\n..."


def _arm_watchdog(timeout):
    if timeout:
        faulthandler.dump_traceback_later(timeout, exit=True)


def _disarm_watchdog(timeout):
    if timeout:
        faulthandler.cancel_dump_traceback_later()


# ---------------------------------------------------------------------------
# CPython's test package, through unittest.


def run_cpython(spec, log):
    import unittest

    from test import support
    from test.libregrtest.cmdline import _parse_args
    from test.libregrtest.setup import setup_tests

    # The same process set-up as `python3 -m test -v --timeout T MODULE`:
    # faulthandler, the unraisable and thread exception hooks, the
    # support.*_TIMEOUT values derived from the timeout, no -u resources.
    timeout = spec.get("timeout")
    args = ["-v"] + (["--timeout", str(timeout)] if timeout else [])
    setup_tests(_parse_args(args))
    support.set_match_tests(spec.get("match") or None, spec.get("ignore") or None)

    only = set(spec["only"]) if spec.get("only") is not None else None
    skip = set(spec.get("skip") or ())

    def wanted(test):
        test_id = test.id()
        if only is not None:
            return test_id in only
        return test_id not in skip and support.match_test(test)

    module = __import__("test." + spec["module"], fromlist=["*"])
    loader = unittest.TestLoader()
    suite = loader.loadTestsFromModule(module)
    if loader.errors:
        for error in loader.errors:
            log.write(event="result", id="load " + spec["module"], outcome="error",
                      detail=error, seconds=0.0)
        return
    support._filter_suite(suite, wanted)

    class StreamingResult(unittest.TextTestResult):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._case = None

        def startTest(self, test):
            self._case = CaseRecord(test.id())
            log.write(event="start", id=test.id())
            _arm_watchdog(timeout)
            super().startTest(test)

        def stopTest(self, test):
            super().stopTest(test)
            _disarm_watchdog(timeout)
            case, self._case = self._case, None
            if case is not None:
                log.write(event="result", id=case.test_id, outcome=case.outcome(),
                          detail=case.detail(), seconds=round(time.monotonic() - case.started, 3))

        def _record(self, test, outcome, detail=""):
            if self._case is not None and test.id() == self._case.test_id:
                self._case.add(outcome, detail)
            else:
                # setUpClass, setUpModule, tearDownModule: not inside a case.
                log.write(event="result", id=test.id(), outcome=outcome, detail=detail,
                          seconds=0.0)

        def addSuccess(self, test):
            super().addSuccess(test)
            self._record(test, "passed")

        def addError(self, test, err):
            super().addError(test, err)
            self._record(test, "error", self._exc_info_to_string(err, test))

        def addFailure(self, test, err):
            super().addFailure(test, err)
            self._record(test, "failed", self._exc_info_to_string(err, test))

        def addSkip(self, test, reason):
            super().addSkip(test, reason)
            self._record(test, "skipped", reason)

        def addExpectedFailure(self, test, err):
            super().addExpectedFailure(test, err)
            self._record(test, "xfail")

        def addUnexpectedSuccess(self, test):
            super().addUnexpectedSuccess(test)
            self._record(test, "xpass")

        def addSubTest(self, test, subtest, err):
            super().addSubTest(test, subtest, err)
            if err is not None:
                failed = issubclass(err[0], test.failureException)
                self._record(test, "failed" if failed else "error",
                             "%s\n%s" % (subtest, self._exc_info_to_string(err, test)))

    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2,
                                     resultclass=StreamingResult)
    runner.run(suite)


# ---------------------------------------------------------------------------
# pytest (numpy's tests).


def run_pytest(spec, log):
    import pytest

    only = set(spec["only"]) if spec.get("only") is not None else None
    skip = set(spec.get("skip") or ())
    timeout = spec.get("timeout")

    class Collector:
        def __init__(self):
            self.cases = {}

        @pytest.hookimpl
        def pytest_collection_modifyitems(self, config, items):
            kept = [item for item in items
                    if (item.nodeid in only if only is not None else item.nodeid not in skip)]
            dropped = [item for item in items if item not in kept]
            if dropped:
                config.hook.pytest_deselected(items=dropped)
            items[:] = kept

        @pytest.hookimpl
        def pytest_runtest_logstart(self, nodeid, location):
            self.cases[nodeid] = CaseRecord(nodeid)
            log.write(event="start", id=nodeid)
            _arm_watchdog(timeout)

        @pytest.hookimpl
        def pytest_runtest_logreport(self, report):
            case = self.cases.get(report.nodeid)
            if case is None:
                return
            xfail = hasattr(report, "wasxfail")
            if report.when == "call":
                if xfail:
                    outcome = "xfail" if report.skipped else "xpass"
                else:
                    outcome = report.outcome
            elif report.failed:
                outcome = "error"  # in a fixture's set-up or tear-down
            elif report.skipped:
                outcome = "xfail" if xfail else "skipped"
            else:
                return
            detail = report.longreprtext if report.failed or report.skipped else ""
            case.add(outcome, detail)

        @pytest.hookimpl
        def pytest_runtest_logfinish(self, nodeid, location):
            _disarm_watchdog(timeout)
            case = self.cases.pop(nodeid, None)
            if case is not None:
                log.write(event="result", id=nodeid, outcome=case.outcome(),
                          detail=case.detail(),
                          seconds=round(time.monotonic() - case.started, 3))

    faulthandler.enable(all_threads=True)
    # No cache folder next to the installed package; tracebacks short
    # enough to read in a failure message.
    args = ["-p", "no:cacheprovider", "-q", "--tb=short", "-rN"] + list(spec["pytest_args"])
    status = pytest.main(args, plugins=[Collector()])
    if status not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        log.write(event="result", id="pytest " + " ".join(spec["pytest_args"]),
                  outcome="error", detail="pytest exited with %s" % status, seconds=0.0)


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        spec = json.load(handle)
    os.chdir(spec["workdir"])
    log = EventLog(spec["results"])
    try:
        if spec["kind"] == "cpython":
            run_cpython(spec, log)
        elif spec["kind"] == "pytest":
            run_pytest(spec, log)
        else:
            raise ValueError("unknown kind %r" % spec["kind"])
    except BaseException:
        log.write(event="result", id="runner", outcome="error",
                  detail=traceback.format_exc(), seconds=0.0)
        raise
    log.write(event="done")
    sys.stdout.flush()
    sys.stderr.flush()


if __name__ == "__main__":
    main()
