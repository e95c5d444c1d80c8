"""Which processes of a job get a folder (issue 9).

Noise: `/bin/sh -c 'ls >/dev/null; /usr/bin/python3 wrapped_job.py 3'`
(dash runs python3 as its child). sh and ls never run Python and stay far
below the 1 MiB threshold: job.json lists them with folder null, and the
job's only folder is Python's, with its 64 MiB on HELD-64. The exit code is
the shell's (3, the program's). Through the launcher stderr holds exactly
one table, Python's; with LD_PRELOAD alone at most one. With
--process-threshold=0 sh's and ls's images keep folders too.

--follow-children=false (TIDEMARK_FOLLOW_CHILDREN=0): only the first
process has a folder: none for fork workers (mp_workers.py fork) nor for a
Python child started by subprocess (capture_parent.py).
"""
import os

import profile_run as pr
import table_rows as tr

JOB = pr.program("wrapped_job.py")
POOL = pr.program("mp_workers.py")
CAPTURE = pr.program("capture_parent.py")
HELD_BYTES = 64 * pr.MiB
EXIT_CODE = 3
SHELL = "ls >/dev/null; %s %s %d" % (pr.PYTHON, JOB, EXIT_CODE)


def disk_folders(run):
    """The J/<pid>-<program> folders on disk, whatever job.json says."""
    return sorted(name for name in os.listdir(run.output_dir)
                  if pr.folder_pid(name) is not None
                  and os.path.isdir(os.path.join(run.output_dir, name)))


def python_pid(run):
    said = [l for l in run.stdout.splitlines() if l.startswith("wrapped: pid ")]
    return int(said[0].split()[-1]) if len(said) == 1 else None


class NoiseTest(pr.ProfileTestCase):
    def check_noise(self, run, how):
        self.assertEqual(run.returncode, EXIT_CODE, run.describe())
        pid = python_pid(run)
        self.assertIsNotNone(pid, run.describe())
        self.assertEqual(disk_folders(run), ["%d-python3" % pid], run.describe())
        self.assertEqual(os.path.basename(run.process_dir), "%d-python3" % pid, run.describe())
        self.assert_completed(run, EXIT_CODE)
        self.assert_line_bytes(run, "hold", JOB, "HELD-64", HELD_BYTES)
        processes = self.assert_job_index(run)
        self.assertEqual(run.process_folders, [os.path.join(run.output_dir, "%d-python3" % pid)],
                         run.describe())
        # sh (the first process) and ls are listed, without a folder.
        shells = [p for p in processes if p.get("program") == "sh"]
        self.assertTrue(shells, run.describe())
        self.assertEqual(shells[0].get("started"), "first", run.describe())
        self.assertEqual(processes[0].get("pid"), shells[0].get("pid"), run.describe())
        lists = [p for p in processes if p.get("program") == "ls"]
        self.assertEqual(len(lists), 1, run.describe())
        self.assertIsNone(lists[0].get("folder"), run.describe())
        self.assertEqual(lists[0].get("exit_code"), 0, run.describe())
        others = [p for p in processes if p.get("pid") != pid and p.get("folder") is not None]
        self.assertEqual(others, [], run.describe())
        python = [p for p in run.entries_for(pid) if p.get("folder")]
        self.assertEqual(len(python), 1, run.describe())
        self.assertEqual(python[0].get("parent_pid"), shells[0].get("pid"), run.describe())
        tables = pr.table_count(run.stderr)
        if how == "launcher":
            self.assertEqual(tables, 1, run.describe())
            # ... and it is Python's.
            line = pr.find_marker(JOB, "HELD-64")
            self.assertTrue([row for row in tr.table_rows(run.stderr)
                             if tr.names_line(row, "hold", JOB, line)], run.describe())
        else:
            self.assertLessEqual(tables, 1, run.describe())

    def test_helpers_of_a_shell_leave_no_folder(self):
        for how in ("launcher", "preload"):
            with self.subTest(how=how):
                command = ["/bin/sh", "-c", SHELL]
                if how == "launcher":
                    run = pr.run_profiled(command, mode="exact", name="noise-launcher")
                else:
                    run = pr.run_preloaded(command, mode="exact", name="noise-preload")
                self.check_noise(run, how)

    def test_threshold_zero_keeps_every_process(self):
        runs = {
            "launcher": pr.run_profiled(["/bin/sh", "-c", SHELL], mode="exact",
                                        flags=["--process-threshold=0"], name="keep-all"),
            "preload": pr.run_preloaded(["/bin/sh", "-c", SHELL], mode="exact",
                                        name="keep-all-preload", process_threshold="0"),
        }
        for how, run in runs.items():
            with self.subTest(how=how):
                self.assertEqual(run.returncode, EXIT_CODE, run.describe())
                pid = python_pid(run)
                self.assert_job_index(run)
                programs = {pr.folder_program(name) for name in disk_folders(run)}
                self.assertTrue({"sh", "ls", "python3"} <= programs, run.describe())
                self.assertEqual(os.path.basename(run.process_folders[0]),
                                 "%d-sh" % run.processes[0].get("pid"), run.describe())
                view = run.process(pid)
                self.assert_line_bytes(view, "hold", JOB, "HELD-64", HELD_BYTES)


class FollowChildrenOffTest(pr.ProfileTestCase):
    def check_only_first(self, run, first_marker):
        self.assertEqual(run.returncode, 0, run.describe())
        said = [l for l in run.stdout.splitlines() if l.startswith(first_marker)]
        self.assertEqual(len(said), 1, run.describe())
        parent = int(said[0].split()[-1])
        self.assertEqual(disk_folders(run), ["%d-python3" % parent], run.describe())
        self.assertEqual(os.path.basename(run.process_dir), "%d-python3" % parent,
                         run.describe())
        self.assert_completed(run)
        self.assertEqual(pr.table_count(run.stderr), 1, run.describe())

    def runs(self, command, name):
        yield "launcher", pr.run_profiled(command, mode="exact", name=name + "-launcher",
                                          flags=["--follow-children=false"])
        yield "preload", pr.run_preloaded(command, mode="exact", name=name + "-preload",
                                          follow_children="0")

    def test_fork_workers_get_no_folder(self):
        for how, run in self.runs([pr.PYTHON, POOL, "fork"], "nofollow-pool"):
            with self.subTest(how=how):
                self.check_only_first(run, "parent ")
                self.assert_line_bytes(run, "main", POOL, "PARENT-HOLD", 8 * pr.MiB)
                self.assertEqual(run.bytes_at_location(POOL, pr.find_marker(POOL, "WORKER-HOLD")),
                                 0, run.describe())

    def test_subprocess_child_gets_no_folder(self):
        for how, run in self.runs([pr.PYTHON, CAPTURE], "nofollow-capture"):
            with self.subTest(how=how):
                self.check_only_first(run, "parent ")


if __name__ == "__main__":
    pr.main()
