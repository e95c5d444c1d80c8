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

import profile_run as pr
import required_pythons
from profile_run import MiB

HELD = 32 * MiB


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

    def test_numpy_shows_the_python_line_then_numpys_native_path(self):
        run = pr.run_profiled([pr.PYTHON, self.path, "--numpy"], flags=["--native"],
                              name="hybrid-numpy")
        self.check_pure_python(run)
        suffix = " (%s:%d)" % (self.path, self.marker["ZEROS"])
        hits = [(frames, count) for frames, count in run.folded.items()
                if any(f.endswith(suffix) for f in frames)]
        self.assertEqual(sum(count for _, count in hits), HELD, run.describe())
        frames = max(hits, key=lambda hit: hit[1])[0]
        at = [i for i, f in enumerate(frames) if f.endswith(suffix)][-1]
        below = frames[at + 1:]
        self.assertTrue(any("_multiarray_umath" in f for f in below), frames)
        self.assertFalse(self.python_frames(below), frames)
        self.assertEqual(run.summary.get("unwinder"), "cpython+libunwind", run.describe())

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
