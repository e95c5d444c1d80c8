"""What the preload backend cannot see, or counts differently from the
kernel, pinned (README, "What Tidemark cannot see"). Each test says what
Tidemark does NOW: a backend that sees libc's own scope, or that stops
counting address-space reservations, must change these tests on purpose.

One run of programs/blind_spots.py (exact mode, launcher) holds, at once:
100 MiB malloc'ed through ctypes.CDLL(None), 300 MiB through
ctypes.CDLL("libc.so.6"), a 1 GiB PROT_NONE + MAP_NORESERVE reservation,
512 MiB read/write MAP_NORESERVE untouched, 24 MiB of Python bytes, and
40 MiB malloc'ed and written by a native pthread (libnative_holder.so).
Only ~64 MiB of it is ever resident; the program prints its VmRSS.
"""
import os
import re

import profile_run as pr
from profile_run import MiB

SCRIPT = pr.program("blind_spots.py")
# Python allocates ~1.6 MiB at start-up before its first frame exists; that
# lands on [no Python stack] too.
START_UP_SLACK = 4 * MiB


def native_holder_path():
    configured = os.environ.get("E2E_NATIVE_HOLDER")
    if not configured:
        raise AssertionError("E2E_NATIVE_HOLDER is not set (testdata/BUILD.bazel passes it)")
    return pr._from_root(configured)


class BlindSpotsTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_ = pr.run_profiled([pr.PYTHON, SCRIPT, native_holder_path()], name="blind_spots")

    def setUp(self):
        self.assert_completed(self.run_)
        self.assertIn("HOLDING", self.run_.stdout, self.run_.describe())

    def vm_rss(self):
        match = re.search(r"^VmRSS (\d+)$", self.run_.stdout, re.M)
        self.assertIsNotNone(match, "the program prints its VmRSS\n%s" % self.run_.describe())
        return int(match.group(1)) * 1024

    # (a) libc's own symbol scope.

    def test_malloc_through_the_global_scope_is_seen(self):
        self.assert_line_bytes(self.run_, "seen_malloc", SCRIPT, "SEEN-100", 100 * MiB)

    def test_malloc_through_libcs_own_scope_is_not_seen(self):
        # ctypes.CDLL("libc.so.6").malloc looks malloc up in libc's own
        # dependency tree, where libtidemark.so is not: the 300 MiB never
        # reach the profiler. A backend that sees them must change this.
        self.assert_line_absent(self.run_, "libc_scope_malloc", SCRIPT, "LIBC-SCOPE-300")
        expected = 100 * MiB + 1536 * MiB + 24 * MiB + 40 * MiB
        self.assert_below(self.run_.peak_bytes, expected + 300 * MiB - 200 * MiB,
                          "peak_bytes (the 300 MiB must be missing from it)", self.run_)

    # (b) Address-space reservations: counted in full, though not resident.

    def test_reservations_are_counted_in_full(self):
        self.assert_line_bytes(self.run_, "reserve_none", SCRIPT, "RESERVE-NONE", 1024 * MiB, rel=0)
        self.assert_line_bytes(self.run_, "reserve_rw", SCRIPT, "RESERVE-RW", 512 * MiB, rel=0)

    def test_reservations_are_not_resident(self):
        # The kernel's view at the same moment: the reservations and the
        # untouched malloc'ed blocks hold no pages; the 40 MiB and 24 MiB
        # written, the interpreter and libraries do.
        rss = self.vm_rss()
        self.assert_below(rss, 200 * MiB, "VmRSS at the peak", self.run_)
        self.assertGreater(self.run_.peak_bytes, rss + 1536 * MiB,
                           "Tidemark's peak exceeds the resident set by the reservations\n%s"
                           % self.run_.describe())

    # (c) A native thread inside a Python process.

    def test_native_threads_block_is_on_no_python_stack(self):
        no_python = self.run_.folded.get((pr.NO_PYTHON_STACK,), 0)
        if not 40 * MiB <= no_python <= 40 * MiB + START_UP_SLACK:
            self.fail("%r holds %d (%s); expected the native thread's 40 MiB (+%s start-up)\n%s"
                      % (pr.NO_PYTHON_STACK, no_python, pr.mib(no_python), pr.mib(START_UP_SLACK),
                         self.run_.describe()))

    def test_the_python_threads_allocations_keep_their_lines(self):
        self.assert_line_bytes(self.run_, "python_bytes", SCRIPT, "PY-24", 24 * MiB)


if __name__ == "__main__":
    pr.main()
