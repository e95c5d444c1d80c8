"""Sample mode's peak under churn: no systematic bias (issue 10, item 3).

programs/churn_working_set.py holds a working set of known size in bytes
objects of one size, all from one line (CHURN), and replaces every object
several times, so the live total only rises by one object and falls back.
Exact mode gives the true peak and the CHURN line's bytes at it. Sample mode
runs with 20 fixed seeds per size:

  size      blocks                interval R   rounds  seeds
  4 MiB     512 of 8 KiB          64 KiB       10      1-20
  32 MiB    1024 of 32 KiB        256 KiB      8       101-120
  256 MiB   1024 of 256 KiB       1 MiB        8       201-220

(the smaller sets at a smaller interval, so that every estimate stands on
60 to 250 sampled blocks: enough for four standard deviations to be a sound
bound on a sum of weights. The largest runs at the default interval.)

For the peak (summary.json peak_bytes) and for the CHURN line's bytes:
  - the mean of the 20 sample-mode values is within 4 sigma / sqrt(20) of
    the exact value: no systematic bias. Choosing the moment by the
    estimate itself, as sample mode did before, put the mean 1.4 times the
    exact peak on a 20 MiB set, and fails here;
  - every run is within 4 sigma of the exact value.
sigma is one run's standard deviation from the sampling math
(sampling_math.py): the CHURN line's n + 1 objects live at the peak (one
malloc of block + 33 bytes each), plus for the peak the rest of the exact
peak counted as small allocations (an upper bound: its 1 MiB pymalloc
arenas, at least R, are recorded exactly).

Every sample run also says how the moment was chosen ("exact_live_total")
and gives the exact live total then, which is the exact peak in the
allocator's block sizes.

The runs set MALLOC_MMAP_THRESHOLD_ (glibc) to 16 KiB: every object of the
two larger sets is then a fresh mmap that calloc need not clear, so churning
256 MiB costs system calls rather than page faults, and the process stays
small. PYTHONHASHSEED is fixed so every run makes the same allocations.

False-failure rate per CI run: zero, the seeds are fixed (each run is
deterministic).
"""
import math
import statistics
import sys
import unittest

import profile_run as pr
import sampling_math as sm
from profile_run import KiB

SCRIPT = pr.program("churn_working_set.py")
SEEDS = 20
PYTHON_BYTES_HEADER = 33  # bytes(n) is one calloc of n + 33 bytes
ENV = {"MALLOC_MMAP_THRESHOLD_": str(16 * KiB), "PYTHONHASHSEED": "0"}


def churn_line_bytes(run):
    return run.bytes_at_location(SCRIPT, pr.find_marker(SCRIPT, "CHURN"))


class ChurnedWorkingSet(object):
    """One working set: its exact run, its 20 sample runs, the checks."""

    WORKING_SET_KIB = None
    BLOCK = None
    ROUNDS = None
    INTERVAL = None
    FIRST_SEED = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        args = [pr.PYTHON, SCRIPT, str(cls.WORKING_SET_KIB), str(cls.BLOCK), str(cls.ROUNDS)]
        name = "churn-%dk" % cls.WORKING_SET_KIB
        env = pr.clean_env(ENV)
        cls.exact = pr.run_profiled(args, mode="exact", name=name + "-exact", env=env)
        cls.samples = [
            pr.run_profiled(args, mode="sample", name="%s-%d" % (name, seed), env=env,
                            flags=["--seed=%d" % seed, "--sample-interval=%d" % cls.INTERVAL])
            for seed in range(cls.FIRST_SEED, cls.FIRST_SEED + SEEDS)
        ]

    def setUp(self):
        for run in [self.exact] + self.samples:
            self.assert_completed(run)
        self.count = self.WORKING_SET_KIB * KiB // self.BLOCK
        self.assertIn("CHURN %d %d %d" % (self.count, self.BLOCK, self.ROUNDS),
                      self.exact.stdout, self.exact.describe())
        # At the peak: the working set plus the one new object made before
        # the one it replaces is freed.
        self.live_objects = self.count + 1
        self.object_bytes = self.BLOCK + PYTHON_BYTES_HEADER

    def line_variance(self):
        return sm.variance_of_uniform_site(self.live_objects, self.object_bytes, self.INTERVAL)

    def peak_variance(self):
        rest = self.exact.peak_bytes - self.live_objects * self.object_bytes
        return self.line_variance() + sm.variance_of_small_bytes(rest, self.INTERVAL)

    def check_unbiased(self, what, truth, values, variance):
        sigma = math.sqrt(variance)
        mean = statistics.mean(values)
        scores = ["%.2f" % ((v - truth) / sigma) for v in values]
        detail = ("%s, %d KiB in %d-byte objects at R = %d: exact %s, sample mean %s "
                  "(%.3fx), sigma %s; z-scores %s" % (
                      what, self.WORKING_SET_KIB, self.BLOCK, self.INTERVAL, pr.mib(truth),
                      pr.mib(mean), mean / truth, pr.mib(sigma), " ".join(scores)))
        sys.stderr.write("\n" + detail + "\n")
        self.assertLess(abs(mean - truth), 4 * sigma / math.sqrt(len(values)),
                        "systematic bias: " + detail)
        for value, run in zip(values, self.samples):
            self.assertLess(abs(value - truth), 4 * sigma,
                            "one run beyond 4 sigma: %s\n%s" % (detail, run.describe()))

    def test_the_truth_is_what_the_program_holds(self):
        # Exact mode: the CHURN line holds count + 1 objects at the peak.
        self.assertEqual(churn_line_bytes(self.exact), self.live_objects * self.object_bytes,
                         self.exact.describe())
        self.assertEqual(self.exact.summary.get("peak_moment"), "exact_total")

    def test_the_moment_is_chosen_by_the_exact_live_total(self):
        truth = self.exact.peak_bytes
        for run in self.samples:
            self.assertEqual(run.summary.get("peak_moment"), "exact_live_total", run.describe())
            # The exact live total at the moment chosen: the exact peak, in
            # glibc's chunk sizes (less than a page more per object glibc
            # mapped, up to 24 bytes more per heap block: Python's own small
            # blocks are far fewer than 256 KiB / 24).
            live = run.summary.get("live_bytes_at_peak_moment")
            self.assertIsInstance(live, int, run.describe())
            self.assertGreaterEqual(live, truth, run.describe())
            self.assertLess(live, truth + self.live_objects * 4 * KiB + 256 * KiB,
                            run.describe())

    def test_the_peak_is_estimated_without_bias(self):
        self.check_unbiased("peak", self.exact.peak_bytes, [r.peak_bytes for r in self.samples],
                            self.peak_variance())

    def test_the_churned_line_is_estimated_without_bias(self):
        self.check_unbiased("CHURN line", churn_line_bytes(self.exact),
                            [churn_line_bytes(r) for r in self.samples], self.line_variance())


class SmallWorkingSetTest(ChurnedWorkingSet, pr.ProfileTestCase):
    WORKING_SET_KIB = 4 * 1024
    BLOCK = 8 * KiB
    ROUNDS = 10
    INTERVAL = 64 * KiB
    FIRST_SEED = 1


class MediumWorkingSetTest(ChurnedWorkingSet, pr.ProfileTestCase):
    WORKING_SET_KIB = 32 * 1024
    BLOCK = 32 * KiB
    ROUNDS = 8
    INTERVAL = 256 * KiB
    FIRST_SEED = 101


class LargeWorkingSetTest(ChurnedWorkingSet, pr.ProfileTestCase):
    WORKING_SET_KIB = 256 * 1024
    BLOCK = 256 * KiB
    ROUNDS = 8
    INTERVAL = sm.DEFAULT_INTERVAL
    FIRST_SEED = 201


if __name__ == "__main__":
    pr.main()
