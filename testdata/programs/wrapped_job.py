"""The Python job behind a wrapper (shell script that execs, env shebang,
/usr/bin/env, a pyenv shim): holds bytearray(64 MiB) on HELD-64, prints
"wrapped: pid PID" and exits with the code given as its argument (default 0).
Needs nothing but the standard library, so any CPython runs it."""
import os
import sys

MiB = 1 << 20


def hold():
    held = bytearray(64 * MiB)  # HELD-64
    return len(held)


def main():
    hold()
    print("wrapped: pid %d" % os.getpid(), flush=True)
    return int(sys.argv[1]) if len(sys.argv) > 1 else 0


if __name__ == "__main__":
    sys.exit(main())
