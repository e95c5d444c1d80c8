#!/usr/bin/env bash
# Measures Tidemark's microbenchmarks and prints a Markdown table of them.
#
# Usage: benchmarks/micro/run.sh [EXTRA_BENCHMARK_FLAGS...]
#   e.g. benchmarks/micro/run.sh --benchmark_filter=Hooks
#
# Builds the benchmarks optimized, runs each with 5 repetitions and prints,
# per benchmark, the median CPU time per iteration in nanoseconds and the
# coefficient of variation of the repetitions. CPU time rather than wall
# time: on a shared machine it leaves out the time the benchmark thread
# spent waiting for a core. The benchmarks' own output goes to stderr.
set -euo pipefail

cd "$(dirname "$0")/../.."
bazel="${BAZEL:-bazel}"

# The same list the smoke test runs: one place to add a benchmark.
mapfile -t targets < <("$bazel" query 'labels(data, //benchmarks/micro:smoke_test)' 2>/dev/null)

"$bazel" build -c opt "${targets[@]}" >&2
bin_dir="$("$bazel" info -c opt bazel-bin 2>/dev/null)"

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
outputs=()

for target in "${targets[@]}"; do
  package="${target#//}"
  package="${package%%:*}"
  name="${target##*:}"
  echo "== $target" >&2
  "$bin_dir/$package/$name" \
    --benchmark_repetitions=5 \
    --benchmark_report_aggregates_only=true \
    --benchmark_out="$results/$name.json" \
    --benchmark_out_format=json \
    "$@" >&2
  outputs+=("$results/$name.json")
done

/usr/bin/python3 - "${outputs[@]}" <<'PY'
import json
import sys

TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

print("| benchmark | median CPU ns | cv |")
print("|---|---:|---:|")
for path in sys.argv[1:]:
    with open(path) as f:
        text = f.read()
    if not text.strip():
        continue  # a --benchmark_filter matched nothing in this binary
    report = json.loads(text)
    median = {}
    cv = {}
    order = []
    for b in report["benchmarks"]:
        name = b["run_name"]
        if name not in order:
            order.append(name)
        if b.get("aggregate_name") == "median":
            median[name] = b["cpu_time"] * TO_NS[b["time_unit"]]
        elif b.get("aggregate_name") == "cv":
            cv[name] = b["cpu_time"]  # a ratio, not a time
    for name in order:
        if name in median:
            print(f"| {name} | {median[name]:.1f} | {100 * cv.get(name, 0):.1f}% |")
PY
