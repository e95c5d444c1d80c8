"""A numpy pipeline whose big allocation is made inside numpy, reached
through `__array_function__` dispatch: np.stack copies ten views of one
15 MiB array into a new 150 MiB array.

The stack of that allocation, innermost first, is numpy's own code and the
generated `<__array_function__ internals>` dispatchers, then the user's
FEATURES line: the table must credit FEATURES, not the generated frame.
"""
import numpy as np

MiB = 1 << 20
COLUMN_BYTES = 15 * MiB
COPIES = 10


def load():
    return np.ones(COLUMN_BYTES // 8, dtype=np.float64)  # LOAD


def features(column):
    return np.stack([column] * COPIES)  # FEATURES


def main():
    column = load()
    table = features(column)
    assert table.nbytes == COPIES * COLUMN_BYTES
    print(float(table.sum()))


if __name__ == "__main__":
    main()
