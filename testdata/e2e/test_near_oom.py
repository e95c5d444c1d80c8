"""A near-out-of-memory report, in a memory cgroup of our own.

The job runs in a new cgroup (v1 memory controller, or v2) limited to
LIMIT_MIB and grows to within 5% of it: sample mode must write a report
(reason "near-out-of-memory") while the job is still running, attribute the
memory to the GROW line, and say so on stderr in one "tidemark:" line.
Skipped where this process cannot create a memory cgroup (not root, no
controller): the parsers are unit-tested in //core:memory_pressure_test.
"""
import os
import queue
import subprocess
import threading
import unittest

import profile_run as pr

SCRIPT = pr.program("grow_to_limit.py")
LIMIT_MIB = 400
PRESSURE_CHECK_SECONDS = 0.5  # how often the report thread looks


def make_cgroup(name):
    """The directory of a new memory cgroup limited to LIMIT_MIB, or None."""
    v1 = "/sys/fs/cgroup/memory"
    v2 = "/sys/fs/cgroup"
    try:
        if os.path.exists(os.path.join(v1, "memory.limit_in_bytes")):
            path = os.path.join(v1, name)
            os.mkdir(path)
            limit_file = os.path.join(path, "memory.limit_in_bytes")
            usage_file = os.path.join(path, "memory.usage_in_bytes")
        elif "memory" in open(os.path.join(v2, "cgroup.controllers")).read().split():
            path = os.path.join(v2, name)
            os.mkdir(path)
            limit_file = os.path.join(path, "memory.max")
            usage_file = os.path.join(path, "memory.current")
        else:
            return None
        with open(limit_file, "w") as handle:
            handle.write(str(LIMIT_MIB << 20))
        return path, usage_file
    except OSError:
        return None


class NearOutOfMemoryTest(pr.ProfileTestCase):
    def setUp(self):
        made = make_cgroup("tidemark-test-%d" % os.getpid())
        if made is None:
            self.skipTest("cannot create a memory cgroup here")
        self.cgroup, self.usage_file = made

    def usage_fraction(self):
        with open(self.usage_file) as handle:
            return int(handle.read()) / float(LIMIT_MIB << 20)

    def tearDown(self):
        if getattr(self, "cgroup", None):
            try:
                os.rmdir(self.cgroup)
            except OSError:
                pass

    def test_report_before_the_limit(self):
        output = pr.fresh_output_dir("near-oom")
        procs_file = os.path.join(self.cgroup, "cgroup.procs")

        def enter_cgroup():
            with open(procs_file, "w") as handle:
                handle.write(str(os.getpid()))

        env = pr.preload_env("sample", output)
        proc = subprocess.Popen([pr.PYTHON, SCRIPT], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                preexec_fn=enter_cgroup)
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(l.decode()) for l in proc.stderr],
                         daemon=True).start()

        def grow(mib):
            proc.stdin.write(b"%d\n" % mib)
            proc.stdin.flush()
            self.assertEqual(proc.stdout.readline().decode().strip(), "ok")

        try:
            # Quickly to 85% of the limit, then 4 MiB at a time (the 5% mark
            # is 20 MiB from the limit), giving the report thread time to
            # look after each step, until it reports.
            while self.usage_fraction() < 0.80:
                grow(16)
            line = None
            while line is None and self.usage_fraction() < 0.99:
                grow(4)
                try:
                    line = lines.get(timeout=2.5 * PRESSURE_CHECK_SECONDS)
                except queue.Empty:
                    pass
            self.assertIsNotNone(line, "no near-out-of-memory report before 99%")
            self.assertTrue(line.startswith("tidemark: memory is nearly exhausted"), line)
            run = pr.Run(["grow_to_limit"], output, None, "", "")
            self.assertEqual(run.summary["reason"], "near-out-of-memory", run.describe())
            grown = run.bytes_at_location(SCRIPT, pr.find_marker(SCRIPT, "GROW"))
            # Most of the limit, in 16 and 4 MiB arrays (each at least R, so
            # exact).
            self.assertGreaterEqual(grown, 280 << 20, run.describe())
            self.assertEqual(grown % (4 << 20), 0, run.describe())
        finally:
            try:
                proc.stdin.write(b"\n")
                proc.stdin.flush()
            except BrokenPipeError:
                pass
            proc.wait(timeout=60)
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                stream.close()
        self.assertEqual(proc.returncode, 0)


if __name__ == "__main__":
    pr.main()
