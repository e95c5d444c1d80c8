"""The native unwinders (issue 12): fp, libunwind and libdw on a known chain.

programs/native_chain.c is built twice (with and without frame pointers, both
with debug information) as libnative_chain_{fp,nofp}.so; programs/
native_chain_main.c dlopens one, holds 4 blocks of 1 MiB made through
Hold -> chain_a -> chain_b -> chain_c -> malloc, and dlcloses the library
before it exits, so the report written at exit names frames of a library that
is no longer loaded (the program prints "unloaded" when it really is gone).

Each unwinder must report the chain in order, each frame at the line of its
call (markers in the sources), in peak.folded and summary.json; fp on the
build without frame pointers must degrade (frames missing) without crashing
or inventing frames. //tools:report, rendering the same stored profile in
another process after the program died, must name the frames identically.
"""

import os
import unittest

import profile_run as pr

BLOCKS = 4
BLOCK_BYTES = 1 << 20
UNWINDERS = ("fp", "libunwind", "libdw")
FLAVOURS = ("fp", "nofp")


def _configured(variable):
    value = os.environ.get(variable)
    if not value:
        raise AssertionError("%s is not set (testdata/BUILD.bazel passes it)" % variable)
    return os.path.abspath(pr._from_root(value))


def _expected_chain():
    """(function, source file name, line) from the outermost to malloc's caller."""
    chain = pr.program("native_chain.c")
    main = pr.program("native_chain_main.c")
    return [
        ("Hold", "native_chain_main.c", pr.find_marker(main, "main-call")),
        ("chain_a", "native_chain.c", pr.find_marker(chain, "chain-a-call")),
        ("chain_b", "native_chain.c", pr.find_marker(chain, "chain-b-call")),
        ("chain_c", "native_chain.c", pr.find_marker(chain, "chain-c-call")),
    ]


def _function(frame_text):
    return frame_text.split(" (", 1)[0]


class NativeUnwindersTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        main = _configured("E2E_NATIVE_CHAIN_MAIN")
        libraries = {
            "fp": _configured("E2E_NATIVE_CHAIN_FP"),
            "nofp": _configured("E2E_NATIVE_CHAIN_NOFP"),
        }
        cls.runs = {}
        for unwinder in UNWINDERS:
            for flavour in FLAVOURS:
                cls.runs[unwinder, flavour] = pr.run_profiled(
                    [main, libraries[flavour]],
                    flags=["--unwinder=%s" % unwinder],
                    name="native-%s-%s" % (unwinder, flavour),
                    timeout=120,
                )

    def chain_stack(self, run):
        """The one folded stack holding the 4 MiB made through chain_c."""
        hits = [(frames, count) for frames, count in run.folded.items()
                if frames and _function(frames[-1]) == "chain_c"]
        self.assertEqual(len(hits), 1, "one stack ending in chain_c\n%s" % run.describe())
        frames, count = hits[0]
        self.assertEqual(count, BLOCKS * BLOCK_BYTES, run.describe())
        return frames

    def assert_ran(self, run):
        self.assert_completed(run)
        self.assertEqual(run.stdout.strip(), "unloaded",
                         "dlclose must really unload the library\n%s" % run.describe())
        self.assertEqual(run.peak_bytes, BLOCKS * BLOCK_BYTES + run.peak_bytes % BLOCK_BYTES)
        # Native frames are no Python: job.json says the process ran none.
        entries = [p for p in run.index["processes"] if p["program"] == "native_chain_main"]
        self.assertEqual([p["python"] for p in entries], [False], run.index)

    def test_each_unwinder_reports_the_chain_in_order_with_lines(self):
        expected = _expected_chain()
        for unwinder in UNWINDERS:
            for flavour in FLAVOURS:
                if unwinder == "fp" and flavour == "nofp":
                    continue  # test_fp_degrades_without_frame_pointers
                with self.subTest(unwinder=unwinder, flavour=flavour):
                    run = self.runs[unwinder, flavour]
                    self.assert_ran(run)
                    frames = self.chain_stack(run)
                    # The innermost frames, in order: main's callee down to
                    # malloc's caller (malloc itself is the profiler's).
                    tail = frames[-len(expected):]
                    for text, (function, source, line) in zip(tail, expected):
                        self.assertEqual(_function(text), function, run.describe())
                        self.assertTrue(
                            text.endswith("%s:%d)" % (source, line)),
                            "%r should be at %s:%d\n%s" % (text, source, line, run.describe()))
                    self.assertEqual(_function(frames[-len(expected) - 1]), "main")
                    # summary.json names them the same way (root first).
                    top = run.summary["top"][0]
                    self.assertEqual(top["bytes"], BLOCKS * BLOCK_BYTES)
                    named = [(f["function"], os.path.basename(f["file"]), f["line"])
                             for f in top["frames"][-len(expected):]]
                    self.assertEqual(named, expected)
                    self.assertTrue(all(f["kind"] == "native" for f in top["frames"]))

    def test_fp_degrades_without_frame_pointers(self):
        run = self.runs["fp", "nofp"]
        self.assert_ran(run)
        frames = self.chain_stack(run)
        # malloc's own frame (the profiler's, with a frame pointer) still
        # gives the return address into chain_c; the callers that keep no
        # frame pointer are skipped, never invented: what remains of the
        # chain is in order, and every frame has a name.
        order = ["main", "Hold", "chain_a", "chain_b", "chain_c"]
        seen = [_function(f) for f in frames if _function(f) in order]
        self.assertEqual(seen, sorted(seen, key=order.index), run.describe())
        self.assertLess(len(seen), len(order), "frames were expected to be missing")
        for text in frames:
            self.assertNotIn("???", text)
            self.assertFalse(_function(text).startswith("0x"), text)

    def test_the_report_tool_names_frames_of_the_dead_process_alike(self):
        run = self.runs["libdw", "nofp"]
        self.assert_ran(run)
        before = run.folded_text
        code, out, err = pr.run_report(run.process_dir)
        self.assertEqual(code, 0, "report: %s %s" % (out, err))
        with open(os.path.join(run.process_dir, "peak.folded"), encoding="utf-8") as handle:
            self.assertEqual(handle.read(), before)


if __name__ == "__main__":
    unittest.main()
