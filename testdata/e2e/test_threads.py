"""Scenario 6: three worker threads and the main thread hold arrays together.

Workers hold 100, 150 and 200 MiB, the main thread 50 MiB, all at their own
lines, until they meet at a barrier.
"""
import profile_run as pr
from profile_run import MiB

SCRIPT = pr.program("threads_peak.py")


class ThreadsTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_ = pr.run_profiled([pr.PYTHON, SCRIPT], name="threads_peak")

    def setUp(self):
        self.assert_completed(self.run_)

    def test_each_thread_is_attributed_to_its_own_line(self):
        for function, marker, size in (
            ("worker_100", "THREAD-100", 100 * MiB),
            ("worker_150", "THREAD-150", 150 * MiB),
            ("worker_200", "THREAD-200", 200 * MiB),
            ("main", "MAIN-50", 50 * MiB),
        ):
            with self.subTest(marker=marker):
                self.assert_line_bytes(self.run_, function, SCRIPT, marker, size)

    def test_peak_bytes_is_the_sum_plus_baseline(self):
        baseline = self.baseline_peak("threading", "numpy")
        self.assert_close(
            self.run_.peak_bytes, 500 * MiB + baseline, 0.03,
            "peak_bytes vs 500 MiB + baseline (%s)" % pr.mib(baseline), self.run_)


if __name__ == "__main__":
    pr.main()
