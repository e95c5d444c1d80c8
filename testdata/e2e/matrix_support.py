"""What programs/matrix_sites.py must leave in a report, site by site.

The scenario matrix (test_matrix.py) runs matrix_sites.py on one CPython,
through the launcher and through LD_PRELOAD alone, in exact and in sample
mode, and checks every report against these expectations. The sizes are
what the program asks the allocator for, worked out from CPython's own
rules (and the few facts the program prints from sys.getsizeof), never
read back from a report.

Exact mode: each site holds its bytes exactly, give or take what excess()
allows. A line also makes the Python object around its block (a
bytearray's 56 bytes, a mmap object, a call's arguments), which comes from
pymalloc's pools: nothing new to the allocator, unless the pool needs a
new arena, which charges the line one whole 1 MiB arena. Some lines also
malloc a few small things of the interpreter's own (a method call on 3.10:
2 KiB seen). And a line that makes an arena may also make a leaf of
pymalloc's radix tree of arenas (when the arena is the first in its 16 GiB
of address space, which address-space randomisation makes now and then):
calloc(2**14 x 8 bytes) = 128 KiB (pycore_obmalloc.h: 64 address bits,
1 MiB arenas, 15 bits for each of the two upper levels; seen on 3.12 and
3.13 in about 1 run in 50). So the excess over the block is 0 to
SMALL_SLACK (64 KiB), or one arena plus that and a leaf; never less than
the block, nothing in between.

Sample mode: a block of at least the sampling interval R (1 MiB, the
default here) is recorded at its size, so every site but SMALL is exact
as above, pymalloc's arenas included (each is one 1 MiB mmap). The small
objects on a line are sampled: one that is picked (chance size/R) weighs
about R + size/2, inside the same "one arena plus SMALL_SLACK". SMALL's
65536 blocks of 1033 bytes are each recorded with probability
1 - exp(-1033/R), weighted by the inverse: the estimate is unbiased with
the variance of sampling_math.variance_of_uniform_site, and must lie within
SIGMAS standard deviations of the truth on both sides.

SIGMAS = 5: a normal estimate falls outside 5 sigma (either side) with
probability 5.7e-7; each CI run checks about 20 roughly independent SMALL
estimates (5 interpreters x 2 ways x exit/SIGUSR2/SIGTERM reports, the
last two of one run sharing their samples), so a false failure comes about
once in 90,000 CI runs (issue 14 asks for below 1 in 10,000). The bound is
wide (about +-31 MiB of 64.6 MiB) but two-sided: a missing or twice-counted
SMALL site fails it.
"""
import math
import os
import re

import profile_run as pr
import sampling_math

MiB = pr.MiB
SCRIPT = pr.program("matrix_sites.py")
EXIT_STATUS = 23
R = sampling_math.DEFAULT_INTERVAL
ARENA = 1 << 20
SMALL_SLACK = 64 << 10  # see above
RADIX_LEAF = 128 << 10  # see above
SIGMAS = 5.0

# pymalloc (CPython 3.10-3.13, 64-bit): 16-byte size classes, 16 KiB pools
# with a 48-byte header, 1 MiB arenas. An arena's pools are 16 KiB aligned
# inside its page-aligned mapping, so it holds 64 pools when the mapping
# happens to be 16 KiB aligned and 63 otherwise.
POOL = 16 << 10
POOL_HEADER = 48
POOLS_PER_ARENA = (63, 64)
FLOAT_COUNT = 510 * 63 * 16
SMALL_COUNT = 65536
SMALL_SIZE = 1000


def parse_facts(stdout):
    """{name: int} from the program's `facts NAME=N ...` line."""
    for line in stdout.splitlines():
        if line.startswith("facts "):
            return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}
    return None


def size_class(nbytes):
    return (nbytes + 15) // 16 * 16


def float_arena_range(float_size):
    """(fewest, most) bytes in the 1 MiB arenas FLOAT_COUNT floats need.

    Each float is one size_class(float_size) block; a pool holds
    (POOL - POOL_HEADER) // block of them. Fewest: every arena holds 64
    pools and the floats also filled free pools of an arena made earlier
    (at most one arena's worth). Most: 63 pools an arena, nothing reused.
    """
    block = size_class(float_size)
    pools = math.ceil(FLOAT_COUNT / ((POOL - POOL_HEADER) // block))
    fewest = max(0, math.ceil(pools / POOLS_PER_ARENA[1]) - 1)
    most = math.ceil(pools / POOLS_PER_ARENA[0])
    return fewest * ARENA, most * ARENA


def excess_allowed(excess, makes_arenas=False):
    """Whether EXCESS bytes over a site's blocks are explained by the
    interpreter's own small allocations, plus at most one arena (see the
    module's docstring) and, with an arena, a leaf of the arenas' tree."""
    if 0 <= excess <= SMALL_SLACK + (RADIX_LEAF if makes_arenas else 0):
        return True
    return ARENA <= excess <= ARENA + SMALL_SLACK + RADIX_LEAF


class Site:
    """One marker line: the function that allocates there (3.11+ report
    the qualified name, 3.10 the bare one; None where it differs more,
    a comprehension), the bytes its blocks hold at the peak (low, high:
    the same but for pymalloc's arenas), and whether sample mode records
    it exactly."""

    def __init__(self, marker, function, low, high=None, exact_in_sample=True, count=1,
                 makes_arenas=False):
        self.marker = marker
        self.function = function
        self.low = low
        self.high = low if high is None else high
        self.exact_in_sample = exact_in_sample
        self.count = count
        self.makes_arenas = makes_arenas

    def fits(self, got):
        """GOT (exact, or a site recorded exactly in sample mode) is one of
        the block sizes the site may hold, plus an allowed excess."""
        return any(excess_allowed(got - low, self.makes_arenas)
                   for low in range(self.low, self.high + 1, ARENA))

    @property
    def line(self):
        return pr.find_marker(SCRIPT, self.marker)

    def function_name(self, minor):
        return self.function.rsplit(".", 1)[-1] if minor == "3.10" else self.function


def sites(facts):
    """The sites and their bytes, from the program's printed FACTS."""
    header = facts["bytes_header"]
    floats_low, floats_high = float_arena_range(facts["float_size"])
    list_bytes = facts["float_list_bytes"]
    small_block = SMALL_SIZE + header
    return [
        Site("MALLOC", "malloc_site", 24 * MiB + 1),
        Site("CALLOC", "Holder.calloc_site", 16 * MiB + header),
        Site("REALLOC", "grow", facts["realloc_bytes"]),
        Site("CTYPES", "ctypes_site", 20 * MiB),
        Site("MMAP", "mmap_site", 16 * MiB),
        Site("THREAD", "worker", 12 * MiB + 1),
        # The list's pointer array is malloc'd on the same line (its
        # comprehension grows it there).
        Site("PYMALLOC", None, floats_low + list_bytes, floats_high + list_bytes,
             makes_arenas=True),
        Site("SMALL", "Holder.small_objects", SMALL_COUNT * small_block,
             exact_in_sample=False, count=SMALL_COUNT),
    ]


def sample_range(site, facts):
    """(low, high): where a sampled estimate of SMALL must lie: SIGMAS
    standard deviations of its blocks' estimate either side of their
    bytes, plus above that the excess the other sites may have."""
    block = SMALL_SIZE + facts["bytes_header"]
    spread = SIGMAS * math.sqrt(sampling_math.variance_of_uniform_site(site.count, block, R))
    return site.low - spread, site.low + spread + ARENA + SMALL_SLACK + RADIX_LEAF

