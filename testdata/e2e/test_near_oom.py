"""An out-of-memory report before the limit, from the allocation path.

The job runs in a memory cgroup the test makes below its own (v1 memory
controller or v2, see cgroups.py), limited to LIMIT, and grows as fast as a
loop goes (4 MiB numpy arrays, no pause) to STOP of the limit, then waits.
No polling thread could look in time: the check on the allocation path
must. In both modes, while the job still runs: one `tidemark:` line on
stderr, and an `out-of-memory/` report (reason "out-of-memory", the
cgroup's limit, most of it on the GROW line). The job is not stopped: told
to, it exits 0 and writes its ordinary exit report. Where this process
cannot make a memory cgroup the test FAILS, saying why, unless
E2E_ALLOW_NO_MEMORY_CGROUP=1 is set (`bazel test
--test_env=E2E_ALLOW_NO_MEMORY_CGROUP=1`): then it skips (see cgroups.py).
"""
import os
import subprocess

import cgroups
import profile_run as pr

SCRIPT = pr.program("grow_to_limit.py")
GROW = pr.find_marker(SCRIPT, "GROW")
LIMIT = 400 * pr.MiB
# Where the job stops growing: 8 MiB under the limit, well below it for the
# kernel (no OOM kill) and closer than any sensible "headroom is small".
STOP = 0.98
SHARE = 0.60  # of the limit, on the GROW line, in the out-of-memory report
MODES = ("exact", "sample")


class NearOutOfMemoryTest(pr.ProfileTestCase):
    def setUp(self):
        group = cgroups.create_for_test(self, "tidemark-near-oom")
        self.group = group
        self.limit = group.set_limit(LIMIT)

    def grow(self, mode):
        output = pr.fresh_output_dir("near-oom-" + mode)
        env = pr.preload_env(mode, output)
        proc = subprocess.Popen(
            [pr.PYTHON, SCRIPT, self.group.usage_file, str(self.limit), str(STOP)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
            preexec_fn=self.group.enter)
        return output, proc

    def check(self, mode):
        output, proc = self.grow(mode)
        # The report is in the job's process folder, J/<pid>-python3/out-of-memory.
        oom_folder = os.path.join(output, "%d-python3" % proc.pid, pr.OOM_FOLDER)
        try:
            full = proc.stdout.readline().decode().split()
            self.assertEqual(full[:1], ["full"], "the job never filled its cgroup")
            # Written while the job runs (by it, or by a renderer it started).
            found = pr.wait_for(lambda: pr.read_json(os.path.join(oom_folder, "summary.json")),
                                timeout=20)
            self.assertIsNone(proc.poll(), "the job must keep running")
        finally:
            try:
                proc.stdin.write(b"\n")
                proc.stdin.flush()
            except BrokenPipeError:
                pass
            out, err = proc.communicate(timeout=60)
        err = err.decode("utf-8", "replace")
        what = "%s mode, grew to %s" % (mode, " ".join(full))
        self.assertTrue(found, "%s: no out-of-memory report while the job ran\nstderr:\n%s\n%s"
                        % (what, err, pr.listing(output)))
        self.assertEqual(proc.returncode, 0, "%s: the job must run on and exit 0\n%s"
                         % (what, err))
        # One line when memory ran short, before the exit report's table.
        self.assertIn("peak tracked memory", err, "%s: no exit table" % what)
        self.assertEqual(len(pr.tidemark_lines_before_table(err)), 1,
                         "%s: expected one tidemark: line for running out of memory\n%s"
                         % (what, err))
        # The job's only process: its folder is the main one, and the line
        # names the report's folder.
        self.assertEqual(pr.main_process_folder(output), os.path.dirname(oom_folder),
                         "%s\n%s" % (what, pr.listing(output)))
        self.assertIn("report in %s" % oom_folder, err, what)

        run = pr.Run(["grow_to_limit"], output, None, "", err, process_dir=oom_folder)
        self.assertEqual(run.summary["reason"], "out-of-memory", run.describe())
        facts = run.summary.get("out_of_memory")
        self.assertIsInstance(facts, dict, run.describe())
        self.assertEqual(facts.get("limit_bytes"), self.limit, run.describe())
        self.assertIsInstance(facts.get("available_bytes"), int, run.describe())
        self.assertTrue(0 <= facts["available_bytes"] < (1 - SHARE) * self.limit,
                        run.describe())
        self.assertIsNotNone(run.folded, run.describe())
        self.assertEqual(sum(run.folded.values()), run.peak_bytes, run.describe())
        grown = run.bytes_at_location(SCRIPT, GROW)
        self.assertGreaterEqual(grown, SHARE * self.limit, "%s\n%s" % (what, run.describe()))
        self.assertLessEqual(grown, self.limit, run.describe())

        final = pr.Run(["grow_to_limit"], output, proc.returncode, "", err)
        self.assertEqual(final.summary["reason"], "exit", final.describe())
        self.assertEqual(final.summary.get("ended"), "exit code 0", final.describe())
        # Everything it grew is still held at exit: the peak has it all.
        self.assertGreaterEqual(final.bytes_at_location(SCRIPT, GROW), grown, final.describe())

    def test_exact_mode(self):
        self.check("exact")

    def test_sample_mode(self):
        self.check("sample")


if __name__ == "__main__":
    pr.main()
