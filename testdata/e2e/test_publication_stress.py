"""SIGKILL during the peak publication never leaves a half-written peak.

peak_stress.py makes a new peak on every turn of a tight loop: turn i
allocates i * 4 KiB on STRESS-A and i * 8 KiB on STRESS-B, then frees both,
so the stored profile publishes a new peak all the time. It is profiled
with LD_PRELOAD alone and SIGKILLed at a random moment, RUNS times (every
fifth run in sample mode), and `report DIR` renders what it left:

  - either exit 0 and a complete peak: peak.folded, summary.json and
    peak.svg all whole, peak.folded adding up to summary.json's peak_bytes,
    and (exact mode) a peak the loop can have reached: the same turn i on
    both lines (i * 4 KiB and i * 8 KiB, give or take the few bytes of the
    Python objects made on those lines), never a mix of two peaks;
  - or exit 1 with a `tidemark:` line naming the file and what is wrong, and
    no report files.

Never a crash, and no temporary file left behind. Most runs must render:
a peak is published before the loop starts. E2E_SEED replays a run.
"""
import os
import random
import signal
import time

import profile_run as pr

SCRIPT = pr.program("peak_stress.py")
LINE_A = pr.find_marker(SCRIPT, "STRESS-A")
LINE_B = pr.find_marker(SCRIPT, "STRESS-B")
STEP_A = 4096
STEP_B = 8192
RUNS = 50
LATEST_KILL = 0.6  # seconds after the loop starts
MUST_RENDER = 0.9  # of the runs


class PublicationStressTest(pr.ProfileTestCase):
    def test_sigkill_at_random_moments(self):
        seed = int(os.environ.get("E2E_SEED") or random.SystemRandom().randrange(1 << 32))
        rng = random.Random(seed)
        print("E2E_SEED=%d" % seed)
        rendered = []
        refused = []
        for number in range(RUNS):
            mode = "sample" if number % 5 == 4 else "exact"
            delay = rng.uniform(0, LATEST_KILL)
            job = pr.Job([pr.PYTHON, SCRIPT], "preload", mode, name="stress")
            pid = job.wait_marker("looping")
            time.sleep(delay)
            os.kill(pid, signal.SIGKILL)
            job.finish()
            code, out, err = pr.run_report(job.output)
            context = ("run %d (%s mode), killed %.3f s into the loop (E2E_SEED=%d)\n"
                       "report: exit %d\nstdout:\n%s\nstderr:\n%s\nfiles:\n%s"
                       % (number, mode, delay, seed, code, out, err, pr.listing(job.output)))
            self.assertEqual(job.returncode, -signal.SIGKILL, context + "\n" + job.describe())
            self.assertIsNone(pr.crash_signs(code, err), context)
            self.assertEqual(pr.leftover_temporaries(job.output), [], context)
            if code == 0:
                self.check_rendered(job, mode, context)
                rendered.append(number)
            elif code == 1:
                self.check_refused(job, err + out, context)
                refused.append((number, pr.tidemark_lines(err + "\n" + out)))
            else:
                self.fail("report must exit 0 or 1: " + context)
        self.assertGreaterEqual(len(rendered), MUST_RENDER * RUNS,
                                "only %d of %d runs rendered (E2E_SEED=%d); refused: %s"
                                % (len(rendered), RUNS, seed, refused))

    def check_rendered(self, job, mode, context):
        for name in pr.REPORT_FILES:
            self.assertTrue(os.path.isfile(os.path.join(job.process_dir, name)),
                            "%s missing: %s" % (name, context))
        with open(os.path.join(job.process_dir, "peak.svg"), encoding="utf-8") as svg:
            self.assertTrue(svg.read().rstrip().endswith("</svg>"), "half an SVG: " + context)
        with open(os.path.join(job.process_dir, "peak.html"), encoding="utf-8") as page:
            self.assertTrue(page.read().rstrip().endswith("</html>"), "half a page: " + context)
        run = job.report()
        self.assertIsNotNone(run.summary, context + "\n" + run.describe())
        self.assertIsNotNone(run.folded, context + "\n" + run.describe())
        self.assertEqual(sum(run.folded.values()), run.peak_bytes,
                         "peak.folded does not add up to peak_bytes: %s\n%s"
                         % (context, run.describe()))
        self.assertIsInstance(run.summary.get("ended"), str, context)
        if mode != "exact":
            return
        a = run.bytes_at_location(SCRIPT, LINE_A)
        b = run.bytes_at_location(SCRIPT, LINE_B)
        turn = a // STEP_A
        consistent = (b // STEP_B == turn and a - turn * STEP_A < 1024
                      and b - turn * STEP_B < 1024)
        self.assertTrue(consistent, "STRESS-A holds %d and STRESS-B %d bytes: not one turn "
                        "of the loop (a torn peak?): %s\n%s" % (a, b, context, run.describe()))
        self.assertGreaterEqual(run.peak_bytes, a + b, context)

    def check_refused(self, job, text, context):
        path = os.path.join(job.process_dir, pr.PROFILE_FILE)
        said = [l for l in pr.tidemark_lines(text) if path in l or job.output in l]
        self.assertTrue(said, "exit 1 without a tidemark: line naming the file: " + context)
        for name in pr.REPORT_FILES:
            self.assertFalse(os.path.exists(os.path.join(job.process_dir, name)),
                             "%s written although report failed: %s" % (name, context))


if __name__ == "__main__":
    pr.main()
