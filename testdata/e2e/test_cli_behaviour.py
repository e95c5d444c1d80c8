"""Scenario 9: the tool is transparent to the program and strict about flags.

programs/behaviour.py writes known lines on stdout and stderr and exits 3.
"""
import os
import re

import profile_run as pr

SCRIPT = pr.program("behaviour.py")
ARGS = ["alpha", "two words"]
SCRIPT_STDOUT = (
    "tidemark-e2e stdout: first line\n"
    "tidemark-e2e stdout: args=alpha|two words\n"
)
SCRIPT_STDERR_LINES = ["tidemark-e2e stderr: script line"]
# One row of the table: MiB, % of the peak, the line.
ROW = re.compile(r"^tidemark:\s+[0-9]+\.[0-9]\s+[0-9]+\.[0-9]%\s+\S")


class BehaviourTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_ = pr.run_profiled([pr.PYTHON, SCRIPT] + ARGS, name="behaviour")

    def test_exit_code_is_propagated(self):
        if self.run_.returncode != 3:
            self.fail("expected the script's exit code 3\n" + self.run_.describe())

    def test_stdout_is_exactly_the_scripts(self):
        self.assertEqual(self.run_.stdout, SCRIPT_STDOUT, self.run_.describe())

    def test_stderr_is_the_scripts_or_tidemark_lines(self):
        lines = self.run_.stderr.splitlines()
        foreign = [l for l in lines if l not in SCRIPT_STDERR_LINES and not l.startswith("tidemark:")]
        self.assertEqual(foreign, [], "stderr lines neither the script's nor tidemark's\n"
                         + self.run_.describe())
        for line in SCRIPT_STDERR_LINES:
            self.assertIn(line, lines, "the script's own stderr line is missing\n" + self.run_.describe())

    def test_top_table_is_printed_on_stderr(self):
        # Not just any `tidemark:` line: the launcher prints one of its own
        # ("reports in DIR") whether or not there is a table. The table is
        # its header (with this run's peak and mode), the column line, and
        # ten rows (the default --top; the script has twelve lines of 0.25
        # MiB, as rows printing 0.0 MiB are left out) plus the "more lines"
        # row.
        detail = self.run_.describe()
        lines = pr.tidemark_lines(self.run_.stderr)
        self.assertEqual(pr.table_count(self.run_.stderr), 1, detail)
        start = next(i for i, l in enumerate(lines) if l.startswith(pr.TABLE_FIRST_LINE))
        header = re.match(r"tidemark: peak tracked memory ([0-9.]+) MiB \(exact mode\)",
                          lines[start])
        self.assertIsNotNone(header, detail)
        self.assertAlmostEqual(float(header.group(1)), self.run_.peak_bytes / pr.MiB,
                               delta=0.05, msg=detail)
        self.assertRegex(lines[start + 1], r"^tidemark:\s+MiB\s+% peak\s+line$", detail)
        rows = [l for l in lines[start + 2:] if ROW.match(l)]
        shown = int(re.search(r"; top (\d+) lines?:$", lines[start]).group(1))
        self.assertEqual(shown, 10, detail)
        self.assertEqual(len(rows), 11, detail)
        self.assertRegex(rows[-1], r"\(\d+ more lines?\)$", detail)
        for row in rows:
            self.assertNotRegex(row, r"^tidemark:\s+0\.0\s", detail)
        # The launcher's own line comes after the table and is not part of it.
        self.assertEqual(lines[-1], "tidemark: reports in %s" % self.run_.process_dir, detail)

    def test_summary_records_exit_code_and_command(self):
        self.assertIsNotNone(self.run_.summary, self.run_.describe())
        self.assertEqual(self.run_.summary.get("exit_code"), 3, self.run_.describe())
        command = self.run_.summary.get("command")
        self.assertIsInstance(command, list, self.run_.describe())
        expected_tail = [SCRIPT] + ARGS
        self.assertEqual(command[-len(expected_tail):], expected_tail, self.run_.describe())


class TopRowsTest(pr.ProfileTestCase):
    def test_top_flag_sets_the_number_of_rows(self):
        run = pr.run_profiled([pr.PYTHON, SCRIPT] + ARGS, flags=["--top=2"], name="top2")
        table = [l for l in run.stderr.splitlines() if l.startswith("tidemark: ")]
        header = [l for l in table if "top 2 lines:" in l]
        self.assertEqual(len(header), 1, run.describe())
        rows = [l for l in table if "%" in l and "% peak" not in l and "more line" not in l]
        self.assertEqual(len(rows), 2, run.describe())


class BadInvocationTest(pr.ProfileTestCase):
    def check_usage_error(self, argv, must_mention=()):
        code, out, err = pr.run_tool(argv)
        detail = "argv %r -> exit %d\nstdout: %r\nstderr: %r" % (argv, code, out, err)
        self.assertEqual(code, 2, detail)
        self.assertTrue(err.strip(), "no message on stderr\n" + detail)
        self.assertTrue(err.startswith("tidemark:"), "stderr must start with `tidemark:`\n" + detail)
        for line in err.splitlines():
            self.assertTrue(line.startswith("tidemark:"), "every stderr line starts with `tidemark:`\n" + detail)
        for word in must_mention:
            self.assertIn(word, err, detail)
        return err

    def test_unknown_mode(self):
        err = self.check_usage_error(
            ["--mode=bogus", "--output=" + pr.fresh_output_dir("bogus-mode"), "--",
             pr.PYTHON, "-c", "pass"],
            must_mention=("bogus",))
        self.assertIn("mode", err.lower())

    def test_no_command_after_separator(self):
        self.check_usage_error(["--output=" + pr.fresh_output_dir("no-command"), "--"])

    def test_no_command_at_all(self):
        self.check_usage_error(["--output=" + pr.fresh_output_dir("no-command")])

    def test_unwritable_output(self):
        self.check_usage_error(
            ["--output=/proc/tidemark-forbidden", "--", pr.PYTHON, "-c", "pass"],
            must_mention=("/proc/tidemark-forbidden",))


if __name__ == "__main__":
    pr.main()
