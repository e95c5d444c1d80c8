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
            "wrapped_job.py": ["HELD-64"],
            "mp_workers.py": ["PARENT-HOLD", "WORKER-HOLD"],
            "capture_child.py": ["CHILD-HOLD"],
            "fork_stress.py": ["CHILD-2MIB", "CHURN"],
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

    def test_issue_9_programs(self):
        import subprocess

        def run(*argv):
            done = subprocess.run([pr.PYTHON] + [pr.program(argv[0])] + list(argv[1:]),
                                  capture_output=True, text=True, env=pr.clean_env(),
                                  timeout=300)
            return done.returncode, done.stdout.splitlines()

        code, lines = run("wrapped_job.py", "3")
        self.assertEqual((code, len(lines)), (3, 1))
        for method in ("fork", "spawn"):
            code, lines = run("mp_workers.py", method)
            self.assertEqual(code, 0, method)
            workers = [l.split() for l in lines if l.startswith("worker ")]
            self.assertEqual([(w[1], w[3]) for w in workers],
                             [("0", str(32 << 20)), ("1", str(48 << 20)), ("2", str(64 << 20))])
            self.assertEqual(len({w[2] for w in workers}), 3, "one process per worker")
        code, lines = run("capture_parent.py")
        self.assertEqual((code, [l.split()[0] for l in lines]), (0, ["parent", "child"]))
        code, lines = run("fork_stress.py", "5")
        self.assertEqual((code, lines[-1]), (0, "done 5"))

    def test_c_program(self):
        import subprocess
        path = pr.c_program_path()
        if not os.path.exists(path):
            self.skipTest("c_alloc_program not built: %s" % path)
        self.assertEqual(subprocess.run([path], env=pr.clean_env()).returncode, 0)


class JobLayoutTest(unittest.TestCase):
    """Finding a job's process folders, in the layout of issue 9 and before."""

    def setUp(self):
        self.job = tempfile.mkdtemp(prefix="layout-")

    def tearDown(self):
        import shutil
        shutil.rmtree(self.job)

    def make(self, *names):
        for name in names:
            os.makedirs(os.path.join(self.job, name))

    def write(self, name, text):
        with open(os.path.join(self.job, name), "w") as handle:
            handle.write(text)

    def test_layout_before_issue_9_is_its_own_process_folder(self):
        self.write("summary.json", '{"peak_bytes": 7}')
        self.write("peak.folded", "main (/t/a.py:1) 7\n")
        self.make("sigusr2-1", "out-of-memory")
        self.assertEqual(pr.process_folders(self.job), [])
        self.assertEqual(pr.main_process_folder(self.job), self.job)
        run = pr.Run(["x"], self.job, 0, "", "")
        self.assertEqual(run.process_dir, self.job)
        self.assertEqual(run.peak_bytes, 7)
        self.assertIsNone(run.index)
        self.assertIsNone(run.pid)

    def test_index_picks_the_first_pids_last_image_with_a_folder(self):
        # A shell wrapper (pid 40, no folder) execs Python; a worker forks.
        self.make("40-python3", "41-python3", "39-other")
        self.write("job.json", """{"version": 1, "processes": [
          {"pid": 40, "started": "first", "program": "sh", "folder": null},
          {"pid": 42, "started": "child", "program": "dirname", "folder": null},
          {"pid": 40, "started": "exec", "program": "python3", "folder": "40-python3"},
          {"pid": 41, "started": "fork", "program": "python3", "folder": "41-python3",
           "exit_code": 5}],
          "highest_peak": null}""")
        self.write("40-python3/summary.json", '{"peak_bytes": 12}')
        self.write("41-python3/summary.json", '{"peak_bytes": 34}')
        self.assertEqual(pr.process_folders(self.job),
                         [os.path.join(self.job, "40-python3"),
                          os.path.join(self.job, "41-python3")])
        self.assertEqual(pr.main_process_folder(self.job), os.path.join(self.job, "40-python3"))
        run = pr.Run(["x"], self.job, 0, "", "")
        self.assertEqual((run.pid, run.peak_bytes), (40, 12))
        self.assertEqual([e["program"] for e in run.entries_for(40)], ["sh", "python3"])
        worker = run.process(41)
        self.assertEqual((worker.pid, worker.peak_bytes, worker.returncode), (41, 34, 5))
        self.assertEqual(worker.output_dir, self.job)
        self.assertEqual(run.process("41-python3").pid, 41)
        with self.assertRaises(AssertionError):
            run.process("python3")  # two of them
        with self.assertRaises(AssertionError):
            run.process(39)  # not in the index

    def test_log_when_there_is_no_index_yet(self):
        self.make("7-python3", "9-python3")
        self.write("processes.log",
                   "start\t7\t1\t100\tfirst\t-\tbash\tbash\tx.sh\n"
                   "start\t9\t7\t105\tchild\t9-python3\tpython3\tpython3\n"
                   "start\t7\t1\t100\texec\t7-python3\tpython3\tpython3\ta\\tb\n"
                   "end\t9\t105\texit\t0\t5\t1\t9-python3\n")
        self.assertEqual(pr.main_process_folder(self.job), os.path.join(self.job, "7-python3"))
        self.assertEqual(len(pr.process_folders(self.job)), 2)

    def test_only_folder_when_the_first_process_has_none(self):
        self.make("12-python3")
        self.write("job.json", """{"version": 1, "processes": [
          {"pid": 10, "started": "first", "program": "sh", "folder": null},
          {"pid": 12, "started": "child", "program": "python3", "folder": "12-python3"}]}""")
        self.assertEqual(pr.main_process_folder(self.job), os.path.join(self.job, "12-python3"))
        self.assertEqual(pr.folder_program(pr.main_process_folder(self.job)), "python3")

    def test_several_folders_and_nothing_to_choose_by(self):
        self.make("3-a", "4-b")
        self.assertEqual(pr.main_process_folder(self.job), self.job)
        self.assertEqual([os.path.basename(f) for f in pr.process_folders(self.job)],
                         ["3-a", "4-b"])

    def test_table_count(self):
        text = ("tidemark: peak tracked memory 1 MiB\ntidemark: x\n"
                "noise tidemark: peak tracked memory\ntidemark: peak tracked memory 2\n")
        self.assertEqual(pr.table_count(text), 2)


if __name__ == "__main__":
    pr.main()
