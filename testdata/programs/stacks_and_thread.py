"""many_stacks.py's 4096 stacks of 1 KiB (so that writing a report takes a
while) in a process that has a second thread, plus 8 MiB held on HELD-8.

The second thread (it only sleeps) is there so that the periodic report
thread starts with the first sampled allocation rather than one flush
interval after the start (core/report_trigger.h), and so writes reports
from the start while the job sleeps. Says "ready PID" and sleeps until it
is killed.
"""
import os
import sys
import threading
import time

import many_stacks


def sleeper():
    while True:
        time.sleep(1)


def main():
    threading.Thread(target=sleeper, daemon=True).start()
    array = bytearray(8 << 20)  # HELD-8
    held = [None] * (1 << many_stacks.DEPTH)
    for n in range(1 << many_stacks.DEPTH):
        held[n] = many_stacks.branch(many_stacks.DEPTH, n)
    print("ready %d" % os.getpid(), flush=True)
    while True:
        time.sleep(1)
    return array, held


if __name__ == "__main__":
    sys.exit(main())
