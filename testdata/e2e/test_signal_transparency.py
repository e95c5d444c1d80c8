"""With Tidemark on, a program sees and handles its signals exactly as it
does without it: Python's own SIGINT handler is installed, so Ctrl-C raises
KeyboardInterrupt, `finally` and `atexit` run and the job dies of SIGINT;
`signal.getsignal` answers the same; the save-and-restore idiom works, and so
does a forkserver pool. Each interruption is checked against the same job run
without Tidemark, through the launcher and through LD_PRELOAD alone, in both
modes, and the report still holds the job's 48 MiB.

Signals are delivered the ways a user's are: to the job's pid, to its process
group, to the launcher's pid, and as Ctrl-C typed on a terminal (a pty).
"""
import json
import os
import pty
import select
import signal
import subprocess
import time

import profile_run as pr
import required_pythons

JOB = pr.program("interrupt_job.py")
POOL = pr.program("forkserver_pool.py")
HELD_BYTES = 48 * pr.MiB
MODES = ("exact", "sample")



def process_state(pid):
    """What a hung job and its children are doing, for the failure message."""
    out = []
    for p in [pid] + pr.children_of(pid):
        for task in sorted(os.listdir("/proc/%d/task" % p)) if os.path.isdir(
                "/proc/%d/task" % p) else []:
            base = "/proc/%d/task/%s/" % (p, task)
            try:
                status = dict(line.split(":", 1) for line in open(base + "status")
                              if ":" in line)
                stack = subprocess.run(["gdb", "-batch", "-p", task, "-ex", "bt"],
                                       capture_output=True, text=True, timeout=60).stdout
                out.append("pid %d task %s: %s wchan=%s blocked=%s pending=%s\n%s" % (
                    p, task, status["State"].strip(), open(base + "wchan").read(),
                    status["SigBlk"].strip(), status["SigPnd"].strip(),
                    "\n".join(l for l in stack.splitlines() if l.startswith("#"))))
            except (OSError, KeyError, subprocess.SubprocessError) as error:
                out.append("pid %d task %s: %s" % (p, task, error))
    return "\n".join(out)


class Job:
    """interrupt_job.py started in a session of its own.

    how: "plain" (no Tidemark), "preload" (LD_PRELOAD and TIDEMARK_*) or
    "launcher" (//tools:profile). terminal: run it on a pty, as a user's
    shell would, so that Ctrl-C can be typed.
    """

    def __init__(self, how, mode=None, args=(), terminal=False, python=pr.PYTHON):
        self.how = how
        self.output = pr.fresh_output_dir("%s-%s" % (how, mode))
        argv = [python, JOB] + list(args)
        env = pr.clean_env()
        if how == "preload":
            env = pr.preload_env(mode, os.path.join(self.output, "{pid}"))
        elif how == "launcher":
            argv = [pr.tool_path(), "--mode=" + mode, "--output=" + self.output, "--"] + argv
        self.argv = argv
        self.terminal = terminal
        self.text = b""
        if terminal:
            self.pid, self.master = pty.fork()
            if self.pid == 0:
                try:
                    os.execve(argv[0], argv, env)
                finally:
                    os._exit(127)
            self.proc = None
        else:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                start_new_session=True,
            )
            self.pid = self.proc.pid
        self._wait_ready()

    def _read_some(self, timeout):
        stream = self.master if self.terminal else self.proc.stdout.fileno()
        ready, _, _ = select.select([stream], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(stream, 65536)
        except OSError:  # the pty is closed once the job is gone
            chunk = b""
        self.text += chunk
        return bool(chunk)

    def _wait_ready(self):
        deadline = time.monotonic() + 60
        while b"job: ready\n" not in self.text.replace(b"\r\n", b"\n"):
            if time.monotonic() > deadline or not self._read_some(1.0) and self._exited():
                raise AssertionError("job never got ready; output: %r" % self.text)

    def _exited(self):
        if self.terminal:
            return False
        return self.proc.poll() is not None

    def python_pid(self):
        """The pid running Python: the launcher's child, or the job itself."""
        if self.how != "launcher":
            return self.pid
        pid = pr.wait_for(lambda: (pr.children_of(self.pid) or [None])[0], timeout=30)
        if pid is None:
            raise AssertionError("the launcher started no job")
        return pid

    def deliver(self, how, number=signal.SIGINT):
        if how == "pid":
            os.kill(self.python_pid(), number)
        elif how == "group":
            os.killpg(self.pid, number)
        elif how == "launcher":
            os.kill(self.pid, number)
        elif how == "terminal":
            os.write(self.master, b"\x03")  # Ctrl-C
        else:
            raise ValueError(how)

    def finish(self, timeout=60):
        """(status, stdout lines): status as subprocess reports it."""
        if self.terminal:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                done, status = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    break
                self._read_some(0.1)
            else:
                state = process_state(self.pid)
                os.kill(self.pid, signal.SIGKILL)
                raise AssertionError("job hung; output: %r\n%s" % (self.text, state))
            while self._read_some(0.2):
                pass
            os.close(self.master)
            code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            lines = self.text.decode("utf-8", "replace").replace("\r\n", "\n").split("\n")
            self.stderr = ""
        else:
            try:
                out, err = self.proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                state = process_state(self.pid)
                os.killpg(self.pid, signal.SIGKILL)
                raise AssertionError("job hung; output: %r\n%s" % (self.text, state))
            code = self.proc.returncode
            lines = (self.text + out).decode("utf-8", "replace").split("\n")
            self.stderr = err.decode("utf-8", "replace")
        # The program's own lines only: on a terminal, tracebacks and the
        # table Tidemark prints on stderr share the screen with them.
        return code, [l.strip()[5:] for l in lines if l.strip().startswith("job: ")]

    def report(self, pid=None):
        folder = self.output
        if self.how == "preload":
            folder = os.path.join(self.output, str(pid or self.pid))
        return pr.Run(self.argv, folder, None, "", getattr(self, "stderr", ""))


class SignalTransparencyTest(pr.ProfileTestCase):
    baselines = {}

    def baseline(self, delivery, args=(), number=signal.SIGINT, python=pr.PYTHON):
        key = (delivery, tuple(args), number, python)
        if key not in self.baselines:
            job = Job("plain", args=args, terminal=delivery == "terminal", python=python)
            job.deliver("pid" if delivery == "launcher" else delivery, number)
            self.baselines[key] = job.finish()
        return self.baselines[key]

    def check(self, how, mode, delivery, args=(), number=signal.SIGINT, reason="SIGINT",
              python=pr.PYTHON):
        expected = self.baseline(delivery, args, number, python)
        job = Job(how, mode, args=args, terminal=delivery == "terminal", python=python)
        python_pid = job.python_pid()
        job.deliver(delivery, number)
        got = job.finish()
        what = "%s, %s mode, %s to %s, %s" % (how, mode, signal.Signals(number).name,
                                               delivery, python)
        run = job.report(python_pid)
        self.assertEqual(got, expected, "%s: (status, stdout) differ from the job without "
                         "Tidemark\nstderr:\n%s" % (what, job.stderr))
        if run.summary is None or run.folded is None:
            self.fail("%s: no report\n%s" % (what, run.describe()))
        self.assertEqual(run.summary.get("reason"), reason, what)
        self.assert_line_bytes(run, "hold", JOB, "HELD", HELD_BYTES)
        return got

    def test_python_sees_its_own_handlers(self):
        code, lines = self.baseline("pid")
        seen = json.loads(lines[0])
        # Without Tidemark: Python's SIGINT handler, defaults elsewhere.
        self.assertEqual(seen["start"]["SIGINT"], "default_int_handler")
        self.assertEqual(seen["restored"], seen["start"])
        self.assertEqual(code, -signal.SIGINT)
        self.assertIn("KeyboardInterrupt", lines)
        self.assertIn("finally ran", lines)
        self.assertIn("atexit ran", lines)

    def test_interrupt_through_preload(self):
        for mode in MODES:
            for delivery in ("pid", "group", "terminal"):
                with self.subTest(mode=mode, delivery=delivery):
                    self.check("preload", mode, delivery)

    def test_interrupt_through_launcher(self):
        for mode in MODES:
            for delivery in ("pid", "group", "launcher", "terminal"):
                with self.subTest(mode=mode, delivery=delivery):
                    self.check("launcher", mode, delivery)

    def test_every_python_version(self):
        # Each CPython decides at start-up whether to install its SIGINT
        # handler; the defect this guards against was seen on 3.10 to 3.13.
        found, missing = required_pythons.required_interpreters()
        for message in missing:
            with self.subTest(missing=message.split(" not found")[0]):
                self.fail(message)
        for label, python in found:
            for how in ("preload", "launcher"):
                with self.subTest(python=label, how=how):
                    code, lines = self.check(how, "sample", "pid", python=python)
                    self.assertIn("default_int_handler", lines[0])
                    self.assertIn("finally ran", lines)

    def test_default_sigterm_still_reports_and_kills(self):
        for how in ("preload", "launcher"):
            for mode in MODES:
                with self.subTest(how=how, mode=mode):
                    self.check(how, mode, "pid", number=signal.SIGTERM, reason="SIGTERM")

    def test_program_sigterm_handler_stays_in_charge(self):
        for how in ("preload", "launcher"):
            for mode in MODES:
                with self.subTest(how=how, mode=mode):
                    code, _ = self.check(how, mode, "pid", args=("--own-sigterm",),
                                         number=signal.SIGTERM, reason="exit")
                    self.assertEqual(code, 7)

    def test_sigkilled_launcher_takes_the_job_with_it(self):
        # Away from a terminal the job has a process group of its own, so a
        # supervisor's SIGKILL to the launcher's group must still end it.
        job = Job("launcher", "exact")
        python_pid = job.python_pid()
        os.killpg(job.pid, signal.SIGKILL)
        job.proc.communicate(timeout=30)
        gone = pr.wait_for(lambda: not os.path.exists("/proc/%d" % python_pid)
                           or open("/proc/%d/stat" % python_pid).read().split(") ")[1][0] == "Z",
                           timeout=10)
        self.assertTrue(gone, "the job outlived its SIGKILLed launcher")

    def test_forkserver_and_spawn_pools_work(self):
        plain = subprocess.run([pr.PYTHON, POOL], capture_output=True, env=pr.clean_env(),
                               timeout=120)
        self.assertEqual(plain.returncode, 0, plain.stderr)
        for mode in MODES:
            output = pr.fresh_output_dir("pool-" + mode)
            runs = {
                "preload": subprocess.run(
                    [pr.PYTHON, POOL], capture_output=True, timeout=120,
                    env=pr.preload_env(mode, os.path.join(output, "{pid}"))),
                "launcher": subprocess.run(
                    [pr.tool_path(), "--mode=" + mode, "--output=" + output + "-l", "--",
                     pr.PYTHON, POOL], capture_output=True, timeout=120, env=pr.clean_env()),
            }
            for how, got in runs.items():
                with self.subTest(mode=mode, how=how):
                    self.assertEqual((got.returncode, got.stdout), (0, plain.stdout),
                                     got.stderr.decode("utf-8", "replace")[-3000:])
                    self.assertNotIn(b"Traceback", got.stderr)


if __name__ == "__main__":
    pr.main()
