"""A small pandas ETL step: one 8 MiB float column concatenated sixteen times
into a new 128 MiB frame. The allocation happens deep inside pandas (and the
numpy it calls); the table must credit the user's CONCAT line.
"""
import numpy as np
import pandas as pd

MiB = 1 << 20
PART_ROWS = MiB  # float64: 8 MiB per part
PARTS = 16


def extract():
    return pd.DataFrame({"value": np.arange(PART_ROWS, dtype=np.float64)})  # EXTRACT


def transform(part):
    return pd.concat([part] * PARTS, ignore_index=True)  # CONCAT


def main():
    part = extract()
    frame = transform(part)
    assert frame["value"].to_numpy().nbytes == PARTS * PART_ROWS * 8
    print(len(frame))


if __name__ == "__main__":
    main()
