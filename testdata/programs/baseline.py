"""Baseline: imports the modules named on the command line, allocates nothing big.

The scenario tests profile this first, with the same imports as the scenario
program, to learn how many bytes the interpreter itself holds at its peak.
"""
import importlib
import sys

for name in sys.argv[1:]:
    importlib.import_module(name)
