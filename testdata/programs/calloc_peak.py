"""Scenario 2: like numpy_peak.py, through np.zeros (calloc); pages stay untouched.

Peak = 300 + 200 + 100 MiB on the ZALLOC-300/200/100 lines; the 80 MiB array
on ZALLOC-AFTER-80 comes after everything was freed.
"""
import numpy as np

MiB = 1 << 20
held = []


def zeros_300():
    held.append(np.zeros(300 * MiB, dtype=np.uint8))  # ZALLOC-300


def zeros_200():
    held.append(np.zeros(200 * MiB, dtype=np.uint8))  # ZALLOC-200


def zeros_100():
    held.append(np.zeros(100 * MiB, dtype=np.uint8))  # ZALLOC-100


def after_peak():
    late = np.zeros(80 * MiB, dtype=np.uint8)  # ZALLOC-AFTER-80
    return int(late[0])


def main():
    zeros_300()
    zeros_200()
    zeros_100()
    assert sum(a.nbytes for a in held) == 600 * MiB
    held.clear()
    after_peak()


if __name__ == "__main__":
    main()
