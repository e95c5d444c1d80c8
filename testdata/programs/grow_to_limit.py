"""Grows quickly to just under its memory cgroup's limit, then waits.

Usage: grow_to_limit.py USAGE_FILE LIMIT_BYTES STOP_FRACTION. Allocates (and
touches) 4 MiB arrays on the GROW line as fast as a loop goes, until the
cgroup's working set reaches STOP_FRACTION of LIMIT_BYTES; then says "full
WORKING_SET ARRAYS" and waits for a line on stdin, and exits 0.

The working set is the usage (memory.current or memory.usage_in_bytes,
USAGE_FILE) less the inactive page cache (memory.stat beside it), which the
kernel reclaims before it kills: what container runtimes and Tidemark count
as used. The raw usage would make the stop point depend on whether the
files this job read (numpy's libraries) were already cached when it ran,
charged to another cgroup, or are charged to this one.
"""
import os
import sys

import numpy as np

MiB = 1 << 20


def usage(path):
    """The working set of the cgroup whose usage file is `path`."""
    with open(path) as handle:
        used = int(handle.read())
    # v2 says inactive_file, v1 total_inactive_file (its hierarchy's).
    key = "inactive_file" if path.endswith("memory.current") else "total_inactive_file"
    with open(os.path.join(os.path.dirname(path), "memory.stat")) as handle:
        for line in handle:
            name, _, value = line.partition(" ")
            if name == key:
                inactive = int(value)
                return used - inactive if inactive < used else used
    return used


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
