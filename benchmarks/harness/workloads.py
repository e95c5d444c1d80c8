"""The environment a workload asks for, from its own docstring.

A workload that must run with particular environment variables says so in
its module docstring, on one line of space-separated NAME=VALUE pairs:

    Benchmark environment: PYTHONMALLOC=malloc

The harness sets them for every tool on that workload, the unprofiled
baseline and the warm-up run included, so that every ratio compares runs of
the same program (python_malloc.py: every object from malloc). They are
applied over the scrubbed environment (measure.clean_environment removes an
inherited PYTHONMALLOC) and under a tool's own variables.
"""
import ast
from typing import Dict

MARKER = "Benchmark environment:"


class BadDeclaration(ValueError):
    """The docstring's declaration is not NAME=VALUE pairs."""


def environment(path: str) -> Dict[str, str]:
    """The variables the workload at `path` declares (empty if none)."""
    with open(path) as f:
        doc = ast.get_docstring(ast.parse(f.read(), filename=path)) or ""
    env = {}
    for line in doc.splitlines():
        line = line.strip()
        if not line.startswith(MARKER):
            continue
        for pair in line[len(MARKER):].split():
            name, sep, value = pair.partition("=")
            if not sep or not name:
                raise BadDeclaration(f"{path}: '{pair}' in '{line}' is not NAME=VALUE")
            env[name] = value
    return env
