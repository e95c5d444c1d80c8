"""Scenario 7: one million small objects made on one line (pymalloc arenas).

Objects of 512 bytes or less come from pymalloc's arenas (1 MiB on 64-bit
CPython 3.10+, 256 KiB before), which it gets with mmap; the list's pointer
array comes from malloc. All of it is made on the OBJECTS line.

The program prints what the test needs to work out the bytes the profiler
must see there, from CPython's own numbers rather than the profiler's:
  N=...                   the objects made
  sizeof_small=...        sys.getsizeof of one object (GC header included)
  sizeof_int=...          sys.getsizeof of the ints 257..N-1 (all one size)
  sizeof_list=...         sys.getsizeof of the list (header + pointer array)
  sizeof_empty_list=...   sys.getsizeof([]): the header alone
and pymalloc's statistics (sys._debugmallocstats, which writes to file
descriptor 2) taken right before and right after the OBJECTS line, between
lines "MALLOCSTATS before"/"MALLOCSTATS after" and "MALLOCSTATS end".
"""
import os
import sys
import tempfile

N = 1_000_000


class Small:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def malloc_stats(label, scratch):
    """pymalloc's statistics, printed on stdout between marker lines."""
    sys.stderr.flush()
    saved = os.dup(2)
    os.dup2(scratch.fileno(), 2)
    try:
        sys._debugmallocstats()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    scratch.seek(0)
    text = scratch.read()
    scratch.seek(0)
    scratch.truncate()
    print("MALLOCSTATS %s\n%sMALLOCSTATS end" % (label, text.decode()))


def build(n):
    objs = [Small(i) for i in range(n)]  # OBJECTS
    return objs


def main():
    with tempfile.TemporaryFile() as scratch:
        malloc_stats("before", scratch)
        objs = build(N)
        malloc_stats("after", scratch)
    sizes = {sys.getsizeof(o.value) for o in objs[257:]}
    assert len(sizes) == 1, sizes
    print("N=%d" % N)
    print("sizeof_small=%d" % sys.getsizeof(objs[0]))
    print("sizeof_int=%d" % sizes.pop())
    print("sizeof_list=%d" % sys.getsizeof(objs))
    print("sizeof_empty_list=%d" % sys.getsizeof([]))
    del objs


if __name__ == "__main__":
    main()
