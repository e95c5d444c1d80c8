"""1.5 million namedtuples alive together. Each is made by the `__new__`
namedtuple generates from a string (`<lambda> (<string>:1)` in 3.11), which
is not the user's line: the table must credit the ROWS line.

The fields are one shared object, so the only allocations are the tuples
themselves and the list holding them.
"""
import collections
import sys

Point = collections.namedtuple("Point", "x y")
COUNT = 1_500_000


def build(count):
    origin = 0.5
    return [Point(origin, origin) for _ in range(count)]  # ROWS


def main():
    points = build(COUNT)
    assert len(points) == COUNT
    print(len(points), sys.getsizeof(points[0]))


if __name__ == "__main__":
    main()
