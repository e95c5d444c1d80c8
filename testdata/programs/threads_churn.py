"""Eight threads allocating and freeing concurrently, then holding.

Each thread churns numpy arrays of random sizes (1 KiB to 512 KiB, at most
16 alive) for CHURN_SECONDS, then holds (i + 1) * 8 MiB in 64 KiB arrays
on the HOLD line until all eight meet at a barrier: 288 MiB in all.
"""
import random
import sys
import threading
import time

import numpy as np

MiB = 1 << 20
KiB = 1 << 10
THREADS = 8
CHURN_SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
barrier = threading.Barrier(THREADS)
errors = []


def churn(rng, deadline):
    ring = [None] * 16
    count = 0
    while time.monotonic() < deadline:
        ring[count % 16] = np.empty(rng.randint(KiB, 512 * KiB), dtype=np.uint8)
        count += 1
    return count


def hold(index):
    return [np.empty(64 * KiB, dtype=np.uint8) for _ in range((index + 1) * 128)]  # HOLD


def worker(index, deadline):
    try:
        churn(random.Random(index), deadline)
        held = hold(index)
        barrier.wait(timeout=120)
        del held
    except Exception as error:  # reported by the main thread
        errors.append(error)


def main():
    deadline = time.monotonic() + CHURN_SECONDS
    threads = [threading.Thread(target=worker, args=(i, deadline)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        sys.exit("worker failed: %r" % errors)


if __name__ == "__main__":
    main()
