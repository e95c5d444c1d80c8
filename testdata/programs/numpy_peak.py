"""Scenario 1: three numpy arrays alive together, then freed, then a smaller one.

Peak = 400 + 250 + 150 MiB (np.ones -> malloc) on the ALLOC-400/250/150 lines.
The 100 MiB array on ALLOC-AFTER-100 comes after everything was freed, so it
is not part of the peak.
"""
import numpy as np

MiB = 1 << 20
held = []


def hold_400():
    held.append(np.ones(400 * MiB, dtype=np.uint8))  # ALLOC-400


def hold_250():
    held.append(np.ones(250 * MiB, dtype=np.uint8))  # ALLOC-250


def hold_150():
    held.append(np.ones(150 * MiB, dtype=np.uint8))  # ALLOC-150


def after_peak():
    late = np.ones(100 * MiB, dtype=np.uint8)  # ALLOC-AFTER-100
    return int(late[-1])


def main():
    hold_400()
    hold_250()
    hold_150()
    assert sum(a.nbytes for a in held) == 800 * MiB
    held.clear()
    after_peak()


if __name__ == "__main__":
    main()
