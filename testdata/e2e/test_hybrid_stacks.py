"""Hybrid stacks (issue 12, item 3): Python frames in native stacks.

`--unwinder=cpython+NATIVE` (and `--native`, cpython+libunwind) walks the
native stack and puts, in place of each frame of CPython's evaluator, the
Python frames that call of the evaluator ran. programs/hybrid_sites.py
allocates 2 x 16 MiB in Holder.__init__ (bytearray, through
PyByteArray_Resize) and, with --numpy, 32 MiB from np.zeros.

Checked: the Python frames of the allocation, in order, in the same stack
as the native frames below them (CPython's bytearray code, numpy's
_multiarray_umath) and above them (the interpreter's start, from `_start`
or `main`); the bytes; with every native unwinder, in both modes, on
Debian's python3 and each required pyenv CPython; a C program's functions
under --native.
"""
import os
import subprocess

import profile_run as pr
import required_pythons
from profile_run import MiB

HELD = 32 * MiB
# Virtual environments with numpy from PyPI for the pyenv CPythons (Debian's
# python3 has Debian's numpy), made once and kept: a fresh machine
# downloads a numpy wheel per version (the registries are reachable).
VENVS = os.path.expanduser("~/.cache/tidemark-e2e-venvs")


def numpy_python(label, python):
    """The python of a venv of PYTHON with numpy in it, made if missing."""
    venv = os.path.join(VENVS, label + "-numpy")
    venv_python = os.path.join(venv, "bin", "python")
    check = [venv_python, "-c", "import numpy"]
    if os.path.exists(venv_python) and subprocess.run(check, capture_output=True).returncode == 0:
        return venv_python
    os.makedirs(VENVS, exist_ok=True)
    for step in ([python, "-m", "venv", "--clear", venv],
                 [venv_python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                  "--only-binary=:all:", "numpy"]):
        done = subprocess.run(step, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise AssertionError("cannot make a numpy venv for %s (%s): %s\n%s"
                                 % (label, " ".join(step), done.stdout[-2000:],
                                    done.stderr[-2000:]))
    return venv_python


def function(frame):
    return frame.split(" (", 1)[0]


class HybridStackTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.path = pr.program("hybrid_sites.py")
        cls.marker = {name: pr.find_marker(cls.path, name)
                      for name in ("INIT", "LOAD", "ZEROS", "MAIN-LOAD", "MAIN-ZEROS", "MODULE")}

    def python_frames(self, frames):
        return [f for f in frames if (" (%s:" % self.path) in f]

    def init_stack(self, run):
        """The stacks through Holder.__init__'s line: (frames, bytes) of the
        largest, and the bytes of all of them."""
        suffix = " (%s:%d)" % (self.path, self.marker["INIT"])
        hits = [(frames, count) for frames, count in run.folded.items()
                if any(f.endswith(suffix) for f in frames)]
        self.assertTrue(hits, "no stack through Holder.__init__\n%s" % run.describe())
        total = sum(count for _, count in hits)
        return max(hits, key=lambda hit: hit[1])[0], total

    def check_pure_python(self, run, native_below=True):
        self.assert_completed(run)
        frames, total = self.init_stack(run)
        self.assertTrue(HELD <= total <= HELD + 4096, (total, run.describe()))
        # The Python frames, root first, at their lines (3.10 names the
        # comprehension <listcomp>, 3.11+ qualify names).
        python = self.python_frames(frames)
        lines = [int(f.rsplit(":", 1)[1].rstrip(")")) for f in python]
        m = self.marker
        self.assertEqual(lines, [m["MODULE"], m["MAIN-LOAD"], m["LOAD"], m["LOAD"], m["INIT"]]
                         if len(lines) == 5 else
                         [m["MODULE"], m["MAIN-LOAD"], m["LOAD"], m["INIT"]], frames)
        # Native frames between and around them: one stack, not two.
        self.assertGreater(len(frames), len(python), frames)
        if native_below:
            inner = frames[frames.index(python[-1]) + 1:]
            self.assertIn("PyByteArray_Resize", [function(f) for f in inner], frames)
            outer = frames[:frames.index(python[0])]
            self.assertTrue(any(function(f) in ("_start", "main", "Py_BytesMain", "Py_RunMain")
                                for f in outer), frames)
        return frames

    def test_each_native_unwinder_composes_with_cpython(self):
        for native in ("fp", "libunwind", "libdw"):
            for mode in ("exact", "sample"):
                with self.subTest(native=native, mode=mode):
                    run = pr.run_profiled([pr.PYTHON, self.path], mode=mode,
                                          flags=["--unwinder=cpython+" + native],
                                          name="hybrid-%s-%s" % (native, mode))
                    # A frame-pointer walk stops at Debian's evaluator (built
                    # without one): the Python frames then sit at the root,
                    # above what the walk found.
                    self.check_pure_python(run, native_below=native != "fp")

    def check_numpy(self, python, name):
        run = pr.run_profiled([python, self.path, "--numpy"], flags=["--native"], name=name)
        self.check_pure_python(run)
        suffix = " (%s:%d)" % (self.path, self.marker["ZEROS"])
        hits = [(frames, count) for frames, count in run.folded.items()
                if any(f.endswith(suffix) for f in frames)]
        # numpy 2 also keeps the array's shape and strides in a small block.
        at_line = sum(count for _, count in hits)
        self.assertTrue(HELD <= at_line <= HELD + 4096, (at_line, run.describe()))
        frames = max(hits, key=lambda hit: hit[1])[0]
        at = [i for i, f in enumerate(frames) if f.endswith(suffix)][-1]
        below = frames[at + 1:]
        self.assertTrue(any("_multiarray_umath" in f for f in below), frames)
        self.assertFalse(self.python_frames(below), frames)
        self.assertEqual(run.summary.get("unwinder"), "cpython+libunwind", run.describe())

    def test_numpy_shows_the_python_line_then_numpys_native_path(self):
        self.check_numpy(pr.PYTHON, "hybrid-numpy")

    def test_numpy_from_pypi_on_each_pyenv_python(self):
        found, missing = required_pythons.required_interpreters()
        self.assertFalse(missing, missing)
        for label, python in found:
            if label == required_pythons.DEBIAN_LABEL or label.endswith("-3.11"):
                continue  # Debian's numpy above
            with self.subTest(python=label):
                self.check_numpy(numpy_python(label, python), "hybrid-numpy-" + label)

    def test_every_required_python(self):
        found, missing = required_pythons.required_interpreters()
        self.assertFalse(missing, missing)
        for label, python in found:
            with self.subTest(python=label):
                run = pr.run_profiled([python, self.path], flags=["--native"],
                                      name="hybrid-" + label)
                self.check_pure_python(run)

    def test_a_c_program_shows_its_functions(self):
        main = os.path.abspath(pr._from_root(os.environ["E2E_NATIVE_CHAIN_MAIN"]))
        library = os.path.abspath(pr._from_root(os.environ["E2E_NATIVE_CHAIN_FP"]))
        run = pr.run_profiled([main, library], flags=["--native"], name="hybrid-c")
        self.assert_completed(run)
        chain = [(frames, count) for frames, count in run.folded.items()
                 if frames and function(frames[-1]) == "chain_c"]
        self.assertEqual(len(chain), 1, run.describe())
        frames, count = chain[0]
        self.assertEqual(count, 4 * MiB)
        self.assertEqual([function(f) for f in frames[-5:]],
                         ["main", "Hold", "chain_a", "chain_b", "chain_c"], frames)


if __name__ == "__main__":
    pr.main()
