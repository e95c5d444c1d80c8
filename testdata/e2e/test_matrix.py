"""The scenario matrix on one CPython: every allocation route, both ways of
profiling, both modes, ended three ways.

E2E_MATRIX_PYTHON names the interpreter ("debian-3.11", "pyenv-3.12"; one
Bazel target each, testdata/BUILD.bazel); a required one that is missing
fails (required_pythons.py). programs/matrix_sites.py holds known bytes on
known lines through malloc, calloc, realloc, ctypes' malloc, mmap, a
second thread, small mallocs and pymalloc's arenas (matrix_support.py says
what each must hold and why the slack is what it is).

For the launcher (//tools:profile) and for LD_PRELOAD alone, in exact and
in sample mode:
  - exit: the report folder is given as a RELATIVE path and the program
    chdir()s before it allocates; the reports must be where the folder was
    when the job started, nothing in the program's folder; the exit status
    (23, from exit(256 + 23)) and stdout are the same as without Tidemark,
    and summary.json's exit_code is 23 too; every site holds its bytes,
    under the function name this CPython reports.
  - signals: while the job is busy allocating and freeing (not waiting in a
    read), SIGUSR2 gives a sigusr2-1 report holding every site; SIGTERM
    (to the launcher when there is one, as a supervisor would send it)
    ends the job with the status it has without Tidemark and leaves a
    report, reason SIGTERM, holding every site.

E2E_MATRIX_UNWINDER, when set, is the unwinder every profiled run uses
(`--unwinder`, TIDEMARK_UNWINDER): the hybrid ones ("cpython+libunwind",
issue 12) must give every site the same bytes, the Python frames now
among native ones.
"""
import os
import signal
import subprocess
import tempfile

import matrix_support as ms
import profile_run as pr
import required_pythons

LABEL = os.environ.get("E2E_MATRIX_PYTHON", required_pythons.DEBIAN_LABEL)
MINOR = LABEL.split("-", 1)[1]
UNWINDER = os.environ.get("E2E_MATRIX_UNWINDER")
FLAGS = ("--unwinder=" + UNWINDER,) if UNWINDER else ()
SETTINGS = {"unwinder": UNWINDER} if UNWINDER else {}
HOWS = ("launcher", "preload")
MODES = ("exact", "sample")


class MatrixTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.python = required_pythons.interpreter(LABEL)
        # The version the reports must name, as the interpreter says it.
        cls.version = subprocess.run(
            [cls.python, "-c", "import platform; print(platform.python_version())"],
            capture_output=True, text=True, check=True).stdout.strip()
        # Relative report folders are relative to here (the jobs inherit it).
        os.chdir(pr.scratch_dir())

    def program_folder(self):
        """An empty folder for the program to chdir() into."""
        return tempfile.mkdtemp(prefix="cwd-", dir=pr.scratch_dir())

    def command(self, folder, how):
        return [self.python, ms.SCRIPT, folder, how]

    def plain(self, what):
        """(status, stdout lines) of the program without Tidemark: "exit" runs to
        its end, "signal" is ended by SIGTERM while busy."""
        key = "_plain_" + what
        if not hasattr(type(self), key):
            if what == "exit":
                job = pr.Job(self.command(self.program_folder(), "exit"), "plain",
                             name="plain-exit")
            else:
                job = pr.Job(self.command(self.program_folder(), "busy"), "plain",
                             name="plain-busy")
                job.wait_marker("busy ")
                job.signal(signal.SIGTERM)
            job.finish(timeout=120)
            setattr(type(self), key, (job.returncode, list(job.stdout_lines)))
        return getattr(type(self), key)

    def assert_sites(self, run, mode, facts, what):
        """Every site holds its bytes in RUN's report, in stacks through its
        function as this CPython spells it."""
        self.assertIsNotNone(run.folded, "%s: no peak.folded\n%s" % (what, run.describe()))
        for site in ms.sites(facts):
            line = site.line
            got = run.bytes_at_location(ms.SCRIPT, line)
            where = "%s: %s (line %d)" % (what, site.marker, line)
            if mode == "exact" or site.exact_in_sample:
                if not site.fits(got):
                    self.fail("%s holds %d bytes (%s); expected %d to %d (%s to %s) plus at "
                              "most %d, or one %d-byte arena (and a %d-byte leaf) more\n%s"
                              % (where, got, pr.mib(got), site.low, site.high,
                                 pr.mib(site.low), pr.mib(site.high), ms.SMALL_SLACK,
                                 ms.ARENA, ms.RADIX_LEAF, run.describe()))
            else:
                low, high = ms.sample_range(site, facts)
                if not low <= got <= high:
                    self.fail("%s holds %s; a sampled estimate of %s must be within %s to %s "
                              "(%g sigma)\n%s" % (where, pr.mib(got), pr.mib(site.low),
                                                  pr.mib(low), pr.mib(high), ms.SIGMAS,
                                                  run.describe()))
            if site.function is not None:
                name = site.function_name(MINOR)
                self.assertEqual(run.bytes_at(name, ms.SCRIPT, line), got,
                                 "%s: not all under %s, as CPython %s names it\n%s"
                                 % (where, pr.frame(name, ms.SCRIPT, line), MINOR,
                                    run.describe()))

    def facts(self, stdout, what):
        facts = ms.parse_facts(stdout)
        if facts is None:
            self.fail("%s: the program printed no facts line; stdout:\n%s" % (what, stdout))
        return facts

    def check_exit(self, how, mode):
        what = "%s, %s, %s mode, exit" % (LABEL, how, mode)
        expected_status, expected_stdout = self.plain("exit")
        self.assertEqual(expected_status, ms.EXIT_STATUS, "without Tidemark")
        folder = self.program_folder()
        output = os.path.basename(pr.fresh_output_dir("matrix-%s-%s" % (how, mode)))
        command = self.command(folder, "exit")
        if how == "launcher":
            run = pr.run_profiled(command, mode=mode, flags=FLAGS, output_dir=output,
                                  timeout=120)
        else:
            run = pr.run_preloaded(command, mode=mode, output_dir=output, timeout=120,
                                   **SETTINGS)
        self.assertEqual((run.returncode, run.stdout.splitlines()),
                         (expected_status, expected_stdout),
                         "%s: (status, stdout) differ from the job without Tidemark\n%s"
                         % (what, run.describe()))
        self.assertEqual(os.listdir(folder), [],
                         "%s: something was written into the folder the program moved to"
                         % what)
        self.assertTrue(os.path.isdir(os.path.join(pr.scratch_dir(), output)),
                        "%s: no report folder %s where the job started (%s)\n%s"
                        % (what, output, pr.scratch_dir(), run.describe()))
        self.assert_completed(run, expected_status)
        self.assertEqual(run.summary.get("reason"), "exit", run.describe())
        # The program calls exit(256 + 23): the report says what the parent saw.
        self.assertEqual(run.summary.get("exit_code"), expected_status, run.describe())
        self.assertEqual(run.summary.get("python_version"), self.version, run.describe())
        self.assertEqual(run.summary.get("unwinder"), UNWINDER or "cpython", run.describe())
        self.assert_sites(run, mode, self.facts(run.stdout, what), what)

    def check_signals(self, how, mode):
        what = "%s, %s, %s mode, signals" % (LABEL, how, mode)
        expected_status, _ = self.plain("signal")
        self.assertEqual(expected_status, -signal.SIGTERM, "without Tidemark")
        job = pr.Job(self.command(self.program_folder(), "busy"), how, mode,
                     flags=FLAGS, settings=SETTINGS, name="matrix-busy")
        with job:
            job.wait_marker("busy ")
            facts = self.facts(job.stdout, what)
            job.signal(signal.SIGUSR2)
            first = pr.wait_for(lambda: pr.read_json(
                os.path.join(job.process_dir, "sigusr2-1", "summary.json")), timeout=30)
            self.assertTrue(first, "%s: no sigusr2-1 report\n%s" % (what, job.describe()))
            self.assertIsNone(job.proc.poll(), "%s: the job must run on after SIGUSR2" % what)
            # SIGTERM at once: summary.json is written before the SIGUSR2
            # report's renderer has finished, so the SIGTERM report often
            # has to wait for it (core/renderer_process.cc); it must not be
            # lost.
            if how == "launcher":
                os.kill(job.proc.pid, signal.SIGTERM)
            else:
                job.signal(signal.SIGTERM)
            job.finish(timeout=60)
        self.assertEqual(job.returncode, expected_status,
                         "%s: status differs from the job without Tidemark\n%s"
                         % (what, job.describe()))
        usr2 = job.report("sigusr2-1")
        self.assertEqual(usr2.summary.get("reason"), "SIGUSR2", usr2.describe())
        self.assert_sites(usr2, mode, facts, what + ", SIGUSR2 report")
        final = job.report()
        if final.summary is None:
            self.fail("%s: no report after SIGTERM\n%s" % (what, final.describe()))
        self.assertEqual(final.summary.get("reason"), "SIGTERM", final.describe())
        self.assert_sites(final, mode, facts, what + ", SIGTERM report")

    def test_exit(self):
        for how in HOWS:
            for mode in MODES:
                with self.subTest(how=how, mode=mode):
                    self.check_exit(how, mode)

    def test_signals_while_busy(self):
        for how in HOWS:
            for mode in MODES:
                with self.subTest(how=how, mode=mode):
                    self.check_signals(how, mode)


if __name__ == "__main__":
    pr.main()
