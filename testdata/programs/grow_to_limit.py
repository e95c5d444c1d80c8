"""Grows quickly to just under its memory cgroup's limit, then waits.

Usage: grow_to_limit.py USAGE_FILE LIMIT_BYTES STOP_FRACTION. Allocates (and
touches) 4 MiB arrays on the GROW line as fast as a loop goes, until the
cgroup's usage (memory.current or memory.usage_in_bytes, USAGE_FILE) reaches
STOP_FRACTION of LIMIT_BYTES; then says "full USAGE ARRAYS" and waits for a
line on stdin, and exits 0.
"""
import sys

import numpy as np

MiB = 1 << 20


def usage(path):
    with open(path) as handle:
        return int(handle.read())


def grow(held, usage_file, stop):
    while usage(usage_file) < stop:
        held.append(np.ones(4 * MiB, dtype=np.uint8))  # GROW


def main():
    usage_file, limit, fraction = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    held = []
    grow(held, usage_file, limit * fraction)
    print("full %d %d" % (usage(usage_file), len(held)), flush=True)
    sys.stdin.readline()
    return 0


if __name__ == "__main__":
    sys.exit(main())
