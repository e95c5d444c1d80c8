"""A multiprocessing pool under the forkserver start method (which saves and
restores SIGINT in every worker) and under spawn; prints the pools' sums."""
import multiprocessing as mp
import sys


def square(n):
    return n * n


def main():
    for method in ("forkserver", "spawn"):
        with mp.get_context(method).Pool(2) as pool:
            print(method, sum(pool.map(square, range(200))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
