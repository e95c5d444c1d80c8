"""A known peak on two known lines, then a job that goes on until it is
killed (or ends as its argument says).

PEAK-A holds bytearray(64 MiB) and PEAK-B np.ones(32 MiB), alive together:
the peak. Both are freed, the program prints "freed PID" and then:

  churn   allocates and frees small blocks (never near the peak) for ever
  idle    sleeps for ever
  exit    exits 0
  _exit   leaves through os._exit(3): no atexit, no exit report
"""
import os
import sys
import time

import numpy as np

MiB = 1 << 20


def peak():
    a = bytearray(64 * MiB)  # PEAK-A
    b = np.ones(32 * MiB, dtype=np.uint8)  # PEAK-B
    return len(a) + len(b)


def churn():
    kept = []
    n = 0
    while True:
        kept.append([str(i) for i in range(200)])  # CHURN-LIST
        kept.append(bytes(64 * 1024 + n % 4096))  # CHURN-BYTES
        if len(kept) > 64:
            del kept[:32]
        n += 1
        if n % 256 == 0:
            time.sleep(0.001)


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else "churn"
    peak()
    print("freed %d" % os.getpid(), flush=True)
    if what == "churn":
        churn()
    elif what == "idle":
        while True:
            time.sleep(1)
    elif what == "exit":
        return 0
    elif what == "_exit":
        os._exit(3)
    raise SystemExit("unknown mode " + what)


if __name__ == "__main__":
    sys.exit(main())
