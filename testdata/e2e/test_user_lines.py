"""The stderr table names the user's own line first (issue 11).

Three programs whose largest allocation is made inside code that is not the
user's: numpy's `np.stack` (under the generated `<__array_function__
internals>` dispatchers), pandas' `concat`, and a namedtuple's generated
`__new__` (`<lambda> (<string>:1)`). In each, the first row of the table
must be the user's marked line, with the library or generated code it
called beside it, and hold the bytes the program is known to allocate
there. One profiled run per program, all checks on its stderr; the pandas
job's peak.svg is also opened in Chromium to check that find (Ctrl-F)
reaches frames whose label is cut.

The runs keep clean_env()'s OPENBLAS_NUM_THREADS=1: OpenBLAS's per-thread
buffers, mapped by native threads ("[no Python stack]"), would otherwise
grow with the machine's cores (129.5 MiB on a 2-core box) and could outgrow
the 128 MiB row this test is about.
"""
import html
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import profile_run as pr
import table_rows as tr
from profile_run import MiB

# A row prints MiB to one decimal.
PRINTED = 0.05 * MiB


def load_program(name):
    """The program as a module (its constants; main() is not run)."""
    path = pr.program(name)
    spec = importlib.util.spec_from_file_location(name[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return path, module


def pymalloc_block(size):
    """The block pymalloc serves SIZE bytes from (16-byte size classes)."""
    return (size + 15) // 16 * 16


class UserLinesTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.runs = {}
        for name in ("numpy_job.py", "pandas_job.py", "namedtuple_job.py"):
            cls.runs[name] = pr.run_profiled([pr.PYTHON, pr.program(name)], name=name)

    def check_first_row(self, name, functions, marker, low, high, context_file):
        """The table's first row is one of FUNCTIONS on MARKER's line of
        program NAME, holding LOW..HIGH bytes, and its context is a frame of
        a file starting CONTEXT_FILE. Returns the rows."""
        run = self.runs[name]
        self.assert_completed(run)
        path = pr.program(name)
        number = pr.find_marker(path, marker)
        rows = tr.table_rows(run.stderr)
        detail = "want %s (%s:%d) first, %.1f..%.1f MiB\n%s" % (
            " or ".join(functions), path, number, low / MiB, high / MiB, run.describe())
        self.assertTrue(rows, "no table rows\n" + detail)
        first = rows[0]
        self.assertTrue(any(tr.names_line(first, f, path, number) for f in functions),
                        "first row is %r\n%s" % (first, detail))
        self.assertGreaterEqual(first.mib * MiB, low - PRINTED, detail)
        self.assertLessEqual(first.mib * MiB, high + PRINTED, detail)
        context = first.frame(first.context or "")
        self.assertIsNotNone(context, "no context after the user line\n" + detail)
        self.assertTrue(context[1].startswith(context_file),
                        "context %r is not in %s\n%s" % (first.context, context_file, detail))
        return rows

    def test_numpy_stack_is_credited_to_the_users_line(self):
        _, job = load_program("numpy_job.py")
        size = job.COPIES * job.COLUMN_BYTES
        # The array's header and the list of views: well under 64 KiB.
        rows = self.check_first_row("numpy_job.py", ["features"], "FEATURES", size,
                                    size + 64 * 1024, "numpy/")
        # numpy's generated dispatchers are never a row's line: all of
        # them ran below a user line here (import time included).
        for row in rows:
            frame = row.frame()
            self.assertFalse(frame and frame[1] == "<__array_function__ internals>",
                             "%r\n%s" % (row, self.runs["numpy_job.py"].describe()))

    def test_pandas_concat_is_credited_to_the_users_line(self):
        _, job = load_program("pandas_job.py")
        size = job.PARTS * job.PART_ROWS * 8  # one float64 column
        # pandas' block and frame objects around the one new array.
        self.check_first_row("pandas_job.py", ["transform"], "CONCAT", size, size + MiB,
                             "pandas/")

    def test_namedtuples_are_credited_to_the_users_line(self):
        _, job = load_program("namedtuple_job.py")
        point = job.Point(0.5, 0.5)
        # Each tuple is a pymalloc block, and the list holds a pointer to it.
        low = job.COUNT * (pymalloc_block(sys.getsizeof(point)) + 8)
        # Pools' headers (48 of 16384 bytes), the last arena's unused part
        # (pymalloc maps 1 MiB arenas) and the list's over-allocation (at
        # most 1/8 of its pointers): under 5% and 1 MiB.
        high = low * 1.05 + MiB
        # The listcomp is a function of its own before 3.12 (PEP 709), on
        # the same line.
        self.check_first_row("namedtuple_job.py", ["build.<locals>.<listcomp>", "build"],
                             "ROWS", low, high, "<string>")

    def test_peak_svg_lets_the_browser_find_every_frame(self):
        """Chromium's find (window.find, the engine behind Ctrl-F) finds
        frames whose label is cut or not drawn in the pandas job's peak.svg,
        and never a tooltip's text (the control: what it cannot search)."""
        chromium = shutil.which("chromium")
        self.assertIsNotNone(chromium, "chromium (Debian's package, setup.sh) is needed to "
                             "check what the browser's find searches")
        run = self.runs["pandas_job.py"]
        self.assert_completed(run)
        path = os.path.join(run.process_dir, "peak.svg")
        ns = "{http://www.w3.org/2000/svg}"
        cut = undrawn = None
        for g in ET.parse(path).getroot().iter(ns + "g"):
            texts = g.findall(ns + "text")
            search = [t.text for t in texts if t.get("class") == "s"]
            if search and len(texts) == 2 and cut is None:
                cut = search[0]
            if search and len(texts) == 1 and undrawn is None:
                undrawn = search[0]
        self.assertIsNotNone(cut, "no box with a cut label in " + path)
        self.assertIsNotNone(undrawn, "no box too narrow for a label in " + path)
        # Only tooltips carry installed files' whole paths.
        tooltip_only = "dist-packages/pandas/"
        with open(path, encoding="utf-8") as handle:
            svg = handle.read()
        self.assertIn(tooltip_only, svg)
        queries = [cut, undrawn, tooltip_only]
        page = os.path.join(pr.scratch_dir(), "find.html")
        with open(page, "w", encoding="utf-8") as handle:
            handle.write(
                "<!doctype html><meta charset='utf-8'><body>%s<script>"
                "var q = %s, found = q.map(function (text) {"
                "  window.getSelection().removeAllRanges(); return window.find(text); });"
                "document.body.setAttribute('data-found', JSON.stringify(found));"
                "</script></body>" % (svg[svg.index("<svg"):], json.dumps(queries)))
        proc = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu",
             "--user-data-dir=" + os.path.join(pr.scratch_dir(), "chromium-profile"),
             "--dump-dom", "file://" + page],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        dom = proc.stdout.decode("utf-8", "replace")
        match = re.search(r'data-found="([^"]*)"', dom)
        self.assertIsNotNone(match, "chromium printed no result (exit %d): %s" % (
            proc.returncode, proc.stderr.decode("utf-8", "replace")[-2000:]))
        self.assertEqual(json.loads(html.unescape(match.group(1))), [True, True, False],
                         "find for %r" % queries)


if __name__ == "__main__":
    pr.main()
