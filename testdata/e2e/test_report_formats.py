"""The report formats other tools read, checked with those tools, and
//tools:report's re-rendering.

Two jobs, each profiled once with every linked reporter (pprof and
speedscope included):
- programs/numpy_peak.py: 400, 250 and 150 MiB alive together in
  hold_400/250/150;
- programs/hostile_names.py: functions and files named with <script>,
  quotes, ';' and line breaks, holding 12, 8 and 6 MiB.
Then:
- Go's pprof, built from Debian's packages (format_viewers.go_pprof),
  reads profile.pb.gz: `pprof -top` lists the three sites with their bytes;
- speedscope's page from its npm package, served from localhost, opens
  peak.speedscope.json in headless Chromium (chromium_pipe.py) without an
  error and shows the three functions with their MiB;
- `report --format=...` re-renders every file the job wrote (and the
  table it printed) byte for byte, from the stored profile;
- --focus/--ignore/--top on the real profile;
- hostile names keep folded and the table one stack (row) per line and
  come back exactly from the JSON formats.
A missing Go, pprof source, npm or Chromium FAILS (format_viewers.py and
chromium_pipe.py name the Debian package).
"""
import filecmp
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import chromium_pipe
import format_viewers as fv
import profile_run as pr
from profile_run import MiB

NUMPY = pr.program("numpy_peak.py")
HOSTILE = pr.program("hostile_names.py")
NUMPY_SITES = (("hold_400", 400 * MiB), ("hold_250", 250 * MiB), ("hold_150", 150 * MiB))
# (name, file, MiB) as programs/hostile_names.py defines them.
HOSTILE_SITES = (
    ('<script>alert("name")</script>', "evil'\";<b>x</b>.py", 12),
    ("semi;colon;frames", "dir;with;semicolons.py", 8),
    ("line\nbreak\r\ttab", "file\nwith\nnewlines.py", 6),
)
# Which --format writes which file; "text" is the table on stderr.
FORMAT_OF_FILE = {
    "peak.folded": "folded",
    "summary.json": "json",
    "peak.svg": "svg",
    "peak.html": "html",
    "profile.pb.gz": "pprof",
    "peak.speedscope.json": "speedscope",
}


def printable(text):
    """A name as the line formats print it (reporters/common/text.h):
    control characters become spaces."""
    return re.sub(r"[\x00-\x1f\x7f]", " ", text)


def linked_reporters():
    """Every reporter //tools:report links, from its own error message."""
    code, _, err = pr._run_quietly([pr.report_tool_path(), "--reporters=?", "/nonexistent"], 60)
    match = re.search(r"\(available: ([^)]*)\)", err)
    if code != 2 or not match:
        raise AssertionError("cannot list the linked reporters: %d %s" % (code, err))
    return [name.strip() for name in match.group(1).split(",")]


def table_lines(stderr):
    """The table's lines in STDERR: from its first line to the line before
    "reports in" (or the end)."""
    lines = stderr.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(pr.TABLE_FIRST_LINE)]
    if not starts:
        return []
    table = []
    for line in lines[starts[-1]:]:
        if line.startswith("tidemark: reports in"):
            break
        table.append(line)
    return table


class ReportFormatsTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reporters = linked_reporters()
        flags = ["--reporters=" + ",".join(cls.reporters)]
        cls.numpy = pr.run_profiled([pr.PYTHON, NUMPY], flags=flags, name="numpy_formats")
        cls.hostile = pr.run_profiled([pr.PYTHON, HOSTILE], flags=flags, name="hostile_formats")

    def report(self, run, *args):
        """Runs //tools:report ARGS on RUN's process folder; returns stderr."""
        code, _, err = pr._run_quietly([pr.report_tool_path()] + list(args) + [run.process_dir],
                                       120)
        if code != 0:
            self.fail("report %s exited %d:\n%s" % (" ".join(args), code, err))
        return err

    def folded_in(self, folder):
        with open(os.path.join(folder, "peak.folded"), encoding="utf-8") as handle:
            return pr.parse_folded(handle.read())

    # -- pprof -------------------------------------------------------------

    def test_go_pprof_top_lists_the_three_sites_with_their_bytes(self):
        self.assert_completed(self.numpy)
        binary = fv.go_pprof()
        print("pprof: %s (%s)" % ("built in %.1f s" % fv.pprof_build["seconds"]
                                  if fv.pprof_build["built"] else "cached", binary))
        path = os.path.join(self.numpy.process_dir, "profile.pb.gz")
        code, out, err = fv.run_pprof(["-top", "-unit=B", path])
        self.assertEqual(code, 0, err)
        rows = fv.parse_pprof_top(out)
        folded = self.numpy.folded
        for function, size in NUMPY_SITES:
            with self.subTest(function=function):
                self.assertIn(function, rows, out)
                line = pr.find_marker(NUMPY, "ALLOC-%d" % (size // MiB))
                through = self.numpy.bytes_at(function, NUMPY, line)
                # pprof's cumulative bytes are the folded stacks through the
                # site, to the byte, and the array's size.
                self.assertEqual(rows[function][1], through, out)
                self.assert_close(rows[function][1], size, 0.01, "pprof cum " + function,
                                  self.numpy)
        # The total is the peak's, and the samples' type is bytes.
        self.assertIn("Type: peak_space", out)
        self.assertIn("Total samples = %dB" % sum(folded.values()), out)

    def test_go_pprof_reads_sample_modes_scaled_estimates(self):
        """In sample mode the values are the estimates (weights), not
        sample counts: 400 MiB is far above the interval, so each array
        is one sample weighing its size."""
        run = pr.run_profiled([pr.PYTHON, NUMPY], mode="sample",
                              flags=["--reporters=" + ",".join(self.reporters)],
                              name="numpy_formats_sample")
        self.assert_completed(run)
        path = os.path.join(run.process_dir, "profile.pb.gz")
        code, out, err = fv.run_pprof(["-top", "-unit=B", path])
        self.assertEqual(code, 0, err)
        self.assertIn("mode: sample, one sample per", out)
        rows = fv.parse_pprof_top(out)
        for function, size in NUMPY_SITES:
            with self.subTest(function=function):
                line = pr.find_marker(NUMPY, "ALLOC-%d" % (size // MiB))
                self.assertEqual(rows.get(function, (0, 0))[1],
                                 run.bytes_at(function, NUMPY, line), out)
                self.assert_close(rows[function][1], size, 0.01, "pprof cum " + function, run)
        # Sample mode's reports re-render byte for byte too.
        self.assert_regenerates_byte_for_byte(run, "again")

    # -- speedscope --------------------------------------------------------

    def test_speedscope_opens_it_in_chromium_and_shows_the_sites(self):
        self.assert_completed(self.numpy)
        page = fv.speedscope_page()
        site = tempfile.mkdtemp(prefix="speedscope-site-", dir=pr.scratch_dir())
        shutil.copytree(page, site, dirs_exist_ok=True)
        shutil.copy(os.path.join(self.numpy.process_dir, "peak.speedscope.json"), site)
        start = time.monotonic()
        with fv.serve_folder(site) as base, chromium_pipe.Browser(
                width=1400, height=1600) as browser:
            browser.open(fv.speedscope_url(base, "peak.speedscope.json"))
            browser.wait_for("document.body && document.body.innerText.includes('Symbol Name')")
            # The sandwich table, largest total first.
            browser.evaluate("Array.from(document.querySelectorAll('th'))"
                             ".find(e => e.innerText.trim().startsWith('Total')).click()")
            text = browser.wait_for(
                "document.body.innerText.includes('hold_150') && document.body.innerText")
            errors = list(browser.errors)
        print("speedscope in chromium: %.1f s" % (time.monotonic() - start))
        self.assertEqual(errors, [], "the page reported errors")
        self.assertNotIn("Something went wrong", text)
        # The table's rows: total, self, name, one per line each.
        cells = [c.strip() for c in text.split("Symbol Name", 1)[1].splitlines() if c.strip()]
        rows = {}
        for total, self_, name in zip(cells[0::3], cells[1::3], cells[2::3]):
            rows.setdefault(name, (total.split(" (")[0], self_.split(" (")[0]))
        for function, size in NUMPY_SITES:
            with self.subTest(function=function):
                # speedscope's MB is MiB, printed with two decimals.
                self.assertEqual(rows.get(function, ("?", "?"))[0],
                                 "%.2f MB" % (size / MiB), text[:3000])
        # Stacks are read root first: numpy's ones, the innermost frame,
        # holds all 800 MiB itself.
        self.assertEqual(rows.get("ones"), ("800.00 MB", "800.00 MB"), text[:3000])

    # -- re-rendering ------------------------------------------------------

    def assert_regenerates_byte_for_byte(self, run, subfolder):
        self.assert_completed(run)
        written = sorted(name for name in os.listdir(run.process_dir)
                         if os.path.isfile(os.path.join(run.process_dir, name))
                         and name != pr.PROFILE_FILE)
        unknown = [name for name in written if name not in FORMAT_OF_FILE]
        self.assertEqual(unknown, [], "files with no --format: %s" % unknown)
        formats = [FORMAT_OF_FILE[name] for name in written] + ["text"]
        # The reason and how it ended come from the stored ending, as the
        # job's did: no --reason/--ended needed.
        err = self.report(run, "--format=" + ",".join(formats), "--subfolder=" + subfolder)
        again = os.path.join(run.process_dir, subfolder)
        self.assertEqual(sorted(os.listdir(again)), written)
        for name in written:
            with self.subTest(file=name):
                self.assertTrue(filecmp.cmp(os.path.join(run.process_dir, name),
                                            os.path.join(again, name), shallow=False),
                                "%s differs from the re-rendered one" % name)
        job_table = table_lines(run.stderr)
        self.assertTrue(job_table, run.describe())
        self.assertEqual(table_lines(err), job_table)
        return written

    def test_regenerated_reports_are_byte_identical(self):
        written = self.assert_regenerates_byte_for_byte(self.numpy, "again")
        self.assertIn("profile.pb.gz", written)
        self.assertIn("peak.speedscope.json", written)
        self.assert_regenerates_byte_for_byte(self.hostile, "again")

    # -- --focus, --ignore, --top ------------------------------------------

    def test_focus_ignore_and_top_on_the_stored_profile(self):
        self.assert_completed(self.numpy)
        everything = sum(self.numpy.folded.values())
        self.report(self.numpy, "--format=folded", "--focus=^hold_400 ", "--subfolder=focus")
        focused = self.folded_in(os.path.join(self.numpy.process_dir, "focus"))
        self.assertTrue(focused)
        # Stacks are tuples of frames, root first.
        self.assertTrue(all(any(f.startswith("hold_400 (") for f in stack)
                            for stack in focused), focused)
        self.assertEqual(sum(focused.values()), 400 * MiB)
        self.report(self.numpy, "--format=folded", "--ignore=^hold_[0-9]+ \\(",
                    "--subfolder=ignore")
        ignored = self.folded_in(os.path.join(self.numpy.process_dir, "ignore"))
        self.assertFalse([s for s in ignored if any(f.startswith("hold_") for f in s)])
        self.assertEqual(sum(ignored.values()), everything - 800 * MiB)
        err = self.report(self.numpy, "--format=text", "--top=2", "--subfolder=top")
        rows = [line for line in table_lines(err)[2:] if "more line" not in line]
        self.assertEqual(len(rows), 2, err)
        self.assertIn("hold_400 (", rows[0])
        self.assertIn("hold_250 (", rows[1])

    # -- hostile names -----------------------------------------------------

    def test_hostile_names_keep_line_formats_whole_and_json_exact(self):
        run = self.hostile
        self.assert_completed(run)
        # Every line the launcher printed is one of its own: a name's line
        # break would start a line without the prefix.
        stray = [line for line in run.stderr.splitlines() if not line.startswith("tidemark:")]
        self.assertEqual(stray, [], run.stderr)
        table = table_lines(run.stderr)
        with open(os.path.join(run.process_dir, "peak.folded"), encoding="utf-8") as handle:
            folded_lines = handle.read().split("\n")
        self.assertEqual(folded_lines[-1], "")
        with open(os.path.join(run.process_dir, "summary.json"), encoding="utf-8") as handle:
            summary = json.load(handle)
        with open(os.path.join(run.process_dir, "peak.speedscope.json"),
                  encoding="utf-8") as handle:
            speedscope = json.load(handle)
        frames = speedscope["shared"]["frames"]
        profile = speedscope["profiles"][0]
        code, pprof_top, err = fv.run_pprof(
            ["-top", "-unit=B", os.path.join(run.process_dir, "profile.pb.gz")])
        self.assertEqual(code, 0, err)
        pprof_rows = fv.parse_pprof_top(pprof_top)
        for name, file, mib in HOSTILE_SITES:
            size = mib * MiB
            with self.subTest(name=name):
                label = "%s (%s:2)" % (printable(name).replace(";", ":"),
                                       printable(file).replace(";", ":"))
                # folded: one line, three frames, its count the bytearray
                # (plus the one byte bytearray adds).
                lines = [l for l in folded_lines if label + " " in l]
                self.assertEqual(len(lines), 1, folded_lines[:10])
                stack, count = lines[0].rsplit(" ", 1)
                self.assertEqual(stack.count(";"), 2, lines[0])
                self.assertTrue(stack.endswith(label), lines[0])
                self.assertTrue(size <= int(count) <= size + 64, lines[0])
                # the table: one row.
                row = [l for l in table if "%s (%s:2)" % (printable(name), printable(file)) in l]
                self.assertEqual(len(row), 1, "\n".join(table))
                self.assertIn("%.1f" % mib, row[0])
                # summary.json and speedscope: the names exactly.
                top = [s for s in summary["top"]
                       if s["frames"] and s["frames"][-1]["function"] == name
                       and s["frames"][-1]["file"] == file]
                self.assertEqual(len(top), 1)
                self.assertTrue(size <= top[0]["bytes"] <= size + 64)
                index = [i for i, f in enumerate(frames)
                         if f.get("name") == name and f.get("file") == file]
                self.assertEqual(len(index), 1, frames[:10])
                weights = [w for s, w in zip(profile["samples"], profile["weights"])
                           if s and s[-1] == index[0]]
                self.assertEqual(len(weights), 1)
                self.assertTrue(size <= weights[0] <= size + 64)
                # pprof: the printable name, its bytes flat.
                self.assertIn(printable(name), pprof_rows, pprof_top)
                self.assertTrue(size <= pprof_rows[printable(name)][0] <= size + 64)


if __name__ == "__main__":
    pr.main()
