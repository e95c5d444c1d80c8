"""Scenario 6: three threads and the main thread hold arrays at the same moment.

Each worker allocates on its own line (THREAD-100/150/200 MiB), the main
thread on MAIN-50; all four meet at a barrier, so everything is live at once,
and free their arrays after it.
"""
import sys
import threading

import numpy as np

MiB = 1 << 20
barrier = threading.Barrier(4)
errors = []


def worker_100():
    a = np.ones(100 * MiB, dtype=np.uint8)  # THREAD-100
    meet(a)


def worker_150():
    a = np.ones(150 * MiB, dtype=np.uint8)  # THREAD-150
    meet(a)


def worker_200():
    a = np.ones(200 * MiB, dtype=np.uint8)  # THREAD-200
    meet(a)


def meet(array):
    try:
        barrier.wait(timeout=120)
    except threading.BrokenBarrierError as error:
        errors.append(error)
    del array


def main():
    threads = [threading.Thread(target=f) for f in (worker_100, worker_150, worker_200)]
    for t in threads:
        t.start()
    m = np.ones(50 * MiB, dtype=np.uint8)  # MAIN-50
    meet(m)
    del m
    for t in threads:
        t.join()
    if errors:
        sys.exit("barrier broken: %r" % errors)


if __name__ == "__main__":
    main()
