"""Scenario 4: a bytearray grown by realloc, 1 MiB at a time, to 200 MiB.

CPython over-allocates a growing bytearray by up to 1/8, so the buffer live at
the peak is somewhat over 200 MiB; the program prints its exact size
(`buffer_bytes=N`) and that is what the GROW line must hold.
"""
import re

import profile_run as pr
from profile_run import MiB

SCRIPT = pr.program("realloc_growth.py")


class ReallocGrowthTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_ = pr.run_profiled([pr.PYTHON, SCRIPT], name="realloc_growth")

    def setUp(self):
        self.assert_completed(self.run_)

    def buffer_bytes(self):
        match = re.search(r"^buffer_bytes=(\d+)$", self.run_.stdout, re.M)
        if not match:
            self.fail("the program did not print buffer_bytes\n" + self.run_.describe())
        allocated = int(match.group(1))
        # 200 MiB of data, at most 1/8 more (bytearray's growth rule).
        self.assertGreaterEqual(allocated, 200 * MiB)
        self.assertLessEqual(allocated, 225 * MiB + 64)
        return allocated

    def test_grown_buffer_is_attributed_to_the_growing_line(self):
        self.assert_line_bytes(self.run_, "grow", SCRIPT, "GROW", self.buffer_bytes())

    def test_peak_bytes_is_the_buffer_plus_baseline(self):
        baseline = self.baseline_peak()
        # The buffer, the 1 MiB chunk it is grown from, and the interpreter.
        expected = self.buffer_bytes() + MiB + baseline
        self.assert_close(
            self.run_.peak_bytes, expected, 0.03,
            "peak_bytes vs buffer + 1 MiB chunk + baseline (%s)" % pr.mib(baseline), self.run_)


if __name__ == "__main__":
    pr.main()
