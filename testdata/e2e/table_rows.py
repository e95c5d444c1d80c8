"""Reading the stderr table (reporters/top_table) back: its rows, and
whether a row's user line is a given line of a given program.

A row reads `  MiB [± bound]  % peak  LINE [→ CONTEXT]`, where LINE is
"FUNCTION (FILE:NUMBER)" and FILE is the program's path as Python knew it or
shortened (relative to the working directory), so a program is matched by
its path's tail, never by the shortened spelling itself.
"""
import os
import re

ARROW = " \u2192 "
_ROW = re.compile(r"^tidemark:\s+([0-9]+\.[0-9])(?: \u00b1\s+([0-9]+\.[0-9]))?\s+"
                  r"([0-9]+\.[0-9])%\s+(.*)$")
_FRAME = re.compile(r"^(.*) \((.*):([0-9]+)\)$")


class Row:
    def __init__(self, mib, bound, percent, text):
        self.mib = mib
        self.bound = bound  # None in exact mode
        self.percent = percent
        self.text = text
        line, _, context = text.partition(ARROW)
        self.line = line  # the user line ("FUNCTION (FILE:NUMBER)")
        self.context = context or None  # what it called, if shown

    def frame(self, part=None):
        """(function, file, number) of the user line (or of PART's text);
        None when it is not a Python frame."""
        match = _FRAME.match(self.line if part is None else part)
        return (match.group(1), match.group(2), int(match.group(3))) if match else None

    def __repr__(self):
        return "Row(%.1f MiB, %r)" % (self.mib, self.text)


def table_rows(stderr):
    """The rows of the (first) table on STDERR, in printed order, the
    "(N more lines)" row included."""
    rows = []
    started = False
    for text in stderr.splitlines():
        if text.startswith("tidemark: peak tracked memory"):
            if started:
                break
            started = True
            continue
        match = _ROW.match(text) if started else None
        if match:
            bound = float(match.group(2)) if match.group(2) is not None else None
            rows.append(Row(float(match.group(1)), bound, float(match.group(3)),
                            match.group(4)))
    return rows


def same_file(shown, path):
    """Whether the file a label shows is PATH: the same string, or a tail of
    it at a folder boundary (a name relative to the working directory)."""
    return shown == path or (not shown.startswith("/") and
                             path.endswith(os.sep + shown))


def names_line(row, function, path, number):
    """Whether ROW's user line is FUNCTION at PATH:NUMBER."""
    frame = row.frame()
    return (frame is not None and frame[0] == function and frame[2] == number
            and same_file(frame[1], path))


def ends_with_line(text, path, number):
    """Whether a row's TEXT (a user line, maybe with " → CONTEXT") has its
    user line at PATH:NUMBER, the file given whole or shortened."""
    match = _FRAME.match(text.partition(ARROW)[0])
    return bool(match) and int(match.group(3)) == number and same_file(match.group(2), path)
