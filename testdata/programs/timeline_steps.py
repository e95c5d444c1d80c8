"""Holds 50 MiB, then 150 MiB, then 20 MiB, each for about half a second,
touching every page; prints its own VmRSS at the end of each step and its
VmHWM, one JSON line, for test_timeline.py to compare with the profiler's
timeline. In the middle of the 150 MiB step, 40 MiB more are made and freed
at once (SPIKE): the peak, 190 MiB, lasts far less than the time between
two timeline points, so only a point that keeps its span's highest total
shows it.

While it holds each level, a 1 MiB block is made and freed every 50 ms:
like any program that keeps allocating, it gives the profiler moments to
add timeline points (a sleeping program gets points at the start and at
each report only).
"""
import json
import sys
import time

MiB = 1 << 20
STEP_SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 0.5


def status_kib(field):
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no %s in /proc/self/status" % field)


def hold(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        tick = b"t" * MiB
        del tick
        time.sleep(0.05)


def main():
    rss = []
    a = b"a" * (20 * MiB)
    b = b"b" * (30 * MiB)
    hold(STEP_SECONDS)
    rss.append(status_kib("VmRSS"))
    c = b"c" * (100 * MiB)
    hold(STEP_SECONDS / 2)
    spike = b"s" * (40 * MiB)  # SPIKE
    del spike
    hold(STEP_SECONDS / 2)
    rss.append(status_kib("VmRSS"))
    del b, c
    hold(STEP_SECONDS)
    rss.append(status_kib("VmRSS"))
    print(json.dumps({"rss": rss, "hwm": status_kib("VmHWM"), "held": len(a)}))


if __name__ == "__main__":
    main()
