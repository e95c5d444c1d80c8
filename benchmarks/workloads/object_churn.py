"""Pure-Python object churn: dicts, lists and strings built and dropped.

Almost every object here is small enough for pymalloc, so a malloc-level
profiler sees few calls; a profiler that hooks every Python call or every
object allocation pays a lot. The index kept across rounds gives a peak.
"""
import os

SCALE = float(os.environ.get("TIDEMARK_BENCH_SCALE", "1"))
ROUNDS = max(1, int(12 * SCALE))
RECORDS = 60_000


def make_records(round_no):
    return [
        {
            "id": i,
            "name": f"user-{round_no}-{i}",
            "tags": [str(j) for j in range(i % 6)],
            "score": (i * 7919) % 1000 / 10.0,
        }
        for i in range(RECORDS)
    ]


def main():
    kept = []
    checksum = 0
    for round_no in range(ROUNDS):
        records = make_records(round_no)
        by_name = {r["name"]: r for r in records}
        top = sorted(records, key=lambda r: (-r["score"], r["id"]))[:1000]
        line = ";".join(r["name"].upper() for r in top)
        words = line.split(";")
        checksum += len(by_name) + len(words) + sum(len(r["tags"]) for r in records)
        # Keep a slice of every round alive so the peak grows with the rounds.
        kept.append(records[: RECORDS // 8])
    print(checksum, len(kept))


if __name__ == "__main__":
    main()
