"""Holds known bytes on known lines, then keeps four threads (the main one
among them) inside the C library's allocator as much as it can, until it is
killed: the moment a report signal is least convenient.

Each churning thread calls calloc(1, 256 KiB) and free through ctypes, for
ever. Through ctypes because a foreign call releases the GIL, so the four
threads really are in the allocator at once (bytearray churn would hold the
GIL, leaving three threads waiting for it, outside malloc, at any moment);
calloc because it clears the block inside the allocator (a block reused from
the heap is cleared by calloc itself), so each call spends microseconds
there, not the nanoseconds of a plain malloc. The main thread churns too:
the kernel gives a process-directed signal to the main thread first when it
can take it.

Known bytes, held for the whole run: 48 blocks of 1 MiB through the process's
malloc (HELD-48) and a 16 MiB bytearray (HELD-16; 16 MiB + 1 for its NUL).
Prints "ready PID" once all four threads churn. A job its test left behind
(the test killed by a timeout, say) does not churn for ever: after
GIVE_UP_SECONDS the main thread ends the process with status 97.
"""
import ctypes
import os
import sys
import threading
import time

libc = ctypes.CDLL(None)  # the process's malloc: the preloaded one
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.calloc.restype = ctypes.c_void_p
libc.calloc.argtypes = [ctypes.c_size_t, ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]

THREADS = 4
BLOCK = 256 << 10
GIVE_UP_SECONDS = 300


def churn(started):
    calloc, free = libc.calloc, libc.free
    started.release()
    while True:
        free(calloc(1, BLOCK))  # CHURN


def churn_until_given_up():
    calloc, free, now = libc.calloc, libc.free, time.monotonic
    deadline = now() + GIVE_UP_SECONDS
    while now() < deadline:
        for _ in range(1000):
            free(calloc(1, BLOCK))  # CHURN
    os._exit(97)


def main():
    held = [libc.malloc(1 << 20) for _ in range(48)]  # HELD-48
    array = bytearray(16 << 20)  # HELD-16
    started = threading.Semaphore(0)
    for _ in range(THREADS - 1):
        threading.Thread(target=churn, args=(started,), daemon=True).start()
    for _ in range(THREADS - 1):
        started.acquire()
    print("ready %d" % os.getpid(), flush=True)
    churn_until_given_up()
    return held, array


if __name__ == "__main__":
    sys.exit(main())
