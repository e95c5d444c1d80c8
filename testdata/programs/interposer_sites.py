"""Known bytes on known lines for every interposer backend (issue 13).

Usage: interposer_sites.py DLOPEN_LIBRARY

Holds until the end, one block per site (the marker comment is on the
line that allocates), each SITE_BYTES (32 MiB) unless said otherwise:

  ONES      numpy.ones: malloc
  ZEROS     numpy.zeros: calloc
  THREAD    a second thread's bytearray: calloc, SITE_BYTES + 1
  CTYPES    ctypes.CDLL(None).malloc
  REALLOC   a bytearray grown by 1 MiB 32 times: realloc (its final
            buffer, bytearray.__sizeof__ less an empty one's, printed)
  DLOPEN    dl_alloc in DLOPEN_LIBRARY (dlopen'd after start, dlclose'd
            after the call): malloc inside a library loaded late; a second
            block allocated and freed there leaves nothing
  FORKED    a forked child's bytearray (its own report), SITE_BYTES + 1
  LIBC-SCOPE  ctypes.CDLL("libc.so.6").malloc: libc.so.6's own malloc,
            looked up in libc's scope, which no backend sees (glibc 2.36
            reads its hook variables only in libc_malloc_debug.so.0)

Before the sites it leaves free slots in pymalloc's pools of every size
class (a reserve of small objects, every other one freed), so the sites'
small Python objects do not make a new arena: under the preload backend an
arena is a 1 MiB mmap charged to the line, which the hook backends do not
see. Prints `facts realloc_bytes=N forked_pid=P` and exits 23.
"""
import ctypes
import _ctypes
import os
import sys
import threading

import numpy

MiB = 1 << 20
SITE_BYTES = 32 * MiB
EXIT_STATUS = 23

held = []


def reserve_pool_slots():
    reserve = [bytes(size) for size in range(0, 480, 8) for _ in range(300)]
    del reserve[::2]
    return reserve


def ones():
    return numpy.ones(SITE_BYTES // 8)  # ONES


def zeros():
    return numpy.zeros((SITE_BYTES // 8 // 1024, 1024))  # ZEROS


def worker(ready, done):
    held.append(bytearray(SITE_BYTES))  # THREAD
    ready.set()
    done.wait(600)


def ctypes_site(libc):
    return libc.malloc(SITE_BYTES)  # CTYPES


def libc_scope_site():
    libc_own = ctypes.CDLL("libc.so.6")
    libc_own.malloc.restype = ctypes.c_void_p
    libc_own.malloc.argtypes = [ctypes.c_size_t]
    return libc_own.malloc(SITE_BYTES)  # LIBC-SCOPE


def grow():
    chunk = bytes(MiB)
    buffer = bytearray()
    for _ in range(SITE_BYTES // MiB):
        buffer.extend(chunk)  # REALLOC
    return buffer


def dlopen_site(path):
    library = ctypes.CDLL(path)
    library.dl_alloc.restype = ctypes.c_void_p
    library.dl_alloc.argtypes = [ctypes.c_size_t]
    library.dl_free.argtypes = [ctypes.c_void_p]
    library.dl_free(library.dl_alloc(SITE_BYTES // 2))  # DLOPEN-FREED
    block = library.dl_alloc(SITE_BYTES)  # DLOPEN
    _ctypes.dlclose(library._handle)
    return block


def forked_site():
    pid = os.fork()
    if pid == 0:
        block = bytearray(SITE_BYTES)  # FORKED
        sys.stdout.flush()
        os._exit(0 if len(block) == SITE_BYTES else 1)
    _, status = os.waitpid(pid, 0)
    return pid, status


def main():
    held.append(reserve_pool_slots())
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    ready, done = threading.Event(), threading.Event()
    thread = threading.Thread(target=worker, args=(ready, done), daemon=True)
    thread.start()
    ready.wait(600)
    held.append(ones())
    held.append(zeros())
    held.append(ctypes_site(libc))
    held.append(libc_scope_site())
    buffer = grow()
    held.append(buffer)
    held.append(dlopen_site(sys.argv[1]))
    forked_pid, status = forked_site()
    print("facts realloc_bytes=%d forked_pid=%d forked_status=%d" % (
        sys.getsizeof(buffer) - sys.getsizeof(bytearray()), forked_pid, status), flush=True)
    done.set()
    thread.join()
    sys.exit(EXIT_STATUS)


if __name__ == "__main__":
    main()
