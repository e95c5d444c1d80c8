"""Sample mode's estimates against the sampling math, and against exact mode.

programs/sample_sites.py holds six sites at its peak (see its docstring):
numpy blocks of 64, 256, 600 and 900 KiB (below R = 1 MiB, where the weight
s/p matters most), 8 MiB blocks (>= R, exact) and 600-byte objects. It is
profiled once in exact mode, which gives each site's true bytes, then in
sample mode with a fixed seed and twice unseeded. In every sample run each
site must be within a two-sided Bernstein bound of its true bytes, the five
sampled sites' squared z-scores pooled must stay below a chi-square
threshold, the total within its own bound, and the 8 MiB site exact.

`sample_sites.py repeat` reaches the same true peak 100 times with churn in
between; see RepeatedPeakTest.

False-failure rate per CI run: the seeded runs are deterministic (zero).
Each of the 2 unseeded runs makes 7 random checks: 5 sites and the total,
each with a Bernstein bound at tail 5e-6 (rigorous for sums of independent
bounded weights, however skewed), and the pooled statistic against the
chi-square(5) quantile at 5e-7, 37.4 (normal approximation of each site;
a 10x margin because the tiny site, ~60 samples, is skewed: 2e6 simulated
runs of the same binomial sampling gave P(X > 37.4) = 1e-6 and
P(X > 32.4, the nominal 5e-6 quantile) = 6e-6; counted as 5e-6 here). So
at most 2 * (6 * 5e-6 + 5e-6) = 7e-5 per CI run, below 1 in 10,000.
"""
import math
import re

import profile_run as pr
import sampling_math as sm
from profile_run import KiB, MiB

SCRIPT = pr.program("sample_sites.py")
R = sm.DEFAULT_INTERVAL
TINY_MALLOC = 633  # sys.getsizeof(bytes(600)): one malloc of this size
BIG_SITE_BYTES = 50 * (8 * MiB + 1)
BLOCKS = {"SITE-64K": 64 * KiB, "SITE-256K": 256 * KiB, "SITE-600K": 600 * KiB,
          "SITE-900K": 900 * KiB}
SAMPLED = list(BLOCKS) + ["SITE-TINY"]
TAIL = 5e-6  # per Bernstein check (see the docstring)
CHI_SQUARE_TAIL = 5e-7
CHI_SQUARE_LIMIT = sm.chi_square_threshold(len(SAMPLED), CHI_SQUARE_TAIL)
# The profiler's own memory in sample mode: measured 1.5 MiB for
# `python3 -c pass` and for this program alike (the first 1 MiB chunk of
# its small-block heap plus its directly mapped tables); sample mode keeps
# ~1200 sampled blocks and 20 stacks here, a few tens of KiB, so one more
# 1 MiB chunk is generous headroom.
PROFILER_HEADROOM = MiB


def site_bytes(run, marker):
    return run.bytes_at_location(SCRIPT, pr.find_marker(SCRIPT, marker))


def weight(size, interval=R):
    return size / sm.inclusion_probability(size, interval)


class SampleStatisticsTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exact = pr.run_profiled([pr.PYTHON, SCRIPT], mode="exact", name="sites-exact")
        cls.samples = [
            pr.run_profiled([pr.PYTHON, SCRIPT], mode="sample", flags=["--seed=20261125"],
                            name="sites-seeded"),
            pr.run_profiled([pr.PYTHON, SCRIPT], mode="sample", name="sites-unseeded-1"),
            pr.run_profiled([pr.PYTHON, SCRIPT], mode="sample", name="sites-unseeded-2"),
        ]
        cls.idle = pr.run_profiled([pr.PYTHON, "-c", "pass"], mode="sample", name="idle")

    def setUp(self):
        for run in [self.exact, self.idle] + self.samples:
            self.assert_completed(run)
        match = re.search(r"SITES (\d+) (\d+) (\d+) (\d+) (\d+)", self.exact.stdout)
        self.assertIsNotNone(match, self.exact.describe())
        counts = [int(g) for g in match.groups()]
        self.counts = dict(zip(list(BLOCKS) + ["SITE-TINY"], counts))

    def truth(self, marker):
        return site_bytes(self.exact, marker)

    def block_size(self, marker):
        return BLOCKS.get(marker, TINY_MALLOC)

    def variance(self, marker):
        n, size = self.counts[marker], self.block_size(marker)
        main = sm.variance_of_uniform_site(n, size, R)
        return main + sm.variance_of_small_bytes(self.truth(marker) - n * size, R)

    def bound(self, marker):
        # A site's largest deviation: one sampled block's weight (>= its
        # small allocations' weights, which are at most ~R).
        return sm.bernstein_bound(self.variance(marker), max(weight(self.block_size(marker)), R),
                                  TAIL)

    def z_scores(self, run, weight_ratio=None):
        """Each sampled site's (estimate - truth) / sd. WEIGHT_RATIO(marker)
        rescales the estimate's main blocks, as a wrong weight would."""
        out = {}
        for marker in SAMPLED:
            estimate = site_bytes(run, marker)
            if weight_ratio is not None:
                n, size = self.counts[marker], self.block_size(marker)
                others = self.truth(marker) - n * size
                estimate = (estimate - others) * weight_ratio(marker) + others
            out[marker] = (estimate - self.truth(marker)) / math.sqrt(self.variance(marker))
        return out

    def test_exact_mode_sees_the_sites_true_sizes(self):
        for marker, size in BLOCKS.items():
            with self.subTest(marker=marker):
                self.assert_close(self.truth(marker), self.counts[marker] * size, 0.01, marker,
                                  self.exact)
        self.assertEqual(self.truth("SITE-BIG"), BIG_SITE_BYTES, self.exact.describe())
        self.assert_close(self.truth("SITE-TINY"), self.counts["SITE-TINY"] * TINY_MALLOC, 0.05,
                          "SITE-TINY", self.exact)

    def test_each_site_is_within_its_two_sided_bound(self):
        for index, run in enumerate(self.samples):
            for marker in SAMPLED:
                with self.subTest(run=index, marker=marker):
                    bound = self.bound(marker)
                    # The bound means something: well below the site; for
                    # the tiny site (~60 samples) at least below it, so a
                    # profiler that loses tiny blocks fails.
                    self.assertLess(bound, (0.9 if marker == "SITE-TINY" else 0.5)
                                    * self.truth(marker))
                    self.assert_close(site_bytes(run, marker), self.truth(marker), 0.0,
                                      "%s (bound %s, %.1f sd)" % (
                                          marker, pr.mib(bound),
                                          bound / math.sqrt(self.variance(marker))),
                                      run, abs_slack=int(bound))

    def test_sites_pooled_fit_the_sampling_math(self):
        for index, run in enumerate(self.samples):
            with self.subTest(run=index):
                z = self.z_scores(run)
                statistic = sum(v * v for v in z.values())
                self.assertLess(statistic, CHI_SQUARE_LIMIT, "z-scores %s\n%s" % (
                    {k: round(v, 2) for k, v in z.items()}, run.describe()))

    def test_a_wrong_weight_formula_would_fail_the_pooled_statistic(self):
        # On the seeded run's own numbers (deterministic): the same samples
        # weighted R (the first-order formula), or s/p with p computed for
        # 2s, give a statistic far above the limit.
        run = self.samples[0]
        wrong = {
            "weight R": lambda m: R / weight(self.block_size(m)),
            "p for 2s": lambda m: weight(self.block_size(m) * 2) / 2 / weight(
                self.block_size(m)),
        }
        for name, ratio in wrong.items():
            with self.subTest(formula=name):
                z = self.z_scores(run, ratio)
                statistic = sum(v * v for v in z.values())
                self.assertGreater(statistic, CHI_SQUARE_LIMIT, "%s: z-scores %s" % (
                    name, {k: round(v, 2) for k, v in z.items()}))

    def test_big_allocations_are_exact_in_every_run(self):
        for index, run in enumerate(self.samples):
            with self.subTest(run=index):
                self.assertEqual(site_bytes(run, "SITE-BIG"), BIG_SITE_BYTES, run.describe())

    def test_total_is_within_its_bound(self):
        truth = self.exact.peak_bytes
        known = sum(self.truth(m) for m in SAMPLED) + BIG_SITE_BYTES
        variance = sum(self.variance(m) for m in SAMPLED) + sm.variance_of_small_bytes(
            truth - known, R)
        bound = sm.bernstein_bound(variance, weight(900 * KiB), TAIL)
        for index, run in enumerate(self.samples):
            with self.subTest(run=index):
                self.assert_close(run.peak_bytes, truth, 0.0,
                                  "sample peak vs exact peak (bound %s)" % pr.mib(bound), run,
                                  abs_slack=int(bound))
                self.assertEqual(run.summary["mode"], "sample")
                self.assertEqual(run.summary["sample_interval_bytes"], R)

    def test_allocation_after_the_peak_is_absent(self):
        line = pr.find_marker(SCRIPT, "AFTER-PEAK")
        for run in [self.exact] + self.samples:
            self.assertEqual(run.bytes_at_location(SCRIPT, line), 0, run.describe())

    def test_profiler_memory_is_bounded(self):
        fixed = self.idle.summary["profiler_bytes"]
        self.assertLessEqual(fixed, 2 * MiB, self.idle.describe())
        for run in self.samples:
            self.assert_below(run.summary["profiler_bytes"], fixed + PROFILER_HEADROOM + 1,
                              "profiler_bytes (idle %s)" % pr.mib(fixed), run)


REPEAT_SEEDS = (101, 202, 303)


class RepeatedPeakTest(pr.ProfileTestCase):
    """The same true peak, reached 100 times with churn in between.

    Exact mode gives the truth. Sample mode reports the REPEATED site at
    the peak without bias: the moment is chosen by the exact live total
    (issue 10), not by the estimate, which kept the highest of the 100
    estimates, about 2.5 standard deviations too high. Three fixed seeds
    make every run deterministic (zero false-failure rate).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exact = pr.run_profiled([pr.PYTHON, SCRIPT, "repeat"], mode="exact",
                                    name="repeat-exact")
        cls.samples = [pr.run_profiled([pr.PYTHON, SCRIPT, "repeat"], mode="sample",
                                       flags=["--seed=%d" % seed], name="repeat-%d" % seed)
                       for seed in REPEAT_SEEDS]

    def setUp(self):
        for run in [self.exact] + self.samples:
            self.assert_completed(run)

    def z(self, run, marker, size):
        truth = site_bytes(self.exact, marker)
        n = round(truth / size)
        variance = sm.variance_of_uniform_site(n, size, R) + sm.variance_of_small_bytes(
            truth - n * size, R)
        return (site_bytes(run, marker) - truth) / math.sqrt(variance)

    def test_the_held_site_is_unaffected(self):
        # What holds today: BASE is held through every repetition, so its
        # estimate at the peak is one unbiased estimate (4 sd: the seeds
        # are fixed).
        for run in self.samples:
            self.assertLess(abs(self.z(run, "BASE", 64 * KiB)), 4, run.describe())

    def test_the_repeated_site_is_estimated_without_bias(self):
        # Unbiased, each seed's z-score is ~N(0, 1) and their mean ~N(0, 1/3);
        # 1.5 is 2.6 of its standard deviations. Choosing the moment by the
        # estimate put the mean at ~2.5.
        scores = [self.z(run, "REPEATED", 600 * KiB) for run in self.samples]
        self.assertLess(abs(sum(scores) / len(scores)), 1.5, "z-scores %s" % scores)


if __name__ == "__main__":
    pr.main()
