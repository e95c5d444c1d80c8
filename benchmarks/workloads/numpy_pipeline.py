"""A numpy batch pipeline: large arrays and the temporaries of each step.

Each expression allocates several full-size temporaries through malloc or
calloc (many above the mmap threshold), so the peak is a short-lived spike
on top of the results kept across batches.
"""
import os

import numpy as np

SCALE = float(os.environ.get("TIDEMARK_BENCH_SCALE", "1"))
BATCHES = max(1, int(12 * SCALE))
ROWS, COLS = 2000, 2000


def process(batch, rng):
    x = rng.standard_normal((ROWS, COLS))
    y = (x * 2.0 + 1.0) ** 2 - np.abs(x)      # three temporaries
    y = np.where(y > 1.0, np.log1p(y), y)     # mask + two more
    z = np.sort(y, axis=1)[:, ::10].copy()
    stats = np.stack([z.mean(axis=0), z.std(axis=0)])
    return stats.astype(np.float32), float(z.sum())


def main():
    rng = np.random.default_rng(1234)
    kept = []
    total = 0.0
    for batch in range(BATCHES):
        stats, s = process(batch, rng)
        kept.append(stats)
        total += s
    summary = np.concatenate(kept)
    print(round(total, 3), summary.shape)


if __name__ == "__main__":
    main()
