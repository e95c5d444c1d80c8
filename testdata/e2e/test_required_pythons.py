"""Every CPython CI requires is here and is the version it claims to be.

The list is TIDEMARK_REQUIRED_PYTHONS (.bazelrc; see required_pythons.py)
plus Debian's /usr/bin/python3. Fast on purpose: when a pyenv build is gone
this target fails in a second, naming each missing version, beside the
slower tests that fail for the same reason.
"""
import os
import subprocess
import unittest

import profile_run as pr
import required_pythons


class RequiredPythonsTest(unittest.TestCase):
    def test_each_required_version_is_present(self):
        found, missing = required_pythons.required_interpreters()
        for message in missing:
            with self.subTest(missing=message.split(" not found")[0]):
                self.fail(message)
        for label, path in found:
            with self.subTest(python=label):
                out = subprocess.run(
                    [path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                    capture_output=True, text=True, env=pr.clean_env(), timeout=60)
                self.assertEqual(out.returncode, 0, "%s (%s) does not run: %s"
                                 % (label, path, out.stderr))
                self.assertEqual(out.stdout.strip(), label.split("-", 1)[1],
                                 "%s is not the version its label says" % path)

    def test_the_matrix_has_a_target_for_each(self):
        # testdata/BUILD.bazel's MATRIX_PYTHONS, passed in by Bazel: a
        # version added to the required list needs its matrix target too.
        listed = os.environ.get("E2E_MATRIX_PYTHONS")
        if listed is None:
            self.skipTest("run outside Bazel: no E2E_MATRIX_PYTHONS")
        wanted = [required_pythons.DEBIAN_LABEL] + [
            "pyenv-" + minor for minor in required_pythons.required_minors()]
        self.assertEqual(sorted(listed.split(",")), sorted(wanted),
                         "testdata/BUILD.bazel's MATRIX_PYTHONS against %s"
                         % required_pythons.VARIABLE)


if __name__ == "__main__":
    unittest.main(verbosity=2)
