"""Scenario 5: an anonymous mmap of 300 MiB held at the peak.

A 64 MiB map closed before the peak must not appear.
"""
import profile_run as pr
from profile_run import MiB

SCRIPT = pr.program("mmap_anon.py")


class MmapAnonTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_ = pr.run_profiled([pr.PYTHON, SCRIPT], name="mmap_anon")

    def setUp(self):
        self.assert_completed(self.run_)

    def test_held_map_is_attributed_to_its_line(self):
        self.assert_line_bytes(self.run_, "hold", SCRIPT, "MMAP-300", 300 * MiB)

    def test_map_closed_before_the_peak_is_absent(self):
        self.assert_line_absent(self.run_, "transient", SCRIPT, "MMAP-CLOSED-64")

    def test_peak_bytes_is_the_map_plus_baseline(self):
        baseline = self.baseline_peak("mmap")
        self.assert_close(
            self.run_.peak_bytes, 300 * MiB + baseline, 0.03,
            "peak_bytes vs 300 MiB + baseline (%s)" % pr.mib(baseline), self.run_)


if __name__ == "__main__":
    pr.main()
