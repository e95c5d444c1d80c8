"""A pandas job: write a generated CSV, read it back, groupby and merge.

Uses the pandas the unprofiled baseline sees (Debian's python3-pandas).
The CSV parser, the groupby hash tables and the merge produce a mix of
large column buffers and many mid-size native allocations.
"""
import os
import tempfile

import numpy as np
import pandas as pd

SCALE = float(os.environ.get("TIDEMARK_BENCH_SCALE", "1"))
ROWS = max(10_000, int(1_200_000 * SCALE))
KEYS = 5_000


def write_csv(path, rng):
    frame = pd.DataFrame(
        {
            "customer": rng.integers(0, KEYS, ROWS),
            "region": rng.choice(["north", "south", "east", "west"], ROWS),
            "amount": rng.gamma(2.0, 50.0, ROWS).round(2),
            "quantity": rng.integers(1, 20, ROWS),
        }
    )
    frame.to_csv(path, index=False)


def main():
    rng = np.random.default_rng(42)
    with tempfile.TemporaryDirectory(prefix="tidemark-bench-") as tmp:
        path = os.path.join(tmp, "orders.csv")
        write_csv(path, rng)
        orders = pd.read_csv(path)
    customers = pd.DataFrame(
        {
            "customer": np.arange(KEYS),
            "segment": [f"seg-{i % 17}" for i in range(KEYS)],
        }
    )
    per_customer = orders.groupby(["customer", "region"], as_index=False).agg(
        total=("amount", "sum"), items=("quantity", "sum"), n=("amount", "size")
    )
    joined = orders.merge(customers, on="customer").merge(
        per_customer, on=["customer", "region"], suffixes=("", "_c")
    )
    joined["share"] = joined["amount"] / joined["total"]
    report = joined.groupby(["segment", "region"])["share"].describe()
    print(len(joined), report.shape)


if __name__ == "__main__":
    main()
