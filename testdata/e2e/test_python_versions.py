"""The CPython-aware unwinder on every CPython 3.10-3.13 this machine has.

Debian's /usr/bin/python3 (3.11) is always checked; pyenv's builds of 3.10,
3.11, 3.12 and 3.13 are checked when present (each absent one is reported as
a skipped subtest). programs/versions_probe.py holds 64, 32 and 16 MiB on
known lines, one of them in a second thread.
"""
import glob
import os
import subprocess

import profile_run as pr
from profile_run import MiB

SCRIPT = pr.program("versions_probe.py")
WANTED = ("3.10", "3.11", "3.12", "3.13")


def pyenv_root():
    try:
        out = subprocess.run(["pyenv", "root"], capture_output=True, text=True, timeout=30)
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return os.path.expanduser("~/.pyenv")


def interpreters():
    """[(label, path)]: Debian's python3, then the newest pyenv patch release
    of each wanted minor version."""
    found = [("debian-3.11", pr.PYTHON)]
    root = pyenv_root()
    for minor in WANTED:
        builds = sorted(glob.glob(os.path.join(root, "versions", minor + ".*", "bin",
                                               "python" + minor)))
        # A free-threaded build ("3.13.0t") is not supported; skip it.
        builds = [b for b in builds if not os.path.basename(os.path.dirname(
            os.path.dirname(b))).endswith("t")]
        if builds:
            found.append(("pyenv-" + minor, builds[-1]))
    return found


class PythonVersionsTest(pr.ProfileTestCase):
    def test_each_interpreter(self):
        found = interpreters()
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
