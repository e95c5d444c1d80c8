"""An interpreter the CPython unwinder cannot read (issue 12, item 4).

Python 3.9 and older have no frame layout Tidemark knows, and a
free-threaded build has a different object header. Such a process must
still run as it would without Tidemark (its output, its exit status), have
its memory counted, and its user must be told, in one `tidemark:` line,
that Python stacks are off and why, rather than find a report of
`[no Python stack]` boxes with no explanation.

The interpreters here are `fake_python_3_9` and `fake_python_3_13t`
(programs/fake_python.c): programs that export what the unwinder looks up,
with those versions, so the test runs on any machine. A real pyenv 3.9 is
run too when the machine has one.
"""
import glob
import os

import profile_run as pr
from profile_run import KiB, MiB

HELD = 30 * MiB  # fake_python.c: 3 x 10 MiB at once
SLACK = 64 * KiB
OFF = "tidemark: Python stacks are off: "


def fake(variable):
    return pr._from_root(os.environ[variable])


class UnsupportedPythonTest(pr.ProfileTestCase):
    def check_run(self, run, why, held=HELD, slack=SLACK, exit_code=7,
                  stdout="fake python done"):
        self.assertEqual(run.returncode, exit_code, run.describe())
        self.assertIn(stdout, run.stdout, run.describe())
        off = [line for line in run.stderr.splitlines() if line.startswith(OFF)]
        self.assertEqual(off, [OFF + why + "; allocations are still counted, under "
                               "[no Python stack]"], run.describe())
        # Said before the report, as the program starts.
        self.assertEqual(pr.tidemark_lines_before_table(run.stderr)[:1], off, run.describe())
        peak = run.peak_bytes
        self.assertIsNotNone(peak, run.describe())
        self.assertTrue(held <= peak <= held + slack,
                        "peak %s, expected %s (+%s)\n%s" % (pr.mib(peak), pr.mib(held),
                                                             pr.mib(slack), run.describe()))
        self.assertTrue(held <= run.folded.get((pr.NO_PYTHON_STACK,), 0) <= held + slack,
                        run.describe())

    def test_python_3_9_through_the_launcher(self):
        run = pr.run_profiled([fake("E2E_FAKE_PYTHON_3_9")], name="fake39")
        self.check_run(run, "Python 3.9 is not supported (Tidemark reads CPython 3.10 to 3.13)")
        # A Python process, whatever its stacks: never removed as noise.
        self.assertEqual([p.get("python") for p in run.processes], [True], run.describe())

    def test_free_threaded_build_with_ld_preload_alone_in_sample_mode(self):
        run = pr.run_preloaded([fake("E2E_FAKE_PYTHON_3_13T")], mode="sample", name="fake313t")
        self.check_run(run, "Python 3.13 is a free-threaded build, whose objects Tidemark "
                       "cannot read (it reads the default builds of CPython 3.10 to 3.13)")

    def test_a_real_python_3_9_when_the_machine_has_one(self):
        builds = sorted(glob.glob(os.path.join(pr.pyenv_root(), "versions", "3.9.*", "bin",
                                               "python3.9")))
        if not builds:
            self.skipTest("no pyenv CPython 3.9 on this machine (the fake one above ran)")
        code = "x = bytearray(%d); print('fake python done'); raise SystemExit(7)" % HELD
        run = pr.run_profiled([builds[-1], "-c", code], name="real39")
        # The interpreter's own start-up holds ~2 MiB besides the bytearray.
        self.check_run(run, "Python 3.9 is not supported (Tidemark reads CPython 3.10 to 3.13)",
                       slack=4 * MiB)


if __name__ == "__main__":
    pr.main()
