"""Every worker of a multiprocessing job has a report of its own (issue 9).

mp_workers.py METHOD runs three workers at once (a Pool of the fork,
forkserver or spawn start method, or a ProcessPoolExecutor with Linux's
default, fork); worker i holds (i + 2) * 16 MiB (32, 48, 64 MiB) on
WORKER-HOLD, and the parent holds 8 MiB on PARENT-HOLD all along. Through
the launcher and through LD_PRELOAD alone (TIDEMARK_OUTPUT=J), exact mode:

  - each worker has the folder <pid>-python3 with its own bytes on
    WORKER-HOLD (+-2%) and nothing on PARENT-HOLD;
  - the parent's folder (the job's main one) has its 8 MiB on PARENT-HOLD,
    nothing on WORKER-HOLD, and a peak below any worker's hold;
  - job.json lists the parent, every worker (parent pid, how it started,
    folder) and multiprocessing's helpers (forkserver, resource tracker),
    each Python process with a folder;
  - a worker made by fork states in summary.json (and job.json) the bytes
    it inherited: at least the parent's 8 MiB when forked from the parent.

In sample mode (fork pool, launcher) each hold is one allocation of at least
the sampling interval, so it is recorded at its size; the bound allows for
up to 64 KiB of small allocations on the same line, drawn or not
(sampling_math.small_bytes_slack, at a tail of 1e-6 per check). False
failures: 4 lines checked in the one sample-mode run (3 workers and the
parent), so at most 4e-6 per CI run.
"""
import os

import profile_run as pr
import sampling_math as sm

SCRIPT = pr.program("mp_workers.py")
MiB = pr.MiB
WORKERS = 3
PARENT_BYTES = 8 * MiB
SMALLEST_WORKER = 32 * MiB
# What a worker allocates besides its hold (a spawned one starts a whole
# interpreter), at most.
WORKER_EXTRA = 16 * MiB


def worker_bytes(i):
    return (i + 2) * 16 * MiB


def parse_stdout(run):
    """{"parent": pid, "helpers": {name: pid}, "workers": {i: (pid, bytes)}}."""
    seen = {"parent": None, "helpers": {}, "workers": {}}
    for line in run.stdout.splitlines():
        words = line.split()
        if words[:1] == ["parent"]:
            seen["parent"] = int(words[1])
        elif words[:1] == ["helper"]:
            seen["helpers"][words[1]] = int(words[2])
        elif words[:1] == ["worker"]:
            seen["workers"][int(words[1])] = (int(words[2]), int(words[3]))
    return seen


class MultiprocessTest(pr.ProfileTestCase):
    def runs(self, method):
        yield "launcher", pr.run_profiled([pr.PYTHON, SCRIPT, method], mode="exact",
                                          name="mp-%s-launcher" % method, timeout=600)
        yield "preload", pr.run_preloaded([pr.PYTHON, SCRIPT, method], mode="exact",
                                          name="mp-%s-preload" % method, timeout=600)

    def check(self, method):
        for how, run in self.runs(method):
            with self.subTest(method=method, how=how):
                self.check_run(run, method, how)

    def line(self, marker):
        return pr.find_marker(SCRIPT, marker)

    def check_run(self, run, method, how, mode="exact"):
        self.assertEqual(run.returncode, 0, run.describe())
        seen = parse_stdout(run)
        parent = seen["parent"]
        self.assertIsNotNone(parent, run.describe())
        self.assertEqual(sorted(seen["workers"]), list(range(WORKERS)), run.describe())

        # The parent: the job's main process, with only its own memory.
        self.assertEqual(os.path.basename(run.process_dir), "%d-python3" % parent,
                         run.describe())
        self.assert_completed(run)
        slack = self.slack(mode)
        self.assert_close(run.bytes_at("main", SCRIPT, self.line("PARENT-HOLD")), PARENT_BYTES,
                          0.02 if mode == "exact" else 0.0, "parent: PARENT-HOLD", run,
                          abs_slack=slack)
        self.assertEqual(run.bytes_at_location(SCRIPT, self.line("WORKER-HOLD")), 0,
                         "parent: no worker bytes\n" + run.describe())
        self.assert_below(run.peak_bytes, SMALLEST_WORKER - PARENT_BYTES,
                          "parent's peak (below the smallest worker's hold)", run)

        # Every worker: a folder of its own, its own peak on its own line.
        holding = []
        reports = {}
        for i, (pid, size) in sorted(seen["workers"].items()):
            self.assertEqual(size, worker_bytes(i))
            worker = self.process_report(run, pid)
            what = "worker %d (pid %d, %s, %s)" % (i, pid, method, how)
            self.assert_close(worker.bytes_at("work", SCRIPT, self.line("WORKER-HOLD")), size,
                              0.02 if mode == "exact" else 0.0, what + ": WORKER-HOLD", worker,
                              abs_slack=slack)
            self.assert_below(worker.bytes_at_location(SCRIPT, self.line("PARENT-HOLD")), 1,
                              what + ": PARENT-HOLD (the parent's, inherited)", worker)
            self.assertEqual(sum(worker.folded.values()), worker.peak_bytes, worker.describe())
            self.assert_below(worker.peak_bytes, size + WORKER_EXTRA + slack,
                              what + ": peak (its own memory only)", worker)
            reports[pid] = (worker, what)

        # Only the workers hold worker bytes.
        line = self.line("WORKER-HOLD")
        for folder in run.process_folders:
            view = run.process(os.path.basename(folder))
            if view.folded and view.bytes_at_location(SCRIPT, line) > 0:
                holding.append(view.pid)
        self.assertEqual(sorted(holding), sorted(p for p, _ in seen["workers"].values()),
                         run.describe())

        # The index: each worker's entry and its inherited bytes ...
        processes = self.assert_job_index(run)
        for pid, (worker, what) in sorted(reports.items()):
            self.check_worker_entry(run, worker, pid, parent, seen, method, what)
        # ... every process the program knows of, and each Python process
        # with a folder.
        listed = {p.get("pid") for p in processes}
        known = [parent] + list(seen["helpers"].values()) + [
            p for p, _ in seen["workers"].values()]
        self.assertEqual([p for p in known if p not in listed], [], run.describe())
        for entry in processes:
            if entry.get("python") is True:
                self.assertIsNotNone(entry.get("folder"), "a Python process without a folder: "
                                     "%r\n%s" % (entry, run.describe()))
        first = [p for p in processes if p.get("started") == "first"]
        self.assertEqual([p.get("pid") for p in first], [parent], run.describe())

        # The job's highest peak is the 64 MiB worker's.
        biggest = seen["workers"][WORKERS - 1][0]
        highest = run.index.get("highest_peak") or {}
        self.assertEqual(highest.get("pid"), biggest, run.describe())
        self.assertEqual(highest.get("folder"), "%d-python3" % biggest, run.describe())
        self.assertEqual(pr.table_count(run.stderr), 1, run.describe())
        if how == "launcher":
            said = [l for l in pr.tidemark_lines(run.stderr)
                    if "highest peak" in l and "%d-python3" % biggest in l]
            self.assertEqual(len(said), 1, run.describe())

    def slack(self, mode):
        if mode == "exact":
            return 0
        # Holds of at least the interval are recorded at their size; small
        # allocations on the same line (the object, at most 64 KiB) are
        # drawn at about the interval's weight or not at all.
        return int(sm.small_bytes_slack(64 * pr.KiB, sm.DEFAULT_INTERVAL, 1e-6))

    def check_worker_entry(self, run, worker, pid, parent, seen, method, what):
        entries = [e for e in run.entries_for(pid) if e.get("folder")]
        self.assertEqual(len(entries), 1, what + "\n" + run.describe())
        entry = entries[-1]
        self.assertEqual(entry.get("folder"), "%d-python3" % pid, what)
        self.assertIs(entry.get("python"), True, what)
        self.assertEqual(entry.get("exit_code"), 0, what + "\n" + run.describe())
        self.assertEqual(entry.get("peak_bytes"), worker.peak_bytes, what)
        inherited = worker.summary.get("inherited_bytes")
        if method == "spawn":
            # A new interpreter: started by fork + exec, inheriting nothing.
            self.assertIn(entry.get("started"), ("child", "exec"), what + "\n" + run.describe())
            self.assertEqual(entry.get("parent_pid"), parent, what)
            self.assertEqual(inherited, 0, what + "\n" + worker.describe())
            return
        self.assertEqual(entry.get("started"), "fork", what + "\n" + run.describe())
        if method == "forkserver":
            # Forked by the forkserver, which the parent started.
            server = seen["helpers"].get("forkserver")
            self.assertEqual(entry.get("parent_pid"), server, what + "\n" + run.describe())
            server_entries = run.entries_for(server)
            self.assertTrue(server_entries, what + ": forkserver not listed\n" + run.describe())
            self.assertEqual(server_entries[-1].get("parent_pid"), parent, what)
            self.assertIsInstance(inherited, int, what + "\n" + worker.describe())
            self.assertGreater(inherited, 0, what + "\n" + worker.describe())
        else:
            self.assertEqual(entry.get("parent_pid"), parent, what)
            self.assertIsInstance(inherited, int, what + "\n" + worker.describe())
            self.assertGreaterEqual(inherited, PARENT_BYTES, what + ": inherited bytes\n"
                                    + worker.describe())
        self.assertEqual(entry.get("inherited_bytes"), inherited, what)

    def test_fork_pool(self):
        self.check("fork")

    def test_forkserver_pool(self):
        self.check("forkserver")

    def test_spawn_pool(self):
        self.check("spawn")

    def test_process_pool_executor(self):
        self.check("executor")

    def test_fork_pool_sample_mode(self):
        run = pr.run_profiled([pr.PYTHON, SCRIPT, "fork"], mode="sample", name="mp-fork-sample",
                              timeout=600)
        self.check_run(run, "fork", "launcher", mode="sample")


if __name__ == "__main__":
    pr.main()
