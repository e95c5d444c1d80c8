"""Grows its resident memory on command, for the near-out-of-memory test.

For each line "N" on stdin it allocates (and touches) N MiB more on the GROW
line and answers "ok"; on an empty line it exits 0.
"""
import sys

import numpy as np

MiB = 1 << 20


def grow(held, mib):
    held.append(np.ones(mib * MiB, dtype=np.uint8))  # GROW


def main():
    held = []
    for line in sys.stdin:
        if not line.strip():
            break
        grow(held, int(line))
        print("ok", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
