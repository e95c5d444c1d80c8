"""Ends that give the job little or no chance to write its reports, through
the launcher, which renders what the job could not from the stored profile:

  - os._exit(3) after a known peak: the launcher exits 3; the job writes
    its own reports on the way out (libtidemark's _exit), and summary.json
    and job.json say it ended with exit code 3;
  - SIGHUP and SIGQUIT (to the job, and to the launcher, which passes them
    on): the launcher dies of the same signal; summary.json's reason is the
    signal's name and `ended` "killed by SIG...";
  - SIGKILL while a SIGUSR2 report is being written (many_stacks.py, whose
    report takes a while): once the launcher is done, no `*.tmp*` file and
    no empty `sigusr2-N` folder is left (each report in one is whole: all
    4096 stacks), and the launcher's own reports are there.

Every report holds kill_after_peak.py's peak: 64 MiB on PEAK-A and 32 MiB on
PEAK-B (bytearray's one more byte for its NUL, and in sample mode at most a
sampled small block more).
"""
import json
import os
import random
import resource
import signal
import time

import profile_run as pr

PEAK = pr.program("kill_after_peak.py")
LINE_A = pr.find_marker(PEAK, "PEAK-A")
LINE_B = pr.find_marker(PEAK, "PEAK-B")
STACKS = pr.program("many_stacks.py")
LEAF = pr.find_marker(STACKS, "LEAF")
MiB = pr.MiB
MODES = ("exact", "sample")
TRIALS = 10


class SilentEndsTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # SIGQUIT's default action dumps core; no core files from the tests.
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def assert_peak(self, run, mode, context):
        self.assertIsNotNone(run.summary, context)
        self.assertIsNotNone(run.folded, context)
        self.assertEqual(sum(run.folded.values()), run.peak_bytes, context)
        slack = 4096 if mode == "exact" else 2 * MiB
        for line, size in ((LINE_A, 64 * MiB), (LINE_B, 32 * MiB)):
            got = run.bytes_at_location(PEAK, line)
            self.assertTrue(size <= got <= size + slack, "line %d holds %d bytes: %s"
                            % (line, got, context))

    def test_os_exit(self):
        for mode in MODES:
            with self.subTest(mode=mode):
                job = pr.Job([pr.PYTHON, PEAK, "_exit"], "launcher", mode, name="os-exit")
                job.wait_marker("freed")
                job.finish()
                run = job.report()
                context = "os._exit(3), %s mode\n%s\n%s" % (mode, job.describe(), run.describe())
                self.assertEqual(job.returncode, 3, context)
                self.assert_peak(run, mode, context)
                self.assertEqual(run.summary.get("exit_code"), 3, context)
                self.assertEqual(run.summary.get("reason"), "exit", context)
                self.assertEqual(run.summary.get("ended"), "exit code 3", context)
                # The process wrote its own reports (the exported _exit), so
                # the launcher renders nothing and says nothing of a silent
                # end: it prints the job's one table and where it is.
                self.assertNotIn(pr.ENDED_WITHOUT_REPORTS, job.stderr, context)
                self.assertEqual(pr.table_count(job.stderr), 1, context)
                self.assertIn("tidemark: reports in %s" % run.process_dir,
                              pr.tidemark_lines(job.stderr), context)
                # The job's index says how it ended, with the report's peak.
                entries = self.assert_job_index(run)
                self.assertEqual(len(entries), 1, context)
                self.assertEqual(entries[0].get("pid"), run.pid, context)
                self.assertEqual(entries[0].get("folder"), os.path.basename(run.process_dir),
                                 context)
                self.assertEqual(entries[0].get("ended"), "exit code 3", context)
                self.assertEqual(entries[0].get("exit_code"), 3, context)
                self.assertIsNone(entries[0].get("signal"), context)
                self.assertEqual(entries[0].get("peak_bytes"), run.peak_bytes, context)
                self.assertEqual(pr.leftover_temporaries(job.output), [], context)

    def test_sighup_and_sigquit(self):
        cases = [(number, to, mode) for number in (signal.SIGHUP, signal.SIGQUIT)
                 for to in ("job", "launcher") for mode in MODES]
        for number, to, mode in cases:
            name = signal.Signals(number).name
            with self.subTest(signal=name, to=to, mode=mode):
                job = pr.Job([pr.PYTHON, PEAK, "idle"], "launcher", mode, name=name)
                pid = job.wait_marker("freed")
                os.kill(pid if to == "job" else job.proc.pid, number)
                job.finish()
                run = job.report()
                context = "%s to the %s, %s mode\n%s\n%s" % (name, to, mode, job.describe(),
                                                            run.describe())
                self.assertEqual(job.returncode, -number, context)
                self.assert_peak(run, mode, context)
                self.assertEqual(run.summary.get("reason"), name, context)
                self.assertEqual(run.summary.get("ended"), pr.ended_by_signal(number), context)
                self.assertTrue([l for l in pr.tidemark_lines(job.stderr) if name in l],
                                "no tidemark: line names %s: %s" % (name, context))
                self.assertEqual(pr.leftover_temporaries(job.output), [], context)

    def sigusr2_then_sigkill(self, delay):
        """many_stacks.py under the launcher: SIGUSR2, DELAY seconds, SIGKILL.
        Without a DELAY, the kill comes once sigusr2-1/ holds every report.
        Returns (job, seconds until then, or None)."""
        job = pr.Job([pr.PYTHON, STACKS], "launcher", "exact", name="usr2-kill")
        pid = job.wait_marker("ready")
        folder = os.path.join(job.process_dir, "sigusr2-1")
        start = time.monotonic()
        os.kill(pid, signal.SIGUSR2)
        written = None
        if delay is None:
            if pr.wait_for(lambda: all(os.path.exists(os.path.join(folder, name))
                                       for name in pr.REPORT_FILES),
                           timeout=60, interval=0.001):
                written = time.monotonic() - start
        else:
            time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
        job.finish()
        return job, written

    def check_left_behind(self, job, context):
        context = "%s\n%s" % (context, job.describe())
        self.assertEqual(job.returncode, -signal.SIGKILL, context)
        self.assertEqual(pr.leftover_temporaries(job.output), [], context)
        for name in sorted(os.listdir(job.process_dir)):
            folder = os.path.join(job.process_dir, name)
            if not name.startswith("sigusr2-"):
                continue
            present = sorted(os.listdir(folder))
            self.assertTrue(present, "an empty %s: %s" % (name, context))
            # Each report is whole or absent (the kill may come between two).
            self.assertEqual([p for p in present if p not in pr.REPORT_FILES], [],
                             "%s: %s" % (name, context))
            if "summary.json" in present:
                with open(os.path.join(folder, "summary.json"), encoding="utf-8") as handle:
                    self.assertEqual(json.load(handle).get("reason"), "SIGUSR2", context)
            if "peak.svg" in present:
                with open(os.path.join(folder, "peak.svg"), encoding="utf-8") as handle:
                    self.assertTrue(handle.read().rstrip().endswith("</svg>"), context)
            if "peak.html" in present:
                with open(os.path.join(folder, "peak.html"), encoding="utf-8") as handle:
                    self.assertTrue(handle.read().rstrip().endswith("</html>"), context)
            if "peak.folded" in present:
                with open(os.path.join(folder, "peak.folded"), encoding="utf-8") as handle:
                    folded = pr.parse_folded(handle.read())
                self.assertEqual(self.stacks_on_leaf(folded), 4096, "%s: %s" % (name, context))
        run = job.report()
        self.assertIsNotNone(run.summary, context)
        self.assertEqual(run.summary.get("ended"), pr.ended_by_signal(signal.SIGKILL), context)
        self.assertEqual(self.stacks_on_leaf(run.folded or {}), 4096, context)

    @staticmethod
    def stacks_on_leaf(folded):
        """How many stacks end on LEAF with 1 KiB (and bytearray's NUL)."""
        leaf = " (%s:%d)" % (STACKS, LEAF)
        return len([f for f, count in folded.items()
                    if f[-1].endswith(leaf) and 1024 <= count <= 1024 + 64])

    def test_sigkill_while_a_sigusr2_report_is_written(self):
        job, written = self.sigusr2_then_sigkill(None)
        self.assertIsNotNone(written, "no SIGUSR2 report\n" + job.describe())
        self.check_left_behind(job, "SIGKILL after the SIGUSR2 report (%.3f s)" % written)
        seed = int(os.environ.get("E2E_SEED") or random.SystemRandom().randrange(1 << 32))
        rng = random.Random(seed)
        # Kills spread over the time the report takes (and a little after).
        latest = max(0.05, 1.5 * written)
        for trial in range(TRIALS):
            delay = rng.uniform(0, latest)
            with self.subTest(trial=trial, delay=delay):
                job, _ = self.sigusr2_then_sigkill(delay)
                self.check_left_behind(job, "SIGKILL %.4f s after SIGUSR2 (a report takes "
                                       "%.3f s; E2E_SEED=%d)" % (delay, written, seed))


if __name__ == "__main__":
    pr.main()
