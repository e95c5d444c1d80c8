"""Tidemark beside another preloaded allocator: Debian's jemalloc.

A production job often runs with LD_PRELOAD=libjemalloc.so.2. Each command
here is compared with the same command run with jemalloc alone (what the
user had before profiling): same exit status, same stdout, same stderr apart
from Tidemark's own `tidemark:` lines.

  (a) LD_PRELOAD=libjemalloc.so.2 set before the launcher (which puts
      libtidemark.so first): jemalloc serves, Tidemark observes, and
      numpy_peak.py's report has 400/250/150 MiB on their lines.
  (b) LD_PRELOAD=libtidemark.so:libjemalloc.so.2 without the launcher, in
      exact and sample mode: the same.
  (c) LD_PRELOAD=libjemalloc.so.2:libtidemark.so: jemalloc takes every
      malloc, so Tidemark cannot see any; the program runs as before and
      one `tidemark:` line says profiling is off, naming jemalloc.

That jemalloc really served the program is checked from inside it:
jemalloc_served.py runs numpy_peak.py and asks jemalloc (mallctl
"thread.allocated") how many bytes it handed to the thread; the answer is
"yes" only if numpy's 900 MiB came from jemalloc, not glibc. (jemalloc's
MALLOC_CONF=stats_print:true proves nothing here: its constructor
initialises it whoever serves, and `ls` closes stderr before the
statistics are printed.)
"""
import os
import subprocess

import profile_run as pr
from profile_run import MiB

JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
SERVED = pr.program("jemalloc_served.py")
NUMPY_PEAK = pr.program("numpy_peak.py")
BASELINE = pr.program("baseline.py")
SERVED_LINE = "jemalloc served this thread at least 900 MiB: yes\n"

TRUE = ["/bin/true"]
LS = ["/bin/ls", "-la", os.path.dirname(NUMPY_PEAK)]
NUMPY = [pr.PYTHON, SERVED, NUMPY_PEAK]
NUMPY_BASELINE = [pr.PYTHON, SERVED, BASELINE, "numpy"]


def without_tidemark_lines(text):
    return "".join(
        line for line in text.splitlines(True) if not line.startswith("tidemark:")
    )


def tidemark_lines(text):
    return [line for line in text.splitlines() if line.startswith("tidemark:")]


def run(argv, env, output_dir):
    proc = subprocess.run(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        timeout=600,
    )
    return pr.Run(
        argv,
        output_dir,
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def jemalloc_env():
    """What the user had: jemalloc preloaded, nothing else."""
    return pr.clean_env({"LD_PRELOAD": JEMALLOC})


def without_tidemark(command):
    return run(command, jemalloc_env(), pr.fresh_output_dir("reference"))


def through_launcher(command, name, mode="exact", flags=()):
    """(a): the user's LD_PRELOAD=libjemalloc.so.2 is inherited by the
    launcher, which prepends libtidemark.so."""
    output = pr.fresh_output_dir(name)
    argv = [pr.tool_path(), "--mode=%s" % mode, "--output=%s" % output] + list(flags) + [
        "--"] + command
    return run(argv, jemalloc_env(), output)


def tidemark_then_jemalloc(command, name, mode="exact", **settings):
    """(b): LD_PRELOAD=libtidemark.so:libjemalloc.so.2, no launcher."""
    output = pr.fresh_output_dir(name)
    env = pr.preload_env(mode, output, **settings)
    env["LD_PRELOAD"] = pr.library_path() + ":" + JEMALLOC
    return run(command, env, output)


def jemalloc_then_tidemark(command, name):
    """(c): LD_PRELOAD=libjemalloc.so.2:libtidemark.so, no launcher."""
    output = pr.fresh_output_dir(name)
    env = pr.preload_env("exact", output)
    env["LD_PRELOAD"] = JEMALLOC + ":" + pr.library_path()
    return run(command, env, output)


_REFERENCES = {}


def reference(command):
    key = tuple(command)
    if key not in _REFERENCES:
        _REFERENCES[key] = without_tidemark(command)
    return _REFERENCES[key]


class AllocatorTestCase(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not os.path.exists(JEMALLOC):
            raise AssertionError(
                "%s is missing: install libjemalloc2 (setup.sh installs it "
                "with libjemalloc-dev)" % JEMALLOC
            )

    def assert_same_as_without_tidemark(self, run, command):
        ref = reference(command)
        self.assertEqual(ref.returncode, 0, "reference run failed\n" + ref.describe())
        what = "%s vs. the same command with jemalloc alone" % " ".join(command)
        self.assertEqual(run.returncode, ref.returncode, what + "\n" + run.describe())
        self.assertEqual(run.stdout, ref.stdout, what + "\n" + run.describe())
        self.assertEqual(
            without_tidemark_lines(run.stderr), ref.stderr, what + "\n" + run.describe()
        )

    def assert_observed(self, run):
        """Tidemark wrote its reports and recorded allocations."""
        self.assert_completed(run)
        self.assertGreater(run.summary.get("tracked_allocations", 0), 0, run.describe())

    def assert_ls_observed(self, run, kept):
        """ls (no Python, a small peak) is in the job's index with the peak
        Tidemark saw; its reports are kept only when KEPT (a process
        threshold of 0), else its folder is removed as noise."""
        entries = self.assert_job_index(run)
        self.assertEqual([(p["program"], p["python"], p["exit_code"]) for p in entries],
                         [("ls", False, 0)], run.describe())
        self.assertGreater(entries[0]["peak_bytes"], 0, run.describe())
        if not kept:
            self.assertIsNone(entries[0]["folder"], run.describe())
            self.assertEqual(sorted(os.listdir(run.output_dir)),
                             [pr.JOB_INDEX_FILE, pr.JOB_LOG_FILE], run.describe())
            return
        self.assertEqual(entries[0]["folder"], os.path.basename(run.process_dir),
                         run.describe())
        self.assert_observed(run)
        self.assertEqual(run.peak_bytes, entries[0]["peak_bytes"], run.describe())

    def assert_numpy_report(self, run, baseline):
        """What test_numpy_peak.py checks, on a run made beside jemalloc."""
        self.assert_completed(run)
        self.assertEqual(run.stdout, SERVED_LINE, run.describe())
        self.assert_completed(baseline)
        self.assert_close(
            run.peak_bytes,
            800 * MiB + baseline.peak_bytes,
            0.03,
            "peak_bytes vs 800 MiB + baseline (%s)" % pr.mib(baseline.peak_bytes),
            run,
        )
        for function, marker, size in (
            ("hold_400", "ALLOC-400", 400 * MiB),
            ("hold_250", "ALLOC-250", 250 * MiB),
            ("hold_150", "ALLOC-150", 150 * MiB),
        ):
            with self.subTest(marker=marker):
                self.assert_line_bytes(run, function, NUMPY_PEAK, marker, size)
        self.assert_line_absent(run, "after_peak", NUMPY_PEAK, "ALLOC-AFTER-100")


class ReferenceTest(AllocatorTestCase):
    """The comparison point itself: with jemalloc alone the numpy job is
    served by jemalloc, and without it by glibc (so the check can fail)."""

    def test_jemalloc_alone_serves_the_numpy_job(self):
        ref = reference(NUMPY)
        self.assertEqual(ref.returncode, 0, ref.describe())
        self.assertEqual(ref.stdout, SERVED_LINE, ref.describe())

    def test_without_jemalloc_the_check_says_so(self):
        plain = run(NUMPY, pr.clean_env(), pr.fresh_output_dir("glibc"))
        self.assertEqual(plain.returncode, 0, plain.describe())
        self.assertEqual(plain.stdout, "jemalloc is not loaded\n", plain.describe())


class JemallocBeforeLauncherTest(AllocatorTestCase):
    """(a) LD_PRELOAD=libjemalloc.so.2 bazel run //tools:profile -- ..."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.numpy = through_launcher(NUMPY, "launcher-numpy")
        cls.baseline = through_launcher(NUMPY_BASELINE, "launcher-baseline")

    def test_true_runs_as_without_tidemark(self):
        self.assert_same_as_without_tidemark(through_launcher(TRUE, "launcher-true"), TRUE)

    def test_ls_runs_as_without_tidemark(self):
        self.assert_same_as_without_tidemark(through_launcher(LS, "launcher-ls"), LS)

    def test_tidemark_observes_ls(self):
        self.assert_ls_observed(through_launcher(LS, "launcher-ls-noise"), kept=False)
        self.assert_ls_observed(through_launcher(LS, "launcher-ls-observed",
                                                 flags=["--process-threshold=0"]), kept=True)

    def test_numpy_job_runs_as_without_tidemark(self):
        self.assert_same_as_without_tidemark(self.numpy, NUMPY)

    def test_numpy_report_has_the_right_bytes_on_the_right_lines(self):
        self.assert_numpy_report(self.numpy, self.baseline)


class TidemarkThenJemallocTest(AllocatorTestCase):
    """(b) LD_PRELOAD=libtidemark.so:libjemalloc.so.2, exact and sample."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.runs = {}
        for mode in ("exact", "sample"):
            cls.runs[mode] = (
                tidemark_then_jemalloc(NUMPY, "preload-numpy-" + mode, mode),
                tidemark_then_jemalloc(NUMPY_BASELINE, "preload-baseline-" + mode, mode),
            )

    def test_true_and_ls_run_as_without_tidemark(self):
        for mode in ("exact", "sample"):
            for command in (TRUE, LS):
                with self.subTest(mode=mode, command=command[0]):
                    run = tidemark_then_jemalloc(command, "preload-" + mode, mode)
                    self.assert_same_as_without_tidemark(run, command)

    def test_tidemark_observes_ls(self):
        self.assert_ls_observed(tidemark_then_jemalloc(LS, "preload-ls-noise"), kept=False)
        self.assert_ls_observed(tidemark_then_jemalloc(LS, "preload-ls-observed",
                                                       process_threshold="0"), kept=True)

    def test_numpy_job_runs_as_without_tidemark(self):
        for mode in ("exact", "sample"):
            with self.subTest(mode=mode):
                self.assert_same_as_without_tidemark(self.runs[mode][0], NUMPY)

    def test_numpy_report_exact_mode(self):
        self.assert_numpy_report(*self.runs["exact"])

    def test_numpy_report_sample_mode(self):
        # Blocks of at least the interval (1 MiB) are always recorded
        # exactly, so the three lines hold their full size here too.
        run, baseline = self.runs["sample"]
        self.assertEqual(run.summary and run.summary.get("mode"), "sample", run.describe())
        self.assert_numpy_report(run, baseline)


class JemallocThenTidemarkTest(AllocatorTestCase):
    """(c) LD_PRELOAD=libjemalloc.so.2:libtidemark.so."""

    def assert_runs_unprofiled_with_one_line(self, command, name):
        run = jemalloc_then_tidemark(command, name)
        self.assert_same_as_without_tidemark(run, command)
        lines = tidemark_lines(run.stderr)
        self.assertEqual(len(lines), 1, run.describe())
        self.assertIn(JEMALLOC, lines[0])
        self.assertIn("libtidemark.so first in LD_PRELOAD", lines[0])
        self.assertTrue(lines[0].endswith("; profiling is off"), lines[0])
        self.assertIsNone(run.summary, run.describe())
        self.assertIsNone(run.folded, run.describe())
        # Nothing is made for a profile that cannot happen.
        self.assertFalse(os.path.exists(run.output_dir), run.describe())
        return run

    def test_true(self):
        self.assert_runs_unprofiled_with_one_line(TRUE, "first-true")

    def test_ls(self):
        self.assert_runs_unprofiled_with_one_line(LS, "first-ls")

    def test_numpy_job(self):
        run = self.assert_runs_unprofiled_with_one_line(NUMPY, "first-numpy")
        self.assertEqual(run.stdout, SERVED_LINE)


if __name__ == "__main__":
    pr.main()
