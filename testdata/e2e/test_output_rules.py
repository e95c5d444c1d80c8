"""What a run leaves in its folder, and the lines it prints about it.

- summary.json's exit_code is what the parent sees (sys.exit(256) is 0).
- Reports go to the job folder J's J/<pid>-python3/ (issue 9). A reused
  process folder holds only the new run's reports: files an earlier run's
  reporters wrote, and its sigusr2-N folders, are removed at start; nothing
  else is (the user's files, links, other folders). A reused J keeps an
  earlier run's process folders; its index is the new job's.
- The folder is fixed at start: a program that chdir()s still reports into
  the folder its relative TIDEMARK_OUTPUT meant, and one that closes every
  descriptor still reports there, never into a folder of its own; between
  reports the folder is not held open.
- TIDEMARK_REPORTERS with an empty name is refused by the library as by
  the launcher; --reporters=top_table writes no report file (J holds only
  the job's log and index), and the launcher then says nothing about a
  missing report. That holds too on the launcher's other path, a job that
  leaves no index (a statically linked program, which LD_PRELOAD never
  enters): the missing-report line only when report files were asked for.
- "--output -- COMMAND" is a usage error, not a folder called "--".
- Control bytes in a bad value never break the one-line promise.
"""
import json
import os
import subprocess

import profile_run as pr

EXIT_256 = "import sys; print('done'); sys.exit(256)"


def run(argv, env, cwd=None):
    proc = subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode("utf-8", "replace")


def tidemark_lines(text):
    return [line for line in text.splitlines() if line.startswith("tidemark:")]


def summary(job):
    """The summary.json of job folder JOB's main process, J/<pid>-python3/."""
    folder = pr.main_process_folder(job)
    if pr.folder_program(folder) != "python3":
        raise AssertionError("no <pid>-python3 folder in %s:\n%s" % (job, pr.listing(job)))
    with open(os.path.join(folder, "summary.json"), encoding="utf-8") as handle:
        return json.load(handle)


REPORTS = ["peak.folded", "peak.html", "peak.svg", "profile.tidemark", "summary.json"]


class OutputRulesTest(pr.ProfileTestCase):

    def test_a_program_the_library_never_entered(self):
        # Debian's ldconfig is statically linked (libc-bin, an essential
        # package): the library never starts, so the job leaves no index and
        # the launcher falls back to inspecting the folder itself.
        ldconfig = "/sbin/ldconfig"
        if not os.path.exists(ldconfig):
            self.fail("this test needs %s (Debian's libc-bin)" % ldconfig)
        missing = "no report was written"
        for reporters, expected in ((None, [missing]), ("top_table", [])):
            with self.subTest(reporters=reporters):
                flags = ["--reporters=" + reporters] if reporters else []
                argv = ([pr.tool_path(), "--output=" + pr.fresh_output_dir("static")] + flags
                        + ["--", ldconfig, "-p"])
                code, out, err = run(argv, pr.clean_env())
                self.assertEqual(code, 0, err)
                self.assertIn("libc.so.6", out, err)
                self.assertEqual([missing for l in tidemark_lines(err) if missing in l],
                                 expected, err)

    def test_exit_code_is_what_the_parent_sees(self):
        plain = run([pr.PYTHON, "-c", EXIT_256], pr.clean_env())
        self.assertEqual(plain[0], 0)
        for mode in ("exact", "sample"):
            folder = pr.fresh_output_dir("exit256-" + mode)
            code, out, err = run([pr.PYTHON, "-c", EXIT_256], pr.preload_env(mode, folder))
            self.assertEqual((code, out), (0, "done\n"), err)
            self.assertEqual(summary(folder)["exit_code"], 0, err)
            launched = pr.run_profiled([pr.PYTHON, "-c", EXIT_256], mode=mode)
            self.assertEqual(launched.returncode, 0, launched.describe())
            self.assertEqual(launched.summary["exit_code"], 0, launched.describe())
        three = pr.run_profiled([pr.PYTHON, "-c", "import sys; sys.exit(3)"])
        self.assertEqual(three.summary["exit_code"], 3, three.describe())

    def test_a_reused_folder_holds_only_the_new_runs_reports(self):
        folder = pr.fresh_output_dir("reused")
        first = pr.run_profiled([pr.PYTHON, "-c", "pass"], output_dir=folder)
        old = first.process_dir
        self.assertEqual(pr.folder_program(old), "python3", first.describe())
        self.assertEqual(sorted(os.listdir(folder)),
                         sorted([os.path.basename(old), "job.json", "processes.log"]),
                         first.describe())
        self.assertEqual(sorted(os.listdir(old)), REPORTS, first.describe())
        elsewhere = pr.fresh_output_dir("elsewhere")
        os.mkdir(elsewhere)
        with open(os.path.join(elsewhere, "peak.svg"), "w") as handle:
            handle.write("not a report of this folder")

        # The second job's python3 finds a folder of its own name left by an
        # earlier run: a shell makes it for its pid, holding that run's
        # reports, its on-demand folders and the user's things beside them,
        # and execs python3, which keeps the pid.
        plant = ('d="$1/$$-python3" && mkdir -p "$d/sigusr2-1" "$d/sigusr2-2" && '
                 'cp "$2/peak.folded" "$2/peak.svg" "$2/summary.json" "$d/" && '
                 'echo "{}" > "$d/sigusr2-1/summary.json" && '
                 'echo mine > "$d/sigusr2-2/notes.txt" && echo mine > "$d/notes.txt" && '
                 'ln -s "$3" "$d/link.svg" && exec "$4" -c pass')
        second = pr.run_profiled(
            ["/bin/sh", "-c", plant, "sh", folder, old, os.path.join(elsewhere, "peak.svg"),
             pr.PYTHON], output_dir=folder, flags=["--reporters=folded"])
        self.assertEqual(second.returncode, 0, second.describe())
        new = second.process_dir
        self.assertEqual(pr.folder_program(new), "python3", second.describe())
        self.assertNotEqual(new, old, second.describe())
        self.assertEqual(sorted(os.listdir(new)),
                         ["link.svg", "notes.txt", "peak.folded", "profile.tidemark", "sigusr2-2"],
                         second.describe())
        self.assertEqual(os.listdir(os.path.join(new, "sigusr2-2")), ["notes.txt"])
        with open(os.path.join(elsewhere, "peak.svg")) as handle:
            self.assertEqual(handle.read(), "not a report of this folder")
        # The earlier job's process folder is another process's: untouched.
        # The index is the new job's alone (the shell and what it ran were
        # noise: no folder).
        self.assertEqual(sorted(os.listdir(old)), REPORTS, second.describe())
        self.assertEqual([p["folder"] for p in second.processes if p.get("folder")],
                         [os.path.basename(new)], second.describe())
        self.assertEqual({p["pid"] for p in second.processes if p["program"] == "python3"},
                         {pr.folder_pid(new)}, second.describe())

    def test_a_program_that_changes_directory_keeps_its_folder(self):
        start = pr.fresh_output_dir("start")
        moved = pr.fresh_output_dir("moved")
        os.mkdir(start)
        os.mkdir(moved)
        program = "import os; os.chdir(%r); print(os.getcwd())" % moved
        code, out, err = run([pr.PYTHON, "-c", program], pr.preload_env("exact", "reports"),
                             cwd=start)
        self.assertEqual((code, out), (0, moved + "\n"), err)
        self.assertEqual(summary(os.path.join(start, "reports"))["exit_code"], 0)
        self.assertEqual(os.listdir(moved), [])

    def test_a_program_that_closes_every_descriptor_still_reports_to_its_folder(self):
        """Daemons close every descriptor; the number of the report folder's
        may then name another folder of the program's. Reports still go to
        the folder opened at start, and the program's folder gets nothing."""
        folder = pr.fresh_output_dir("closes-fds")
        other = pr.fresh_output_dir("programs-folder")
        os.mkdir(other)
        program = ("import os; os.closerange(3, 1024); "
                   "fds = [os.open(%r, os.O_RDONLY | os.O_DIRECTORY) for _ in range(16)]; "
                   "print('ok')" % other)
        for mode in ("exact", "sample"):
            code, out, err = run([pr.PYTHON, "-c", program],
                                 pr.preload_env(mode, folder, reporters="folded,summary_json"))
            self.assertEqual((code, out, tidemark_lines(err)), (0, "ok\n", []), err)
            self.assertEqual(summary(folder)["mode"], mode)
            self.assertEqual(os.listdir(other), [])

    def test_the_program_sees_no_descriptor_of_tidemarks(self):
        """Between reports the folder is not held open: a program listing its
        descriptors (CPython's test_pass_fds_redirected does) sees its own."""
        program = "import os; print(sorted(os.listdir('/proc/self/fd')))"
        plain = run([pr.PYTHON, "-c", program], pr.clean_env())
        for mode in ("exact", "sample"):
            folder = pr.fresh_output_dir("fds-" + mode)
            self.assertEqual(run([pr.PYTHON, "-c", program], pr.preload_env(mode, folder))[:2],
                             plain[:2])
            launched = pr.run_profiled([pr.PYTHON, "-c", program], mode=mode)
            self.assertEqual((launched.returncode, launched.stdout), plain[:2],
                             launched.describe())

    def test_an_empty_reporter_name_is_refused_by_the_library(self):
        for value, reason in ((",,", "empty reporter name in ',,'"),
                              ("folded,", "empty reporter name in 'folded,'"),
                              ("", "the reporter list is empty")):
            folder = pr.fresh_output_dir("empty-reporters")
            code, out, err = run([pr.PYTHON, "-c", "print('ran')"],
                                 pr.preload_env("exact", folder, reporters=value))
            self.assertEqual((code, out), (0, "ran\n"), err)
            self.assertEqual(tidemark_lines(err),
                             ["tidemark: TIDEMARK_REPORTERS=%s: %s (expected e.g. folded,top_table)"
                              "; profiling is off" % (value, reason)
                              if value else
                              "tidemark: TIDEMARK_REPORTERS=: %s; profiling is off" % reason], err)
            self.assertFalse(os.path.exists(folder))
            code, out, err = pr.run_tool(["--reporters=" + value, "--", pr.PYTHON, "-c", "pass"])
            self.assertEqual(code, 2, err)
            self.assertIn(reason, err)

    def test_printed_reports_only_mean_no_missing_report_line(self):
        workdir = pr.fresh_output_dir("top-table-only")
        os.mkdir(workdir)
        argv = [pr.tool_path(), "--reporters=top_table", "--", pr.PYTHON, "-c", "x = [0] * 10**6"]
        code, out, err = run(argv, pr.clean_env(), cwd=workdir)
        self.assertEqual(code, 0, err)
        self.assertIn("MiB", err)  # the table itself
        self.assertNotIn("no report was written", err)
        self.assertNotIn("reports in", err)
        # The default folder the launcher made for it holds the job's log
        # and index, and no process folder: no stored profile is left as
        # the one file of a process.
        made = os.listdir(os.path.join(workdir, "tidemark-results"))
        self.assertEqual(len(made), 1, err)
        job = os.path.join(workdir, "tidemark-results", made[0])
        self.assertEqual(sorted(os.listdir(job)), ["job.json", "processes.log"], err)
        index = pr.read_job_index(job)
        self.assertEqual([(p["program"], p["folder"], p["exit_code"])
                          for p in pr.index_processes(index)], [("python3", None, 0)], err)
        self.assertGreater(index["highest_peak"]["peak_bytes"], 8 * 10**6, err)
        # With an explicit folder, nothing is said about files either.
        folder = pr.fresh_output_dir("top-table-only-output")
        code, out, err = run([pr.tool_path(), "--reporters=top_table", "--output=" + folder,
                              "--", pr.PYTHON, "-c", "pass"], pr.clean_env())
        self.assertEqual(code, 0, err)
        self.assertEqual([l for l in tidemark_lines(err) if "report" in l], [], err)
        # os._exit writes the reports itself (libtidemark exports _exit).
        folder = pr.fresh_output_dir("os-exit")
        code, out, err = run([pr.tool_path(), "--output=" + folder, "--", pr.PYTHON, "-c",
                              "import os; os._exit(4)"], pr.clean_env())
        self.assertEqual(code, 4, err)
        self.assertNotIn("without writing its reports", err)
        self.assertIn("tidemark: reports in %s" % pr.main_process_folder(folder), err)
        self.assertEqual(summary(folder)["exit_code"], 4, err)
        self.assertEqual(summary(folder)["reason"], "exit", err)
        # A run that should have written files and could not (SIGKILL) gets
        # them rendered from its stored profile, and is told why.
        folder = pr.fresh_output_dir("killed")
        code, out, err = run([pr.tool_path(), "--output=" + folder, "--", pr.PYTHON, "-c",
                              "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"],
                             pr.clean_env())
        self.assertEqual(code, -9, err)
        self.assertIn("tidemark: the program was killed by SIGKILL; its reports were rendered "
                      "from its stored profile", err)
        self.assertIn("tidemark: reports in %s" % pr.main_process_folder(folder), err)
        self.assertEqual(summary(folder)["reason"], "SIGKILL", err)
        self.assertIsNone(summary(folder)["exit_code"], err)

    def test_a_value_flag_before_the_double_dash_is_a_usage_error(self):
        for argv in (["--output", "--", pr.PYTHON, "-c", "print('ran')"],
                     ["--mode", "--", pr.PYTHON, "-c", "print('ran')"]):
            code, out, err = pr.run_tool(argv)
            self.assertEqual(code, 2, err)
            self.assertEqual(out, "", "the command must not run")
            self.assertIn("needs a value, not '--'", err)
        self.assertFalse(os.path.exists("--"))

    def test_control_bytes_in_bad_values_stay_on_one_line(self):
        bad = "ex\nact\x1b[2J"
        code, out, err = run([pr.PYTHON, "-c", "print('ran')"],
                             pr.preload_env(bad, pr.fresh_output_dir("escape")))
        self.assertEqual((code, out), (0, "ran\n"), err)
        self.assertEqual(err.splitlines(),
                         ["tidemark: TIDEMARK_MODE=ex\\nact\\x1b[2J: unknown mode "
                          "'ex\\nact\\x1b[2J' (expected 'exact' or 'sample'); profiling is off"])
        code, out, err = pr.run_tool(["--mode=" + bad, "--", pr.PYTHON, "-c", "print('ran')"])
        self.assertEqual((code, out), (2, ""), err)
        self.assertNotIn("\x1b", err)
        for line in err.splitlines():
            self.assertTrue(line.startswith("tidemark: "), err)
        self.assertIn("--mode: unknown mode 'ex\\nact\\x1b[2J'", err)


if __name__ == "__main__":
    pr.main()
