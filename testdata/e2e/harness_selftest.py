"""Checks the harness itself (parsing, matching, markers); needs no profiler."""
import os
import tempfile
import unittest

import profile_run as pr


class ParseFoldedTest(unittest.TestCase):
    def test_frames_with_spaces_and_counts(self):
        text = (
            "<module> (/t/a.py:30);main (/t/a.py:25);hold_400 (/t/a.py:14);"
            "ones (/usr/lib/python3/dist-packages/numpy/core/numeric.py:205) 419430400\n"
            "[no Python stack] 4096\n"
            "\n"
            "<module> (/t/a.py:30);main (/t/a.py:26) 100\n"
            "<module> (/t/a.py:30);main (/t/a.py:26) 23\n"
        )
        folded = pr.parse_folded(text)
        self.assertEqual(len(folded), 3)
        self.assertEqual(folded[(pr.NO_PYTHON_STACK,)], 4096)
        self.assertEqual(folded[("<module> (/t/a.py:30)", "main (/t/a.py:26)")], 123)
        self.assertEqual(pr.bytes_for_frame(folded, pr.frame("hold_400", "/t/a.py", 14)), 419430400)
        self.assertEqual(pr.bytes_for_frame(folded, pr.frame("main", "/t/a.py", 26)), 123)
        self.assertEqual(pr.bytes_for_frame(folded, pr.frame("main", "/t/a.py", 14)), 0)
        self.assertEqual(pr.bytes_for_frame(folded, "<module> (/t/a.py:30)"), 419430400 + 123)
        self.assertEqual(pr.bytes_for_location(folded, "/t/a.py", 14), 419430400)
        # /t/a.py:3 must not match line 30.
        self.assertEqual(pr.bytes_for_location(folded, "/t/a.py", 3), 0)

    def test_location_counts_each_stack_once(self):
        folded = pr.parse_folded(
            "build (/t/p.py:9);build.<locals>.<listcomp> (/t/p.py:9) 1000\n")
        self.assertEqual(pr.bytes_for_location(folded, "/t/p.py", 9), 1000)

    def test_malformed_lines(self):
        with self.assertRaises(ValueError):
            pr.parse_folded("main (/t/a.py:1) lots\n")
        with self.assertRaises(ValueError):
            pr.parse_folded("12345\n")


class MarkerTest(unittest.TestCase):
    def test_markers_in_the_programs_are_unique(self):
        expected = {
            "numpy_peak.py": ["ALLOC-400", "ALLOC-250", "ALLOC-150", "ALLOC-AFTER-100"],
            "calloc_peak.py": ["ZALLOC-300", "ZALLOC-200", "ZALLOC-100", "ZALLOC-AFTER-80"],
            "ctypes_malloc.py": ["CMALLOC-300"],
            "realloc_growth.py": ["GROW", "CHUNK"],
            "mmap_anon.py": ["MMAP-300", "MMAP-CLOSED-64"],
            "threads_peak.py": ["THREAD-100", "THREAD-150", "THREAD-200", "MAIN-50"],
            "pymalloc_objects.py": ["OBJECTS"],
        }
        for name, markers in expected.items():
            path = pr.program(name)
            self.assertTrue(os.path.isabs(path))
            for marker in markers:
                with self.subTest(program=name, marker=marker):
                    line = pr.find_marker(path, marker)
                    with open(path) as source:
                        text = source.read().splitlines()[line - 1]
                    self.assertIn("# " + marker, text)
                    self.assertFalse(text.lstrip().startswith("#"), "marker on a code line")

    def test_marker_prefix_does_not_match_longer_marker(self):
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
            handle.write("x = 1  # ALLOC-4000\ny = 2  # ALLOC-400\nz = 3  # ALLOC-400-LATE\n")
        try:
            self.assertEqual(pr.find_marker(handle.name, "ALLOC-400"), 2)
        finally:
            os.unlink(handle.name)


class ToleranceTest(unittest.TestCase):
    def test_assert_close_reports_the_run(self):
        class Fake:
            def describe(self):
                return "REPORT-DUMP"

        case = pr.ProfileTestCase()
        case.assert_close(102, 100, 0.02, "x", Fake())
        with self.assertRaises(AssertionError) as raised:
            case.assert_close(103, 100, 0.02, "x", Fake())
        self.assertIn("REPORT-DUMP", str(raised.exception))


class ProgramsRunWithoutProfilerTest(unittest.TestCase):
    """The scenario programs themselves work (small ones only)."""

    def test_behaviour_program(self):
        import subprocess
        proc = subprocess.run(
            [pr.PYTHON, pr.program("behaviour.py"), "alpha", "two words"],
            capture_output=True, text=True, env=pr.clean_env())
        self.assertEqual(proc.returncode, 3)
        self.assertEqual(
            proc.stdout,
            "tidemark-e2e stdout: first line\ntidemark-e2e stdout: args=alpha|two words\n")
        self.assertEqual(proc.stderr, "tidemark-e2e stderr: script line\n")

    def test_c_program(self):
        import subprocess
        path = pr.c_program_path()
        if not os.path.exists(path):
            self.skipTest("c_alloc_program not built: %s" % path)
        self.assertEqual(subprocess.run([path], env=pr.clean_env()).returncode, 0)


if __name__ == "__main__":
    pr.main()
