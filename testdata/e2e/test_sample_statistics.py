"""Sample mode's estimates against the sampling math, and against exact mode.

programs/sample_sites.py holds five sites at its peak (see its docstring).
The same program is profiled once in exact mode, which gives each site's
true bytes, then in sample mode with a fixed seed and twice unseeded. Every
sample-mode run must put each site within four standard deviations of its
true bytes (variance from sampling_math), the total within 4 * sqrt(R/total)
of the exact peak, and the 8 MiB site at exactly its true size.
"""
import re

import profile_run as pr
import sampling_math as sm
from profile_run import KiB, MiB

SCRIPT = pr.program("sample_sites.py")
R = sm.DEFAULT_INTERVAL
CHUNK = 64 * KiB
TINY_MALLOC = 633  # sys.getsizeof(bytes(600)): one malloc of this size
BIG_SITE_BYTES = 50 * (8 * MiB + 1)
SITES = {  # marker: function
    "SITE-600": "site_600",
    "SITE-400": "site_400",
    "SITE-200": "site_200",
    "SITE-TINY": "site_tiny",
    "SITE-BIG": "site_big",
}
CHUNK_COUNTS = {"SITE-600": 600 * MiB // CHUNK, "SITE-400": 400 * MiB // CHUNK,
                "SITE-200": 200 * MiB // CHUNK}


def site_bytes(run, marker):
    return run.bytes_at_location(SCRIPT, pr.find_marker(SCRIPT, marker))


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

    def setUp(self):
        self.assert_completed(self.exact)
        for run in self.samples:
            self.assert_completed(run)
        match = re.search(r"SITES (\d+) (\d+)", self.exact.stdout)
        self.assertIsNotNone(match, self.exact.describe())
        self.tiny_count = int(match.group(2))

    def true_bytes(self, marker):
        return site_bytes(self.exact, marker)

    def variance(self, marker):
        truth = self.true_bytes(marker)
        if marker in CHUNK_COUNTS:
            n = CHUNK_COUNTS[marker]
            main = sm.variance_of_uniform_site(n, CHUNK, R)
            return main + sm.variance_of_small_bytes(truth - n * CHUNK, R)
        if marker == "SITE-TINY":
            main = sm.variance_of_uniform_site(self.tiny_count, TINY_MALLOC, R)
            return main + sm.variance_of_small_bytes(truth - self.tiny_count * TINY_MALLOC, R)
        return 0.0

    def test_exact_mode_sees_the_sites_true_sizes(self):
        for marker, n in CHUNK_COUNTS.items():
            with self.subTest(marker=marker):
                self.assert_close(self.true_bytes(marker), n * CHUNK, 0.01, marker, self.exact)
        self.assertEqual(self.true_bytes("SITE-BIG"), BIG_SITE_BYTES, self.exact.describe())
        self.assert_close(self.true_bytes("SITE-TINY"), self.tiny_count * TINY_MALLOC, 0.05,
                          "SITE-TINY", self.exact)

    def test_each_site_is_within_four_standard_deviations(self):
        for index, run in enumerate(self.samples):
            for marker in ("SITE-600", "SITE-400", "SITE-200"):
                with self.subTest(run=index, marker=marker):
                    bound = sm.four_sigma(self.variance(marker))
                    self.assert_close(site_bytes(run, marker), self.true_bytes(marker), 0.0,
                                      "%s (4 sd = %s)" % (marker, pr.mib(bound)), run,
                                      abs_slack=int(bound))

    def test_tiny_site_never_exceeds_its_bound(self):
        for index, run in enumerate(self.samples):
            with self.subTest(run=index):
                truth = self.true_bytes("SITE-TINY")
                bound = truth + sm.four_sigma(self.variance("SITE-TINY"))
                self.assert_below(site_bytes(run, "SITE-TINY"), bound + 1,
                                  "SITE-TINY estimate (true %s)" % pr.mib(truth), run)

    def test_big_allocations_are_exact_in_every_run(self):
        for index, run in enumerate(self.samples):
            with self.subTest(run=index):
                self.assertEqual(site_bytes(run, "SITE-BIG"), BIG_SITE_BYTES, run.describe())

    def test_total_is_within_four_sqrt_r_over_total(self):
        truth = self.exact.peak_bytes
        relative = sm.relative_bound_of_total(truth, R)
        for index, run in enumerate(self.samples):
            with self.subTest(run=index):
                self.assert_close(run.peak_bytes, truth, relative,
                                  "sample peak vs exact peak", run)
                self.assertEqual(run.summary["mode"], "sample")
                self.assertEqual(run.summary["sample_interval_bytes"], R)

    def test_allocation_after_the_peak_is_absent(self):
        line = pr.find_marker(SCRIPT, "AFTER-PEAK")
        for run in [self.exact] + self.samples:
            self.assertEqual(run.bytes_at_location(SCRIPT, line), 0, run.describe())

    def test_profiler_memory_is_bounded(self):
        # Issue 3: under 1% of the profiled peak or 32 MiB, whichever is larger.
        for run in self.samples:
            limit = max(run.peak_bytes // 100, 32 * MiB)
            self.assert_below(run.summary["profiler_bytes"], limit, "profiler_bytes", run)


if __name__ == "__main__":
    pr.main()
