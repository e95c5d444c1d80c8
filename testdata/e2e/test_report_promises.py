"""README promises about reports that no other test checks.

programs/report_promises.py holds LARGE (16 mallocs of 512 KiB) and SMALL
(2000 mallocs of 32 KiB, 62.5 MiB) at its peak and prints its own VmHWM.

- a non-default --sample-interval (256K) end to end: blocks at least the
  interval exact, the small blocks' site within its bound for that interval;
- --reporters subsets: only the chosen reporters' files are written;
- the RSS high-water mark in summary.json against the kernel's VmHWM;
- the stderr table's MiB and % columns against the known sites and the peak.

False-failure rate per CI run: zero; the one sample-mode run has a fixed
seed (its bound is a Bernstein bound at tail 5e-6, so the seed is not
special).
"""
import os
import re

import profile_run as pr
import sampling_math as sm
import table_rows as tr
from profile_run import KiB, MiB

SCRIPT = pr.program("report_promises.py")
LARGE = 8 * MiB
SMALL_BLOCK = 32 * KiB
SMALL_COUNT = 2000
INTERVAL = 256 * KiB
# What the exit report, rendered in the process after the program's own
# reading, may add to the high-water mark (its copy of the profile and
# buffers; measured 0 for this program): 8 MiB.
RENDER_HEADROOM = 8 * MiB
ROW = re.compile(r"^tidemark:\s+([0-9]+\.[0-9])\s+([0-9]+\.[0-9])%\s+(.*)$")


def line_bytes(run, marker):
    return run.bytes_at_location(SCRIPT, pr.find_marker(SCRIPT, marker))


def files_in(folder):
    return sorted(name for name in os.listdir(folder) if name != pr.PROFILE_FILE)


class ReportPromisesTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exact = pr.run_profiled([pr.PYTHON, SCRIPT], name="promises-exact")
        cls.sampled = pr.run_profiled([pr.PYTHON, SCRIPT], mode="sample",
                                      flags=["--sample-interval=256K", "--seed=4711"],
                                      name="promises-256k")
        cls.folded_only = pr.run_profiled([pr.PYTHON, SCRIPT], flags=["--reporters=folded"],
                                          name="promises-folded")
        cls.summary_only = pr.run_profiled([pr.PYTHON, SCRIPT],
                                           flags=["--reporters=summary_json"],
                                           name="promises-summary")

    def test_a_256k_interval_end_to_end(self):
        run = self.sampled
        self.assert_completed(run)
        self.assertEqual(run.summary["sample_interval_bytes"], INTERVAL, run.describe())
        # 512 KiB blocks are at least the 256K interval: exact. At the
        # default 1 MiB they would be sampled (p = 0.39) and weighted
        # 1.33 MiB each, so the site would read a multiple of 1.33 MiB.
        self.assertEqual(line_bytes(run, "LARGE"), LARGE, run.describe())
        truth = line_bytes(self.exact, "SMALL")
        variance = sm.variance_of_uniform_site(SMALL_COUNT, SMALL_BLOCK, INTERVAL) + \
            sm.variance_of_small_bytes(truth - SMALL_COUNT * SMALL_BLOCK, INTERVAL)
        weight = SMALL_BLOCK / sm.inclusion_probability(SMALL_BLOCK, INTERVAL)
        bound = sm.bernstein_bound(variance, weight, 5e-6)
        # The bound means something: 35% of the site at this interval.
        self.assertLess(bound, 0.4 * truth)
        self.assert_close(line_bytes(run, "SMALL"), truth, 0.0,
                          "SMALL at 256K (bound %s)" % pr.mib(bound), run, abs_slack=int(bound))

    def test_folded_only_writes_only_peak_folded(self):
        run = self.folded_only
        self.assertEqual(run.returncode, 0, run.describe())
        self.assertEqual(files_in(run.process_dir), ["peak.folded"], pr.listing(run.output_dir))
        self.assertEqual(pr.table_count(run.stderr), 0, run.describe())
        self.assertEqual(line_bytes(run, "LARGE"), LARGE, run.describe())

    def test_summary_only_writes_only_summary_json(self):
        run = self.summary_only
        self.assertEqual(run.returncode, 0, run.describe())
        self.assertEqual(files_in(run.process_dir), ["summary.json"], pr.listing(run.output_dir))
        self.assertEqual(pr.table_count(run.stderr), 0, run.describe())
        # The same program as the exact run, up to its run-to-run noise
        # (a few KiB of the interpreter's own).
        self.assert_close(run.summary["peak_bytes"], self.exact.peak_bytes, 0.001,
                          "peak_bytes", run)

    def test_rss_high_water_mark_is_the_kernels(self):
        run = self.exact
        self.assert_completed(run)
        match = re.search(r"^HWM (\d+) (\d+)$", run.stdout, re.M)
        self.assertIsNotNone(match, run.describe())
        vm_hwm, ru_maxrss = int(match.group(1)), int(match.group(2))
        reported = run.summary.get("rss_hwm_bytes")
        self.assertIsInstance(reported, int, run.describe())
        # The program wrote every byte of both sites, so they were resident.
        self.assertGreater(vm_hwm, LARGE + SMALL_COUNT * SMALL_BLOCK, run.stdout)
        self.assertEqual(vm_hwm, ru_maxrss, run.stdout)
        # A high-water mark only grows: at least what the program read, at
        # most that plus what rendering the exit report may add.
        self.assertGreaterEqual(reported, vm_hwm, run.describe())
        self.assertLessEqual(reported, vm_hwm + RENDER_HEADROOM, run.describe())

    def test_table_columns_are_the_sites_bytes_and_share_of_the_peak(self):
        run = self.exact
        self.assert_completed(run)
        rows = {}
        for line in pr.tidemark_lines(run.stderr):
            match = ROW.match(line)
            if match:
                rows[match.group(3)] = (float(match.group(1)), float(match.group(2)))
        for marker, known in (("LARGE", LARGE), ("SMALL", SMALL_COUNT * SMALL_BLOCK)):
            with self.subTest(marker=marker):
                suffix = "(%s:%d)" % (SCRIPT, pr.find_marker(SCRIPT, marker))
                # The file may be shown relative to the working directory.
                hits = [key for key in rows
                        if tr.ends_with_line(key, SCRIPT, pr.find_marker(SCRIPT, marker))]
                self.assertEqual(len(hits), 1, "no single row for %s\n%s" % (
                    suffix, run.describe()))
                mib, percent = rows[hits[0]]
                held = line_bytes(run, marker)
                # The folded file and the scenario agree on the line's bytes
                # (the list's pointer array adds a few KiB) ...
                self.assert_close(held, known, 0.001, marker, run)
                # ... and the table prints them to 0.1 MiB and 0.1% of the peak.
                self.assertAlmostEqual(mib, known / MiB, delta=0.05 + 1e-9, msg=run.stderr)
                self.assertAlmostEqual(percent, 100.0 * held / run.peak_bytes, delta=0.05 + 1e-9,
                                       msg=run.stderr)


if __name__ == "__main__":
    pr.main()
