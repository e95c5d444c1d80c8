"""summary.json's timeline and working directory, in both modes (issue 11).

timeline_steps.py holds 50 MiB, then 150 MiB, then 20 MiB (touched), for
STEP seconds each, making and freeing a 1 MiB block every 50 ms, and prints
its own VmRSS at the end of each step and its VmHWM. The profiler's
timeline must:

  - be a list of [seconds, tracked_bytes, rss_bytes], times non-decreasing,
    from the start (first point within 0.1 s, tracked 0) to the last
    report (the last point at wall_seconds);
  - show the steps in order: points at 50, then at 150, then at 20 MiB
    (plus the interpreter's own few MiB, and in sample mode the estimate's
    noise: the small blocks are sampled, the big ones always recorded);
  - hold the peak, a 40 MiB spike made and freed at once in the middle of
    the 150 MiB step (190 MiB, far shorter than the time between points):
    no point above peak_bytes, and the first point at or after peak_seconds
    closes the span the peak was in, so its highest tracked total is
    peak_bytes (exact mode exactly; sample mode within 1 MiB: there the
    span's figure is the estimate at its highest exact live total, the
    same moment the peak is chosen by);
  - have each step's RSS: a point of each step within 10% (at least 8 MiB)
    of the program's own VmRSS in that step, and none above its VmHWM
    (+5%, the kernel updates it lazily).

working_directory is the directory the job ran in.
"""
import json
import os

import profile_run as pr

SCRIPT = pr.program("timeline_steps.py")
MiB = pr.MiB
STEP = "0.5"
LEVELS = (50, 150, 20)  # MiB held, in order


class TimelineTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.runs = {
            mode: pr.run_profiled([pr.PYTHON, SCRIPT, STEP], mode=mode, name="timeline-" + mode)
            for mode in ("exact", "sample")
        }

    def checked(self, mode):
        run = self.runs[mode]
        self.assert_completed(run)
        lines = [l for l in run.stdout.splitlines() if l.startswith("{")]
        self.assertEqual(len(lines), 1, run.describe())
        own = json.loads(lines[0])
        timeline = run.summary.get("timeline")
        context = "%s mode, program's own figures %s, timeline (s, MiB, MiB):\n%s\n%s" % (
            mode, own, "\n".join("  %.3f %.2f %.2f" % (p[0], p[1] / MiB, p[2] / MiB)
                                 for p in timeline or []), run.describe(top=5))
        self.assertIsInstance(timeline, list, context)
        for point in timeline:
            self.assertEqual(len(point), 3, context)
            self.assertTrue(all(isinstance(v, (int, float)) for v in point), context)
        return run, own, timeline, context

    def level_of(self, mode, tracked):
        """The step (MiB) TRACKED bytes belong to, or None (a point at the
        start, between steps, or after the program let go at exit)."""
        # Above each level: the interpreter's own memory and the 1 MiB
        # block; in sample mode the estimate of the small blocks may also
        # run low or high by a few MiB.
        low, high = (0, 12) if mode == "exact" else (-8, 16)
        for level in LEVELS:
            if (level + low) * MiB <= tracked < (level + high) * MiB:
                return level
        return None

    def test_working_directory(self):
        for mode in self.runs:
            with self.subTest(mode=mode):
                run, _, _, context = self.checked(mode)
                self.assertEqual(run.summary.get("working_directory"), os.getcwd(), context)

    def test_spans_the_run_in_order(self):
        for mode in self.runs:
            with self.subTest(mode=mode):
                run, _, timeline, context = self.checked(mode)
                self.assertGreaterEqual(len(timeline), 6, context)
                self.assertLessEqual(len(timeline), 512, context)
                times = [p[0] for p in timeline]
                self.assertEqual(times, sorted(times), context)
                self.assertLess(times[0], 0.1, context)
                self.assertEqual(timeline[0][1], 0, context)
                self.assertAlmostEqual(times[-1], run.summary["wall_seconds"], delta=0.05,
                                       msg=context)

    def test_shows_the_steps(self):
        for mode in self.runs:
            with self.subTest(mode=mode):
                _, _, timeline, context = self.checked(mode)
                levels = [self.level_of(mode, p[1]) for p in timeline]
                seen = [level for level in levels if level is not None]
                for level in LEVELS:
                    self.assertIn(level, seen, context)
                # The first step is built as 20 MiB then 30 MiB: when the
                # start-up outlasts the first interval (a loaded machine),
                # the point closed by the 30 MiB block's clock check shows
                # the 20 MiB already made. Points from before the first
                # step is whole say nothing about the order.
                seen = seen[seen.index(LEVELS[0]):]
                # Each step's points come together, in the program's order.
                order = [level for i, level in enumerate(seen) if i == 0 or seen[i - 1] != level]
                self.assertEqual(order, list(LEVELS), context)

    def test_holds_the_peak(self):
        for mode in self.runs:
            with self.subTest(mode=mode):
                run, _, timeline, context = self.checked(mode)
                peak = run.summary["peak_bytes"]
                peak_seconds = run.summary["peak_seconds"]
                self.assertGreaterEqual(peak, 190 * MiB, context)
                slack = 0 if mode == "exact" else MiB
                highest = max(p[1] for p in timeline)
                self.assertLessEqual(highest, peak + slack, context)
                after = [p for p in timeline if p[0] >= peak_seconds]
                self.assertTrue(after, "no point after the peak at %s s: %s" % (
                    peak_seconds, context))
                self.assertLessEqual(abs(after[0][1] - peak), slack, context)

    def test_rss_follows_the_program_own_figures(self):
        for mode in self.runs:
            with self.subTest(mode=mode):
                _, own, timeline, context = self.checked(mode)
                rss = [p[2] for p in timeline]
                self.assertTrue(all(r > 0 for r in rss), context)
                ceiling = max([own["hwm"]] + own["rss"]) * 1.05
                self.assertLessEqual(max(rss), ceiling, context)
                for level, expected in zip(LEVELS, own["rss"]):
                    tolerance = max(0.1 * expected, 8 * MiB)
                    near = [p for p in timeline if self.level_of(mode, p[1]) == level
                            and abs(p[2] - expected) <= tolerance]
                    self.assertTrue(near, "no point of the %d MiB step has an RSS near %.1f MiB: %s"
                                    % (level, expected / MiB, context))


if __name__ == "__main__":
    pr.main()
