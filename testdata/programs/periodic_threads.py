"""A threaded job that mostly sleeps, for periodic reports at the default
flush interval: two worker threads each hold 12 MiB on WORKER-12 and then
sleep, allocating a little now and then; the main thread, once they hold
theirs, holds 32 MiB on MAIN-32, says "ready PID" and does the same until it
is killed.

Every held block is larger than the 1 MiB sample interval, so sample mode
records each exactly. The main thread's 32 MiB is a sampled allocation made
while the process has threads: the periodic report thread starts then
(core/report_trigger.h), so the first periodic report is due one flush
interval after it.
"""
import os
import sys
import threading
import time


def worker(held, ready):
    block = bytearray(12 << 20)  # WORKER-12
    held.append(block)
    ready.release()
    while True:
        time.sleep(0.5)
        # A little allocation, as a job that waits on work does.
        _ = [str(n) for n in range(100)]


def main():
    held = []
    ready = threading.Semaphore(0)
    for _ in range(2):
        threading.Thread(target=worker, args=(held, ready), daemon=True).start()
    for _ in range(2):
        ready.acquire()
    array = bytearray(32 << 20)  # MAIN-32
    print("ready %d" % os.getpid(), flush=True)
    while True:
        time.sleep(0.5)
        _ = [str(n) for n in range(100)]
    return array


if __name__ == "__main__":
    sys.exit(main())
