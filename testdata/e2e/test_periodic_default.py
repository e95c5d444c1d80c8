"""Periodic reports at the default flush interval (60 s, sample mode) in a
threaded job, through the launcher and with LD_PRELOAD alone at once: no
interval is shortened and nothing sleeps so that the report thread can start.

periodic_threads.py's two worker threads each hold 12 MiB on WORKER-12, its
main thread 32 MiB on MAIN-32, and then they sleep, allocating a little now
and then. Its main thread's 32 MiB, a sampled allocation made once the
process has threads, starts the report thread, so the first periodic report
is due 60 s after that. The test waits for summary.json to say "periodic"
and requires:

  - it came no sooner than 55 s after the job said "ready" (the default is
    in force: a shorter one, or a report thread started at the wrong time,
    shows here) and within 60 s + 30 s;
  - a thread named tidemark-report is in the process;
  - the report holds the known bytes on the known lines, says nothing of an
    end (ended and exit_code null);
  - SIGTERM then ends the job as it would without Tidemark, with a final
    report holding the same bytes.

About 65 s of wall time, nearly all of it asleep.
"""
import os
import signal
import time

import profile_run as pr

PROGRAM = pr.program("periodic_threads.py")
MAIN_32 = pr.find_marker(PROGRAM, "MAIN-32")
WORKER_12 = pr.find_marker(PROGRAM, "WORKER-12")
MiB = pr.MiB
DEFAULT_FLUSH_SECONDS = 60
EARLIEST = DEFAULT_FLUSH_SECONDS - 5
LATEST = DEFAULT_FLUSH_SECONDS + 30


def thread_names(pid):
    names = []
    try:
        for task in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/comm" % (pid, task)) as handle:
                names.append(handle.read().strip())
    except OSError:
        pass
    return names


class PeriodicAtTheDefaultIntervalTest(pr.ProfileTestCase):
    def assert_known_bytes(self, run, context):
        self.assertIsNotNone(run.summary, context)
        self.assertIsNotNone(run.folded, context)
        # Each block is larger than the 1 MiB interval, so recorded exactly;
        # a sampled small block on the same line weighs about one interval.
        for line, size in ((MAIN_32, 32 * MiB + 1), (WORKER_12, 2 * (12 * MiB + 1))):
            got = run.bytes_at_location(PROGRAM, line)
            self.assertTrue(size <= got <= size + 2 * MiB, "line %d holds %d bytes, expected "
                            "%d (+2 MiB): %s" % (line, got, size, context))

    def test_periodic_report_at_the_default_interval(self):
        jobs = [pr.Job([pr.PYTHON, PROGRAM], how, "sample", name="periodic-default")
                for how in ("launcher", "preload")]
        try:
            ready = {}
            for job in jobs:
                job.wait_marker("ready")
                ready[job.how] = time.monotonic()
            folders = {job.how: os.path.join(job.output, "%d-python3" % job.pid) for job in jobs}
            seen = {}
            deadline = min(ready.values()) + LATEST
            while len(seen) < len(jobs) and time.monotonic() < deadline:
                for job in jobs:
                    if job.how in seen:
                        continue
                    summary = pr.read_json(os.path.join(folders[job.how], "summary.json"))
                    if summary and summary.get("reason") == "periodic":
                        # Read at once: the next report would replace it.
                        run = pr.Run(job.argv, job.output, None, "", "",
                                     process_dir=folders[job.how])
                        seen[job.how] = (time.monotonic() - ready[job.how], run,
                                         thread_names(job.pid))
                time.sleep(0.2)
            for job in jobs:
                self.assertIn(job.how, seen, "no periodic report within %d s of 'ready'\n%s"
                              % (LATEST, job.describe()))
                job.signal(signal.SIGTERM)
            for job in jobs:
                job.finish()
        except BaseException:
            for job in jobs:
                if job.proc.poll() is None:
                    job.kill_all()
            raise
        for job in jobs:
            after, run, names = seen[job.how]
            context = "%s: periodic report %.1f s after 'ready'\n%s\n%s" % (
                job.how, after, job.describe(), run.describe())
            self.assertGreaterEqual(after, EARLIEST, context)
            self.assertIn("tidemark-report", names, context)
            self.assertGreaterEqual(len(names), 4, context)  # main, 2 workers, report
            self.assertEqual(run.summary["reason"], "periodic", context)
            self.assertIsNone(run.summary["ended"], context)
            self.assertIsNone(run.summary["exit_code"], context)
            self.assert_known_bytes(run, context)
            self.assertEqual(job.returncode, -signal.SIGTERM, context)
            final = job.report()
            where = "%s final\n%s\n%s" % (job.how, job.describe(), final.describe())
            self.assertEqual(final.summary["reason"], "SIGTERM", where)
            self.assert_known_bytes(final, where)
            self.assertEqual(pr.leftover_temporaries(job.output), [], where)


if __name__ == "__main__":
    pr.main()
