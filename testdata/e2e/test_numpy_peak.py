"""Scenario 1: numpy arrays of 400, 250 and 150 MiB alive together.

programs/numpy_peak.py holds all three (np.ones -> malloc) at once, frees them
and then allocates 100 MiB, which must not appear in the peak.
"""
import os

import profile_run as pr
from profile_run import MiB

SCRIPT = pr.program("numpy_peak.py")


class NumpyPeakTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_ = pr.run_profiled([pr.PYTHON, SCRIPT], name="numpy_peak")

    def setUp(self):
        self.assert_completed(self.run_)

    def test_peak_bytes_is_the_three_arrays_plus_baseline(self):
        baseline = self.baseline_peak("numpy")
        self.assert_close(
            self.run_.peak_bytes, 800 * MiB + baseline, 0.03,
            "peak_bytes vs 800 MiB + baseline (%s)" % pr.mib(baseline), self.run_)

    def test_each_array_is_attributed_to_its_line(self):
        for function, marker, size in (
            ("hold_400", "ALLOC-400", 400 * MiB),
            ("hold_250", "ALLOC-250", 250 * MiB),
            ("hold_150", "ALLOC-150", 150 * MiB),
        ):
            with self.subTest(marker=marker):
                self.assert_line_bytes(self.run_, function, SCRIPT, marker, size)

    def test_allocation_after_the_peak_is_absent(self):
        self.assert_line_absent(self.run_, "after_peak", SCRIPT, "ALLOC-AFTER-100")

    def test_flame_graph_shows_the_three_lines(self):
        """peak.svg is well-formed and has a box per line, sized in MiB."""
        import xml.etree.ElementTree as ET

        path = os.path.join(self.run_.process_dir, "peak.svg")
        titles = [t.text or "" for t in ET.parse(path).iter("{http://www.w3.org/2000/svg}title")]
        for function, marker, mib in (("hold_400", "ALLOC-400", 400),
                                      ("hold_250", "ALLOC-250", 250),
                                      ("hold_150", "ALLOC-150", 150)):
            with self.subTest(marker=marker):
                label = pr.frame(function, SCRIPT, pr.find_marker(SCRIPT, marker))
                hits = [t for t in titles if t.startswith(label) and "%.1f MiB" % mib in t]
                self.assertTrue(hits, "no box '%s' of %d MiB in %s" % (label, mib, path))


if __name__ == "__main__":
    pr.main()
