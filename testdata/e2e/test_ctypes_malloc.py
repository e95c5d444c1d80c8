"""Scenario 3: malloc(300 MiB) called from Python through ctypes.CDLL(None)."""
import profile_run as pr
from profile_run import MiB

SCRIPT = pr.program("ctypes_malloc.py")


class CtypesMallocTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_ = pr.run_profiled([pr.PYTHON, SCRIPT], name="ctypes_malloc")

    def setUp(self):
        self.assert_completed(self.run_)

    def test_block_is_attributed_to_the_calling_line(self):
        self.assert_line_bytes(self.run_, "grab", SCRIPT, "CMALLOC-300", 300 * MiB)

    def test_peak_bytes_is_the_block_plus_baseline(self):
        baseline = self.baseline_peak("ctypes")
        self.assert_close(
            self.run_.peak_bytes, 300 * MiB + baseline, 0.03,
            "peak_bytes vs 300 MiB + baseline (%s)" % pr.mib(baseline), self.run_)


if __name__ == "__main__":
    pr.main()
