"""Scenario 7: one million small objects made on one line.

pymalloc serves them from 1 MiB arenas it gets with mmap; the profiler sees
the arenas (and the list's malloc'ed pointer array). The sys.getsizeof total
the program prints is a floor-ish estimate: arenas carry pool headers and
size-class rounding, so at least 80% and less than 200% of it must be in
stacks through the OBJECTS line.
"""
import re

import profile_run as pr

SCRIPT = pr.program("pymalloc_objects.py")


class PymallocObjectsTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_ = pr.run_profiled([pr.PYTHON, SCRIPT], name="pymalloc_objects")

    def setUp(self):
        self.assert_completed(self.run_)

    def test_objects_are_attributed_to_their_line(self):
        match = re.search(r"^sizeof_bytes=(\d+)$", self.run_.stdout, re.M)
        if not match:
            self.fail("the program did not print sizeof_bytes\n" + self.run_.describe())
        estimate = int(match.group(1))
        line = pr.find_marker(SCRIPT, "OBJECTS")
        # The comprehension's frame and build()'s frame both sit on this line;
        # each stack counts once.
        attributed = self.run_.bytes_at_location(SCRIPT, line)
        what = "bytes at peak in stacks through %s:%d (sys.getsizeof total %s)" % (
            SCRIPT, line, pr.mib(estimate))
        if attributed < 0.8 * estimate:
            self.fail("%s: got %s, below 80%%\n%s" % (what, pr.mib(attributed), self.run_.describe()))
        self.assert_below(attributed, 2 * estimate, what + " (must be below 200%)", self.run_)


if __name__ == "__main__":
    pr.main()
