"""A job driven step by step from its stdin, for the signal and periodic
report tests: it allocates PHASE-1, says "phase1", waits for a line, then
allocates PHASE-2, says "phase2", waits for a line and exits 0.
"""
import sys

import numpy as np

MiB = 1 << 20


def phase_1():
    return np.ones(64 * MiB, dtype=np.uint8)  # PHASE-1


def phase_2():
    return np.ones(32 * MiB, dtype=np.uint8)  # PHASE-2


def step(name):
    print(name, flush=True)
    sys.stdin.readline()


def main():
    a = phase_1()
    step("phase1")
    b = phase_2()
    step("phase2")
    return int(a[0] + b[0]) - 2


if __name__ == "__main__":
    sys.exit(main())
