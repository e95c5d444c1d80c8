"""Bad output folders, one table, through the launcher and LD_PRELOAD alone.

Each row makes a situation a user meets (a folder they cannot write, a full
disk, a link, a file, someone else's folder, a path too long, a newline in
the name) and states what must happen:
  launcher: the exit status, the "tidemark:" lines (regular expressions, in
            order; no other tidemark line; {proc} is the job's process
            folder {out}/<pid>-python3), and the files then present (every
            path below the listed folder, folders ending in "/", a process
            folder's pid spelled <pid>);
  library:  the same for LD_PRELOAD + TIDEMARK_OUTPUT, where the job must
            always run exactly as without Tidemark.
A refusal by the launcher exits 2 before the job runs (no stdout). Every
line printed is one line: control bytes in a path are spelled out.

Jobs run as root unless the row says "nobody" (setpriv). The tool, the
library and the job are copied under /tmp so that nobody can reach them.
The full disk is a 64 KiB tmpfs, mounted in a private mount namespace
(unshare -m) and filled before the job starts. Needs root.
"""
import os
import re
import shutil
import subprocess
import tempfile

import profile_run as pr

REPORTERS = "folded,summary_json,flamegraph"  # files only: stderr stays the job's
# The job's folder: the job's log and index, and the one process's folder
# with its reports and the stored profile they are rendered from.
FILES = ["<pid>-python3/"] + ["<pid>-python3/" + name for name in (
    "peak.folded", "peak.svg", "profile.tidemark", "summary.json")] + [
    "job.json", "processes.log"]
JOB = "behaviour.py"  # fixed stdout and stderr, exit code 3
REFUSED = 2


class Row:
    def __init__(self, name, setup, launcher, library, user="root", full_disk=False):
        self.name = name
        self.setup = setup  # base folder -> (output path, folder to list)
        self.launcher = launcher  # (exit status or "job", [line patterns], files)
        self.library = library
        self.user = user
        self.full_disk = full_disk


def unwritable(base):
    locked = os.path.join(base, "locked")
    os.mkdir(locked)
    os.chmod(locked, 0o755)  # root's; nobody may not create in it
    return os.path.join(locked, "out"), locked


def full_disk(base):
    mount = os.path.join(base, "full")
    os.mkdir(mount)
    return os.path.join(mount, "out"), None  # listed inside the namespace


def link_as_folder(base):
    real = os.path.join(base, "real")
    os.mkdir(real)
    os.symlink(real, os.path.join(base, "link"))
    return os.path.join(base, "link"), real


def regular_file(base):
    path = os.path.join(base, "file")
    with open(path, "w") as handle:
        handle.write("keep\n")
    return path, base


def someone_elses(base):
    theirs = os.path.join(base, "theirs")
    os.mkdir(theirs)
    os.chown(theirs, 65534, 65534)
    return theirs, theirs


def too_long(base):
    return "/tmp/" + "x" * 5000, None


def long_name(base):
    return os.path.join(base, "y" * 300), base


def newline(base):
    return os.path.join(base, "a\nb"), os.path.join(base, "a\nb")


def newline_unwritable(base):
    path, locked = unwritable(base)
    return os.path.join(locked, "new\nline\x1b[31m"), locked


def q(text):
    return re.escape(text)


ROWS = [
    Row("unwritable", unwritable, user="nobody",
        launcher=(REFUSED, [q("cannot write reports to {out}: Permission denied") + "$"], []),
        library=("job", [q("cannot write reports to {out}: Permission denied; profiling is off")
                         + "$"], [])),
    Row("full disk", full_disk, full_disk=True,
        # The folders and the job's log are made (they take no data
        # block); nothing can be written into them.
        launcher=("job", [
            q("cannot keep the stored profile {proc}/profile.tidemark: fallocate: No space left "
              "on device; reports will still be written at exit, but not after a kill"),
            q("reporter 'folded' failed: cannot write {proc}/peak.folded: No space left on device;")
            + ".*" + q("reporter 'flamegraph' failed: cannot write {proc}/peak.svg: No space left"),
            q("no report was written to {out} ")], ["<pid>-python3/", "processes.log"]),
        library=("job", [
            q("cannot keep the stored profile {proc}/profile.tidemark: fallocate: No space left "
              "on device; reports will still be written at exit, but not after a kill"),
            q("reporter 'folded' failed: cannot write {proc}/peak.folded: No space left on device;")
            + ".*" + q("reporter 'flamegraph' failed: cannot write {proc}/peak.svg: No space left"),
            q("cannot write the job's index: cannot write {out}/job.json: No space left on device")
            + "$"],
            ["<pid>-python3/", "processes.log"])),
    Row("symbolic link as the folder", link_as_folder,
        launcher=(REFUSED, [q("cannot write reports to {out}: {out} is a symbolic link")], []),
        library=("job", [q("cannot write reports to {out}: {out} is a symbolic link")
                         + ".*; profiling is off$"], [])),
    Row("a regular file", regular_file,
        launcher=(REFUSED, [q("cannot write reports to {out}: Not a directory") + "$"], ["file"]),
        library=("job", [q("cannot write reports to {out}: Not a directory; profiling is off")
                         + "$"], ["file"])),
    Row("another user's folder", someone_elses,
        launcher=(REFUSED, [q("cannot write reports to {out}: {out} belongs to uid 65534, not "
                              "to uid 0")], []),
        library=("job", [q("cannot write reports to {out}: {out} belongs to uid 65534, not to "
                           "uid 0") + ".*; profiling is off$"], [])),
    Row("path longer than PATH_MAX", too_long,
        launcher=(REFUSED, [q("cannot write reports to /tmp/xxxx") + "x*" +
                            q(": File name too long") + "$"], []),
        library=("job", [q("TIDEMARK_OUTPUT=/tmp/xxx") + "x*" +
                         q("...: the output directory is too long; profiling is off") + "$"],
                 [])),
    Row("a name longer than NAME_MAX", long_name,
        launcher=(REFUSED, [q("cannot write reports to {out}: File name too long") + "$"], []),
        library=("job", [q("cannot write reports to {out}: File name too long; profiling is off")
                         + "$"], [])),
    Row("a newline in the name", newline,
        launcher=("job", [q("reports in {proc}") + "$"], FILES),
        library=("job", [], FILES)),
    Row("a newline and ESC in an unwritable name", newline_unwritable, user="nobody",
        launcher=(REFUSED, [q("cannot write reports to {out}: Permission denied") + "$"], []),
        library=("job", [q("cannot write reports to {out}: Permission denied; profiling is off")
                         + "$"], [])),
]


def tree(folder):
    """Every path below FOLDER, relative, folders ending in "/", a leading
    `<digits>-` (a process folder's pid) spelled `<pid>-`."""
    found = []
    for parent, folders, files in os.walk(folder):
        relative = os.path.relpath(parent, folder)
        prefix = "" if relative == "." else relative + "/"
        found += [prefix + name + "/" for name in folders]
        found += [prefix + name for name in files]
    return normalized(found)


def normalized(paths):
    return sorted(re.sub(r"^[0-9]+-", "<pid>-", path) for path in paths)


def spelled(text):
    """How a message spells TEXT (control bytes escaped)."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif code < 0x20 or code == 0x7f:
            out.append("\\x%02x" % code)
        else:
            out.append(ch)
    return "".join(out)


class BadOutputPathsTest(pr.ProfileTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if os.geteuid() != 0:
            raise AssertionError("this test needs root (nobody's runs, a tmpfs)")
        for tool in ("setpriv", "unshare", "mount"):
            if shutil.which(tool) is None:
                raise AssertionError("%s (util-linux) is missing; run setup.sh" % tool)
        cls.top = tempfile.mkdtemp(prefix="tidemark-bad-paths-", dir="/tmp")
        os.chmod(cls.top, 0o755)
        cls.bin = os.path.join(cls.top, "bin")
        os.mkdir(cls.bin)
        cls.tool = shutil.copy(pr.tool_path(), os.path.join(cls.bin, "profile"))
        cls.lib = shutil.copy(pr.library_path(), os.path.join(cls.bin, "libtidemark.so"))
        cls.job = shutil.copy(pr.program(JOB), os.path.join(cls.bin, JOB))
        for path in (cls.tool, cls.lib):
            os.chmod(path, 0o755)
        os.chmod(cls.job, 0o644)
        proc = subprocess.run([pr.PYTHON, cls.job, "x"], env=pr.clean_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        cls.baseline = (proc.returncode, proc.stdout.decode(), proc.stderr.decode())

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.top, ignore_errors=True)
        super().tearDownClass()

    def run_row(self, row, via):
        base = tempfile.mkdtemp(prefix="row-", dir=self.top)
        os.chmod(base, 0o755)
        output, listed = row.setup(base)
        job = [pr.PYTHON, self.job, "x"]
        if via == "launcher":
            argv = [self.tool, "--reporters=" + REPORTERS, "--output=" + output, "--"] + job
            env = pr.clean_env({"TIDEMARK_LIBRARY": self.lib})
        else:
            argv = ["env", "LD_PRELOAD=" + self.lib] + job
            env = pr.clean_env({"TIDEMARK_OUTPUT": output, "TIDEMARK_REPORTERS": REPORTERS})
        if row.user == "nobody":
            argv = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"] + argv
        listing = os.path.join(base, "listing")
        if row.full_disk:
            script = ('mount -t tmpfs -o size=64k tidemark-full "$1" || exit 99\n'
                      'head -c 1M /dev/zero > "$1/fill" 2>/dev/null\n'
                      'shift; "$@"; rc=$?\n'
                      'cd "$0/full/out" && find . -mindepth 1 \\( -type d -printf "%P/\\n" -o '
                      '-printf "%P\\n" \\) > "$0/listing" 2>/dev/null\n'
                      'exit $rc\n')
            argv = ["unshare", "-m", "--", "sh", "-c", script, base,
                    os.path.dirname(output)] + argv
        proc = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=120)
        if row.full_disk:
            with open(listing) as handle:
                files = normalized(handle.read().split("\n")[:-1])
        elif listed is None:
            files = []
        else:
            files = [n for n in tree(listed) if n != "listing"]
        return output, proc.returncode, proc.stdout.decode(), proc.stderr.decode(), files

    def check(self, row, via):
        expected_exit, patterns, expected_files = getattr(row, via)
        output, code, out, err, files = self.run_row(row, via)
        what = "%s via %s: exit %s\nstdout: %r\nstderr: %r" % (row.name, via, code, out, err)
        base_code, base_out, base_err = self.baseline
        if expected_exit == "job":
            self.assertEqual(code, base_code, what)
            self.assertEqual(out, base_out, what)
        else:
            self.assertEqual(code, expected_exit, what)
            self.assertEqual(out, "", "the job must not have run: " + what)
        lines = err.splitlines()
        ours = [line for line in lines if line.startswith("tidemark:")]
        others = [line for line in lines if not line.startswith("tidemark:")]
        if expected_exit == "job":
            self.assertEqual(others, base_err.splitlines(), what)
        else:
            self.assertEqual(others, [], what)
        # A launcher refusal adds its usage hint only for bad flags, not here.
        self.assertEqual(len(ours), len(patterns), what)
        shown = spelled(output)
        for line, pattern in zip(ours, patterns):
            regex = "tidemark: " + pattern.replace(
                re.escape("{proc}"), re.escape(shown) + "/[0-9]+-python3").replace(
                re.escape("{out}"), re.escape(shown))
            self.assertRegex(line, regex, what)
        self.assertEqual(files, sorted(expected_files), what)
        self.assertNotIn("\x1b", err, what)
        if "reports in" in err or expected_files == FILES:
            run = pr.Run([what], output, code, out, err)
            self.assertEqual(run.summary and run.summary.get("exit_code"), 3, run.describe())

    def test_every_row(self):
        for row in ROWS:
            for via in ("launcher", "library"):
                with self.subTest(row=row.name, via=via):
                    self.check(row, via)


if __name__ == "__main__":
    pr.main()
