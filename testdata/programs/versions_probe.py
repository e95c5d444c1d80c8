"""Pure-Python allocations (no numpy), for every CPython the unwinder
supports: a plain function, a method, and a second thread, all alive at the
end together.
"""
import threading

MiB = 1 << 20
held = []


def inner():
    return bytearray(64 * MiB)  # HOLD-64


class Holder:
    def make(self):
        return bytearray(32 * MiB)  # HOLD-32


def worker(ready, done):
    held.append(bytearray(16 * MiB))  # THREAD-16
    ready.set()
    done.wait(60)


def main():
    ready, done = threading.Event(), threading.Event()
    thread = threading.Thread(target=worker, args=(ready, done))
    thread.start()
    ready.wait(60)
    a = inner()
    b = Holder().make()
    done.set()
    thread.join()
    return len(a) + len(b)


if __name__ == "__main__":
    main()
