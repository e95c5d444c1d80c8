"""The attack on a shared report folder, and that it no longer works.

A platform runs root jobs with TIDEMARK_OUTPUT=/reports/{pid}, where
/reports is a sticky world-writable folder. Another user ("nobody") can
create entries there and pids are predictable, so before the job starts
they plant, for the pids the job may get:
  - {pid} as a symbolic link to a root-owned file or folder, or
  - {pid} as a folder of their own holding links named like every file
    Tidemark writes (reports, the old probe and temporary names).
The old library opened those names with O_CREAT|O_TRUNC and followed the
links: a root-owned file was truncated, another overwritten with JSON.

Here the job runs in a new pid namespace, so its pid is certainly one that
was planted (pids 1 to 64 all are). Every job runs in both modes, through
the launcher and with LD_PRELOAD alone. Checked: every victim file keeps
its bytes and mtime, no victim folder gains an entry, nothing planted is
changed, the job's exit status, stdout and stderr are those of the same job
without Tidemark, plus exactly one "tidemark:" line that names the planted
folder and says why it was refused.

A third layout plants the same links directly in the shared folder, and
links named like the job's log and index, and names that folder itself as
the output (it belongs to root, so root's job accepts it as its job folder
J): then the reports are written into the job's process folder
J/<pid>-python3/, the log and index replace the links under their names,
and still no victim is touched. A fourth plants J/<pid>-<program> for every
pid the job may get (links to a root file or folder, folders of nobody's
holding links): each profiled process refuses its folder and the job runs
unchanged.

Needs root, setpriv and unshare (util-linux, in setup.sh's base system).
"""
import os
import shutil
import stat
import subprocess
import tempfile

import profile_run as pr

PIDS = range(1, 65)
# The reports and the stored profile, each a link planted in advance.
REPORT_NAMES = ["peak.folded", "summary.json", "peak.svg", "peak.html", "profile.tidemark"]
JOB = "behaviour.py"  # fixed stdout and stderr, exit code 3
PLANTER = r"""
import os, sys
parent, victims, kind = sys.argv[1:4]
pids = [int(p) for p in sys.argv[4:]]
reports = ["peak.folded", "summary.json", "peak.svg", "peak.html", "profile.tidemark"]
def targets():
    while True:
        for name in ("passwd", "shadow", "victim-dir"):
            yield os.path.join(victims, name)
t = targets()
def plant_names(folder, pid_list):
    # Every name the old code would open: reports, on-demand folders, the
    # probe and the temporary files (NAME.tmp.PID), for each pid.
    names = list(reports) + ["sigusr2-%d" % n for n in range(1, 4)]
    for p in pid_list:
        names.append(".tidemark-probe-%d" % p)
        names += ["%s.tmp.%d" % (r, p) for r in reports]
    for name in names:
        os.symlink(next(t), os.path.join(folder, name))
if kind == "shared":
    plant_names(parent, pids)
    # The job's own files in J.
    for name in ("processes.log", "job.json"):
        os.symlink(next(t), os.path.join(parent, name))
for pid in pids:
    entry = os.path.join(parent, str(pid))
    if kind == "link-file":
        os.symlink(os.path.join(victims, "passwd"), entry)
    elif kind == "link-dir":
        os.symlink(os.path.join(victims, "victim-dir"), entry)
    elif kind == "owned-dir":
        os.mkdir(entry, 0o777)
        plant_names(entry, range(max(1, pid - 2), pid + 3))
    elif kind.startswith("process-"):
        # J/<pid>-python3, the job's process folder, planted like {pid}.
        entry = os.path.join(parent, "%d-python3" % pid)
        if kind == "process-link-file":
            os.symlink(os.path.join(victims, "passwd"), entry)
        elif kind == "process-link-dir":
            os.symlink(os.path.join(victims, "victim-dir"), entry)
        else:
            os.mkdir(entry, 0o777)
            plant_names(entry, range(max(1, pid - 2), pid + 3))
"""


def snapshot(root):
    """{relative path: (kind, owner, bytes or link target, mtime_ns)}."""
    state = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                content = "-> " + os.readlink(path)
            elif stat.S_ISREG(info.st_mode):
                with open(path, "rb") as handle:
                    content = handle.read()
            else:
                content = "folder"
            state[os.path.relpath(path, root)] = (
                stat.S_IFMT(info.st_mode), info.st_uid, content, info.st_mtime_ns)
    return state


def tidemark_lines(text):
    return [line for line in text.splitlines() if line.startswith("tidemark:")]


def other_lines(text):
    return [line for line in text.splitlines() if not line.startswith("tidemark:")]


class SharedReportFolderAttackTest(pr.ProfileTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if os.geteuid() != 0:
            raise AssertionError("this test plays root's job and must run as root")
        for tool in ("setpriv", "unshare"):
            if shutil.which(tool) is None:
                raise AssertionError("%s (util-linux) is missing; run setup.sh" % tool)
        # Everything "nobody" must reach lives under /tmp, not in Bazel's
        # (root-only) output tree.
        cls.base = tempfile.mkdtemp(prefix="tidemark-attack-", dir="/tmp")
        os.chmod(cls.base, 0o755)
        cls.job = os.path.join(cls.base, JOB)
        shutil.copy(pr.program(JOB), cls.job)
        os.chmod(cls.job, 0o644)
        # Without Tidemark, in a pid namespace like the profiled runs.
        cls.baseline = cls.run_in_namespace([pr.PYTHON, cls.job, "x"], pr.clean_env())

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.base, ignore_errors=True)
        super().tearDownClass()

    @staticmethod
    def run_in_namespace(argv, env):
        """ARGV as root in a new pid namespace: its pids are 1, 2, ..."""
        proc = subprocess.run(["unshare", "--pid", "--fork", "--"] + argv, env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=120)
        return proc.returncode, proc.stdout.decode("utf-8", "replace"), \
            proc.stderr.decode("utf-8", "replace")

    def setUp(self):
        self.scene = tempfile.mkdtemp(prefix="scene-", dir=self.base)
        os.chmod(self.scene, 0o755)
        self.victims = os.path.join(self.scene, "victims")
        os.mkdir(self.victims, 0o755)
        with open(os.path.join(self.victims, "passwd"), "w") as handle:
            handle.write("root:x:0:0:root:/root:/bin/bash\n")
        with open(os.path.join(self.victims, "shadow"), "w") as handle:
            handle.write("root:$y$secret:19000:0:99999:7:::\n")
        os.mkdir(os.path.join(self.victims, "victim-dir"), 0o755)
        with open(os.path.join(self.victims, "victim-dir", "keep"), "w") as handle:
            handle.write("keep me\n")
        self.parent = os.path.join(self.scene, "reports")
        os.mkdir(self.parent)
        os.chmod(self.parent, 0o1777)  # sticky and world-writable, like /tmp

    def plant(self, kind):
        subprocess.run(
            ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--",
             pr.PYTHON, "-c", PLANTER, self.parent, self.victims, kind]
            + [str(p) for p in PIDS],
            check=True, env=pr.clean_env(), timeout=60)
        planted = snapshot(self.parent)
        owners = {owner for (_, owner, _, _) in planted.values()}
        self.assertEqual(owners, {65534}, "the planter must be nobody")
        return planted

    def profiled(self, via, mode, output):
        if via == "launcher":
            argv = [pr.tool_path(), "--mode=%s" % mode, "--output=%s" % output, "--",
                    pr.PYTHON, self.job, "x"]
            env = pr.clean_env()
        else:
            # LD_PRELOAD for the job only, not for unshare itself.
            env = pr.preload_env(mode, output)
            argv = ["env", "LD_PRELOAD=" + env.pop("LD_PRELOAD"), pr.PYTHON, self.job, "x"]
        return self.run_in_namespace(argv, env)

    def check_untouched(self, victims_before, planted_before, what):
        self.assertEqual(snapshot(self.victims), victims_before,
                         "%s: a victim file or folder changed" % what)
        if planted_before is not None:
            self.assertEqual(snapshot(self.parent), planted_before,
                             "%s: the planted entries changed" % what)

    def check_refused(self, kind, reason):
        planted = self.plant(kind)
        victims = snapshot(self.victims)
        for via in ("launcher", "preload"):
            for mode in ("exact", "sample"):
                what = "%s %s %s" % (kind, via, mode)
                code, out, err = self.profiled(via, mode, os.path.join(self.parent, "{pid}"))
                self.check_untouched(victims, planted, what)
                base_code, base_out, base_err = self.baseline
                self.assertEqual(code, base_code, "%s\n%s" % (what, err))
                self.assertEqual(out, base_out, what)
                self.assertEqual(other_lines(err), other_lines(base_err), what)
                lines = tidemark_lines(err)
                self.assertEqual(len(lines), 1, "%s: expected one tidemark line\n%s" % (what, err))
                prefix = "tidemark: cannot write reports to %s/" % self.parent
                self.assertTrue(lines[0].startswith(prefix), "%s: %s" % (what, lines[0]))
                pid = int(lines[0][len(prefix):].split(":")[0])
                self.assertIn(pid, PIDS, "%s: the job's pid was not planted" % what)
                self.assertIn(reason, lines[0], what)
                self.assertTrue(lines[0].endswith("; profiling is off"), lines[0])

    def test_pid_entry_is_a_link_to_a_root_file(self):
        self.check_refused("link-file", "is a symbolic link")

    def test_pid_entry_is_a_link_to_a_root_folder(self):
        self.check_refused("link-dir", "is a symbolic link")

    def test_pid_entry_is_a_folder_of_planted_links(self):
        self.check_refused("owned-dir", "belongs to uid 65534, not to uid 0")

    def test_links_planted_in_the_shared_folder_itself(self):
        """The output is the root-owned shared folder: reports are written,
        over the planted links, and no victim changes."""
        self.plant("shared")
        victims = snapshot(self.victims)
        for via in ("launcher", "preload"):
            for mode in ("exact", "sample"):
                what = "shared %s %s" % (via, mode)
                code, out, err = self.profiled(via, mode, self.parent)
                self.check_untouched(victims, None, what)
                base_code, base_out, base_err = self.baseline
                self.assertEqual(code, base_code, "%s\n%s" % (what, err))
                self.assertEqual(out, base_out, what)
                run = pr.Run([what], self.parent, code, out, err)
                self.assertIsNotNone(run.summary, run.describe())
                self.assertEqual(run.summary["exit_code"], 3, what)
                folder = os.path.basename(run.process_dir)
                self.assertEqual(pr.folder_program(folder), "python3", run.describe())
                self.assertIn(pr.folder_pid(folder), PIDS, run.describe())
                for name in REPORT_NAMES:
                    info = os.lstat(os.path.join(run.process_dir, name))
                    self.assertTrue(stat.S_ISREG(info.st_mode), "%s: %s" % (what, name))
                    self.assertEqual(info.st_uid, 0)
                for name in ("processes.log", "job.json"):
                    info = os.lstat(os.path.join(self.parent, name))
                    self.assertTrue(stat.S_ISREG(info.st_mode), "%s: %s" % (what, name))
                    self.assertEqual(info.st_uid, 0)
                # The index is this job's: the process folder it names is there.
                self.assertIn(folder, [p.get("folder") for p in run.processes], run.describe())
                # Nothing else of Tidemark's is left in the shared folder: the
                # planted links under the reports' names stay links, and
                # besides them only the job's log, index and process folders.
                leftovers = [n for n in os.listdir(self.parent)
                             if not os.path.islink(os.path.join(self.parent, n))
                             and n not in ("processes.log", "job.json")
                             and pr.folder_pid(n) is None]
                self.assertEqual(leftovers, [], what)
                for name in REPORT_NAMES:
                    self.assertTrue(os.path.islink(os.path.join(self.parent, name)), what)
                # Each run its own: the next one starts from the links again.
                for name in os.listdir(self.parent):
                    path = os.path.join(self.parent, name)
                    if pr.folder_pid(name) is not None and not os.path.islink(path):
                        shutil.rmtree(path)

    def test_process_folder_is_a_link_to_a_root_file(self):
        self.check_process_folder_refused("process-link-file", "is a symbolic link")

    def test_process_folder_is_a_link_to_a_root_folder(self):
        self.check_process_folder_refused("process-link-dir", "is a symbolic link")

    def test_process_folder_is_a_folder_of_planted_links(self):
        self.check_process_folder_refused("process-owned-dir",
                                          "belongs to uid 65534, not to uid 0")

    def check_process_folder_refused(self, kind, reason):
        """The output is the shared folder, and J/<pid>-python3 is planted
        for every pid: the job's process refuses it, says why in one line,
        and writes nothing through it."""
        planted = self.plant(kind)
        victims = snapshot(self.victims)
        for via in ("launcher", "preload"):
            for mode in ("exact", "sample"):
                what = "%s %s %s" % (kind, via, mode)
                code, out, err = self.profiled(via, mode, self.parent)
                self.check_untouched(victims, None, what)
                base_code, base_out, base_err = self.baseline
                self.assertEqual(code, base_code, "%s\n%s" % (what, err))
                self.assertEqual(out, base_out, what)
                self.assertEqual(other_lines(err), other_lines(base_err), what)
                # Every planted entry is as it was; only the job's log and
                # index were added.
                now = snapshot(self.parent)
                self.assertEqual({k: v for k, v in now.items()
                                  if k not in ("processes.log", "job.json")}, planted, what)
                lines = tidemark_lines(err)
                self.assertTrue(lines, "%s: no tidemark line\n%s" % (what, err))
                prefix = "tidemark: cannot write reports to %s/" % self.parent
                self.assertTrue(lines[0].startswith(prefix), "%s: %s" % (what, err))
                folder = lines[0][len(prefix):].split(":")[0]
                self.assertEqual(pr.folder_program(folder), "python3", "%s: %s" % (what, err))
                self.assertIn(pr.folder_pid(folder), PIDS, "%s: %s" % (what, err))
                self.assertIn(reason, lines[0], "%s: %s" % (what, err))
                self.assertTrue(lines[0].endswith("; profiling is off"), "%s: %s" % (what, err))
                # Nothing else, but the launcher's line naming J, where the
                # job's index is.
                rest = ["tidemark: reports in %s" % self.parent] if via == "launcher" else []
                self.assertEqual(lines[1:], rest, "%s: %s" % (what, err))


if __name__ == "__main__":
    pr.main()
