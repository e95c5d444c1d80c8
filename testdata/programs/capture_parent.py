"""Runs capture_child.py with subprocess.run(capture_output=True) and checks
that what it captured is exactly what the child wrote: exits 0 only if so
(else 1, saying what differed on its own stderr). Prints "parent PID" and
"child PID" (the child's pid, as the child wrote it)."""
import os
import subprocess
import sys

CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "capture_child.py")


def main():
    print("parent %d" % os.getpid(), flush=True)
    done = subprocess.run([sys.executable, CHILD], capture_output=True, timeout=300)
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    pid = lines[-1].split()[-1] if lines else "?"
    expected_out = ("capture-child stdout: first line\n"
                    "capture-child stdout: pid %s\n" % pid).encode()
    expected_err = b"capture-child stderr: the only line\n"
    problems = []
    if done.returncode != 0:
        problems.append("child exit %d" % done.returncode)
    if done.stdout != expected_out:
        problems.append("child stdout %r, expected %r" % (done.stdout, expected_out))
    if done.stderr != expected_err:
        problems.append("child stderr %r, expected %r" % (done.stderr, expected_err))
    if problems:
        print("capture-parent: " + "; ".join(problems), file=sys.stderr, flush=True)
        return 1
    print("child %s" % pid, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
