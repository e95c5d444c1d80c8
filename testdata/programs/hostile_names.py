"""Allocations made by functions whose names and files are hostile to report
formats: HTML/JS (<script>, quotes), the folded separator (;), line breaks.

Each HOSTILE entry is (function name, file name, MiB): a function compiled
from source under that file name, renamed (co_name and co_qualname) to that
name, holds a bytearray of that size. All are alive together at the peak.
"""
import sys

MiB = 1 << 20
HOSTILE = (
    ('<script>alert("name")</script>', "evil'\";<b>x</b>.py", 12),
    ("semi;colon;frames", "dir;with;semicolons.py", 8),
    ("line\nbreak\r\ttab", "file\nwith\nnewlines.py", 6),
)
held = []


def make(name, file, mib):
    namespace = {"held": held}
    source = "def hold():\n    held.append(bytearray(%d))\n" % (mib * MiB)
    exec(compile(source, file, "exec"), namespace)
    function = namespace["hold"]
    code = function.__code__.replace(co_name=name)
    if sys.version_info >= (3, 11):
        code = code.replace(co_qualname=name)
    function.__code__ = code
    return function


def main():
    for name, file, mib in HOSTILE:
        make(name, file, mib)()
    assert sum(len(b) for b in held) == sum(m for _, _, m in HOSTILE) * MiB


if __name__ == "__main__":
    main()
