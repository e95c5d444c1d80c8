"""A multiprocessing Pool(2) of fork workers (Linux's default start method)
each running an allocation-heavy loop: records built as dicts, lists and
strings, joined into bytes, some kept to the task's end.

What a data job that fans out looks like to a profiler: the parent forks
while its pool's threads run, every worker is a process of its own (with
Tidemark, a profile of its own from the fork on), and workers end through
os._exit. No numpy, so the cost is the profiler's per-process and
per-allocation work, not a library's.
"""
import multiprocessing as mp
import os

SCALE = float(os.environ.get("TIDEMARK_BENCH_SCALE", "1"))
TASKS = 8
RECORDS = max(1_000, int(120_000 * SCALE))


def task(seed):
    kept = []
    total = 0
    for i in range(RECORDS):
        record = {"id": i, "key": f"k{seed}-{i}", "values": [i % 7] * (i % 9),
                  "label": str(i * 31 % 1000)}
        blob = ("|".join((record["key"], record["label"])) * 4).encode()
        total += len(blob) + len(record["values"])
        if i % 16 == 0:
            kept.append((record, blob))
    return total + len(kept)


def main():
    with mp.get_context("fork").Pool(2) as pool:
        results = pool.map(task, range(TASKS), chunksize=1)
        pool.close()
        pool.join()
    print(sum(results))


if __name__ == "__main__":
    main()
