"""What Tidemark's preload backend cannot see, or sees differently from
the kernel, all held at once across the peak (test_blind_spots.py):

  SEEN-100        malloc(100 MiB) through ctypes.CDLL(None): the global
                  symbol scope, so Tidemark's malloc
  LIBC-SCOPE-300  malloc(300 MiB) through ctypes.CDLL("libc.so.6"): libc's
                  own scope, which the preloaded library is not in
  RESERVE-NONE    mmap(1 GiB, PROT_NONE, MAP_NORESERVE): an address-space
                  reservation, as JITs and `sort` make; never resident
  RESERVE-RW      mmap(512 MiB, read/write, MAP_NORESERVE), untouched
  PY-24           bytearray(24 MiB), written: the Python thread's own
  (native)        40 MiB malloc'ed and written by a pthread of
                  libnative_holder.so (argv[1]), which runs no Python

At the peak it prints "VmRSS <kB>" (the kernel's resident set) and
"HOLDING", then releases everything.
"""
import ctypes
import sys

MiB = 1 << 20
PROT_NONE = 0
PROT_READ_WRITE = 0x1 | 0x2
MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20
MAP_NORESERVE = 0x4000
MAP_FAILED = ctypes.c_void_p(-1).value


def functions(library):
    library.malloc.restype = ctypes.c_void_p
    library.malloc.argtypes = [ctypes.c_size_t]
    library.free.restype = None
    library.free.argtypes = [ctypes.c_void_p]
    library.mmap.restype = ctypes.c_void_p
    library.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                             ctypes.c_int, ctypes.c_long]
    library.munmap.restype = ctypes.c_int
    library.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    return library


GLOBAL = functions(ctypes.CDLL(None))
LIBC_OWN = functions(ctypes.CDLL("libc.so.6"))


def seen_malloc():
    return GLOBAL.malloc(100 * MiB)  # SEEN-100


def libc_scope_malloc():
    return LIBC_OWN.malloc(300 * MiB)  # LIBC-SCOPE-300


def reserve_none():
    return GLOBAL.mmap(None, 1024 * MiB, PROT_NONE, MAP_PRIVATE_ANONYMOUS | MAP_NORESERVE, -1, 0)  # RESERVE-NONE


def reserve_rw():
    return GLOBAL.mmap(None, 512 * MiB, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS | MAP_NORESERVE, -1, 0)  # RESERVE-RW


def python_bytes():
    return bytearray(b"\x01") * (24 * MiB)  # PY-24


def vm_rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise SystemExit("no VmRSS in /proc/self/status")


def main():
    native = ctypes.CDLL(sys.argv[1])
    native.native_hold_start.restype = ctypes.c_int
    native.native_hold_start.argtypes = [ctypes.c_size_t]
    if native.native_hold_start(40 * MiB) != 0:
        sys.exit("the native thread could not hold 40 MiB")
    seen = seen_malloc()
    unseen = libc_scope_malloc()
    none = reserve_none()
    rw = reserve_rw()
    if not seen or not unseen or none in (None, MAP_FAILED) or rw in (None, MAP_FAILED):
        sys.exit("an allocation failed")
    data = python_bytes()
    print("VmRSS %d" % vm_rss_kib(), flush=True)
    print("HOLDING", flush=True)
    del data
    GLOBAL.munmap(rw, 512 * MiB)
    GLOBAL.munmap(none, 1024 * MiB)
    LIBC_OWN.free(unseen)
    GLOBAL.free(seen)
    native.native_hold_release()


if __name__ == "__main__":
    main()
