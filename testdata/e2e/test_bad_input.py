"""Bad input everywhere: every launcher flag and every TIDEMARK_* variable.

One row per case in TABLE below. Each row of a setting is run both ways:

  launcher  `profile --FLAG=VALUE -- python3 behaviour.py ...`
  library   `LD_PRELOAD=libtidemark.so TIDEMARK_VAR=VALUE python3 behaviour.py ...`

and must give the row's verdict both ways, so the launcher and the library
reject exactly the same values:

  REJECT  launcher: exit 2, nothing on stdout, the program does not run, and
          stderr holds one message starting `tidemark:` that names the flag
          (followed at most by the `run with --help` hint).
          library: the program runs unchanged (stdout and exit status as
          without the library), its own stderr lines are there, plus exactly
          one `tidemark:` line saying profiling is off; no report folder.
  ACCEPT  both ways the program runs unchanged, reports are written, and the
          row's effect (if any) shows in them.

Rows for argv shapes only the launcher sees (LAUNCHER_ROWS) and variables
only the library reads (LIBRARY_ROWS) are run one way.
"""

import json
import os
import re
import subprocess
import unittest

import profile_run as pr

SCRIPT = pr.program("behaviour.py")
COMMAND = [pr.PYTHON, SCRIPT, "alpha", "two words"]
SCRIPT_STDERR = "tidemark-e2e stderr: script line"

ACCEPT = "accept"
REJECT = "reject"

# Flag -> the variable the library reads for it.
VARIABLE = {
    "mode": "TIDEMARK_MODE",
    "output": "TIDEMARK_OUTPUT",
    "unwinder": "TIDEMARK_UNWINDER",
    "reporters": "TIDEMARK_REPORTERS",
    "sample-interval": "TIDEMARK_SAMPLE_INTERVAL",
    "flush-interval": "TIDEMARK_FLUSH_INTERVAL",
    "top": "TIDEMARK_TOP",
    "seed": "TIDEMARK_SAMPLE_SEED",
    "process-threshold": "TIDEMARK_PROCESS_THRESHOLD",
    "follow-children": "TIDEMARK_FOLLOW_CHILDREN",
}

LONG = "9" * 5000  # 5000 bytes
NOT_UTF8 = b"\xff\xfe\xc3("  # invalid UTF-8 (argv and environment are bytes)
ESC = "\x1b[31m"

# Effects an accepted value must have; each takes (run, the main process's
# report folder J/<pid>-python3/).
def summary_says(key, value):
    def check(test, run, folder):
        summary = test.read_summary(run, folder)
        test.assertEqual(summary.get(key), value, "summary.json %s\n%s" % (key, run))
    check.__name__ = "summary_%s_is_%s" % (key, value)
    return check


def top_rows_are(count):
    def check(test, run, folder):
        wanted = "top %d line%s:" % (count, "" if count == 1 else "s")
        headers = [l for l in run.stderr.splitlines() if l.startswith("tidemark:") and " top " in l]
        test.assertTrue(any(wanted in l for l in headers), "want %r in the table header\n%s" % (wanted, run))
    return check


def top_rows_at_least(count):
    def check(test, run, folder):
        shown = [int(m.group(1)) for m in re.finditer(r"top (\d+) lines?:", run.stderr)]
        test.assertTrue(shown and shown[0] >= count, "want more than %d rows\n%s" % (count, run))
    return check


def stderr_only(check):
    """The row's reporters write no file: the folder stays empty."""
    check.no_files = True
    return check


def files_are(*names):
    """Exactly these reports, beside the stored profile they come from."""
    def check(test, run, folder):
        test.assertEqual(sorted(os.listdir(folder)),
                         sorted(names + ("profile.tidemark",)), str(run))
    return check


def output_folder_is(relative):
    """The reports went to exactly RELATIVE under the run's directory."""
    def check(test, run, folder):
        test.assertTrue(os.path.isfile(os.path.join(folder, "summary.json")), str(run))
    check.relative = relative
    return check


# In sample mode a process that happened to sample no allocation with a
# Python frame, and holds little, is noise and keeps no folder (one run in
# four of this short program at a 2 MiB interval): every process keeps its
# reports in these rows, which are about the settings' values.
KEEP = {"process-threshold": "0"}
SAMPLED = dict(KEEP, mode="sample")

# fmt: off
# (setting,          value,                       verdict, effect or extra settings)
TABLE = [
    # --mode / TIDEMARK_MODE
    ("mode",            "",                          REJECT),
    ("mode",            " ",                         REJECT),
    ("mode",            "exact ",                    REJECT),
    ("mode",            " sample",                   REJECT),
    ("mode",            "EXACT",                     REJECT),
    ("mode",            "bogus",                     REJECT),
    ("mode",            "exact=1",                   REJECT),
    ("mode",            "-0",                        REJECT),
    ("mode",            NOT_UTF8,                    REJECT),
    ("mode",            LONG,                        REJECT),
    ("mode",            "exact\nsample",             REJECT),   # (b)
    ("mode",            "bogus" + ESC,               REJECT),   # (b)
    ("mode",            "exact",                     ACCEPT,  summary_says("mode", "exact")),
    ("mode",            "sample",                    ACCEPT,  summary_says("mode", "sample"), KEEP),

    # --sample-interval / TIDEMARK_SAMPLE_INTERVAL (checked in sample mode)
    ("sample-interval", "",                          REJECT),
    ("sample-interval", " ",                         REJECT),
    ("sample-interval", " 1M",                       REJECT),
    ("sample-interval", "1M ",                       REJECT),
    ("sample-interval", "+1M",                       REJECT),
    ("sample-interval", "0",                         REJECT),
    ("sample-interval", "-0",                        REJECT),
    ("sample-interval", "-1",                        REJECT),
    ("sample-interval", " -1",                       REJECT),
    ("sample-interval", "99999999999999999999",      REJECT),
    ("sample-interval", "18446744073709551616",      REJECT),
    ("sample-interval", "1048577G",                  REJECT),   # past 2^50
    ("sample-interval", "1e999",                     REJECT),
    ("sample-interval", "1e3",                       REJECT),
    ("sample-interval", "nan",                       REJECT),
    ("sample-interval", "inf",                       REJECT),
    ("sample-interval", "0x10",                      REJECT),
    ("sample-interval", "1.5M",                      REJECT),
    ("sample-interval", "1MiBB",                     REJECT),
    ("sample-interval", "1BB",                       REJECT),
    ("sample-interval", "1T",                        REJECT),
    ("sample-interval", "M",                         REJECT),
    ("sample-interval", "1=2",                       REJECT),
    ("sample-interval", NOT_UTF8,                    REJECT),
    ("sample-interval", LONG,                        REJECT),
    ("sample-interval", "1\n2",                      REJECT),   # (b)
    ("sample-interval", "1M" + ESC,                  REJECT),   # (b)
    ("sample-interval", "1",                         ACCEPT,  summary_says("sample_interval_bytes", 1), SAMPLED),
    ("sample-interval", "512K",                      ACCEPT,  summary_says("sample_interval_bytes", 512 << 10), SAMPLED),
    ("sample-interval", "512KiB",                    ACCEPT,  summary_says("sample_interval_bytes", 512 << 10), SAMPLED),
    ("sample-interval", "2m",                        ACCEPT,  summary_says("sample_interval_bytes", 2 << 20), SAMPLED),
    ("sample-interval", "4096B",                     ACCEPT,  summary_says("sample_interval_bytes", 4096), SAMPLED),
    ("sample-interval", "1048576G",                  ACCEPT,  summary_says("sample_interval_bytes", 1 << 50), SAMPLED),
    ("sample-interval", "007K",                      ACCEPT,  summary_says("sample_interval_bytes", 7 << 10), SAMPLED),

    # --flush-interval / TIDEMARK_FLUSH_INTERVAL
    ("flush-interval",  "",                          REJECT),
    ("flush-interval",  " ",                         REJECT),
    ("flush-interval",  " 5",                        REJECT),
    ("flush-interval",  "5 ",                        REJECT),
    ("flush-interval",  "+5",                        REJECT),
    ("flush-interval",  "-1",                        REJECT),
    ("flush-interval",  "-0",                        REJECT),
    ("flush-interval",  "nan",                       REJECT),
    ("flush-interval",  "inf",                       REJECT),
    ("flush-interval",  "1e999",                     REJECT),
    ("flush-interval",  "1e10",                      REJECT),   # past 10^9 s
    ("flush-interval",  "99999999999999999999",      REJECT),
    ("flush-interval",  "0x10",                      REJECT),
    ("flush-interval",  "5s",                        REJECT),
    ("flush-interval",  "1,5",                       REJECT),
    ("flush-interval",  "1=2",                       REJECT),
    ("flush-interval",  NOT_UTF8,                    REJECT),
    ("flush-interval",  LONG,                        REJECT),
    ("flush-interval",  "5\n",                       REJECT),   # (b)
    ("flush-interval",  ESC + "5",                   REJECT),   # (b)
    ("flush-interval",  "0",                         ACCEPT,  None, SAMPLED),
    ("flush-interval",  "0.5",                       ACCEPT,  None, SAMPLED),
    ("flush-interval",  ".5",                        ACCEPT,  None, SAMPLED),
    ("flush-interval",  "1e3",                       ACCEPT,  None, SAMPLED),
    ("flush-interval",  "1000000000",                ACCEPT,  None, SAMPLED),

    # --top / TIDEMARK_TOP
    ("top",             "",                          REJECT),
    ("top",             " ",                         REJECT),
    ("top",             " 3",                        REJECT),
    ("top",             "+3",                        REJECT),
    ("top",             "0",                         REJECT),
    ("top",             "-0",                        REJECT),
    ("top",             "-1",                        REJECT),
    ("top",             "1000001",                   REJECT),
    ("top",             "99999999999999999999",      REJECT),
    ("top",             "1e999",                     REJECT),
    ("top",             "1.0",                       REJECT),
    ("top",             "nan",                       REJECT),
    ("top",             "inf",                       REJECT),
    ("top",             "0x10",                      REJECT),
    ("top",             "3=4",                       REJECT),
    ("top",             NOT_UTF8,                    REJECT),
    ("top",             LONG,                        REJECT),
    ("top",             "3\n4",                      REJECT),   # (b)
    ("top",             "3" + ESC,                   REJECT),   # (b)
    ("top",             "1",                         ACCEPT,  top_rows_are(1)),
    ("top",             "2",                         ACCEPT,  top_rows_are(2)),
    ("top",             "1000000",                   ACCEPT,  top_rows_at_least(11)),

    # --seed / TIDEMARK_SAMPLE_SEED
    ("seed",            "",                          REJECT),
    ("seed",            " ",                         REJECT),
    ("seed",            " 1",                        REJECT),
    ("seed",            " -1",                       REJECT),
    ("seed",            "+1",                        REJECT),
    ("seed",            "-1",                        REJECT),
    ("seed",            "-0",                        REJECT),
    ("seed",            "18446744073709551616",      REJECT),   # 2^64
    ("seed",            "99999999999999999999",      REJECT),
    ("seed",            "1e999",                     REJECT),
    ("seed",            "nan",                       REJECT),
    ("seed",            "inf",                       REJECT),
    ("seed",            "0x10",                      REJECT),
    ("seed",            "1=2",                       REJECT),
    ("seed",            NOT_UTF8,                    REJECT),
    ("seed",            LONG,                        REJECT),
    ("seed",            "1\n",                       REJECT),   # (b)
    ("seed",            "1" + ESC,                   REJECT),   # (b)
    ("seed",            "0",                         ACCEPT,  None, SAMPLED),
    ("seed",            "42",                        ACCEPT,  None, SAMPLED),
    ("seed",            "18446744073709551615",      ACCEPT,  None, SAMPLED),

    # --unwinder / TIDEMARK_UNWINDER
    ("unwinder",        "",                          REJECT),
    ("unwinder",        " ",                         REJECT),
    ("unwinder",        "bogus",                     REJECT),
    ("unwinder",        "cpython ",                  REJECT),
    ("unwinder",        "CPYTHON",                   REJECT),
    ("unwinder",        "cpython,cpython",           REJECT),
    ("unwinder",        "cpython=1",                 REJECT),
    ("unwinder",        "x" * 63,                    REJECT),   # fits, unknown
    ("unwinder",        "x" * 64,                    REJECT),   # too long
    ("unwinder",        NOT_UTF8,                    REJECT),
    ("unwinder",        LONG,                        REJECT),
    ("unwinder",        "cpython\nx",                REJECT),   # (b)
    ("unwinder",        ESC + "cpython",             REJECT),   # (b)
    ("unwinder",        "cpython",                   ACCEPT),

    # --reporters / TIDEMARK_REPORTERS
    ("reporters",       "",                          REJECT),
    ("reporters",       " ",                         REJECT),
    ("reporters",       ",",                         REJECT),   # (a)
    ("reporters",       ",,",                        REJECT),   # (a)
    ("reporters",       ",folded",                   REJECT),   # (a)
    ("reporters",       "folded,",                   REJECT),   # (a)
    ("reporters",       "folded,,summary_json",      REJECT),   # (a)
    ("reporters",       "folded, summary_json",      REJECT),
    ("reporters",       "folded,bogus",              REJECT),
    ("reporters",       "bogus",                     REJECT),
    ("reporters",       "FOLDED",                    REJECT),
    ("reporters",       "folded=1",                  REJECT),
    ("reporters",       ",".join(["folded"] * 80),   REJECT),   # 559 bytes: too long
    ("reporters",       NOT_UTF8,                    REJECT),
    ("reporters",       LONG,                        REJECT),
    ("reporters",       "folded\nbogus",             REJECT),   # (b)
    ("reporters",       "folded," + ESC,             REJECT),   # (b)
    ("reporters",       "folded",                    ACCEPT,  files_are("peak.folded")),
    ("reporters",       "summary_json,folded",       ACCEPT,  files_are("peak.folded", "summary.json")),
    ("reporters",       "folded,folded",             ACCEPT,  files_are("peak.folded")),
    ("reporters",       "top_table",                 ACCEPT,  stderr_only(top_rows_are(10))),

    # --process-threshold / TIDEMARK_PROCESS_THRESHOLD (a size; "0" keeps
    # every process's folder)
    ("process-threshold", "",                        REJECT),
    ("process-threshold", " ",                       REJECT),
    ("process-threshold", "-1",                      REJECT),
    ("process-threshold", "1M ",                     REJECT),
    ("process-threshold", "bogus",                   REJECT),
    ("process-threshold", NOT_UTF8,                  REJECT),
    ("process-threshold", LONG,                      REJECT),
    ("process-threshold", "1\n2",                    REJECT),   # (b)
    ("process-threshold", " 1M",                     REJECT),
    ("process-threshold", "+1M",                     REJECT),
    ("process-threshold", "-0",                      REJECT),
    ("process-threshold", "0x10",                    REJECT),
    ("process-threshold", "1e3",                     REJECT),
    ("process-threshold", "1.5M",                    REJECT),
    ("process-threshold", "nan",                     REJECT),
    ("process-threshold", "99999999999999999999",    REJECT),
    ("process-threshold", "1048577G",                REJECT),   # past 2^50
    ("process-threshold", "1M" + ESC,                REJECT),   # (b)
    ("process-threshold", "512K",                    ACCEPT),
    ("process-threshold", "1048576G",                ACCEPT),

    # --follow-children / TIDEMARK_FOLLOW_CHILDREN: the switches' words
    ("follow-children", "",                          REJECT),
    ("follow-children", " ",                         REJECT),
    ("follow-children", "2",                         REJECT),
    ("follow-children", "-1",                        REJECT),
    ("follow-children", "True",                      REJECT),
    ("follow-children", "ON",                        REJECT),
    ("follow-children", "y",                         REJECT),
    ("follow-children", "1 ",                        REJECT),
    ("follow-children", NOT_UTF8,                    REJECT),
    ("follow-children", LONG,                        REJECT),
    ("follow-children", "on\n",                      REJECT),   # (b)
    ("follow-children", ESC + "1",                   REJECT),   # (b)
    ("follow-children", "0",                         ACCEPT),
    ("follow-children", "on",                        ACCEPT),
    ("process-threshold", "0",                       ACCEPT),
    ("process-threshold", "2M",                      ACCEPT),

    # --output / TIDEMARK_OUTPUT (parsing only; unwritable, symlinked and
    # full folders are tested elsewhere). Relative values start from the
    # run's own scratch folder.
    ("output",          "",                          REJECT),
    ("output",          "d/" + "o" * 5000,           REJECT),   # past PATH_MAX
    ("output",          "a=b",                       ACCEPT,  output_folder_is("a=b")),
    ("output",          " ",                         ACCEPT,  output_folder_is(" ")),
    ("output",          "-0",                        ACCEPT,  output_folder_is("-0")),
    ("output",          NOT_UTF8,                    ACCEPT,  output_folder_is(NOT_UTF8)),
    ("output",          "r-{pid}-x",                 ACCEPT,  output_folder_is("r-{pid}-x")),
]

# argv shapes only the launcher sees: (name, arguments before COMMAND, verdict).
# Every argv ends with COMMAND unless it says otherwise.
LAUNCHER_ROWS = [
    ("unknown_long_flag",        ["--bogus=1", "--"],         REJECT),
    ("unknown_short_flag",       ["-x", "--"],                REJECT),
    ("flag_name_case",           ["--Mode=exact", "--"],      REJECT),
    ("three_dashes",             ["---mode=exact", "--"],     REJECT),
    ("empty_flag_name",          ["--=exact", "--"],          REJECT),
    ("help_with_value",          ["--help=yes", "--"],        REJECT),
    ("single_dash_long_flag",    ["-mode=exact", "--"],       REJECT),
    ("non_utf8_flag_name",       [b"--\xff=1", "--"],         REJECT),
    ("no_command",               ["--mode=exact", "--"],      REJECT),  # no COMMAND
    ("every_value_is_checked",   ["--mode=bogus", "--mode=sample", "--"], REJECT),
    ("later_flag_wins",          ["--top=5", "--top=1", "--"], ACCEPT),
    # Switches take no value, and the word after one is not its value.
    ("switch_with_value",        ["--oom-exit=1", "--"],      REJECT),
    ("negated_switch_with_value", ["--no-oom-detection=0", "--"], REJECT),
    ("switch_as_value_flag",     ["--oom-detection=0", "--"], REJECT),
    ("switches",                 ["--no-oom-detection", "--oom-exit", "--"], ACCEPT),
    ("switch_before_command",    ["--oom-exit"],              ACCEPT),
    ("value_as_next_argument",   ["--top", "1", "--"],        ACCEPT),
    ("flags_after_command_are_its_own", [],                   ACCEPT),  # COMMAND + "--mode=bogus"
]
# A value flag with no value: last on the line, or followed by "--" (which
# must not become its value; (c) for --output).
for _flag in VARIABLE:
    LAUNCHER_ROWS.append(("%s_value_missing_at_end" % _flag.replace("-", "_"), ["--" + _flag], REJECT))
    LAUNCHER_ROWS.append(("%s_takes_double_dash" % _flag.replace("-", "_"), ["--" + _flag, "--"], REJECT))
_NO_COMMAND = {"no_command"} | {name for name, _, _ in LAUNCHER_ROWS if name.endswith("_at_end")}
_COMMAND_EXTRA = {"flags_after_command_are_its_own": ["--mode=bogus"]}

# Variables only the library reads: (variable, value, verdict).
LIBRARY_ROWS = [
    ("TIDEMARK_INTERPOSER", "",               REJECT),
    ("TIDEMARK_INTERPOSER", "bogus",          REJECT),
    ("TIDEMARK_INTERPOSER", "x" * 64,         REJECT),
    ("TIDEMARK_INTERPOSER", LONG,             REJECT),
    ("TIDEMARK_INTERPOSER", NOT_UTF8,         REJECT),
    ("TIDEMARK_INTERPOSER", "preload\n",      REJECT),   # (b)
    ("TIDEMARK_INTERPOSER", "preload" + ESC,  REJECT),   # (b)
    ("TIDEMARK_INTERPOSER", "preload",        ACCEPT),
    # Only "1" means "started by the launcher"; nothing else is an error.
    ("TIDEMARK_LAUNCHED",   "",               ACCEPT),
    ("TIDEMARK_LAUNCHED",   "0",              ACCEPT),
    ("TIDEMARK_LAUNCHED",   "yes",            ACCEPT),
    ("TIDEMARK_LAUNCHED",   LONG,             ACCEPT),
    ("TIDEMARK_LAUNCHED",   NOT_UTF8,         ACCEPT),
    ("TIDEMARK_LAUNCHED",   "1\n",            ACCEPT),   # (b)
    ("TIDEMARK_LAUNCHED",   ESC + "1",        ACCEPT),   # (b)
]
# TIDEMARK_JOB is written by Tidemark (the first process's pid); a value it
# could not have written is ignored and the process starts a job of its
# own: profiled as usual, its folder where TIDEMARK_OUTPUT says.
for _value in ("", "0", "-1", "12x", " 12", "+12", "99999999999", "1\n", ESC + "1", NOT_UTF8):
    LIBRARY_ROWS.append(("TIDEMARK_JOB", _value, ACCEPT))
# The out-of-memory switches: 1/0, true/false, yes/no, on/off, nothing else.
for _variable in ("TIDEMARK_OOM_DETECTION", "TIDEMARK_OOM_EXIT"):
    for _value in ("", " ", "2", "-1", "True", "ON", "y", "1 ", "on\n", ESC + "1", LONG, NOT_UTF8):
        LIBRARY_ROWS.append((_variable, _value, REJECT))
    for _value in ("1", "0", "true", "false", "yes", "no", "on", "off"):
        LIBRARY_ROWS.append((_variable, _value, ACCEPT))
# fmt: on


def _text(value):
    return value.decode("latin-1") if isinstance(value, bytes) else value


class Outcome:
    def __init__(self, argv, cwd, proc):
        self.argv = argv
        self.cwd = cwd
        self.returncode = proc.returncode
        self.stdout = proc.stdout.decode("utf-8", "replace")
        self.stderr = proc.stderr.decode("utf-8", "replace")

    def __str__(self):
        shown = [repr(a)[:80] for a in self.argv]
        return "argv: %s\nexit: %s\nstdout: %r\nstderr:\n%s" % (
            " ".join(shown), self.returncode, self.stdout, self.stderr[-3000:])


def _run(argv, env, cwd):
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=env, cwd=cwd, timeout=120)
    return Outcome(argv, cwd, proc)


_BASELINE = []


def baseline():
    """The program without Tidemark."""
    if not _BASELINE:
        _BASELINE.append(_run(COMMAND, pr.clean_env(), pr.scratch_dir()))
    return _BASELINE[0]


class BadInputTest(pr.ProfileTestCase):
    # -- the two ways of running ------------------------------------------

    def fresh_cwd(self, name):
        cwd = pr.fresh_output_dir(name)
        os.makedirs(cwd)
        return cwd

    def launch(self, name, flags, command=COMMAND, cwd=None):
        cwd = cwd or self.fresh_cwd(name)
        return _run([pr.tool_path()] + list(flags) + list(command), pr.clean_env(), cwd), cwd

    def preload(self, name, variables, cwd=None):
        cwd = cwd or self.fresh_cwd(name)
        env = pr.clean_env({"LD_PRELOAD": pr.library_path()})
        env.update(variables)
        return _run(COMMAND, env, cwd), cwd

    # -- verdicts ------------------------------------------------------------

    def assert_launcher_rejected(self, run, flag=None):
        self.assertEqual(run.returncode, 2, "launcher must exit 2\n%s" % run)
        self.assertEqual(run.stdout, "", "the program must not run\n%s" % run)
        self.assertNotIn(SCRIPT_STDERR, run.stderr, "the program must not run\n%s" % run)
        lines = run.stderr.split("\n")
        self.assertEqual(lines[-1], "", "stderr must end with a newline\n%s" % run)
        lines = lines[:-1]
        hint = "tidemark: run with --help for usage"
        messages = [l for l in lines if l != hint]
        self.assertEqual(len(messages), 1, "want exactly one message besides the hint\n%s" % run)
        for line in lines:
            self.assertTrue(line.startswith("tidemark: "), "every line starts with `tidemark: `\n%s" % run)
            self.assert_printable(line, run)
        if flag is not None:
            # The output folder is checked when it is made, by path.
            named = ["--" + flag] + (["reports to"] if flag == "output" else [])
            self.assertTrue(any(n in messages[0] for n in named), "the message names the flag\n%s" % run)

    def assert_printable(self, line, run):
        """No control character (a terminal escape, a carriage return) may
        hide or rewrite the line on the user's terminal."""
        bad = [c for c in line if ord(c) < 0x20 or ord(c) == 0x7F]
        self.assertEqual(bad, [], "control characters in %r\n%s" % (line, run))

    def assert_program_unchanged(self, run):
        base = baseline()
        self.assertEqual(run.returncode, base.returncode, "exit status changed\n%s" % run)
        self.assertEqual(run.stdout, base.stdout, "stdout changed\n%s" % run)
        self.assertIn(SCRIPT_STDERR, run.stderr.split("\n"), "the program's stderr line\n%s" % run)

    def assert_library_rejected(self, run, output=None):
        self.assert_program_unchanged(run)
        lines = run.stderr.split("\n")
        foreign = [l for l in lines if l not in (SCRIPT_STDERR, "")]
        self.assertEqual(len(foreign), 1, "want exactly one line besides the program's\n%s" % run)
        self.assertTrue(foreign[0].startswith("tidemark: "), str(run))
        self.assertIn("profiling is off", foreign[0], str(run))
        self.assert_printable(foreign[0], run)
        if output is not None:
            self.assertFalse(os.path.exists(output), "no report folder when profiling is off\n%s" % run)

    def assert_profiled(self, run, folder, effect=None):
        """FOLDER is the job's folder J; the reports are in its main
        process's folder J/<pid>-python3/, which EFFECT is given."""
        self.assert_program_unchanged(run)
        self.assertNotIn("profiling is off", run.stderr, str(run))
        for line in run.stderr.split("\n"):
            if line not in (SCRIPT_STDERR, ""):
                self.assertTrue(line.startswith("tidemark:"), "foreign stderr line %r\n%s" % (line, run))
        self.assertTrue(os.path.isdir(folder), "no job folder %r\n%s" % (folder, run))
        self.assertTrue(os.path.isfile(os.path.join(folder, pr.JOB_INDEX_FILE)),
                        "no %s in %r: %r\n%s" % (pr.JOB_INDEX_FILE, folder, os.listdir(folder), run))
        if getattr(effect, "no_files", False):
            # Only the job's index and log: no process left a file.
            files = [os.path.relpath(os.path.join(parent, name), folder)
                     for parent, _, names in os.walk(folder) for name in names]
            self.assertEqual(sorted(files), [pr.JOB_INDEX_FILE, pr.JOB_LOG_FILE],
                             "want no report file\n%s" % run)
            process = folder
        else:
            process = self.main_process(run, folder)
            self.assertTrue(os.listdir(process), "no reports in %r\n%s" % (process, run))
        if effect is not None:
            effect(self, run, process)

    def main_process(self, run, folder):
        """The job folder's J/<pid>-python3/, the one the reports are in."""
        process = pr.main_process_folder(folder)
        self.assertEqual(pr.folder_program(process), "python3",
                         "want a <pid>-python3 folder in %r: %r\n%s" % (folder, os.listdir(folder), run))
        return process

    def read_summary(self, run, folder):
        path = os.path.join(folder, "summary.json")
        self.assertTrue(os.path.isfile(path), "no summary.json in %r\n%s" % (folder, run))
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)


def _slug(value):
    text = _text(value).replace("\n", "_NL_").replace("\x1b", "_ESC_")
    if len(text) > 40:
        text = "%s_x%d" % (text[:8], len(text))
    slug = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")
    return slug or "blank"


def _add(name, method):
    while hasattr(BadInputTest, name):
        name += "_"
    method.__name__ = name
    setattr(BadInputTest, name, method)


def _make_table_tests():
    for index, row in enumerate(TABLE):
        flag, value, verdict = row[:3]
        effect = row[3] if len(row) > 3 else None
        extra = row[4] if len(row) > 4 else {}
        base = "test_%03d_%s_%s_%s" % (index, flag.replace("-", "_"), verdict, _slug(value))

        def launcher(self, flag=flag, value=value, verdict=verdict, effect=effect, extra=extra):
            cwd = self.fresh_cwd("launcher-" + flag)
            if flag == "output":
                folder_arg = value
            else:
                folder_arg = os.path.join(cwd, "reports")
            flags = ["--output=%s" % folder_arg if flag != "output" else b"--output=" + os.fsencode(value)]
            flags += ["--%s=%s" % item for item in extra.items()]
            if flag != "output":
                flags.append(b"--" + flag.encode() + b"=" + os.fsencode(value))
            flags.append("--")
            run, _ = self.launch(flag, flags, cwd=cwd)
            if verdict == REJECT:
                self.assert_launcher_rejected(run, flag)
                self.assertEqual(os.listdir(cwd), [], "nothing created\n%s" % run)
                return
            folder = self.launcher_folder(run, cwd, flag, value)
            self.assert_profiled(run, folder, effect)

        def library(self, flag=flag, value=value, verdict=verdict, effect=effect, extra=extra):
            cwd = self.fresh_cwd("library-" + flag)
            variables = {VARIABLE[name]: v for name, v in extra.items()}
            if flag == "output":
                folder = None
            else:
                folder = os.path.join(cwd, "reports")
                variables["TIDEMARK_OUTPUT"] = folder
            variables[VARIABLE[flag]] = value
            run, _ = self.preload(flag, variables, cwd=cwd)
            if verdict == REJECT:
                self.assert_library_rejected(run, folder)
                self.assertEqual(os.listdir(cwd), [], "nothing created\n%s" % run)
                return
            if folder is None:
                folder = self.library_folder(run, cwd, value)
            self.assert_profiled(run, folder, effect)

        _add(base + "_launcher", launcher)
        _add(base + "_library", library)


def _launcher_folder(self, run, cwd, flag, value):
    if flag != "output":
        return os.path.join(cwd, "reports")
    return self.library_folder(run, cwd, value)


def _library_folder(self, run, cwd, value):
    """The one folder the run made under CWD ({pid} expanded)."""
    made = os.listdir(os.fsencode(cwd))
    self.assertEqual(len(made), 1, "want one report folder in %r, got %r\n%s" % (cwd, made, run))
    name = made[0]
    pattern = re.escape(os.fsencode(value)).replace(re.escape(b"{pid}"), rb"\d+")
    self.assertRegex(name, b"^" + pattern + b"$", "report folder name\n%s" % run)
    return os.path.join(cwd, os.fsdecode(name))


BadInputTest.launcher_folder = _launcher_folder
BadInputTest.library_folder = _library_folder


def _make_launcher_tests():
    for index, (name, flags, verdict) in enumerate(LAUNCHER_ROWS):
        def test(self, name=name, flags=flags, verdict=verdict):
            cwd = self.fresh_cwd("argv-" + name)
            folder = os.path.join(cwd, "reports")
            command = [] if name in _NO_COMMAND else COMMAND + _COMMAND_EXTRA.get(name, [])
            run, _ = self.launch(name, ["--output=" + folder] + flags, command=command, cwd=cwd)
            if verdict == REJECT:
                self.assert_launcher_rejected(run)
                self.assertEqual(os.listdir(cwd), [], "nothing created\n%s" % run)
                return
            if name in _COMMAND_EXTRA:
                # The program saw the extra argument: its stdout says so.
                self.assertIn("|".join(COMMAND[2:] + _COMMAND_EXTRA[name]), run.stdout, str(run))
                self.assertEqual(run.returncode, baseline().returncode, str(run))
                self.assertTrue(os.listdir(self.main_process(run, folder)), str(run))
                return
            self.assert_profiled(run, folder)
        _add("test_argv_%02d_%s_%s" % (index, name, verdict),
             test)


def _make_library_tests():
    for index, (variable, value, verdict) in enumerate(LIBRARY_ROWS):
        def test(self, variable=variable, value=value, verdict=verdict):
            cwd = self.fresh_cwd("env-" + variable)
            folder = os.path.join(cwd, "reports")
            run, _ = self.preload(variable, {"TIDEMARK_OUTPUT": folder, variable: value}, cwd=cwd)
            if verdict == REJECT:
                self.assert_library_rejected(run, folder)
            else:
                self.assert_profiled(run, folder)
        _add("test_env_%02d_%s_%s_%s" % (index, variable.lower(), verdict, _slug(value)),
             test)

        # The launcher replaces whatever TIDEMARK_* the caller had set.
        def launcher_ignores(self, variable=variable, value=value):
            cwd = self.fresh_cwd("launcher-env-" + variable)
            folder = os.path.join(cwd, "reports")
            env = pr.clean_env({variable: value})
            run = _run([pr.tool_path(), "--output=" + folder, "--"] + COMMAND, env, cwd)
            self.assert_profiled(run, folder)
        _add("test_env_%02d_%s_%s_ignored_by_launcher" % (index, variable.lower(), _slug(value)),
             launcher_ignores)


_make_table_tests()
_make_launcher_tests()
_make_library_tests()


class HelpTest(pr.ProfileTestCase):
    def test_help_prints_usage_and_runs_nothing(self):
        for flags in (["--help"], ["-h"], ["--mode=sample", "--help"], ["--help", "--"] + COMMAND):
            run = _run([pr.tool_path()] + flags, pr.clean_env(), pr.scratch_dir())
            self.assertEqual(run.returncode, 0, str(run))
            self.assertIn("Usage:", run.stdout, str(run))
            for flag in list(VARIABLE) + ["no-oom-detection", "oom-exit"]:
                self.assertIn("--" + flag, run.stdout, str(run))
            self.assertNotIn("tidemark-e2e", run.stdout + run.stderr, str(run))


if __name__ == "__main__":
    pr.main()
