"""Scenario 7: one million small objects made on one line (pymalloc arenas).

Objects of 512 bytes or less come from pymalloc's 1 MiB arenas, which it gets
with mmap; the list's pointer array comes from malloc. All of it is made on
the OBJECTS line. While they are alive the program prints the sys.getsizeof
total (objects, their int values, the list) as `sizeof_bytes=N`.
"""
import sys

N = 1_000_000


class Small:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def build(n):
    objs = [Small(i) for i in range(n)]  # OBJECTS
    return objs


def main():
    objs = build(N)
    total = sys.getsizeof(objs)
    for o in objs:
        total += sys.getsizeof(o) + sys.getsizeof(o.value)
    print("sizeof_bytes=%d" % total)
    del objs


if __name__ == "__main__":
    main()
