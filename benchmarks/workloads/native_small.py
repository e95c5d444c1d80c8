"""Many small native allocations, made from Python through ctypes.

ctypes.CDLL(None) resolves malloc through the process's global scope, so a
preloaded allocator hook (LD_PRELOAD) sees these calls; CDLL("libc.so.6")
would look the symbol up in libc itself and bypass it. A window of live
blocks gives the run a steady peak.
"""
import ctypes
import os
import random

SCALE = float(os.environ.get("TIDEMARK_BENCH_SCALE", "1"))
OPERATIONS = max(10_000, int(5_000_000 * SCALE))
LIVE = 50_000

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.restype = None
libc.free.argtypes = [ctypes.c_void_p]


def main():
    rnd = random.Random(7)
    sizes = [rnd.choice((16, 24, 48, 96, 200, 512, 1024)) for _ in range(4096)]
    malloc, free = libc.malloc, libc.free
    live = [malloc(sizes[i % 4096]) for i in range(LIVE)]
    for op in range(OPERATIONS):
        slot = op % LIVE
        free(live[slot])
        live[slot] = malloc(sizes[op & 4095])
    for ptr in live:
        free(ptr)
    print(OPERATIONS)


if __name__ == "__main__":
    main()
