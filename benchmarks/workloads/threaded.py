"""Several threads allocating at once.

Each worker churns Python objects (under the GIL) and compresses buffers
with zlib, which releases the GIL and allocates natively, so allocations
really do happen on several threads concurrently: this is where a profiler's
locks or per-thread state show.
"""
import os
import random
import threading
import zlib

SCALE = float(os.environ.get("TIDEMARK_BENCH_SCALE", "1"))
THREADS = 4
STEPS = max(10, int(1_000 * SCALE))


def worker(seed, results):
    rnd = random.Random(seed)
    window = []
    produced = 0
    for step in range(STEPS):
        size = rnd.choice((256, 1024, 4096, 16384, 65536))
        blob = rnd.randbytes(size)
        packed = zlib.compress(blob * 4, 1)  # native buffers, GIL released
        window.append(packed)
        if len(window) > 200:
            window.pop(rnd.randrange(len(window)))
        table = {f"k{step}-{j}": [j] * (j % 8) for j in range(50)}
        produced += len(packed) + len(table)
    results[seed] = produced


def main():
    results = {}
    threads = [threading.Thread(target=worker, args=(seed, results)) for seed in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(sum(results.values()))


if __name__ == "__main__":
    main()
