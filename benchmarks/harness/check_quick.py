"""Checks the files `overhead.py --quick` wrote; used by overhead_quick_test.

Usage: check_quick.py OUT_DIR. Exits non-zero, saying what is wrong, unless
overhead-quick.json is well-formed and has one measured row per quick tool.
Timing values are only checked to be positive numbers, never compared.
"""
import json
import os
import sys

EXPECTED_TOOLS = ["unprofiled", "tidemark-exact", "tidemark-sample", "tracemalloc"]
WITH_PEAK = EXPECTED_TOOLS[1:]


def problems(out_dir):
    with open(os.path.join(out_dir, "overhead-quick.json")) as f:
        result = json.load(f)
    settings = result["settings"]
    if settings["quick"] is not True:
        yield "settings.quick is not true"
    if settings["tools"] != EXPECTED_TOOLS:
        yield f"tools {settings['tools']}, expected {EXPECTED_TOOLS}"
    workloads = settings["workloads"]
    if len(workloads) != 1:
        yield f"quick mode ran {workloads}, expected one workload"
    keys = [(row["workload"], row["tool"]) for row in result["rows"]]
    expected = [(workloads[0], tool) for tool in EXPECTED_TOOLS]
    if keys != expected:
        yield f"rows {keys}, expected {expected}"
    for row in result["rows"]:
        name = row["tool"]
        if row["status"] != "ok":
            yield f"{name}: status {row['status']} ({row['reason']})"
            continue
        if row["repeats"] != settings["repeats"] or len(row["wall_seconds"]) != row["repeats"]:
            yield f"{name}: {row['repeats']} runs recorded, expected {settings['repeats']}"
        if not all(isinstance(v, (int, float)) and v > 0
                   for v in row["wall_seconds"] + row["max_rss_bytes"]):
            yield f"{name}: wall times or max RSS not positive numbers"
        if name != "unprofiled" and not row["wall_ratio"]["median"] > 0:
            yield f"{name}: no wall ratio"
        if name in WITH_PEAK and not (isinstance(row["reported_peak_bytes"], int)
                                      and row["reported_peak_bytes"] > 0):
            yield f"{name}: no reported peak ({row['peak_note']})"
    with open(os.path.join(out_dir, "overhead-quick.md")) as f:
        markdown = f.read()
    for tool in EXPECTED_TOOLS:
        if f"| {tool} |" not in markdown:
            yield f"overhead-quick.md has no row for {tool}"


def main():
    found = list(problems(sys.argv[1]))
    for problem in found:
        print(f"FAIL: {problem}", file=sys.stderr)
    print(f"{0 if found else 1} passed, {1 if found else 0} failed")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
