"""A stack deeper than the limit says it was cut (issue 12, item 5).

A stack keeps 128 frames. Deeper, the innermost 127 are kept under a root
marker, `[stack cut: deeper than 128 frames]`: the report must not show the
128th frame from the top, a frame in the middle of the call chain, as a
root of its own. programs/deep_stack.py allocates 24 MiB 300 calls deep and
8 MiB 50 calls deep from the same line.
"""
import profile_run as pr
from profile_run import MiB

CUT = "[stack cut: deeper than 128 frames]"


class DeepStackTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.path = pr.program("deep_stack.py")
        cls.line = pr.find_marker(cls.path, "ALLOCATE")
        cls.runs = {mode: pr.run_profiled([pr.PYTHON, cls.path], mode=mode, name="deep-" + mode)
                    for mode in ("exact", "sample")}

    def check(self, run):
        self.assert_completed(run)
        alloc = pr.frame("down", self.path, self.line)
        at_line = {frames: count for frames, count in run.folded.items() if frames[-1] == alloc}
        cut = {frames: count for frames, count in at_line.items() if frames[0] == CUT}
        whole = {frames: count for frames, count in at_line.items() if frames[0] != CUT}
        # The deep allocation: one stack, 128 frames, the marker as its root
        # and 127 frames of `down` under it, innermost at the line.
        self.assertEqual(len(cut), 1, run.describe())
        (frames, count), = cut.items()
        self.assertEqual(len(frames), 128, frames[:3])
        self.assertTrue(all(f.startswith("down (") for f in frames[1:]), frames[:3])
        self.assertTrue(24 * MiB <= count <= 24 * MiB + 4096, (count, run.describe()))
        # The shallow one keeps every frame: <module>, main, 51 of down.
        self.assertEqual(len(whole), 1, run.describe())
        (frames, count), = whole.items()
        self.assertEqual(frames[0], pr.frame("<module>", self.path, pr.find_marker(self.path, "MAIN")), frames[:3])
        self.assertEqual(len(frames), 53, frames[:3])
        self.assertTrue(8 * MiB <= count <= 8 * MiB + 4096, (count, run.describe()))
        # No other root holds either.
        roots = {frames[0] for frames in run.folded if alloc in frames}
        self.assertEqual(roots, {CUT, frames[0]}, run.describe())
        # summary.json calls the marker what it is.
        kinds = {frame["function"]: frame["kind"] for entry in run.summary["top"]
                 for frame in entry["frames"]}
        self.assertEqual(kinds.get(CUT), "stack_cut", run.describe())

    def test_exact_mode(self):
        self.check(self.runs["exact"])

    def test_sample_mode(self):
        # Both blocks are above the sampling interval: recorded exactly.
        self.check(self.runs["sample"])


if __name__ == "__main__":
    pr.main()
