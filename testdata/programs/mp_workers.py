"""Three multiprocessing workers holding known, distinct amounts at once.

Usage: mp_workers.py METHOD, METHOD one of fork, forkserver, spawn (a
multiprocessing Pool of that start method) or executor (a
concurrent.futures.ProcessPoolExecutor with the default start method).

The parent holds bytearray(8 MiB) on PARENT-HOLD for the whole run (so a
worker forked from it inherits at least that much). Worker i holds
bytearray((i + 2) * 16 MiB) on WORKER-HOLD (32, 48 and 64 MiB) until all
three hold theirs (a barrier, so each task runs in a worker of its own),
then frees it and returns. The pool is closed and joined, so every worker
ends as it does by itself (no SIGTERM). Prints, for the test:

  parent PID
  helper NAME PID          the forkserver and resource tracker, if any
  worker I PID BYTES       one line per worker
"""
import concurrent.futures
import multiprocessing as mp
import os
import sys

MiB = 1 << 20
WORKERS = 3
_barrier = None


def worker_bytes(i):
    return (i + 2) * 16 * MiB


def init(barrier):
    global _barrier
    _barrier = barrier


def work(i):
    held = bytearray(worker_bytes(i))  # WORKER-HOLD
    _barrier.wait(timeout=120)
    size = len(held)
    del held
    return i, os.getpid(), size


def helpers():
    """(name, pid) of multiprocessing's helper processes now running."""
    found = []
    try:
        from multiprocessing import forkserver
        pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
        if pid:
            found.append(("forkserver", pid))
    except ImportError:
        pass
    from multiprocessing import resource_tracker
    pid = getattr(resource_tracker._resource_tracker, "_pid", None)
    if pid:
        found.append(("resource_tracker", pid))
    return found


def run_pool(method):
    context = mp.get_context(method)
    barrier = context.Barrier(WORKERS)
    pool = context.Pool(WORKERS, initializer=init, initargs=(barrier,))
    try:
        results = pool.map(work, range(WORKERS), chunksize=1)
    finally:
        pool.close()
        pool.join()
    return results


def run_executor():
    context = mp.get_context()
    barrier = context.Barrier(WORKERS)
    with concurrent.futures.ProcessPoolExecutor(
            max_workers=WORKERS, mp_context=context, initializer=init,
            initargs=(barrier,)) as executor:
        results = list(executor.map(work, range(WORKERS)))
    return results


def main():
    method = sys.argv[1] if len(sys.argv) > 1 else "fork"
    kept = bytearray(8 * MiB)  # PARENT-HOLD
    print("parent %d" % os.getpid(), flush=True)
    if method == "executor":
        results = run_executor()
    elif method in ("fork", "forkserver", "spawn"):
        results = run_pool(method)
    else:
        raise SystemExit("unknown method " + method)
    for name, pid in helpers():
        print("helper %s %d" % (name, pid), flush=True)
    for i, pid, size in sorted(results):
        print("worker %d %d %d" % (i, pid, size), flush=True)
    return 0 if len(kept) == 8 * MiB else 1


if __name__ == "__main__":
    sys.exit(main())
