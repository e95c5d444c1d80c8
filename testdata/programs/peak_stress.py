"""New peaks in a tight loop, for killing during the peak publication.

Iteration i (1, 2, ...) allocates i * 4 KiB on STRESS-A and i * 8 KiB on
STRESS-B (untouched, so cheap), then frees both: each iteration's pair is a
new peak, a little higher than the last, and a peak always holds the same i
on both lines. Says "looping PID" first, then never stops.
"""
import ctypes
import os
import sys

libc = ctypes.CDLL(None)  # the process's malloc: the preloaded one
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]

STEP_A = 4096
STEP_B = 8192


def main():
    malloc, free = libc.malloc, libc.free
    print("looping %d" % os.getpid(), flush=True)
    i = 0
    while True:
        i += 1
        a = malloc(i * STEP_A)  # STRESS-A
        b = malloc(i * STEP_B)  # STRESS-B
        free(a)
        free(b)


if __name__ == "__main__":
    sys.exit(main())
