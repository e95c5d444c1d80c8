"""A steady working set, churned: what sample mode's peak must not inflate.

churn_working_set.py WS_KIB BLOCK ROUNDS holds WS_KIB KiB in bytes objects
of BLOCK bytes each (WS_KIB * 1024 // BLOCK of them), then ROUNDS times
replaces every one of them with a new one of the same size, oldest first.
The working set never grows: each new object is made before the one it
replaces is freed, so the live total goes up by one object and back down.
Every object comes from the same line (CHURN), so that line's bytes at the
peak are the working set plus one object.

bytes(n) asks for n + 33 bytes with calloc, which for blocks of many pages
is an mmap glibc need not clear: churning hundreds of MiB costs system
calls, not page faults. Prints "CHURN count block rounds".
"""
import sys


def new_block(size):
    return bytes(size)  # CHURN


def main():
    working_set = int(sys.argv[1]) * 1024
    block = int(sys.argv[2])
    rounds = int(sys.argv[3])
    count = working_set // block
    held = [None] * count
    for i in range(count):
        held[i] = new_block(block)
    for _ in range(rounds):
        for i in range(count):
            held[i] = new_block(block)
    print("CHURN %d %d %d" % (count, block, rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
