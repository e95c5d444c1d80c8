"""Out of address space under `prlimit --as`: an out-of-memory report, and
the job otherwise exactly as without Tidemark.

oom_leak.py keeps 16 MiB numpy arrays as fast as it can under an RLIMIT_AS
of LIMIT (what the job's address space is once numpy is loaded, under
Tidemark, plus ROOM), set by prlimit, which execs the job (or the launcher,
whose child inherits the limit). Until an allocation fails, numpy raises MemoryError and the job dies of it (exit 1).

  - In both modes: an `out-of-memory/` report (reason "out-of-memory", the
    limit, at least half the room on the leaking line), one `tidemark:` line
    before the traceback, and the job's exit code and traceback exactly as
    without Tidemark; its exit report says it ended with exit code 1.
  - --oom-exit (and TIDEMARK_OOM_EXIT=1 without the launcher): exit code 53
    after the out-of-memory report.
  - --no-oom-detection (and TIDEMARK_OOM_DETECTION=0): no out-of-memory
    report, no line, the same traceback.
  - A job that catches the MemoryError and carries on gets its out-of-memory
    report and its ordinary exit report (exit code 0).

FailedAllocationTest needs no limit: one request no allocator can serve
(2**62 bytes), far below every limit's headroom, is itself an out-of-memory
event (README: "or an allocation fails"). The prlimit cases cannot show
this: there the headroom check fires before any allocation fails.
"""
import os
import re
import subprocess

import profile_run as pr

LEAK = pr.program("oom_leak.py")
FAST_LINE = pr.find_marker(LEAK, "LEAK-FAST")
MiB = pr.MiB
ROOM = 512 * MiB
SHARE = 0.50  # of ROOM, on the leaking line
MODES = ("exact", "sample")


def traceback_of(stderr):
    """The Python traceback in STDERR: from its first line to the exception
    line (the first unindented one after it); None if there is none."""
    lines = stderr.splitlines()
    for start, line in enumerate(lines):
        if line == "Traceback (most recent call last):":
            for end in range(start + 1, len(lines)):
                if lines[end] and not lines[end].startswith(" "):
                    return "\n".join(lines[start:end + 1])
            return "\n".join(lines[start:])
    return None


def lines_before_traceback(stderr):
    before = stderr.split("Traceback (most recent call last):", 1)[0]
    return pr.tidemark_lines(before)


class OomRlimitTest(pr.ProfileTestCase):
    limit = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The largest address space the job starts with, in any of the ways
        # it is run here; the limit leaves ROOM above it.
        sizes = {}
        for name, argv, env in cls.probes():
            proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                                  env=env, timeout=120)
            found = re.search(rb"^vmsize (\d+)$", proc.stdout, re.M)
            if proc.returncode != 0 or not found:
                raise AssertionError("probe %s failed (%d): %r %r" % (
                    name, proc.returncode, proc.stdout, proc.stderr[-2000:]))
            sizes[name] = int(found.group(1))
        cls.start_sizes = sizes
        cls.limit = (max(sizes.values()) + ROOM) // MiB * MiB

    @classmethod
    def probes(cls):
        command = [pr.PYTHON, LEAK, "probe"]
        yield "plain", command, pr.clean_env()
        for mode in MODES:
            yield ("launcher-" + mode, [pr.tool_path(), "--mode=" + mode, "--output="
                                        + pr.fresh_output_dir("probe")] + ["--"] + command,
                   pr.clean_env())
            yield "preload-" + mode, command, pr.preload_env(mode, pr.fresh_output_dir("probe"))

    def leak(self, how, mode="exact", what="fast", flags=(), settings=None):
        # prlimit execs what follows: the launcher (which profiles only the
        # command it starts, so it must not start prlimit) or the job.
        job = pr.Job([pr.PYTHON, LEAK, what], how, mode, flags=flags, settings=settings,
                     name="rlimit-" + what, wrapper=["prlimit", "--as=%d" % self.limit])
        job.wait_marker("leaking")
        job.finish(timeout=120)
        return job

    def describe_limit(self):
        return "RLIMIT_AS %d (%s); address space at start: %s" % (
            self.limit, pr.mib(self.limit),
            ", ".join("%s %s" % (k, pr.mib(v)) for k, v in sorted(self.start_sizes.items())))

    _plain = None

    def plain(self):
        """(exit code, traceback) of the job without Tidemark."""
        if OomRlimitTest._plain is None:
            job = self.leak("plain")
            found = traceback_of(job.stderr)
            self.assertEqual(job.returncode, 1, job.describe())
            self.assertIsNotNone(found, job.describe())
            self.assertIn("MemoryError", found.splitlines()[-1], job.describe())
            self.assertIn("line %d" % FAST_LINE, found, job.describe())
            OomRlimitTest._plain = (job.returncode, found)
        return OomRlimitTest._plain

    def assert_oom_report(self, job, what):
        folder = os.path.join(job.process_dir, pr.OOM_FOLDER)
        pr.wait_for(lambda: pr.read_json(os.path.join(folder, "summary.json")), timeout=20)
        run = job.report(pr.OOM_FOLDER)
        context = "%s\n%s\n%s" % (what, self.describe_limit(), run.describe())
        self.assertIsNotNone(run.summary, "no out-of-memory report: %s\n%s"
                             % (context, job.describe()))
        self.assertIsNotNone(run.folded, context)
        self.assertEqual(run.summary.get("reason"), "out-of-memory", context)
        facts = run.summary.get("out_of_memory")
        self.assertIsInstance(facts, dict, context)
        self.assertEqual(facts.get("limit_bytes"), self.limit, context)
        self.assertIsInstance(facts.get("available_bytes"), int, context)
        self.assertTrue(0 <= facts["available_bytes"] < ROOM, context)
        self.assertEqual(sum(run.folded.values()), run.peak_bytes, context)
        leaked = run.bytes_at_location(LEAK, FAST_LINE)
        self.assertGreaterEqual(leaked, SHARE * ROOM, "the leaking line: " + context)
        self.assertLessEqual(leaked, self.limit, context)
        return run

    def test_memory_error_unchanged(self):
        code, expected = self.plain()
        for mode in MODES:
            for how in ("launcher", "preload"):
                with self.subTest(mode=mode, how=how):
                    what = "%s, %s mode" % (how, mode)
                    job = self.leak(how, mode)
                    self.assertEqual(job.returncode, code, "%s\n%s" % (what, job.describe()))
                    self.assertEqual(traceback_of(job.stderr), expected,
                                     "%s: the traceback differs\n%s" % (what, job.describe()))
                    said = lines_before_traceback(job.stderr)
                    self.assertEqual(len(said), 1, "%s: one tidemark: line when memory ran "
                                     "out\n%s" % (what, job.describe()))
                    self.assert_oom_report(job, what)
                    final = job.report()
                    self.assertIsNotNone(final.summary, final.describe())
                    self.assertEqual(final.summary.get("reason"), "exit", final.describe())
                    self.assertEqual(final.summary.get("ended"), "exit code 1", final.describe())
                    self.assertEqual(final.summary.get("exit_code"), 1, final.describe())
                    self.assertGreaterEqual(final.bytes_at_location(LEAK, FAST_LINE),
                                            SHARE * ROOM, final.describe())

    def test_oom_exit(self):
        for how, flags, settings in (("launcher", ["--oom-exit"], None),
                                     ("preload", (), {"oom_exit": "1"})):
            with self.subTest(how=how):
                job = self.leak(how, "exact", flags=flags, settings=settings)
                self.assertEqual(job.returncode, pr.OOM_EXIT_CODE, job.describe())
                self.assert_oom_report(job, "%s with --oom-exit" % how)
                self.assertIsNone(traceback_of(job.stderr),
                                  "the job ends before Python sees a MemoryError\n"
                                  + job.describe())

    def test_detection_off(self):
        code, expected = self.plain()
        for how, flags, settings in (("launcher", ["--no-oom-detection"], None),
                                     ("preload", (), {"oom_detection": "0"})):
            with self.subTest(how=how):
                job = self.leak(how, "exact", flags=flags, settings=settings)
                self.assertEqual(job.returncode, code, job.describe())
                self.assertEqual(traceback_of(job.stderr), expected, job.describe())
                self.assertEqual(lines_before_traceback(job.stderr), [], job.describe())
                self.assertFalse(os.path.exists(os.path.join(job.process_dir, pr.OOM_FOLDER)),
                                 job.describe())
                final = job.report()
                self.assertEqual(final.summary.get("ended"), "exit code 1", final.describe())

    def test_caught_memory_error(self):
        for mode in MODES:
            with self.subTest(mode=mode):
                what = "a job that catches MemoryError, %s mode" % mode
                job = self.leak("launcher", mode, what="catch")
                self.assertEqual(job.returncode, 0, job.describe())
                self.assertTrue(any(l.startswith("recovered ") for l in job.stdout_lines),
                                job.describe())
                self.assert_oom_report(job, what)
                final = job.report()
                self.assertIsNotNone(final.summary, final.describe())
                self.assertEqual(final.summary.get("reason"), "exit", final.describe())
                self.assertEqual(final.summary.get("ended"), "exit code 0", final.describe())
                self.assertGreaterEqual(final.bytes_at_location(LEAK, FAST_LINE),
                                        SHARE * ROOM, final.describe())
                self.assertEqual(len(pr.tidemark_lines_before_table(job.stderr)), 1,
                                 "one tidemark: line when memory ran out\n" + job.describe())


# A failed request, caught by the program; 48 MiB held on line 2 when it fails.
FAILING_REQUEST = "\n".join([
    "import sys",
    "held = bytearray(48 << 20)",
    "try:",
    "    bytearray(1 << 62)",
    "except MemoryError:",
    "    print('recovered')",
    "",
])
HELD_BYTES = 48 * MiB + 1  # bytearray keeps one byte more, for a trailing NUL


class FailedAllocationTest(pr.ProfileTestCase):
    def test_a_failed_allocation_far_from_any_limit_is_reported(self):
        command = [pr.PYTHON, "-c", FAILING_REQUEST]
        runs = {
            "launcher, exact mode": pr.run_profiled(command, mode="exact", name="failed-alloc"),
            "preload, sample mode": pr.run_preloaded(command, mode="sample",
                                                     name="failed-alloc"),
        }
        for what, run in runs.items():
            with self.subTest(what):
                self.assertEqual((run.returncode, run.stdout), (0, "recovered\n"),
                                 run.describe())
                said = [l for l in pr.tidemark_lines(run.stderr) if "out of memory" in l]
                self.assertEqual(len(said), 1, "one out-of-memory line\n" + run.describe())
                self.assertIn("failed", said[0])
                folder = os.path.join(run.process_dir, pr.OOM_FOLDER)
                pr.wait_for(lambda: pr.read_json(os.path.join(folder, "summary.json")),
                            timeout=20)
                oom = pr.Run(run.argv, run.output_dir, run.returncode, run.stdout, run.stderr,
                             process_dir=folder)
                self.assertIsNotNone(oom.summary, "no out-of-memory report: %s\n%s"
                                     % (what, oom.describe()))
                self.assertEqual(oom.summary.get("reason"), "out-of-memory", oom.describe())
                facts = oom.summary.get("out_of_memory") or {}
                self.assertIn("failed", facts.get("reason", ""), oom.describe())
                # The report is of that moment: the 48 MiB held, on its line
                # (plus what the interpreter itself keeps for that line, e.g.
                # a pymalloc pool: 10 KiB here).
                held = oom.bytes_at_location("<string>", 2)
                self.assertGreaterEqual(held, HELD_BYTES, oom.describe())
                self.assertLessEqual(held, HELD_BYTES + 64 * pr.KiB, oom.describe())
                # And the program's ordinary exit report still follows.
                self.assertEqual(run.summary and run.summary.get("ended"), "exit code 0",
                                 run.describe())


if __name__ == "__main__":
    pr.main()
