"""Runs another program (argv[1], with argv[2:]) as __main__, then says
whether jemalloc served it.

jemalloc's "thread.allocated" counts every byte jemalloc ever handed to the
calling thread. numpy_peak.py allocates 400 + 250 + 150 + 100 MiB on the main
thread, so the line printed at the end reads "yes" only if those blocks came
from jemalloc (not glibc) and "jemalloc is not loaded" without it. The line
is the same with and without Tidemark, since Tidemark only observes.
"""
import ctypes
import runpy
import sys

MiB = 1 << 20
THRESHOLD_MIB = 900


def jemalloc_thread_allocated():
    process = ctypes.CDLL(None)
    try:
        mallctl = process.mallctl
    except AttributeError:
        return None
    mallctl.restype = ctypes.c_int
    mallctl.argtypes = [
        ctypes.c_char_p,
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_size_t),
        ctypes.c_void_p,
        ctypes.c_size_t,
    ]
    value = ctypes.c_uint64(0)
    size = ctypes.c_size_t(ctypes.sizeof(value))
    if mallctl(b"thread.allocated", ctypes.byref(value), ctypes.byref(size), None, 0) != 0:
        return None
    return value.value


def main():
    target = sys.argv[1]
    sys.argv = sys.argv[1:]
    before = jemalloc_thread_allocated()
    runpy.run_path(target, run_name="__main__")
    after = jemalloc_thread_allocated()
    if before is None or after is None:
        print("jemalloc is not loaded")
    else:
        served = after - before >= THRESHOLD_MIB * MiB
        print("jemalloc served this thread at least %d MiB: %s"
              % (THRESHOLD_MIB, "yes" if served else "no"))


if __name__ == "__main__":
    main()
