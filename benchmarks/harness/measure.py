"""Runs one command and measures it: wall time, the child's max RSS, exit."""
import dataclasses
import os
import signal
import subprocess
import threading
import time
from typing import Dict, List, Optional

# Variables that would change what a run measures: another profiler or
# allocator setting inherited from the caller, or Bazel's paths (the profile
# tool resolves relative paths against BUILD_WORKING_DIRECTORY).
_SCRUBBED_PREFIXES = ("TIDEMARK_", "PYTHONMALLOC", "PYTHONTRACEMALLOC", "PYTHONPATH",
                      "LD_PRELOAD", "BUILD_WORK", "RUNFILES_", "JAVA_RUNFILES",
                      "PYTHONHOME")


def clean_environment(extra: Dict[str, str]) -> Dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(_SCRUBBED_PREFIXES)}
    env.update(extra)
    return env


@dataclasses.dataclass
class Run:
    wall_seconds: float
    max_rss_bytes: int
    exit_code: Optional[int]  # None when it timed out
    timed_out: bool
    stderr_tail: str


def run_once(argv: List[str], env: Dict[str, str], cwd: str,
             timeout_seconds: float) -> Run:
    """Runs argv in cwd, output to cwd/stdout.txt and cwd/stderr.txt.

    The child leads a process group of its own so a timeout can end it and
    everything it started (heaptrack's interpreter, scalene's re-exec).
    """
    stdout_path = os.path.join(cwd, "stdout.txt")
    stderr_path = os.path.join(cwd, "stderr.txt")
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        start = time.perf_counter()
        child = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                 stdout=out, stderr=err, start_new_session=True)
        timed_out = threading.Event()

        def kill_group():
            timed_out.set()
            os.killpg(child.pid, signal.SIGKILL)

        timer = threading.Timer(timeout_seconds, kill_group)
        timer.start()
        # Wait without reaping first (WNOWAIT): while the exited child is a
        # zombie its pid cannot be reused, so a timer firing in between can
        # only hit our own process group.
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)
        wall = time.perf_counter() - start
        timer.cancel()
        # wait4's rusage covers the child and the descendants it waited
        # for; ru_maxrss is the largest single process among them, in KiB.
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)  # already reaped
    with open(stderr_path, "rb") as err:
        err.seek(0, os.SEEK_END)
        err.seek(max(0, err.tell() - 2000))
        tail = err.read().decode("utf-8", "replace")
    return Run(
        wall_seconds=wall,
        max_rss_bytes=usage.ru_maxrss * 1024,
        exit_code=None if timed_out.is_set() else child.returncode,
        timed_out=timed_out.is_set(),
        stderr_tail=tail,
    )
