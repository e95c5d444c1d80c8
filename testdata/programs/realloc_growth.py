"""Scenario 4: a bytearray grown 1 MiB at a time to 200 MiB (realloc).

Every growth is a realloc on the GROW line. The final buffer is 200 MiB plus
CPython's over-allocation (up to 1/8); the program prints its exact size as
`buffer_bytes=N` while it is still alive, so the test knows what to expect.
"""
import sys

MiB = 1 << 20


def grow(total_mib):
    chunk = bytes(MiB)  # CHUNK
    buffer = bytearray()
    for _ in range(total_mib):
        buffer.extend(chunk)  # GROW
    return buffer


def main():
    buffer = grow(200)
    assert len(buffer) == 200 * MiB
    # bytearray.__sizeof__ is the object header plus the allocated buffer.
    allocated = sys.getsizeof(buffer) - sys.getsizeof(bytearray())
    print("buffer_bytes=%d" % allocated)
    del buffer


if __name__ == "__main__":
    main()
