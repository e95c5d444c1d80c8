"""Leaks memory until something stops it, for the out-of-memory tests.

  oom_leak.py fast   numpy arrays of 16 MiB (touched) kept on LEAK-FAST, as
                     fast as a loop goes
  oom_leak.py slow   batches of 1000 short strings in a list, kept on
                     LEAK-SLOW (pymalloc carries the strings, malloc the
                     lists' arrays), with a short pause between batches
  oom_leak.py catch  as fast, but catches the MemoryError, lets everything
                     go, says "recovered N" (arrays it held) and exits 0
  oom_leak.py probe  prints "vmsize BYTES" (its address space once numpy is
                     imported) and exits 0

Says "leaking PID" on stdout before it starts; never stops by itself
(except catch and probe).
"""
import os
import sys
import time

import numpy as np

MiB = 1 << 20
CHUNK = 16 * MiB
PREFIX = "x" * 60


def vmsize():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize")


def leak_fast(held):
    while True:
        held.append(np.ones(CHUNK, dtype=np.uint8))  # LEAK-FAST


def leak_slow(held):
    n = 0
    while True:
        held.append([PREFIX + str(i) for i in range(n, n + 1000)])  # LEAK-SLOW
        n += 1000
        if n % 10000 == 0:
            time.sleep(0.01)  # about 130 MiB/s at most


def main():
    what = sys.argv[1]
    if what == "probe":
        print("vmsize %d" % vmsize(), flush=True)
        return 0
    held = []
    print("leaking %d" % os.getpid(), flush=True)
    if what == "fast":
        leak_fast(held)
    elif what == "slow":
        leak_slow(held)
    elif what == "catch":
        try:
            leak_fast(held)
        except MemoryError:
            count = len(held)
            del held[:]
            print("recovered %d" % count, flush=True)
            return 0
    raise SystemExit("unknown mode " + what)


if __name__ == "__main__":
    sys.exit(main())
