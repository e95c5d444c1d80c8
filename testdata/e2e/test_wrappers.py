"""A Python job started through a wrapper is profiled as the program it
becomes (issue 9).

wrapped_job.py holds bytearray(64 MiB) on HELD-64 and exits with the code
it is given (3 here, so an exit code that is passed on is told from a 0).
It is started, each time through the launcher and with LD_PRELOAD alone
(TIDEMARK_OUTPUT=J):

  - by a shell script that works out its folder (a `dirname` child) and
    execs /usr/bin/python3;
  - as a script with a `#!/usr/bin/env python3` line (PATH holds /usr/bin);
  - as `/usr/bin/env /usr/bin/python3 job.py`;
  - as `env JOB_SETTING=1 python3 job.py` (env and python3 found on PATH);
  - by pyenv's python3 shim (pyenv is required whenever
    TIDEMARK_REQUIRED_PYTHONS lists a version, see required_pythons.py:
    then a missing shim fails, saying why; with an empty list it skips).

Every time: the exit code is the program's; the job's first pid (the
wrapper's, which the program keeps through exec) has the folder
<pid>-python3 with 64 MiB on HELD-64 (+-2%); it is the job's only folder
(the wrapper and its helpers are noise); job.json lists the wrapper's image
first and Python's as started by exec; stderr holds one table.
"""
import os
import subprocess
import unittest

import profile_run as pr
import required_pythons

SOURCE = pr.program("wrapped_job.py")
HELD_BYTES = 64 * pr.MiB
EXIT_CODE = 3
PATH = "/usr/bin:/bin"
SHELL_WRAPPER = """#!/bin/sh
# A typical wrapper: finds its folder, sets things up, execs Python.
here="$(cd "$(dirname "$0")" && pwd)"
export JOB_SETTING=1
exec /usr/bin/python3 "$here/job.py" "$@"
"""


def pyenv_python3():
    """(shim, reason): pyenv's python3 shim, or None and why not."""
    root = pr.pyenv_root()
    shim = os.path.join(root, "shims", "python3")
    if not os.access(shim, os.X_OK):
        return None, "no pyenv python3 shim at %s" % shim
    done = subprocess.run([shim, "-c", "import sys; print(sys.executable)"],
                          capture_output=True, text=True, timeout=60,
                          env=pr.clean_env({"PATH": os.path.dirname(shim) + ":" + PATH}))
    if done.returncode != 0 or not done.stdout.strip().startswith(root):
        return None, "pyenv's python3 shim runs no pyenv python3 (exit %d: %s)" % (
            done.returncode, (done.stdout + done.stderr).strip()[-300:])
    return shim, None


class WrappersTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = os.path.realpath(os.path.join(pr.scratch_dir(), "wrapped"))
        os.makedirs(cls.folder, exist_ok=True)
        # A copy with the env shebang, executable whatever the checkout's
        # file modes; the shell wrapper runs this same file.
        cls.script = os.path.join(cls.folder, "job.py")
        with open(SOURCE, encoding="utf-8") as source:
            text = source.read()
        with open(cls.script, "w", encoding="utf-8") as copy:
            copy.write("#!/usr/bin/env python3\n" + text)
        os.chmod(cls.script, 0o755)
        cls.shell = os.path.join(cls.folder, "run_job.sh")
        with open(cls.shell, "w", encoding="utf-8") as wrapper:
            wrapper.write(SHELL_WRAPPER)
        os.chmod(cls.shell, 0o755)
        cls.line = pr.find_marker(cls.script, "HELD-64")

    def run_both(self, name, command, path=PATH):
        """COMMAND through the launcher and through LD_PRELOAD alone, both
        with PATH; yields (how, Run)."""
        env = pr.clean_env({"PATH": path})
        yield "launcher", pr.run_profiled(command, mode="exact", name=name + "-launcher",
                                          env=env)
        yield "preload", pr.run_preloaded(command, mode="exact", name=name + "-preload",
                                          env={"PATH": path})

    def check(self, name, command, code=EXIT_CODE, path=PATH):
        for how, run in self.run_both(name, command, path):
            with self.subTest(wrapper=name, how=how):
                self.check_run(run, code)

    def check_run(self, run, code):
        self.assertEqual(run.returncode, code, run.describe())
        said = [l for l in run.stdout.splitlines() if l.startswith("wrapped: pid ")]
        self.assertEqual(len(said), 1, run.describe())
        pid = int(said[0].split()[-1])
        # The program's folder, found as the harness finds a job's main
        # process: the first pid's last image with a folder.
        self.assertEqual(os.path.basename(run.process_dir), "%d-python3" % pid,
                         run.describe())
        self.assert_completed(run, code)
        self.assert_close(run.bytes_at("hold", self.script, self.line), HELD_BYTES, 0.02,
                          "bytes on HELD-64", run)
        self.assertEqual(sum(run.folded.values()), run.peak_bytes, run.describe())
        # The wrapper and whatever it ran on the way leave no folder.
        self.assertEqual(run.process_folders, [run.process_dir], run.describe())
        # The pid's images in order: the wrapper's first, Python's last.
        processes = self.assert_job_index(run)
        images = run.entries_for(pid)
        self.assertGreaterEqual(len(images), 2, run.describe())
        self.assertEqual(processes[0].get("pid"), pid, run.describe())
        self.assertEqual(images[0].get("started"), "first", run.describe())
        self.assertIsNone(images[0].get("folder"), run.describe())
        last = images[-1]
        self.assertEqual(last.get("started"), "exec", run.describe())
        self.assertEqual(last.get("folder"), "%d-python3" % pid, run.describe())
        self.assertIs(last.get("python"), True, run.describe())
        self.assertEqual(last.get("exit_code"), code, run.describe())
        self.assertEqual(last.get("ended"), "exit code %d" % code, run.describe())
        self.assertEqual(pr.table_count(run.stderr), 1, run.describe())

    def test_shell_script_that_execs_python(self):
        self.check("shell", [self.shell, str(EXIT_CODE)])

    def test_shell_script_exit_zero(self):
        self.check("shell-0", [self.shell], code=0)

    def test_env_shebang(self):
        self.check("shebang", [self.script, str(EXIT_CODE)])

    def test_usr_bin_env_python(self):
        self.check("usr-bin-env", ["/usr/bin/env", pr.PYTHON, self.script, str(EXIT_CODE)])

    def test_env_with_a_variable_and_path_lookup(self):
        self.check("env-var", ["env", "JOB_SETTING=1", "python3", self.script, str(EXIT_CODE)])

    def test_pyenv_shim(self):
        shim, why = pyenv_python3()
        if shim is None:
            if required_pythons.required_minors():
                self.fail("%s, but pyenv is required (%s=%s)" % (
                    why, required_pythons.VARIABLE, ",".join(required_pythons.required_minors())))
            raise unittest.SkipTest(why)
        self.check("pyenv", ["python3", self.script, str(EXIT_CODE)],
                   path=os.path.dirname(shim) + ":" + PATH)


if __name__ == "__main__":
    pr.main()
