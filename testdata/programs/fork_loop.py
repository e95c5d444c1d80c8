"""Forks short-lived children as fast as it can, for ever, so that report
signals land around fork() (which holds every malloc lock for a moment).
Says "ready" first.
"""
import os
import sys


def main():
    held = bytearray(32 << 20)  # HELD-32
    print("ready", flush=True)
    while True:
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
    return held


if __name__ == "__main__":
    sys.exit(main())
