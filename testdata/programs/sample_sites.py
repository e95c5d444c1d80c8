"""Sample-mode statistics: sites of several block sizes alive together.

With R = 1 MiB (the default interval) a block of s < R bytes is sampled with
probability p = 1 - exp(-s/R) and then weighs s/p. The sites cover the
range where a wrong weight would show: at 64 KiB s/p is within 3% of R, at
600 and 900 KiB it is 2.3 and 1.7 times s (weight R there is 25-33% low).

SITE-64K:  3200 numpy arrays of 64 KiB   (one malloc each, 200 MiB)
SITE-256K:  800 arrays of 256 KiB        (200 MiB)
SITE-600K:  350 arrays of 600 KiB        (205 MiB)
SITE-900K:  230 arrays of 900 KiB        (202 MiB)
SITE-BIG:   fifty bytearrays of 8 MiB, each one malloc(8 MiB + 1) >= R, so
            always recorded at their true size: exactly 50 * (8 MiB + 1).
SITE-TINY:  about 60 MiB of 600-byte bytes objects, each one small malloc
            (~60 samples: enough for a lower bound above zero).

Prints "SITES <count per site...> ntiny" so the test knows the counts.

With the argument "repeat" it runs the repeated-peak workload instead: it
holds 64 MiB (BASE), then REPEATS times builds and frees the same 100 MiB of
600 KiB blocks (REPEATED), with 50 MiB of 64 KiB blocks churned in between
(CHURN), so the same true peak is reached REPEATS times.
"""
import sys

import numpy as np

MiB = 1 << 20
KiB = 1 << 10
TINY = 600
SIZES = {"64K": 64 * KiB, "256K": 256 * KiB, "600K": 600 * KiB, "900K": 900 * KiB}
COUNTS = {"64K": 3200, "256K": 800, "600K": 350, "900K": 230}
REPEATS = 100


def site_big(held):
    # Headers of the bytearrays reuse slots freed below, so this line makes
    # no pymalloc arena of its own: only the 8 MiB buffers are counted here.
    for i in range(50):
        held[i] = bytearray(8 * MiB)  # SITE-BIG


def site_64k(n):
    return [np.empty(64 * KiB, dtype=np.uint8) for _ in range(n)]  # SITE-64K


def site_256k(n):
    return [np.empty(256 * KiB, dtype=np.uint8) for _ in range(n)]  # SITE-256K


def site_600k(n):
    return [np.empty(600 * KiB, dtype=np.uint8) for _ in range(n)]  # SITE-600K


def site_900k(n):
    return [np.empty(900 * KiB, dtype=np.uint8) for _ in range(n)]  # SITE-900K


def site_tiny(n):
    return [bytes(TINY) for _ in range(n)]  # SITE-TINY


def sites():
    # Free pymalloc slots of the bytearray's size class for SITE-BIG.
    spare = [bytearray() for _ in range(400)]
    del spare[100:300]
    big = [None] * 50
    site_big(big)
    held = [site_64k(COUNTS["64K"]), site_256k(COUNTS["256K"]),
            site_600k(COUNTS["600K"]), site_900k(COUNTS["900K"])]
    n_tiny = 60 * MiB // TINY
    t = site_tiny(n_tiny)
    print("SITES %s %d" % (" ".join(str(len(h)) for h in held), len(t)))
    sys.stdout.flush()
    del held, t, big, spare
    after = np.ones(16 * MiB, dtype=np.uint8)  # AFTER-PEAK
    return int(after[0]) - 1


def repeated_peak():
    base = [np.empty(64 * KiB, dtype=np.uint8) for _ in range(1024)]  # BASE
    for _ in range(REPEATS):
        peak = [np.empty(600 * KiB, dtype=np.uint8) for _ in range(170)]  # REPEATED
        del peak
        churn = [np.empty(64 * KiB, dtype=np.uint8) for _ in range(800)]  # CHURN
        del churn
    print("REPEATED %d %d" % (REPEATS, len(base)))
    return 0


if __name__ == "__main__":
    sys.exit(repeated_peak() if sys.argv[1:] == ["repeat"] else sites())
