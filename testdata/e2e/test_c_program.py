"""Scenario 8: a C program with an exactly known peak of 158 MiB.

See programs/c_alloc.c for the step-by-step table (malloc, calloc, free,
realloc, anonymous mmap and a partial munmap). Nothing else allocates, so the
only slack allowed is 64 KiB (rounding to usable sizes, libc's own buffers).
"""
import profile_run as pr
from profile_run import KiB, MiB

EXPECTED_PEAK = 158 * MiB
SLACK = 64 * KiB


class CProgramTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_ = pr.run_profiled([pr.c_program_path()], name="c_program")

    def setUp(self):
        self.assert_completed(self.run_)

    def test_peak_bytes_is_exact(self):
        peak = self.run_.peak_bytes
        if not EXPECTED_PEAK <= peak <= EXPECTED_PEAK + SLACK:
            self.fail(
                "peak_bytes %d (%s); expected %d (158 MiB) to %d (+64 KiB). 163 MiB would mean the "
                "partial munmap was ignored; 154 MiB that the mmap was missed or dropped whole\n%s"
                % (peak, pr.mib(peak), EXPECTED_PEAK, EXPECTED_PEAK + SLACK, self.run_.describe()))

    def test_peak_is_attributed_to_no_python_stack(self):
        no_python = self.run_.folded.get((pr.NO_PYTHON_STACK,), 0)
        if not EXPECTED_PEAK <= no_python <= EXPECTED_PEAK + SLACK:
            self.fail(
                "the stack %r holds %d (%s); expected 158 MiB (+64 KiB)\n%s"
                % (pr.NO_PYTHON_STACK, no_python, pr.mib(no_python), self.run_.describe()))

    def test_no_stack_has_python_frames(self):
        python_like = [frames for frames in self.run_.folded if any(".py:" in f for f in frames)]
        if python_like:
            self.fail("a C program has Python frames: %r\n%s" % (python_like[:5], self.run_.describe()))


if __name__ == "__main__":
    pr.main()
