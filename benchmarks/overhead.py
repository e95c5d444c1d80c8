"""Whole-program overhead of Tidemark and of other memory profilers.

Runs every workload in benchmarks/workloads/ unprofiled and under every tool
of harness/tools.py, interleaved (each repeat runs every tool once per
workload, in an order that rotates between repeats), and reports per tool and
workload: median wall-time ratio to unprofiled with its min-max, the max-RSS
ratio, and the peak the tool itself reports. Writes overhead.md and
overhead.json (overhead-quick.* with --quick) to --out.

  bazel run //benchmarks:overhead -- [--quick] [--repeats N] [--scale S] ...
  /usr/bin/python3 benchmarks/overhead.py [same flags]   # after bazel build //tools:all

--quick: one short workload, Tidemark's modes and tracemalloc, nothing
installed; the full run first installs the peers with setup_peers.sh.

Benchmark environment: a workload may declare variables every tool runs it
with, the unprofiled baseline included (a line "Benchmark environment:
NAME=VALUE ..." in its docstring; harness/workloads.py). python_malloc.py
declares PYTHONMALLOC=malloc.
"""
import argparse
import dataclasses
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

from harness import measure, report, tools as tool_table, workloads as workload_table

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS_DIR = os.path.join(HERE, "workloads")
PYTHON = "/usr/bin/python3"  # Debian's: it has the numpy and pandas the workloads use
QUICK_WORKLOAD = "object_churn"


def log(message):
    print(f"overhead: {message}", file=sys.stderr, flush=True)


def source_root():
    """The checkout: where `bazel run` was started from, or above this file."""
    if os.environ.get("BUILD_WORKSPACE_DIRECTORY"):
        return os.environ["BUILD_WORKSPACE_DIRECTORY"]
    return os.path.dirname(os.path.realpath(HERE))


def user_path(path):
    """A path the user typed, relative to where they ran `bazel run`."""
    base = os.environ.get("BUILD_WORKING_DIRECTORY", os.getcwd())
    return os.path.abspath(os.path.join(base, path))


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help=f"{QUICK_WORKLOAD} only, Tidemark and tracemalloc, 3 repeats, scale 0.2")
    p.add_argument("--repeats", type=int, help="runs of each tool per workload (default 5)")
    p.add_argument("--scale", type=float, help="TIDEMARK_BENCH_SCALE (default 1)")
    p.add_argument("--workloads", help="comma-separated names (default: all)")
    p.add_argument("--tools", help="comma-separated names (default: all; "
                   f"{tool_table.BASELINE} is always run)")
    p.add_argument("--timeout", type=float, default=300,
                   help="seconds before one run is killed and reported as timed out")
    p.add_argument("--out", help="folder for overhead.md/.json (default benchmarks/results)")
    p.add_argument("--profile", help="//tools:profile (default: bazel-bin's)")
    p.add_argument("--library", help="//tools:libtidemark.so (default: bazel-bin's)")
    p.add_argument("--venv", help="the peers' venv (default: from setup_peers.sh)")
    p.add_argument("--no-install", action="store_true",
                   help="do not run setup_peers.sh; peers not installed are reported as not run")
    p.add_argument("--keep", action="store_true", help="keep every run's folder (reports, logs)")
    args = p.parse_args(argv)
    if args.quick:
        args.repeats = args.repeats or 3
        args.scale = args.scale if args.scale is not None else 0.2
        args.workloads = args.workloads or QUICK_WORKLOAD
        args.tools = args.tools or ",".join(t.name for t in tool_table.TOOLS if t.quick)
    args.repeats = args.repeats or 5
    args.scale = 1.0 if args.scale is None else args.scale
    if args.repeats < 1:
        p.error("--repeats must be at least 1")
    return args


def choose(names_text, available, what):
    if not names_text:
        return list(available)
    names = [n.strip() for n in names_text.split(",") if n.strip()]
    unknown = [n for n in names if n not in available]
    if unknown:
        sys.exit(f"overhead: unknown {what} {', '.join(unknown)}; "
                 f"known: {', '.join(available)}")
    return [n for n in available if n in names]  # keep the table's order


def peers_venv(args, selected):
    """The venv with Fil and memray, installing the peers unless told not to."""
    if args.venv:
        return user_path(args.venv)
    wants_peers = any(not t.quick for t in selected)
    if args.quick or not wants_peers:
        return ""
    if args.no_install:
        default = os.path.expanduser("~/.cache/tidemark-bench/venv-peers")
        return default if os.path.isdir(default) else ""
    log("installing peers (benchmarks/setup_peers.sh)")
    done = subprocess.run(["bash", os.path.join(HERE, "setup_peers.sh")],
                          stdout=subprocess.PIPE, text=True)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        log("setup_peers.sh failed; Fil and memray will be reported as not run")
        return ""
    return lines[-1]


def machine_facts():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
            "python": subprocess.run([PYTHON, "-V"], capture_output=True,
                                     text=True).stdout.strip()}


def main(argv):
    args = parse_args(argv)
    root = source_root()
    workload_names = sorted(f[:-3] for f in os.listdir(WORKLOADS_DIR) if f.endswith(".py"))
    workloads = choose(args.workloads, workload_names, "workload")
    tool_names = choose(args.tools, [t.name for t in tool_table.TOOLS], "tool")
    if tool_table.BASELINE not in tool_names:
        tool_names.insert(0, tool_table.BASELINE)  # every ratio needs it
    selected = [t for t in tool_table.TOOLS if t.name in tool_names]

    base_ctx = tool_table.Context(
        python=PYTHON, workload="", out="", here=HERE,
        profile=os.path.realpath(user_path(args.profile) if args.profile
                                 else os.path.join(root, "bazel-bin/tools/profile")),
        library=os.path.realpath(user_path(args.library) if args.library
                                 else os.path.join(root, "bazel-bin/tools/libtidemark.so")),
        venv=peers_venv(args, selected))
    for field in ("profile", "library"):
        if not os.path.isfile(getattr(base_ctx, field)):
            base_ctx = dataclasses.replace(base_ctx, **{field: ""})
    out_dir = user_path(args.out) if args.out else os.path.join(root, "benchmarks", "results")
    os.makedirs(out_dir, exist_ok=True)
    env = measure.clean_environment({"TIDEMARK_BENCH_SCALE": str(args.scale)})
    workload_envs = {w: workload_table.environment(os.path.join(WORKLOADS_DIR, w + ".py"))
                     for w in workloads}

    cells = {}
    for workload in workloads:
        for tool in selected:
            missing = tool.missing(base_ctx)
            cells[workload, tool.name] = {
                "workload": workload, "tool": tool.name, "runs": {}, "peaks": [],
                "status": "not run" if missing else "ok", "reason": missing,
                "peak_note": None}

    scratch = tempfile.mkdtemp(prefix="tidemark-overhead-")
    started = time.monotonic()
    try:
        # Warm the page cache and the workloads' imports once, unmeasured.
        for workload in workloads:
            path = os.path.join(WORKLOADS_DIR, workload + ".py")
            measure.run_once([PYTHON, path], {**env, **workload_envs[workload]}, scratch,
                             args.timeout)
        for repeat in range(args.repeats):
            # Rotating the order spreads any drift of the machine (thermal,
            # page cache, background jobs) over all tools alike.
            shift = repeat % len(selected)
            order = selected[shift:] + selected[:shift]
            for workload in workloads:
                for tool in order:
                    run_cell(cells[workload, tool.name], tool, workload, repeat,
                             base_ctx, {**env, **workload_envs[workload]}, scratch, args)
            log(f"repeat {repeat + 1}/{args.repeats} done "
                f"({time.monotonic() - started:.0f} s so far)")
    finally:
        if args.keep:
            log(f"run folders kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)

    rows = [report.summarize(cells[w, t.name], cells[w, tool_table.BASELINE])
            for w in workloads for t in selected]
    result = {
        "schema_version": 1,
        "command": " ".join(shlex.quote(a) for a in ["overhead.py"] + argv),
        "machine": machine_facts(),
        "settings": {"quick": args.quick, "repeats": args.repeats, "scale": args.scale,
                     "timeout_seconds": args.timeout, "workloads": workloads,
                     "tools": [t.name for t in selected], "baseline": tool_table.BASELINE,
                     "peers_venv": base_ctx.venv,
                     "workload_environment": {w: e for w, e in workload_envs.items() if e}},
        "elapsed_seconds": round(time.monotonic() - started, 1),
        "notes": {t.name: t.note for t in selected if t.note},
        "rows": rows,
    }
    stem = "overhead-quick" if args.quick else "overhead"
    markdown = report.render_markdown(result)
    with open(os.path.join(out_dir, stem + ".md"), "w") as f:
        f.write(markdown)
    report.write_json(result, os.path.join(out_dir, stem + ".json"))
    print(markdown)
    log(f"wrote {out_dir}/{stem}.md and .json in {result['elapsed_seconds']:.0f} s")
    return 0


def run_cell(cell, tool, workload, repeat, base_ctx, env, scratch, args):
    """One run of one tool on one workload, recorded into its cell."""
    if cell["status"] != "ok":
        return  # not installed, or it already failed or timed out: don't retry
    out = tempfile.mkdtemp(prefix=f"{workload}-{tool.name}-{repeat}-", dir=scratch)
    ctx = dataclasses.replace(base_ctx, workload=os.path.join(WORKLOADS_DIR, workload + ".py"),
                              out=out)
    run = measure.run_once(tool.command(ctx), {**env, **tool.environment(ctx)}, out,
                           args.timeout)
    if run.timed_out:
        cell["status"] = "timed out"
        cell["reason"] = f"killed after {args.timeout:g} s (--timeout)"
    elif run.exit_code != 0:
        cell["status"] = "failed"
        cell["reason"] = f"exit {run.exit_code}: {run.stderr_tail.strip()[-300:]}"
    else:
        cell["runs"][repeat] = run
        if tool.peak is not None:
            try:
                cell["peaks"].append(tool.peak(ctx))
            except tool_table.PeakUnavailable as e:
                cell["peak_note"] = f"peak n/a: {e}"
    log(f"{workload:15} {tool.name:16} {run.wall_seconds:7.2f} s  {cell['status']}")
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
