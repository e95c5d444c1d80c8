"""os.fork() again and again while four other threads allocate and free in
tight loops.

Usage: fork_stress.py [ITERATIONS] (default 200). Each child holds
bytearray(2 MiB) on CHILD-2MIB (above the 1 MiB noise threshold) and leaves
with os._exit(0); the parent waits for it, polling, for at most
CHILD_TIMEOUT seconds. A child that is not done by then (a deadlock in the
child, say) is reported as "HANG ITERATION PID" and killed, and the program
exits 9 at once; a child that ends otherwise than with exit 0 makes it exit
8. Prints "parent PID", one "child I PID" per iteration, then "done N".
"""
import os
import random
import signal
import sys
import threading
import time

MiB = 1 << 20
THREADS = 4
CHILD_TIMEOUT = 10.0


def churn(seed, stop):
    rnd = random.Random(seed)
    kept = []
    while not stop.is_set():
        size = rnd.choice((16, 200, 4096, 70000, 300000))
        kept.append(bytearray(size))  # CHURN
        kept.append([seed] * rnd.randrange(1, 64))
        if len(kept) > 32:
            del kept[: rnd.randrange(1, 32)]


def child():
    held = bytearray(2 * MiB)  # CHILD-2MIB
    held[-1] = 1
    os._exit(0)


def wait_child(pid):
    """The child's wait status, or None if it did not end in time."""
    deadline = time.monotonic() + CHILD_TIMEOUT
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.002)
    return None


def main():
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    print("parent %d" % os.getpid(), flush=True)
    stop = threading.Event()
    threads = [threading.Thread(target=churn, args=(n, stop), daemon=True)
               for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for i in range(iterations):
        pid = os.fork()
        if pid == 0:
            child()
        status = wait_child(pid)
        if status is None:
            print("HANG %d %d" % (i, pid), flush=True)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os._exit(9)
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            print("child %d %d ended with status %d" % (i, pid, status), flush=True)
            os._exit(8)
        print("child %d %d" % (i, pid), flush=True)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    print("done %d" % iterations, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
