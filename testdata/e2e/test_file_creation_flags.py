"""Every file Tidemark creates is created with O_EXCL|O_NOFOLLOW, mode 0666.

Issue 7's promise for the report folder: a file Tidemark makes can never be
a link someone planted, nor an existing file it truncates, and the user's
umask decides its permissions. The attack test shows the folder rules stop
the attack as a whole; those rules would hide a regression in the files'
own flags (temporary names are random, the job's log name is unlinked at
start, so no planted link is ever hit). This test reads the flags
themselves: each job runs under strace -f (launcher, library, the renderer
process and //tools:report), and every open of a name Tidemark writes
must carry O_NOFOLLOW; every one that may create must also carry O_EXCL and
mode 0666.

Two jobs, each making its reports in every way: through the launcher in
exact mode and with LD_PRELOAD alone in sample mode, each taking a SIGUSR2
report (the renderer process) and its exit reports; the second writes the
job's index itself.

Needs strace (setup.sh).
"""
import os
import re
import shutil
import subprocess

import profile_run as pr

# SIGUSR2 is handled by the library while the program leaves it at the
# default: a sigusr2-1 report rendered by the renderer process.
JOB = ("import os, signal, time\n"
       "held = bytearray(8 << 20)\n"
       "os.kill(os.getpid(), signal.SIGUSR2)\n"
       "time.sleep(0.2)\n")
# Names Tidemark opens for writing in a report folder.
OWN_NAME = re.compile(r"(^|/)(\.tidemark-probe-|\..*\.tmp-|processes\.log$|job\.json$|"
                      r"peak\.folded$|peak\.svg$|summary\.json$|profile\.tidemark$)")
OPEN_CALL = re.compile(r'^(\d+)\s+(open|openat|creat)\((?:[^,]+, )?"([^"]*)", ([A-Z_|0-9]+)'
                       r'(?:, (0\d+))?\)')


def traced(command, env, log):
    strace = shutil.which("strace")
    if strace is None:
        raise AssertionError("this test needs strace (setup.sh installs it)")
    argv = [strace, "-f", "-qq", "-e", "trace=open,openat,creat", "-e", "signal=none",
            "-o", log] + command
    proc = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=120)
    with open(log, encoding="utf-8", errors="replace") as handle:
        return proc, handle.read().splitlines()


class FileCreationFlagsTest(pr.ProfileTestCase):
    def check(self, what, proc, lines, output):
        stderr = proc.stderr.decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 0, "%s\n%s" % (what, stderr))
        # The job really wrote its reports, the SIGUSR2 one included.
        written = []
        for root, _, files in os.walk(output):
            written += [os.path.relpath(os.path.join(root, f), output) for f in files]
        self.assertTrue(any(f.endswith("sigusr2-1/summary.json") for f in written),
                        "%s: no SIGUSR2 report\n%s\n%s" % (what, written, stderr))
        opens = []
        for line in lines:
            found = OPEN_CALL.match(line)
            if found and OWN_NAME.search(found.group(3)):
                opens.append(found)
        creating = [o for o in opens if "O_CREAT" in o.group(4) or o.group(2) == "creat"]
        # Probe, stored profile, log, three reports and the index at least.
        self.assertGreaterEqual(len(creating), 7, "%s: too few files seen created\n%s"
                                % (what, "\n".join(lines)))
        for o in opens:
            flags = o.group(4).split("|")
            self.assertIn("O_NOFOLLOW", flags, "%s: %s" % (what, o.group(0)))
            if o in creating:
                self.assertIn("O_EXCL", flags, "%s: %s" % (what, o.group(0)))
                self.assertNotIn("O_TRUNC", flags, "%s: %s" % (what, o.group(0)))
                self.assertEqual(o.group(5), "0666", "%s: the umask decides: %s"
                                 % (what, o.group(0)))

    def test_launcher_exact_mode(self):
        output = pr.fresh_output_dir("flags-launcher")
        proc, lines = traced([pr.tool_path(), "--mode=exact", "--output=" + output, "--",
                              pr.PYTHON, "-B", "-c", JOB], pr.clean_env(),
                             output + ".strace")
        self.check("launcher, exact mode", proc, lines, output)

    def test_preload_sample_mode(self):
        output = pr.fresh_output_dir("flags-preload")
        proc, lines = traced([pr.PYTHON, "-B", "-c", JOB], pr.preload_env("sample", output),
                             output + ".strace")
        self.check("LD_PRELOAD, sample mode", proc, lines, output)


if __name__ == "__main__":
    pr.main()
