"""Known sites for the README's report promises, and the process's own RSS
high-water mark.

LARGE: 16 bytearrays of 512 KiB - 1 bytes, each one malloc(512 KiB)
(bytearray adds a byte for its terminator). SMALL: 2000 bytearrays of 32 KiB - 1
bytes, each one malloc(32 KiB): 62.5 MiB. All bytes are written (zeroed),
so they are resident. At the end, after everything is freed, it prints
"HWM <VmHWM bytes> <ru_maxrss bytes>" as the kernel reports them.
"""
import resource
import sys

MiB = 1 << 20
KiB = 1 << 10


def large():
    return [bytearray(512 * KiB - 1) for _ in range(16)]  # LARGE


def small():
    return [bytearray(32 * KiB - 1) for _ in range(2000)]  # SMALL


def main():
    held = [large(), small()]
    del held
    with open("/proc/self/status") as status:
        hwm = [int(line.split()[1]) * KiB for line in status if line.startswith("VmHWM:")][0]
    print("HWM %d %d" % (hwm, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * KiB))
    return 0


if __name__ == "__main__":
    sys.exit(main())
