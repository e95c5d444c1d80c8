"""Sample-mode statistics: five sites alive together at the peak.

SITE-600, SITE-400, SITE-200: 600, 400 and 200 MiB built from 64 KiB numpy
arrays, each array's data one malloc(65536), sampled with probability
1 - exp(-64 KiB / R) and weighted up when sampled.
SITE-BIG: fifty bytearrays of 8 MiB, each one malloc(8 MiB + 1) at least
the sampling interval, so always recorded at their true size: the site is
exactly 50 * (8 MiB + 1) bytes in every run.
SITE-TINY: about 20 MiB of 600-byte bytes objects, each one small malloc.

Prints one line "SITES n64 ntiny" so the test knows the exact counts.
"""
import sys

import numpy as np

MiB = 1 << 20
KiB = 1 << 10
CHUNK = 64 * KiB
TINY = 600


def site_big(held):
    # Headers of the bytearrays reuse slots freed below, so this line makes
    # no pymalloc arena of its own: only the 8 MiB buffers are counted here.
    for i in range(50):
        held[i] = bytearray(8 * MiB)  # SITE-BIG


def site_600(n):
    return [np.empty(CHUNK, dtype=np.uint8) for _ in range(n)]  # SITE-600


def site_400(n):
    return [np.empty(CHUNK, dtype=np.uint8) for _ in range(n)]  # SITE-400


def site_200(n):
    return [np.empty(CHUNK, dtype=np.uint8) for _ in range(n)]  # SITE-200


def site_tiny(n):
    return [bytes(TINY) for _ in range(n)]  # SITE-TINY


def main():
    # Free pymalloc slots of the bytearray's size class for SITE-BIG.
    spare = [bytearray() for _ in range(400)]
    del spare[100:300]
    big = [None] * 50
    site_big(big)
    a = site_600(600 * MiB // CHUNK)
    b = site_400(400 * MiB // CHUNK)
    c = site_200(200 * MiB // CHUNK)
    n_tiny = 20 * MiB // TINY
    t = site_tiny(n_tiny)
    print("SITES %d %d" % (len(a) + len(b) + len(c), len(t)))
    sys.stdout.flush()
    del a, b, c, t, big, spare
    after = np.ones(16 * MiB, dtype=np.uint8)  # AFTER-PEAK
    return int(after[0]) - 1


if __name__ == "__main__":
    sys.exit(main())
