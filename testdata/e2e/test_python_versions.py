"""The CPython-aware unwinder on every CPython 3.10-3.13 this machine has.

Debian's /usr/bin/python3 (3.11) is always checked; pyenv's builds of 3.10,
3.11, 3.12 and 3.13 are checked when present (each absent one is reported as
a skipped subtest). programs/versions_probe.py holds 64, 32 and 16 MiB on
known lines, one of them in a second thread.
"""
import profile_run as pr
from profile_run import MiB

SCRIPT = pr.program("versions_probe.py")
WANTED = pr.WANTED_PYTHONS


class PythonVersionsTest(pr.ProfileTestCase):
    def test_each_interpreter(self):
        found = pr.interpreters()
        labels = [label for label, _ in found]
        for minor in WANTED:
            if minor != "3.11" and "pyenv-" + minor not in labels:
                with self.subTest(python=minor):
                    self.skipTest("no pyenv build of CPython %s here" % minor)
        for label, python in found:
            with self.subTest(python=label):
                run = pr.run_profiled([python, SCRIPT], name="versions-" + label)
                self.assert_completed(run)
                for marker, size in (("HOLD-64", 64 * MiB), ("HOLD-32", 32 * MiB),
                                     ("THREAD-16", 16 * MiB)):
                    line = pr.find_marker(SCRIPT, marker)
                    self.assert_close(run.bytes_at_location(SCRIPT, line), size, 0.01,
                                      "%s on %s" % (marker, label), run)
                # Function names: 3.11+ report the qualified name.
                method = "make" if label.endswith("3.10") else "Holder.make"
                self.assertGreater(
                    run.bytes_at(method, SCRIPT, pr.find_marker(SCRIPT, "HOLD-32")), 0,
                    run.describe())
                self.assertGreater(
                    run.bytes_at("worker", SCRIPT, pr.find_marker(SCRIPT, "THREAD-16")), 0,
                    run.describe())


if __name__ == "__main__":
    pr.main()
