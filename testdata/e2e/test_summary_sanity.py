"""The summary's required fields, with the default mode and with --mode=exact.

No baseline needed: a plain numpy program must show some tracked allocations,
mode "exact", and a peak.folded whose stacks add up to peak_bytes.
"""
import numbers

import profile_run as pr

SCRIPT = pr.program("baseline.py")


class SummarySanityTest(pr.ProfileTestCase):
    def check(self, run):
        self.assert_completed(run)
        s = run.summary
        detail = run.describe()
        self.assertEqual(s.get("mode"), "exact", detail)
        self.assertIsInstance(s.get("peak_bytes"), int, detail)
        self.assertGreater(s["peak_bytes"], 0, detail)
        self.assertIsInstance(s.get("tracked_allocations"), int, detail)
        self.assertGreater(s["tracked_allocations"], 0, detail)
        self.assertEqual(s.get("exit_code"), 0, detail)
        self.assertEqual(s.get("command"), [pr.PYTHON, SCRIPT, "numpy"], detail)
        self.assertIsInstance(s.get("wall_seconds"), numbers.Real, detail)
        self.assertNotIsInstance(s.get("wall_seconds"), bool, detail)
        self.assertGreater(s["wall_seconds"], 0, detail)
        # Every byte live at the peak belongs to some stack, and only once.
        self.assertEqual(sum(run.folded.values()), s["peak_bytes"], detail)
        self.assertTrue(all(count > 0 for count in run.folded.values()), detail)

    def test_explicit_exact_mode(self):
        self.check(self.profile_python(SCRIPT, "numpy", name="sanity-exact"))

    def test_default_mode_is_exact(self):
        self.check(self.profile_python(SCRIPT, "numpy", name="sanity-default", mode=None))


if __name__ == "__main__":
    pr.main()
