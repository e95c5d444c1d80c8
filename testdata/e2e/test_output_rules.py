"""What a run leaves in its folder, and the lines it prints about it.

- summary.json's exit_code is what the parent sees (sys.exit(256) is 0).
- A reused folder holds only the new run's reports: files an earlier run's
  reporters wrote, and its sigusr2-N folders, are removed at start; nothing
  else is (the user's files, links, other folders).
- The folder is fixed at start: a program that chdir()s still reports into
  the folder its relative TIDEMARK_OUTPUT meant, and one that closes every
  descriptor still reports there, never into a folder of its own; between
  reports the folder is not held open.
- TIDEMARK_REPORTERS with an empty name is refused by the library as by
  the launcher; --reporters=top_table writes no file, and the launcher then
  says nothing about a missing report (and leaves no empty default folder).
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


def summary(folder):
    with open(os.path.join(folder, "summary.json"), encoding="utf-8") as handle:
        return json.load(handle)


class OutputRulesTest(pr.ProfileTestCase):

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
        self.assertEqual(sorted(os.listdir(folder)),
                         ["peak.folded", "peak.svg", "profile.tidemark", "summary.json"],
                         first.describe())
        # An earlier run's on-demand folders, the user's own things beside them.
        os.mkdir(os.path.join(folder, "sigusr2-1"))
        with open(os.path.join(folder, "sigusr2-1", "summary.json"), "w") as handle:
            handle.write("{}")
        os.mkdir(os.path.join(folder, "sigusr2-2"))
        with open(os.path.join(folder, "sigusr2-2", "notes.txt"), "w") as handle:
            handle.write("mine")
        with open(os.path.join(folder, "notes.txt"), "w") as handle:
            handle.write("mine")
        elsewhere = pr.fresh_output_dir("elsewhere")
        os.mkdir(elsewhere)
        with open(os.path.join(elsewhere, "peak.svg"), "w") as handle:
            handle.write("not a report of this folder")
        os.symlink(os.path.join(elsewhere, "peak.svg"), os.path.join(folder, "link.svg"))

        second = pr.run_profiled([pr.PYTHON, "-c", "pass"], output_dir=folder,
                                 flags=["--reporters=folded"])
        self.assertEqual(second.returncode, 0, second.describe())
        self.assertEqual(sorted(os.listdir(folder)),
                         ["link.svg", "notes.txt", "peak.folded", "profile.tidemark", "sigusr2-2"],
                         second.describe())
        self.assertEqual(os.listdir(os.path.join(folder, "sigusr2-2")), ["notes.txt"])
        with open(os.path.join(elsewhere, "peak.svg")) as handle:
            self.assertEqual(handle.read(), "not a report of this folder")

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
        # The default folder the launcher made for it is not left empty.
        self.assertEqual(os.listdir(os.path.join(workdir, "tidemark-results")), [], err)
        # With an explicit folder, nothing is said about files either.
        folder = pr.fresh_output_dir("top-table-only-output")
        code, out, err = run([pr.tool_path(), "--reporters=top_table", "--output=" + folder,
                              "--", pr.PYTHON, "-c", "pass"], pr.clean_env())
        self.assertEqual(code, 0, err)
        self.assertEqual([l for l in tidemark_lines(err) if "report" in l], [], err)
        # A run that should have written files and did not (os._exit) gets
        # them rendered from its stored profile, and is told why.
        folder = pr.fresh_output_dir("killed")
        code, out, err = run([pr.tool_path(), "--output=" + folder, "--", pr.PYTHON, "-c",
                              "import os; os._exit(4)"], pr.clean_env())
        self.assertEqual(code, 4, err)
        self.assertIn("tidemark: the program ended with exit code 4 without writing its "
                      "reports; its reports were rendered from its stored profile", err)
        self.assertIn("tidemark: reports in %s" % folder, err)
        with open(os.path.join(folder, "summary.json")) as handle:
            self.assertEqual(json.load(handle)["exit_code"], 4)

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
