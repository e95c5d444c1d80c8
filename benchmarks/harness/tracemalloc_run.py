"""Runs a script under Python's built-in tracemalloc and records its peak.

Usage: python3 tracemalloc_run.py OUT_DIR SCRIPT [ARGS...]

`python3 -X tracemalloc=1` traces the same way but prints no peak, so this
wrapper starts tracing (one frame per trace, as -X tracemalloc=1 does)
before the script runs and writes OUT_DIR/tracemalloc.json at the end.
"""
import json
import os
import runpy
import sys
import tracemalloc


def main():
    out_dir, script = sys.argv[1], sys.argv[2]
    sys.argv = sys.argv[2:]  # the script sees its own argv, as if run directly
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    tracemalloc.start(1)
    try:
        runpy.run_path(script, run_name="__main__")
    finally:
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        with open(os.path.join(out_dir, "tracemalloc.json"), "w") as f:
            json.dump({"peak_bytes": peak, "current_bytes": current}, f)


if __name__ == "__main__":
    main()
