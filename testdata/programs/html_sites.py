"""Known sites for peak.html's browser test (test_html_report.py).

At the peak these are live together:
  IMPORTED: 4 MiB held by html_sites_module's top level, allocated while
            it was imported (under <frozen importlib._bootstrap> frames);
  TABLE:    build_table's bytearray(24 MiB);
  ROWS:     load_rows -> make_rows's bytearray(8 MiB).
"""
import sys

import html_sites_module

MiB = 1 << 20


def make_rows():
    return bytearray(8 * MiB)  # ROWS


def load_rows():
    return make_rows()


def build_table():
    return bytearray(24 * MiB)  # TABLE


def main():
    table = build_table()
    rows = load_rows()
    ok = len(table) + len(rows) + len(html_sites_module.BLOCK) == 36 * MiB
    del table, rows
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
