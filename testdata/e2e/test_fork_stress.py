"""fork() while other threads allocate never hangs, and every forked child
has a well-formed report of its own (issue 9).

fork_stress.py forks 200 times while four threads allocate and free in tight
loops; each child holds bytearray(2 MiB) on CHILD-2MIB and leaves with
os._exit(0); the parent waits for each for at most 10 s (else prints HANG
and exits 9). Through the launcher in exact and sample mode, and with
LD_PRELOAD alone in exact mode: exit 0, 200 "child" lines, and for each
child a folder <pid>-python3 whose summary.json parses and says a peak of
at least 2 MiB (sample mode: its one 2 MiB allocation is above the
interval, so recorded whole), with 2 MiB on CHILD-2MIB; job.json lists the
200 children as forked by the parent, each with its folder.
"""
import os

import profile_run as pr
import sampling_math as sm

SCRIPT = pr.program("fork_stress.py")
ITERATIONS = 200
CHILD_BYTES = 2 * pr.MiB
TIMEOUT = 900  # seconds, for one whole run; each fork has its own 10 s in the program


class ForkStressTest(pr.ProfileTestCase):
    def check(self, run, mode):
        hangs = [l for l in run.stdout.splitlines() if l.startswith("HANG")]
        self.assertEqual(hangs, [], run.describe())
        self.assertEqual(run.returncode, 0, run.describe())
        parent = int([l for l in run.stdout.splitlines() if l.startswith("parent ")][0].split()[1])
        children = [int(l.split()[2]) for l in run.stdout.splitlines() if l.startswith("child ")]
        self.assertEqual(len(children), ITERATIONS, run.describe())
        self.assertEqual(os.path.basename(run.process_dir), "%d-python3" % parent,
                         run.describe())
        self.assert_completed(run)

        line = pr.find_marker(SCRIPT, "CHILD-2MIB")
        # The bytearray's buffer and object; in sample mode the object (far
        # below the interval) may, rarely, be drawn at the interval's weight:
        # one draw is allowed. Two draws among the line's small allocations
        # (a bytearray header, 57 bytes) in one child: P ~ (57 / R)^2 / 2 =
        # 1.5e-9; 200 children: 3e-7 false failures per CI run.
        most = CHILD_BYTES + 4096 + (sm.DEFAULT_INTERVAL if mode == "sample" else 0)
        problems = []
        for pid in children:
            folder = os.path.join(run.output_dir, "%d-python3" % pid)
            summary = pr.read_json(os.path.join(folder, "summary.json"))
            if not isinstance(summary, dict):
                problems.append("%d: no readable summary.json in %s" % (pid, folder))
                continue
            peak = summary.get("peak_bytes")
            if not isinstance(peak, int) or peak < CHILD_BYTES:
                problems.append("%d: peak_bytes %r, expected >= %d" % (pid, peak, CHILD_BYTES))
            view = run.process(pid)
            if view.folded is None:
                problems.append("%d: %s" % (pid, view.folded_error))
                continue
            held = view.bytes_at("child", SCRIPT, line)
            if not CHILD_BYTES <= held <= most:
                problems.append("%d: %d bytes on CHILD-2MIB" % (pid, held))
            if sum(view.folded.values()) != peak:
                problems.append("%d: peak.folded sums to %d, peak_bytes %r"
                                % (pid, sum(view.folded.values()), peak))
        self.assertEqual(problems[:20], [], "%d of %d children:\n%s" % (
            len(problems), ITERATIONS, run.describe()))

        processes = self.assert_job_index(run)
        forked = [p for p in processes if p.get("started") == "fork"
                  and p.get("parent_pid") == parent]
        self.assertEqual(sorted(p.get("pid") for p in forked), sorted(children),
                         run.describe())
        self.assertEqual([p for p in forked if p.get("folder") != "%d-python3" % p.get("pid")],
                         [], run.describe())
        child_folders = [f for f in run.process_folders if pr.folder_pid(f) != parent]
        self.assertEqual(len(child_folders), ITERATIONS, run.describe())
        self.assertEqual(pr.leftover_temporaries(run.output_dir), [], run.describe())

    def test_exact_mode_through_the_launcher(self):
        self.check(pr.run_profiled([pr.PYTHON, SCRIPT, str(ITERATIONS)], mode="exact",
                                   name="fork-stress-exact", timeout=TIMEOUT), "exact")

    def test_sample_mode_through_the_launcher(self):
        self.check(pr.run_profiled([pr.PYTHON, SCRIPT, str(ITERATIONS)], mode="sample",
                                   name="fork-stress-sample", timeout=TIMEOUT), "sample")

    def test_exact_mode_with_preload(self):
        self.check(pr.run_preloaded([pr.PYTHON, SCRIPT, str(ITERATIONS)], mode="exact",
                                    name="fork-stress-preload", timeout=TIMEOUT), "exact")


if __name__ == "__main__":
    pr.main()
