"""Known allocations for hybrid (Python + native) stacks.

Pure Python: 2 x 16 MiB bytearrays made in Holder.__init__ (a C-level call
of the evaluator: type(...) calls __init__ from C), called from a list
comprehension in load (its own evaluator call on 3.10 and 3.11), called
from main. With --numpy, also 32 MiB from np.zeros in zeros_rows.
"""
import sys


class Holder:
    def __init__(self, n):
        self.data = bytearray(n)  # INIT


def load(n):
    return [Holder(n) for _ in range(2)]  # LOAD


def zeros_rows(rows):
    import numpy as np
    return np.zeros((rows, 1024), dtype=np.float64)  # ZEROS


def main():
    held = load(16 << 20)  # MAIN-LOAD
    if "--numpy" in sys.argv:
        held.append(zeros_rows(4096))  # MAIN-ZEROS
    print(len(held))


main()  # MODULE
