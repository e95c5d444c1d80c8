"""Known bytes on known lines at the peak, after importing numpy.

HELD: bytearray(48 MiB), one malloc(48 MiB + 1). ARRAY: np.ones of 16 MiB
uint8, one malloc(16 MiB). Both are alive together, then freed: the peak is
those 64 MiB + 1 plus whatever the interpreter and numpy hold then.
"""
import sys

import numpy as np

MiB = 1 << 20


def main():
    held = bytearray(48 * MiB)  # HELD
    array = np.ones(16 * MiB, dtype=np.uint8)  # ARRAY
    ok = held[0] == 0 and array[-1] == 1
    del held, array
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
