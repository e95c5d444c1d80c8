"""capture_parent.py's child: holds bytearray(48 MiB) on CHILD-HOLD, then
writes known lines to stdout (the last one ends with its pid) and one to
stderr, and exits 0."""
import os
import sys

MiB = 1 << 20


def hold():
    held = bytearray(48 * MiB)  # CHILD-HOLD
    return len(held)


def main():
    hold()
    sys.stdout.write("capture-child stdout: first line\n")
    sys.stdout.write("capture-child stdout: pid %d\n" % os.getpid())
    sys.stdout.flush()
    sys.stderr.write("capture-child stderr: the only line\n")
    sys.stderr.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
