"""Jobs killed by the kernel's OOM killer in a memory cgroup still leave
their reports.

Each job runs in a memory cgroup the test makes below its own (v1 memory
controller or v2, see cgroups.py) and leaks until the kernel kills it:

  a) numpy arrays as fast as a loop goes (600 MiB limit), through the
     launcher, in exact and in sample mode;
  b) a slow leak of many small Python objects (lists of short strings:
     pymalloc arenas and malloc'd list arrays), the same way;
  c) the limit set on the PARENT of the job's cgroup only (the job's own
     cgroup has none): the limit is still found;
  d) LD_PRELOAD alone, nobody to render the reports when the job dies:
     `report DIR` afterwards renders them from the stored profile.

Each time: the job's peak report attributes at least 60% of the limit to
the leaking line, and an `out-of-memory/` report (written when the headroom
got small, from the allocation path) holds what was live then, naming the
limit. Through the launcher: it dies of SIGKILL as its child did, and
summary.json and its `tidemark:` line say the kernel's OOM killer did it
(the cgroup's own counter says so too). Where no memory cgroup can be made
(not root, no controller) the test FAILS, saying why, unless
E2E_ALLOW_NO_MEMORY_CGROUP=1 is set (`bazel test
--test_env=E2E_ALLOW_NO_MEMORY_CGROUP=1`): then it skips (see cgroups.py).
"""
import os
import signal

import cgroups
import profile_run as pr

LEAK = pr.program("oom_leak.py")
FAST_LINE = pr.find_marker(LEAK, "LEAK-FAST")
SLOW_LINE = pr.find_marker(LEAK, "LEAK-SLOW")
MiB = pr.MiB
LIMIT = 600 * MiB
SLOW_LIMIT = 400 * MiB
PEAK_SHARE = 0.60  # of the limit, on the leaking line, in the peak report
OOM_SHARE = 0.50  # the same in the out-of-memory report (written earlier)
MODES = ("exact", "sample")


class OomCgroupTest(pr.ProfileTestCase):
    def setUp(self):
        self.group = cgroups.create_for_test(self, "tidemark-oom")

    def leak(self, where, how, mode, what):
        """Runs oom_leak.py WHAT inside the cgroup WHERE until it dies."""
        job = pr.Job([pr.PYTHON, LEAK, what], how, mode, name="%s-%s" % (what, mode),
                     preexec_fn=where.enter)
        job.wait_marker("leaking", timeout=60)
        job.finish(timeout=120)
        return job

    def assert_oom_killed(self, job, where):
        kills = where.oom_kills()
        if kills is None:
            self.skipTest("this kernel does not count OOM kills in %s" % where.path)
        what = "%s, %s mode" % (job.how, job.mode)
        self.assertEqual(job.returncode, -signal.SIGKILL,
                         "%s: the job must die of SIGKILL\n%s" % (what, job.describe()))
        self.assertGreaterEqual(kills, 1, "%s: the kernel's OOM killer never struck in %s\n%s"
                                % (what, where.path, job.describe()))

    def assert_peak_report(self, run, line, limit, what):
        self.assertIsNotNone(run.summary, "%s: no summary.json\n%s" % (what, run.describe()))
        self.assertIsNotNone(run.folded, "%s: no peak.folded\n%s" % (what, run.describe()))
        self.assertEqual(sum(run.folded.values()), run.peak_bytes,
                         "%s: peak.folded does not add up to peak_bytes\n%s"
                         % (what, run.describe()))
        leaked = run.bytes_at_location(LEAK, line)
        self.assertGreaterEqual(leaked, PEAK_SHARE * limit,
                                "%s: the leaking line (%s) holds %s of a %s limit\n%s"
                                % (what, line, pr.mib(leaked), pr.mib(limit), run.describe()))
        self.assertLessEqual(leaked, limit, "%s: more than the limit?\n%s"
                             % (what, run.describe()))
        self.assertIsInstance(run.summary.get("peak_seconds"), (int, float), run.describe())
        self.assertGreaterEqual(run.summary["peak_seconds"], 0, run.describe())
        self.assertLessEqual(run.summary["peak_seconds"], run.summary["wall_seconds"] + 0.01,
                             run.describe())

    def assert_oom_report(self, job, line, limit, what):
        folder = os.path.join(job.process_dir, pr.OOM_FOLDER)
        # The out-of-memory report may come from a renderer process the
        # library started; give it time to finish.
        pr.wait_for(lambda: pr.read_json(os.path.join(folder, "summary.json")), timeout=20)
        run = job.report(pr.OOM_FOLDER)
        self.assertIsNotNone(run.summary, "%s: no out-of-memory report\n%s\n%s"
                             % (what, run.describe(), job.describe()))
        self.assertIsNotNone(run.folded, "%s: no out-of-memory/peak.folded\n%s"
                             % (what, run.describe()))
        self.assertTrue(os.path.exists(os.path.join(folder, "peak.svg")), pr.listing(folder))
        self.assertEqual(run.summary.get("reason"), "out-of-memory", run.describe())
        facts = run.summary.get("out_of_memory")
        self.assertIsInstance(facts, dict, "%s: no out_of_memory object\n%s"
                              % (what, run.describe()))
        self.assertEqual(facts.get("limit_bytes"), limit,
                         "%s: the limit that was nearly reached is the cgroup's\n%s"
                         % (what, run.describe()))
        available = facts.get("available_bytes")
        self.assertIsInstance(available, int, run.describe())
        self.assertTrue(0 <= available < limit * (1 - OOM_SHARE), "%s: available_bytes %s\n%s"
                        % (what, available, run.describe()))
        self.assertTrue(facts.get("reason"), run.describe())
        self.assertEqual(sum(run.folded.values()), run.peak_bytes, run.describe())
        leaked = run.bytes_at_location(LEAK, line)
        self.assertGreaterEqual(leaked, OOM_SHARE * limit,
                                "%s: the leaking line holds %s of a %s limit when memory ran "
                                "out\n%s" % (what, pr.mib(leaked), pr.mib(limit),
                                             run.describe()))
        self.assertLessEqual(leaked, limit, run.describe())

    def check_launcher(self, what, line, limit, mode, job_group=None):
        job_group = job_group or self.group
        job = self.leak(job_group, "launcher", mode, what)
        label = "%s leak through the launcher, %s mode" % (what, mode)
        self.assert_oom_killed(job, job_group)
        run = job.report()
        self.assert_peak_report(run, line, limit, label)
        self.assertEqual(run.summary.get("ended"), pr.ENDED_BY_OOM_KILLER,
                         "%s\n%s" % (label, run.describe()))
        said = [l for l in pr.tidemark_lines(job.stderr) if "OOM killer" in l]
        self.assertTrue(said, "%s: no tidemark: line names the OOM killer\n%s"
                        % (label, job.describe()))
        self.assert_oom_report(job, line, limit, label)
        self.assertEqual(pr.leftover_temporaries(job.output), [], job.describe())

    # a) numpy arrays as fast as possible.
    def test_fast_leak_through_the_launcher(self):
        self.group.set_limit(LIMIT)
        for mode in MODES:
            with self.subTest(mode=mode):
                self.check_launcher("fast", FAST_LINE, LIMIT, mode)

    # b) many small objects, slowly.
    def test_slow_leak_of_small_objects(self):
        self.group.set_limit(SLOW_LIMIT)
        for mode in MODES:
            with self.subTest(mode=mode):
                self.check_launcher("slow", SLOW_LINE, SLOW_LIMIT, mode)

    # c) the limit is on an ancestor of the job's cgroup.
    def test_limit_on_the_parent_cgroup(self):
        self.group.set_limit(LIMIT)
        child = self.group.make_child("job")
        self.assertGreater(child.limit(), 4 * LIMIT, "the child must have no limit of its own")
        for mode in MODES:
            with self.subTest(mode=mode):
                self.check_launcher("fast", FAST_LINE, LIMIT, mode, job_group=child)

    # d) LD_PRELOAD alone, then `report DIR`.
    def test_preload_then_report_tool(self):
        self.group.set_limit(LIMIT)
        for mode in MODES:
            with self.subTest(mode=mode):
                job = self.leak(self.group, "preload", mode, "fast")
                label = "fast leak with LD_PRELOAD alone, %s mode" % mode
                self.assert_oom_killed(job, self.group)
                self.assertTrue(os.path.exists(os.path.join(job.process_dir, pr.PROFILE_FILE)),
                                "%s: no stored profile left behind\n%s"
                                % (label, job.describe()))
                code, out, err = pr.run_report(job.output)
                self.assertIsNone(pr.crash_signs(code, err), err)
                self.assertEqual(code, 0, "%s: report failed\nstdout:\n%s\nstderr:\n%s"
                                 % (label, out, err))
                self.assertIn("tidemark: reports in %s" % job.output, out + err)
                run = job.report()
                self.assert_peak_report(run, FAST_LINE, LIMIT, label)
                self.assertIsInstance(run.summary.get("ended"), str, run.describe())
                self.assertNotIn("exit code", run.summary["ended"], run.describe())
                self.assert_oom_report(job, FAST_LINE, LIMIT, label)
                self.assertEqual(pr.leftover_temporaries(job.output), [],
                                 pr.listing(job.output))


if __name__ == "__main__":
    pr.main()
