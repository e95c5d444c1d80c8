"""Calls malloc and free as fast as it can, for ever, so that signals
mostly land while a thread is inside the allocator. Says "ready" first.
"""
import ctypes
import sys

libc = ctypes.CDLL(None)  # the process's malloc: the preloaded one
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]


def main():
    held = [libc.malloc(1 << 20) for _ in range(64)]  # HELD-64
    print("ready", flush=True)
    malloc, free = libc.malloc, libc.free
    while True:
        free(malloc(4096))
    return held


if __name__ == "__main__":
    sys.exit(main())
