"""Two allocations from one recursive function: 24 MiB at the bottom of a
recursion 300 calls deep (deeper than the 128 frames a stack keeps) and
8 MiB at the bottom of one 50 calls deep. Both are held at the end."""
import sys


def down(depth, sink, size):
    if depth == 0:
        sink.append(bytearray(size))  # ALLOCATE
        return
    down(depth - 1, sink, size)


def main():
    sink = []
    down(300, sink, 24 << 20)
    down(50, sink, 8 << 20)
    print("held", sum(len(block) for block in sink))
    sys.stdout.flush()


if __name__ == "__main__":
    main()  # MAIN
