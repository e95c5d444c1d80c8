"""The stderr table names the user's own line first (issue 11).

Three programs whose largest allocation is made inside code that is not the
user's: numpy's `np.stack` (under the generated `<__array_function__
internals>` dispatchers), pandas' `concat`, and a namedtuple's generated
`__new__` (`<lambda> (<string>:1)`). In each, the first row of the table
must be the user's marked line, with the library or generated code it
called beside it, and hold the bytes the program is known to allocate
there. One profiled run per program, all checks on its stderr.

The runs keep clean_env()'s OPENBLAS_NUM_THREADS=1: OpenBLAS's per-thread
buffers, mapped by native threads ("[no Python stack]"), would otherwise
grow with the machine's cores (129.5 MiB on a 2-core box) and could outgrow
the 128 MiB row this test is about.
"""
import importlib.util
import sys

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


if __name__ == "__main__":
    pr.main()
