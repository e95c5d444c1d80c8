"""Scenario 5: anonymous mmap.

A 64 MiB map is made and closed (MMAP-CLOSED-64) before a 300 MiB one is made
and held (MMAP-300), so only the latter is live at the peak.
"""
import mmap

MiB = 1 << 20


def transient():
    m = mmap.mmap(-1, 64 * MiB)  # MMAP-CLOSED-64
    m[0] = 1
    m.close()


def hold():
    m = mmap.mmap(-1, 300 * MiB)  # MMAP-300
    m[0] = 1
    m[len(m) - 1] = 1
    return m


def main():
    transient()
    m = hold()
    m.close()


if __name__ == "__main__":
    main()
