"""SIGTERM while a periodic report is being written (sample mode).

stacks_and_thread.py holds 1 KiB on each of 4096 stacks (LEAF) and 8 MiB on
HELD-8, in a process with a second thread (so the report thread starts with
the first sampled allocation). With --sample-interval=32 every block of
1 KiB is sampled (the chance of missing one is e^-32) and weighs its size,
so each report holds all 4096 stacks, and writing one takes about 0.1 s.

The flush interval is shortened to 0.05 s, and this is why: the moment under
test is a SIGTERM landing while the report thread writes, and at the default
60 s a job writes for 0.1 s a minute; at 0.05 s it is writing most of the
time, so that 20 runs of a second each land there many times.

Twenty runs, half through the launcher and half with LD_PRELOAD alone. In
half of them SIGTERM goes the moment a report's temporary file is seen in
the folder (certainly during a write; the test fails if none is seen); in
the other half at a random moment of a report's cycle. Each run must:
  - end with SIGTERM's status, as without Tidemark;
  - leave the final report, whole: summary.json says SIGTERM (not a periodic
    report written over it), peak.svg ends, peak.folded holds all 4096 LEAF
    stacks and the 8 MiB;
  - leave no temporary file (*.tmp-*) and nothing but the reports and the
    stored profile in the process folder.
"""
import os
import random
import signal
import sys
import time

import profile_run as pr

PROGRAM = pr.program("stacks_and_thread.py")
STACKS = pr.program("many_stacks.py")
LEAF = pr.find_marker(STACKS, "LEAF")
HELD_8 = pr.find_marker(PROGRAM, "HELD-8")
MiB = pr.MiB
RADIX_LEAF = 128 << 10  # pymalloc's radix-tree leaf (see matrix_support.py)
RUNS = 20
SAMPLE_INTERVAL = "32"
FLUSH_SECONDS = 0.05
# A report's cycle here: the interval, then about 0.1 s of writing.
CYCLE_SECONDS = FLUSH_SECONDS + 0.15
EXPECTED_FILES = set(pr.REPORT_FILES) | {"profile.tidemark"}


def temporary_seen(folder):
    try:
        return any(".tmp" in name for name in os.listdir(folder))
    except OSError:
        return False


class SigtermDuringPeriodicWriteTest(pr.ProfileTestCase):
    def one_run(self, how, targeted, delay):
        if how == "launcher":
            job = pr.Job([pr.PYTHON, PROGRAM], how, "sample", name="term-flush",
                         flags=("--sample-interval=" + SAMPLE_INTERVAL,
                                "--flush-interval=%g" % FLUSH_SECONDS))
        else:
            job = pr.Job([pr.PYTHON, PROGRAM], how, "sample", name="term-flush",
                         settings={"sample_interval": SAMPLE_INTERVAL,
                                   "flush_interval": "%g" % FLUSH_SECONDS})
        mid_write = False
        with job:
            pid = job.wait_marker("ready")
            folder = os.path.join(job.output, "%d-python3" % pid)
            # The report thread is writing its cycles once a periodic
            # report exists.
            if not pr.wait_for(lambda: (pr.read_json(os.path.join(folder, "summary.json"))
                                        or {}).get("reason") == "periodic", timeout=30):
                raise AssertionError("no periodic report within 30 s\n" + job.describe())
            if targeted:
                mid_write = bool(pr.wait_for(lambda: temporary_seen(folder), timeout=30,
                                             interval=0.0005))
                if not mid_write:
                    raise AssertionError("no periodic write seen in progress within 30 s\n"
                                         + job.describe())
            else:
                time.sleep(delay)
                mid_write = temporary_seen(folder)
            os.kill(pid, signal.SIGTERM)
            job.finish()
        context = "%s, SIGTERM %s\n%s" % (
            how, "as a temporary file was seen" if targeted else "%.3f s after a periodic "
            "report (temporary file seen: %s)" % (delay, mid_write), job.describe())
        self.assertEqual(job.returncode, -signal.SIGTERM, context)
        self.assertEqual(pr.leftover_temporaries(job.output), [], context)
        self.assertEqual(job.process_dir, folder, context)
        self.assertEqual(set(os.listdir(folder)), EXPECTED_FILES, context)
        run = job.report()
        context = "%s\n%s" % (context, run.describe())
        self.assertIsNotNone(run.summary, context)
        self.assertEqual(run.summary["reason"], "SIGTERM", context)
        self.assertEqual(run.summary["ended"], pr.ended_by_signal(signal.SIGTERM), context)
        with open(os.path.join(folder, "peak.svg"), encoding="utf-8") as handle:
            self.assertTrue(handle.read().rstrip().endswith("</svg>"), context)
        self.assertIsNotNone(run.folded, context)
        # By the file's name: imported, many_stacks.py comes from the folder
        # of stacks_and_thread.py's real path (Python resolves the script's
        # symbolic link for sys.path), which under Bazel is not STACKS.
        leaf = "/many_stacks.py:%d)" % LEAF
        on_leaf = [count for stack, count in run.folded.items() if stack[-1].endswith(leaf)]
        self.assertEqual(len(on_leaf), 4096, context)
        # 1 KiB and bytearray's NUL each; a stack whose bytearray object
        # needed a new pymalloc arena (1 MiB, mapped there) holds that too,
        # and with it, when the arena is the first in its part of the
        # address space, a leaf of pymalloc's radix tree of arenas (a
        # 128 KiB calloc; matrix_support.RADIX_LEAF): 4096 objects of 56
        # bytes fill less than one arena.
        plain = [count for count in on_leaf if 1024 <= count <= 1024 + 64]
        with_arena = [count for count in on_leaf
                      if MiB + 1024 <= count <= MiB + RADIX_LEAF + 1024 + 64]
        self.assertEqual(len(plain) + len(with_arena), 4096, context)
        self.assertLessEqual(len(with_arena), 1, context)
        held = run.bytes_at_location(PROGRAM, HELD_8)
        self.assertTrue(8 * MiB <= held <= 8 * MiB + 64, "HELD-8 holds %d: %s" % (held, context))
        return mid_write

    def test_sigterm_during_periodic_writes(self):
        seed = int(os.environ.get("E2E_SEED") or random.SystemRandom().randrange(1 << 32))
        rng = random.Random(seed)
        seen = 0
        for number in range(RUNS):
            how = ("launcher", "preload")[number % 2]
            targeted = number % 4 < 2
            delay = rng.uniform(0, CYCLE_SECONDS)
            with self.subTest(run=number, how=how, targeted=targeted, seed=seed):
                seen += self.one_run(how, targeted, delay)
        sys.stderr.write("%d of %d SIGTERMs sent as a periodic write was seen in progress "
                         "(E2E_SEED=%d)\n" % (seen, RUNS, seed))
        self.assertGreaterEqual(seen, RUNS // 2, "the targeted runs must each have seen a "
                                "periodic write in progress")


if __name__ == "__main__":
    pr.main()
