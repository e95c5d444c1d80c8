"""A job that is interrupted: it prints how it sees its signals, checks the
save-and-restore idiom, holds 48 MiB (HELD; no numpy, so that it runs on
every interpreter), says "ready" and sleeps, in short naps, until a
signal ends it. Its own lines start with "job: ". On KeyboardInterrupt its `finally` and `atexit` code run and
it dies of SIGINT, as Python does. With --own-sigterm it installs its own
SIGTERM handler, which exits 7.
"""
import atexit
import json
import signal
import sys
import time

MiB = 1 << 20
NAMES = ("SIGINT", "SIGTERM", "SIGUSR2", "SIGHUP", "SIGQUIT")


def say(text):
    # One write per line, marked: a signal cannot split it, and on a
    # terminal it stands apart from tracebacks and Tidemark's table.
    sys.stdout.write("job: %s\n" % text)
    sys.stdout.flush()


def dispositions():
    seen = {}
    for name in NAMES:
        handler = signal.getsignal(getattr(signal, name))
        seen[name] = getattr(handler, "__name__", None) or repr(handler)
    return seen


def save_and_restore():
    # multiprocessing's forkserver does this with SIGINT; None (a C handler
    # Python cannot name) would make the second call raise TypeError.
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR2):
        old = signal.signal(number, lambda *args: None)
        signal.signal(number, old)
    return dispositions()


def hold():
    return bytearray(48 * MiB)  # HELD


def main():
    atexit.register(say, "atexit ran")
    if "--own-sigterm" in sys.argv:
        signal.signal(signal.SIGTERM, lambda *args: sys.exit(7))
    say(json.dumps({"start": dispositions(), "restored": save_and_restore()}))
    block = hold()
    try:
        say("ready")
        # Short sleeps, not one long one: a signal whose handler runs after
        # say() returned but before a long sleep's system call began would
        # only be acted on when that sleep ends (CPython checks for signals
        # between bytecodes and when a sleep is interrupted, not when it
        # starts). Each loop turn checks.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            time.sleep(0.05)
    except KeyboardInterrupt:
        say("KeyboardInterrupt")
        raise
    finally:
        say("finally ran")
    return int(block[0]) - 1


if __name__ == "__main__":
    sys.exit(main())
