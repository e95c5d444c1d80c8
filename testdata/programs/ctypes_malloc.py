"""Scenario 3: libc malloc called directly through ctypes.

CDLL(None) resolves malloc through the global scope, so it reaches the
preloaded library (CDLL("libc.so.6") would bypass it). 300 MiB are malloc'ed
on the CMALLOC-300 line, held across the peak, then freed.
"""
import ctypes
import sys

MiB = 1 << 20

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.restype = None
libc.free.argtypes = [ctypes.c_void_p]


def grab():
    return libc.malloc(300 * MiB)  # CMALLOC-300


def main():
    block = grab()
    if not block:
        sys.exit("malloc(300 MiB) failed")
    ctypes.memset(block, 7, 4096)
    libc.free(block)


if __name__ == "__main__":
    main()
