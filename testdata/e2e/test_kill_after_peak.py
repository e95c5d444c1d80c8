"""A job SIGKILLed at any moment after its peak still has its peak report.

kill_after_peak.py holds bytearray(64 MiB) on PEAK-A and np.ones(32 MiB) on
PEAK-B together (its peak), frees both, prints "freed PID" and churns small
allocations until killed. The test kills it with SIGKILL at ROUNDS random
moments after that line, in exact mode:

  - through the launcher, which then renders the reports from the stored
    profile: it dies of SIGKILL too, says so in a `tidemark:` line, and
    summary.json says "killed by SIGKILL";
  - with LD_PRELOAD alone, then `report DIR`.

Every time, peak.folded holds on PEAK-A and PEAK-B exactly the bytes the
same program's ordinary exit report holds there (checked first to be 64 and
32 MiB and a few bytes), and summary.json's timeline is whole (issue 11:
in order, within the run, its span after the peak holding the peak). The random seed is in every failure message; set
E2E_SEED to replay a run.
"""
import os
import random
import signal
import time

import profile_run as pr

SCRIPT = pr.program("kill_after_peak.py")
LINE_A = pr.find_marker(SCRIPT, "PEAK-A")
LINE_B = pr.find_marker(SCRIPT, "PEAK-B")
MiB = pr.MiB
ROUNDS = 20
LATEST_KILL = 0.5  # seconds after "freed"


def reference():
    """(bytes on PEAK-A, bytes on PEAK-B) in the job's exit report."""
    run = pr.run_profiled([pr.PYTHON, SCRIPT, "exit"], mode="exact", name="peak-reference")
    return run, run.bytes_at_location(SCRIPT, LINE_A), run.bytes_at_location(SCRIPT, LINE_B)


class KillAfterPeakTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seed = int(os.environ.get("E2E_SEED") or random.SystemRandom().randrange(1 << 32))
        cls.random = random.Random(cls.seed)
        print("E2E_SEED=%d" % cls.seed)

    _reference = None

    def setUp(self):
        if KillAfterPeakTest._reference is None:
            KillAfterPeakTest._reference = reference()
        run, self.bytes_a, self.bytes_b = KillAfterPeakTest._reference
        self.assertEqual(run.returncode, 0, run.describe())
        # The buffers, plus the few bytes of their objects (bytearray keeps
        # one more for its NUL).
        self.assertTrue(64 * MiB <= self.bytes_a <= 64 * MiB + 4096, run.describe())
        self.assertTrue(32 * MiB <= self.bytes_b <= 32 * MiB + 4096, run.describe())

    def delays(self):
        # Right after the line, and anywhere in the next LATEST_KILL seconds.
        return [0.0] + [self.random.uniform(0, LATEST_KILL) for _ in range(ROUNDS - 1)]

    def assert_peak(self, run, what):
        context = "%s (E2E_SEED=%d)\n%s" % (what, self.seed, run.describe())
        self.assertIsNotNone(run.summary, context)
        self.assertIsNotNone(run.folded, context)
        self.assertEqual(run.bytes_at_location(SCRIPT, LINE_A), self.bytes_a,
                         "PEAK-A: " + context)
        self.assertEqual(run.bytes_at_location(SCRIPT, LINE_B), self.bytes_b,
                         "PEAK-B: " + context)
        self.assertEqual(sum(run.folded.values()), run.peak_bytes, context)
        self.assertGreaterEqual(run.peak_bytes, self.bytes_a + self.bytes_b, context)
        seconds = run.summary.get("peak_seconds")
        self.assertIsInstance(seconds, (int, float), context)
        self.assertTrue(0 <= seconds <= run.summary["wall_seconds"] + 0.01, context)
        self.assert_timeline(run, context)

    def assert_timeline(self, run, context):
        """The timeline a kill left is whole: the start's point, times in
        order up to the kill, nothing above the peak, and the first point
        after the peak (when one was added before the kill) closes the
        peak's span: exactly peak_bytes (exact mode)."""
        timeline = run.summary.get("timeline")
        context = "%s\ntimeline: %s" % (context, timeline)
        self.assertIsInstance(timeline, list, context)
        self.assertGreaterEqual(len(timeline), 1, context)
        self.assertEqual(timeline[0][1], 0, context)
        times = [p[0] for p in timeline]
        self.assertEqual(times, sorted(times), context)
        self.assertLessEqual(times[-1], run.summary["wall_seconds"] + 0.01, context)
        self.assertTrue(all(0 <= p[1] <= run.peak_bytes and p[2] > 0 for p in timeline),
                        context)
        after = [p for p in timeline if p[0] >= run.summary["peak_seconds"]]
        if after:
            self.assertEqual(after[0][1], run.peak_bytes, context)

    def kill_after_peak(self, via, delay, what):
        """Runs the job VIA the launcher or LD_PRELOAD, SIGKILLs it DELAY
        seconds after its peak; returns the job and a failure context."""
        job = pr.Job([pr.PYTHON, SCRIPT, "churn"], via, "exact", name="kill")
        pid = job.wait_marker("freed")
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
        job.finish()
        context = "%s (E2E_SEED=%d)\n%s" % (what, self.seed, job.describe())
        self.assertEqual(job.returncode, -signal.SIGKILL, context)
        return job, context

    def test_through_the_launcher(self):
        for number, delay in enumerate(self.delays()):
            what = "launcher, kill %d, %.3f s after the peak" % (number, delay)
            with self.subTest(kill=number, delay=delay):
                job, context = self.kill_after_peak("launcher", delay, what)
                self.assertTrue([l for l in pr.tidemark_lines(job.stderr) if "SIGKILL" in l],
                                "no tidemark: line names SIGKILL: " + context)
                run = job.report()
                self.assert_peak(run, what)
                self.assertEqual(run.summary.get("ended"), pr.ended_by_signal(signal.SIGKILL),
                                 context)
                self.assertEqual(pr.leftover_temporaries(job.output), [], context)

    def test_preload_then_report_tool(self):
        for number, delay in enumerate(self.delays()):
            what = "LD_PRELOAD, kill %d, %.3f s after the peak" % (number, delay)
            with self.subTest(kill=number, delay=delay):
                job, context = self.kill_after_peak("preload", delay, what)
                code, out, err = pr.run_report(job.output)
                context += "\nreport: exit %d\nstdout:\n%s\nstderr:\n%s" % (code, out, err)
                self.assertIsNone(pr.crash_signs(code, err), context)
                self.assertEqual(code, 0, context)
                self.assertIn("tidemark: reports in %s" % job.output, out + err, context)
                run = job.report()
                self.assert_peak(run, what)
                self.assertEqual(run.summary.get("ended"), pr.ENDED_WITHOUT_REPORTS, context)
                self.assertEqual(pr.leftover_temporaries(job.output), [], context)


if __name__ == "__main__":
    pr.main()
