"""The scenario matrix's program: known bytes on known lines through every
allocation route Tidemark promises to see, on every CPython 3.10-3.13.

No numpy (pyenv's builds have none). Usage: matrix_sites.py DIR exit|busy

It first chdir()s into DIR, so a report folder given as a relative path
must stay where it was when the job started. Then it allocates, and keeps
alive until the end, one block per site (the marker comment is on the line
that allocates):

  MALLOC    bytearray(24 MiB)                  malloc: 24 MiB + 1 (the NUL)
  CALLOC    bytes(16 MiB)                      calloc: 16 MiB + bytes' header
  REALLOC   a bytearray grown by 1 MiB 16 times   realloc: what CPython ended
                                               up with (printed)
  CTYPES    ctypes.CDLL(None).malloc(20 MiB)   20 MiB
  MMAP      mmap.mmap(-1, 16 MiB)              16 MiB
  THREAD    a second thread's bytearray(12 MiB)   12 MiB + 1
  PYMALLOC  514080 floats (pymalloc's 1 MiB arenas) and their list
  SMALL     65536 x bytes(1000), each its own calloc (over pymalloc's
            512-byte limit): 65536 x (1000 + bytes' header); allocated
            last so that the peak is the end state

It prints the facts only CPython knows as `facts NAME=N ...`: sys.getsizeof
of an empty bytes object (its header, 33 with the NUL), of a float (24),
and the realloc'd and list buffers as bytearray.__sizeof__ and
list.__sizeof__ count them.

exit: exits with status EXIT_STATUS (by sys.exit(256 + EXIT_STATUS)),
everything still held.
busy: prints `busy PID`, then allocates and frees 256 KiB blocks in a loop
(so a signal finds it inside the allocator, not waiting in a read) until a
signal ends it.
"""
import ctypes
import itertools
import mmap
import os
import sys
import threading

MiB = 1 << 20
# exit(256 + 23): the parent sees 23 (the low 8 bits), and so must the report.
EXIT_STATUS = 23
EXIT_ARGUMENT = 256 + EXIT_STATUS
MALLOC_BYTES = 24 * MiB
CALLOC_BYTES = 16 * MiB
REALLOC_STEPS = 16
CTYPES_BYTES = 20 * MiB
MMAP_BYTES = 16 * MiB
THREAD_BYTES = 12 * MiB
SMALL_COUNT = 65536
SMALL_SIZE = 1000
# 510 floats (32-byte blocks) fill a 16 KiB pool; 63 pools fill an arena.
FLOAT_COUNT = 510 * 63 * 16
CHURN_BYTES = 256 << 10

held = []


def malloc_site():
    return bytearray(MALLOC_BYTES)  # MALLOC


def grow():
    chunk = bytes(MiB)
    buffer = bytearray()
    for _ in range(REALLOC_STEPS):
        buffer.extend(chunk)  # REALLOC
    return buffer


def ctypes_site(libc):
    return libc.malloc(CTYPES_BYTES)  # CTYPES


def mmap_site():
    return mmap.mmap(-1, MMAP_BYTES)  # MMAP


def floats():
    return [one * 1.5 for one in itertools.repeat(1.0, FLOAT_COUNT)]  # PYMALLOC


def worker(ready, done):
    held.append(bytearray(THREAD_BYTES))  # THREAD
    ready.set()
    done.wait(600)


class Holder:
    def calloc_site(self):
        return bytes(CALLOC_BYTES)  # CALLOC

    def small_objects(self):
        blocks = [None] * SMALL_COUNT
        for index in range(SMALL_COUNT):
            blocks[index] = bytes(SMALL_SIZE)  # SMALL
        return blocks


def main():
    folder, how = sys.argv[1], sys.argv[2]
    os.chdir(folder)
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    ready, done = threading.Event(), threading.Event()
    # A daemon: a job ended by an exception (KeyboardInterrupt) does not
    # wait for it.
    thread = threading.Thread(target=worker, args=(ready, done), daemon=True)
    thread.start()
    ready.wait(600)
    holder = Holder()
    held.append(malloc_site())
    held.append(holder.calloc_site())
    buffer = grow()
    held.append(buffer)
    held.append(ctypes_site(libc))
    held.append(mmap_site())
    values = floats()
    held.append(values)
    # Last, and larger than any moment's extra before it (a realloc's two
    # buffers, a comprehension's growing list): the peak is the end state.
    held.append(holder.small_objects())
    print("facts bytes_header=%d float_size=%d realloc_bytes=%d float_list_bytes=%d" % (
        sys.getsizeof(b""), sys.getsizeof(1.5),
        sys.getsizeof(buffer) - sys.getsizeof(bytearray()),
        sys.getsizeof(values) - sys.getsizeof([])), flush=True)
    if how == "busy":
        print("busy %d" % os.getpid(), flush=True)
        while True:
            block = bytearray(CHURN_BYTES)
            del block
    done.set()
    thread.join()
    sys.exit(EXIT_ARGUMENT)


if __name__ == "__main__":
    main()
