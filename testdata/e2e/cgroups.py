"""Memory cgroups below the test's own, for the out-of-memory tests.

A test makes a cgroup under the one it runs in (read from /proc/self/cgroup,
found through /proc/self/mountinfo), in whichever hierarchy carries the
memory controller: cgroup v1's memory hierarchy, or v2's unified one. Only
root can usually do this; where it cannot be done, create() says why.
CI runs as root with a memory controller, so a test that needs a cgroup
FAILS with that reason (create_for_test), unless OPT_OUT is set to 1 in
its environment (`bazel test --test_env=E2E_ALLOW_NO_MEMORY_CGROUP=1`, for
a machine known to lack one): then it skips, saying why.

    group = cgroups.create_for_test(self, "near-oom")  # removed at cleanup
    group.set_limit(400 * MiB)
    subprocess.Popen(argv, preexec_fn=group.enter)  # the child starts inside

A child of a cgroup (make_child) shares its ancestors' limits; a limit set
on the parent only is what the "limit on an ancestor" scenario needs.
"""
import errno
import os
import signal
import time

V1 = 1
V2 = 2


def _read(path):
    with open(path, encoding="ascii") as handle:
        return handle.read()


def _write(path, text):
    # One write() of the whole value: cgroup files take a value per write.
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode("ascii"))
    finally:
        os.close(fd)


class Cgroup:
    """One memory cgroup made by the test (and removed by it)."""

    def __init__(self, path, version, parent=None):
        self.path = path
        self.version = version
        self.parent = parent
        self.children = []

    def __repr__(self):
        return "Cgroup(%r, v%d)" % (self.path, self.version)

    def _file(self, v1_name, v2_name):
        return os.path.join(self.path, v1_name if self.version == V1 else v2_name)

    @property
    def limit_file(self):
        return self._file("memory.limit_in_bytes", "memory.max")

    @property
    def usage_file(self):
        return self._file("memory.usage_in_bytes", "memory.current")

    @property
    def procs_file(self):
        return os.path.join(self.path, "cgroup.procs")

    def set_limit(self, nbytes):
        _write(self.limit_file, str(nbytes))
        # v1 rounds a limit down to whole pages; say what the kernel kept.
        return self.limit()

    def limit(self):
        text = _read(self.limit_file).strip()
        return None if text == "max" else int(text)

    def usage(self):
        return int(_read(self.usage_file))

    def usage_fraction(self):
        return self.usage() / float(self.limit())

    def oom_kills(self):
        """The kernel's count of OOM kills here (v2 memory.events, v1
        memory.oom_control), or None where the kernel does not count them."""
        name = "memory.oom_control" if self.version == V1 else "memory.events"
        try:
            for line in _read(os.path.join(self.path, name)).splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except OSError:
            pass
        return None

    def procs(self):
        try:
            return [int(p) for p in _read(self.procs_file).split()]
        except OSError:
            return []

    def add(self, pid):
        _write(self.procs_file, str(pid))

    def enter(self):
        """For subprocess's preexec_fn: moves the new child in here before
        it runs the command, so everything it starts is inside too."""
        self.add(os.getpid())

    def make_child(self, name):
        """A cgroup below this one, without a limit of its own."""
        if self.version == V2:
            # A v2 cgroup hands the memory controller to its children only
            # when told to (and only while no process sits in it).
            _write(os.path.join(self.path, "cgroup.subtree_control"), "+memory")
        path = os.path.join(self.path, name)
        os.mkdir(path)
        child = Cgroup(path, self.version, parent=self)
        self.children.append(child)
        return child

    def remove(self, timeout=30.0):
        """Kills whatever is still inside (the test's own jobs only: nothing
        else is ever put here) and removes the cgroup and its children."""
        for child in list(self.children):
            child.remove(timeout)
        deadline = time.monotonic() + timeout
        while True:
            pids = self.procs()
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                os.rmdir(self.path)
                break
            except FileNotFoundError:
                break
            except OSError as error:
                # EBUSY until the killed processes are gone (and reaped).
                if error.errno != errno.EBUSY or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        if self.parent is not None and self in self.parent.children:
            self.parent.children.remove(self)


def _own_cgroups():
    """{controller or "": path} from /proc/self/cgroup ("" for v2)."""
    found = {}
    for line in _read("/proc/self/cgroup").splitlines():
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            found[""] = path
        for controller in controllers.split(","):
            if controller:
                found[controller] = path
    return found


def _mounts():
    """[(mount root, mount point, fs type, super options)]."""
    mounts = []
    for line in _read("/proc/self/mountinfo").splitlines():
        left, _, right = line.partition(" - ")
        fields = left.split()
        fstype, _, options = right.split()[:3]
        # Mount points escape spaces and such as octal (\040).
        point = fields[4].encode("latin-1").decode("unicode_escape")
        mounts.append((fields[3], point, fstype, options.split(",")))
    return mounts


def own_memory_cgroup():
    """(folder of this process's memory cgroup, version), or (None, why)."""
    own = _own_cgroups()
    mounts = _mounts()
    if "memory" in own:
        for root, point, fstype, options in mounts:
            if fstype == "cgroup" and "memory" in options:
                return _below(point, root, own["memory"]), V1
        return None, "this process has a v1 memory cgroup but its hierarchy is not mounted"
    if "" in own:
        for root, point, fstype, _ in mounts:
            if fstype == "cgroup2":
                folder = _below(point, root, own[""])
                try:
                    controllers = _read(os.path.join(folder, "cgroup.controllers")).split()
                except OSError as error:
                    return None, "cannot read %s/cgroup.controllers: %s" % (folder, error)
                if "memory" not in controllers:
                    return None, ("the v2 cgroup %s has no memory controller (available: %s)"
                                  % (folder, " ".join(controllers) or "none"))
                return folder, V2
    return None, "no memory cgroup hierarchy is mounted"


def _below(point, root, path):
    # A mount may show only a subtree (a container's cgroup namespace).
    if root != "/" and (path == root or path.startswith(root + "/")):
        path = path[len(root):]
    return os.path.join(point, path.lstrip("/"))


def create(name):
    """(Cgroup, None): a new memory cgroup below this process's own, no
    limit yet; or (None, why it cannot be made here)."""
    folder, version = own_memory_cgroup()
    if folder is None:
        return None, version
    path = os.path.join(folder, "%s-%d-%d" % (name, os.getpid(), time.monotonic_ns()))
    try:
        if version == V2:
            # The "no internal processes" rule: a cgroup holding processes
            # (this one does: the test) cannot enable controllers for its
            # children, except the root.
            _write(os.path.join(folder, "cgroup.subtree_control"), "+memory")
        os.mkdir(path)
    except OSError as error:
        return None, "cannot create a memory cgroup below %s (cgroup v%d): %s" % (
            folder, version, error)
    group = Cgroup(path, version)
    try:
        group.limit()
        group.usage()
    except (OSError, ValueError) as error:
        os.rmdir(path)
        return None, "the new cgroup %s has no memory files: %s" % (path, error)
    return group, None


OPT_OUT = "E2E_ALLOW_NO_MEMORY_CGROUP"


def create_for_test(test, name):
    """A new memory cgroup for the unittest TEST, removed at its cleanup.
    Where none can be made, TEST fails saying why, or skips when OPT_OUT=1
    is in the environment: a test that tests nothing must not pass."""
    group, why = create(name)
    if group is None:
        if os.environ.get(OPT_OUT) == "1":
            test.skipTest("%s (%s=1 allows this)" % (why, OPT_OUT))
        test.fail("%s; this test needs a memory cgroup (run as root with a memory "
                  "controller, or set %s=1 to skip it)" % (why, OPT_OUT))
    test.addCleanup(group.remove)
    return group
