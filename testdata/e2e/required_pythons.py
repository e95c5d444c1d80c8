"""The CPython interpreters the tests require, and where each one is.

CI's list is one line of .bazelrc:

  test --test_env=TIDEMARK_REQUIRED_PYTHONS=3.10,3.11,3.12,3.13

(minor versions, comma-separated; a pyenv build of each is required under
`pyenv root`/versions). When the variable is unset (a test run outside
Bazel) the same list applies: DEFAULT. Debian's /usr/bin/python3 (3.11) is
required whatever the list says: every end-to-end test runs on it.

A required interpreter that is missing is a FAILURE naming it, never a
skip: a machine that lost one must not report the tests that would have
run on it as passed. unwinders/cpython/layout_probe_test.sh reads the same
variable.
"""
import glob
import os
import re

import profile_run as pr

VARIABLE = "TIDEMARK_REQUIRED_PYTHONS"
DEFAULT = pr.WANTED_PYTHONS
DEBIAN_LABEL = "debian-3.11"
DEBIAN_MINOR = "3.11"


def required_minors():
    """The required pyenv minor versions ("3.10", ...), in list order."""
    text = os.environ.get(VARIABLE)
    if text is None:
        return tuple(DEFAULT)
    minors = tuple(part.strip() for part in text.split(",") if part.strip())
    for minor in minors:
        if not re.fullmatch(r"3\.[0-9]+", minor):
            raise AssertionError("%s=%r: %r is not a CPython minor version like 3.12"
                                 % (VARIABLE, text, minor))
    return minors


def pyenv_build(root, minor):
    """The newest pyenv build of MINOR under ROOT (its bin/pythonX.Y), or
    None. Free-threaded builds ("3.13.0t") are not supported: left out."""
    builds = glob.glob(os.path.join(root, "versions", minor + ".*", "bin", "python" + minor))
    builds = [b for b in builds
              if re.fullmatch(re.escape(minor) + r"\.[0-9]+",
                              os.path.basename(os.path.dirname(os.path.dirname(b))))]
    builds.sort(key=lambda b: int(os.path.basename(os.path.dirname(os.path.dirname(b)))
                                  .rsplit(".", 1)[1]))
    return builds[-1] if builds else None


def required_interpreters():
    """([(label, path)], [missing]): Debian's python3 and a pyenv build of
    each required minor version, and one message per missing one, e.g.
    "required CPython 3.12 not found under /root/.pyenv/versions"."""
    found, missing = [], []
    if os.access(pr.PYTHON, os.X_OK):
        found.append((DEBIAN_LABEL, pr.PYTHON))
    else:
        missing.append("required CPython %s (Debian's) not found at %s"
                       % (DEBIAN_MINOR, pr.PYTHON))
    root = pr.pyenv_root()
    for minor in required_minors():
        build = pyenv_build(root, minor)
        if build is None:
            missing.append("required CPython %s not found under %s/versions (no %s.N/bin/"
                           "python%s; the list is %s=%s)" % (
                               minor, root, minor, minor, VARIABLE,
                               ",".join(required_minors())))
        else:
            found.append(("pyenv-" + minor, build))
    return found, missing


def interpreter(label):
    """The path of one required interpreter by label ("debian-3.11",
    "pyenv-3.12"), or raises AssertionError naming what is missing."""
    found, missing = required_interpreters()
    for name, path in found:
        if name == label:
            return path
    minor = label.split("-", 1)[-1]
    said = [m for m in missing if "CPython %s " % minor in m]
    raise AssertionError("%s is not available: %s" % (
        label, "; ".join(said) or "not in the required list (%s=%s)" % (
            VARIABLE, ",".join(required_minors()))))
