"""Known sites for peak.html's browser test (test_html_report.py).

At the peak these are live together:
  IMPORTED: 4 MiB held by html_sites_module's top level, allocated while
            it was imported (under <frozen importlib._bootstrap> frames);
  TABLE:    build_table's bytearray(24 MiB);
  ROWS:     load_rows -> make_rows's bytearray(8 MiB);
  HOSTILE:  2 MiB from a function whose name and file name are markup,
            quotes, ';' and a newline (HOSTILE_NAME), as a program can
            make them: the page must show them as text.
"""
import sys

import html_sites_module

MiB = 1 << 20
HOSTILE_NAME = '</script><img src=x onerror="document.title=1">\'";\nname'


def hostile_function():
    """A function called HOSTILE_NAME, in a file called HOSTILE_NAME.py."""
    namespace = {}
    source = "def f():\n    return bytearray(2 * %d)\n" % MiB
    exec(compile(source, HOSTILE_NAME + ".py", "exec"), namespace)
    function = namespace["f"]
    names = {"co_name": HOSTILE_NAME}
    if sys.version_info >= (3, 11):
        names["co_qualname"] = HOSTILE_NAME
    function.__code__ = function.__code__.replace(**names)
    return function


def make_rows():
    return bytearray(8 * MiB)  # ROWS


def load_rows():
    return make_rows()


def build_table():
    return bytearray(24 * MiB)  # TABLE


def main():
    table = build_table()
    rows = load_rows()
    hostile = hostile_function()()
    ok = len(table) + len(rows) + len(hostile) + len(html_sites_module.BLOCK) == 38 * MiB
    del table, rows, hostile
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
