"""The summary's required fields, with the default mode and with --mode=exact.

programs/known_peak.py holds 48 MiB + 1 (HELD) and 16 MiB (ARRAY) at its
peak after importing numpy. peak_bytes is checked against that, not against
peak.folded (both are renderings of the same stored copy): the two known
lines hold exactly their bytes, and the rest of the peak is what the
interpreter with numpy holds, at most the peak of baseline.py importing
numpy (profiled separately) plus the program's own code.
"""
import numbers

import profile_run as pr
from profile_run import MiB

SCRIPT = pr.program("known_peak.py")
KNOWN = {"HELD": 48 * MiB + 1, "ARRAY": 16 * MiB}
# known_peak.py's own code objects, its frame and the two array headers:
# a few KiB, allowed 1 MiB.
OWN_CODE = MiB


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
        self.assertEqual(s.get("command"), [pr.PYTHON, SCRIPT], detail)
        self.assertIsInstance(s.get("wall_seconds"), numbers.Real, detail)
        self.assertNotIsInstance(s.get("wall_seconds"), bool, detail)
        self.assertGreater(s["wall_seconds"], 0, detail)
        # Known bytes on known lines, exactly.
        for marker, size in KNOWN.items():
            self.assertEqual(run.bytes_at_location(SCRIPT, pr.find_marker(SCRIPT, marker)),
                             size, "%s\n%s" % (marker, detail))
        # The peak is those plus the interpreter's own, which cannot exceed
        # what it holds at its own peak importing numpy (+ this program).
        known = sum(KNOWN.values())
        rest = s["peak_bytes"] - known
        self.assertGreater(rest, 0, detail)
        self.assertLessEqual(rest, self.baseline_peak("numpy") + OWN_CODE,
                             "peak_bytes - known %s\n%s" % (pr.mib(rest), detail))
        # And the report's stacks are that peak (one copy, two renderings).
        self.assertEqual(sum(run.folded.values()), s["peak_bytes"], detail)
        self.assertTrue(all(count > 0 for count in run.folded.values()), detail)

    def test_explicit_exact_mode(self):
        self.check(self.profile_python(SCRIPT, name="sanity-exact"))

    def test_default_mode_is_exact(self):
        self.check(self.profile_python(SCRIPT, name="sanity-default", mode=None))


if __name__ == "__main__":
    pr.main()
