"""Scenario 7: one million small objects on one line, to the byte.

programs/pymalloc_objects.py makes a list of one million small objects on
its OBJECTS line. Exact mode tracks what pymalloc asks of the system there,
not the objects themselves, so the line must hold exactly:

  new arenas * arena size          (mmap; from pymalloc's own statistics,
                                    taken right before and after the line)
  + the list's pointer array       (malloc/realloc: sys.getsizeof(list)
                                    minus sys.getsizeof([]))
  + pymalloc's arena-object table  (realloc'd when the arena high-water mark
                                    passes its length: 48 bytes per entry,
                                    16 entries doubled as needed) if it grew
  + new arena-map nodes            (calloc; pymalloc's radix tree, from the
                                    same statistics)

Nothing else is allocated there, so a profiler that lost or doubled a single
arena (1 MiB of ~89 MiB) fails. The statistics themselves are checked
against CPython's size classes: the arenas made must be what the objects
and their ints need, give or take the pools already partly used before.
"""
import re

import profile_run as pr
from profile_run import KiB

SCRIPT = pr.program("pymalloc_objects.py")

ARENA_OBJECT_BYTES = 48  # sizeof(struct arena_object) on 64-bit CPython
INITIAL_ARENA_OBJECTS = 16
POOL_BYTES = 16 * KiB  # 3.10+ (POOL_BITS 14)
POOL_HEADER_BYTES = 48
ALIGNMENT = 16  # pymalloc's size classes on 64-bit 3.8+


def table_length(highwater):
    """How many arena objects pymalloc's table holds once HIGHWATER arenas
    were alive at once (grown by doubling from 16)."""
    length = INITIAL_ARENA_OBJECTS
    while length < highwater:
        length *= 2
    return length


def size_class(size):
    return (size + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT


def pools_for(count, size):
    per_pool = (POOL_BYTES - POOL_HEADER_BYTES) // size_class(size)
    return -(-count // per_pool)


class Stats:
    """The numbers of one sys._debugmallocstats() block."""

    def __init__(self, text):
        self.values = {}
        for name, value in re.findall(r"^# ([a-z ]+?) +=\s+([0-9,]+)$", text, re.M):
            self.values[name] = int(value.replace(",", ""))
        match = re.search(r"^\d+ arenas \* (\d+) bytes/arena", text, re.M)
        self.arena_bytes = int(match.group(1)) if match else None

    def __getitem__(self, name):
        return self.values[name]

    def map_bytes(self):
        return sum(v for k, v in self.values.items() if k.startswith("bytes lost to arena map"))


class PymallocObjectsTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_ = pr.run_profiled([pr.PYTHON, SCRIPT], name="pymalloc_objects")

    def setUp(self):
        self.assert_completed(self.run_)
        out = self.run_.stdout
        blocks = dict(re.findall(r"^MALLOCSTATS (before|after)\n(.*?)^MALLOCSTATS end$", out,
                                 re.M | re.S))
        self.assertEqual(set(blocks), {"before", "after"}, self.run_.describe())
        self.before, self.after = Stats(blocks["before"]), Stats(blocks["after"])
        self.facts = {k: int(v) for k, v in re.findall(r"^(N|sizeof_\w+)=(\d+)$", out, re.M)}
        self.assertEqual(set(self.facts), {"N", "sizeof_small", "sizeof_int", "sizeof_list",
                                           "sizeof_empty_list"}, self.run_.describe())
        self.assertIsNotNone(self.after.arena_bytes, self.run_.describe())

    def new_arenas(self):
        made = self.after["arenas allocated total"] - self.before["arenas allocated total"]
        # None is given back while the line runs (all its objects live on).
        self.assertEqual(self.after["arenas reclaimed"], self.before["arenas reclaimed"],
                         self.run_.describe())
        return made

    def test_the_arena_count_fits_the_size_classes(self):
        n = self.facts["N"]
        # The objects, and the ints 257..N-1 they hold (smaller ones are
        # CPython's cached small ints): each in its size class's pools.
        pools = pools_for(n, self.facts["sizeof_small"]) + pools_for(
            n - 257, self.facts["sizeof_int"])
        per_arena = self.after.arena_bytes // POOL_BYTES
        # An arena holds 63 or 64 whole pools (64 when mmap happened to
        # align it to a pool); up to one arena of each class's pools may
        # already have been partly used before the line.
        fewest = -(-pools // per_arena) - 2
        most = -(-pools // (per_arena - 1))
        made = self.new_arenas()
        self.assertTrue(fewest <= made <= most,
                        "%d new arenas, expected %d..%d for %d pools\n%s"
                        % (made, fewest, most, pools, self.run_.describe()))

    def test_the_line_holds_exactly_what_pymalloc_asked_for(self):
        arenas = self.new_arenas() * self.after.arena_bytes
        pointers = self.facts["sizeof_list"] - self.facts["sizeof_empty_list"]
        grown = (table_length(self.after["arenas highwater mark"])
                 > table_length(self.before["arenas highwater mark"]))
        table = (ARENA_OBJECT_BYTES * table_length(self.after["arenas highwater mark"])
                 if grown else 0)
        tree = self.after.map_bytes() - self.before.map_bytes()
        expected = arenas + pointers + table + tree
        line = pr.find_marker(SCRIPT, "OBJECTS")
        # The comprehension's frame and build()'s frame both sit on this
        # line; each stack counts once.
        got = self.run_.bytes_at_location(SCRIPT, line)
        self.assertEqual(got, expected,
                         "OBJECTS line: %d bytes; expected %d = arenas %d + pointer array %d + "
                         "arena table %d + arena map %d\n%s"
                         % (got, expected, arenas, pointers, table, tree, self.run_.describe()))


if __name__ == "__main__":
    pr.main()
