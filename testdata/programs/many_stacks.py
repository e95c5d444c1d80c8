"""Holds 1 KiB on each of 4096 different call stacks (so that a report takes
a while to write), says "ready PID" and sleeps until it is killed.

Stack number n goes down DEPTH levels of branch(), through the LEFT call
where bit k of n is 1 and the RIGHT call where it is 0, and allocates on
LEAF at the bottom.
"""
import os
import sys
import time

DEPTH = 12


def branch(depth, bits):
    if depth == 0:
        return bytearray(1024)  # LEAF
    if bits & 1:
        return branch(depth - 1, bits >> 1)  # LEFT
    return branch(depth - 1, bits >> 1)  # RIGHT


def main():
    held = [None] * (1 << DEPTH)  # no list growth on the stacks below
    for n in range(1 << DEPTH):
        held[n] = branch(DEPTH, n)
    print("ready %d" % os.getpid(), flush=True)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
