"""Scenario 2: np.zeros (calloc) arrays of 300, 200 and 100 MiB alive together.

The pages are never touched; the profiler counts what was asked for. The 80
MiB array made after everything was freed must not appear in the peak.
"""
import profile_run as pr
from profile_run import MiB

SCRIPT = pr.program("calloc_peak.py")


class CallocPeakTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_ = pr.run_profiled([pr.PYTHON, SCRIPT], name="calloc_peak")

    def setUp(self):
        self.assert_completed(self.run_)

    def test_peak_bytes_is_the_three_arrays_plus_baseline(self):
        baseline = self.baseline_peak("numpy")
        self.assert_close(
            self.run_.peak_bytes, 600 * MiB + baseline, 0.03,
            "peak_bytes vs 600 MiB + baseline (%s)" % pr.mib(baseline), self.run_)

    def test_each_array_is_attributed_to_its_line(self):
        for function, marker, size in (
            ("zeros_300", "ZALLOC-300", 300 * MiB),
            ("zeros_200", "ZALLOC-200", 200 * MiB),
            ("zeros_100", "ZALLOC-100", 100 * MiB),
        ):
            with self.subTest(marker=marker):
                self.assert_line_bytes(self.run_, function, SCRIPT, marker, size)

    def test_allocation_after_the_peak_is_absent(self):
        self.assert_line_absent(self.run_, "after_peak", SCRIPT, "ZALLOC-AFTER-80")


if __name__ == "__main__":
    pr.main()
