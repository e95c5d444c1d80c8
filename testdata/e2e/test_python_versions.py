"""The CPython-aware unwinder on every CPython 3.10-3.13 this machine has.

Debian's /usr/bin/python3 (3.11) and a pyenv build of each version in
TIDEMARK_REQUIRED_PYTHONS (.bazelrc; see required_pythons.py) are checked;
a required one that is missing FAILS, naming it (after the others ran).
programs/versions_probe.py holds 64, 32 and 16 MiB on known lines, one of
them in a second thread.
"""
import profile_run as pr
import required_pythons
from profile_run import MiB

SCRIPT = pr.program("versions_probe.py")


class PythonVersionsTest(pr.ProfileTestCase):
    def test_each_interpreter(self):
        found, missing = required_pythons.required_interpreters()
        for message in missing:
            with self.subTest(missing=message.split(" not found")[0]):
                self.fail(message)
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
