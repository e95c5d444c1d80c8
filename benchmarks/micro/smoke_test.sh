#!/usr/bin/env bash
# Usage: smoke_test.sh BENCHMARK_BINARY...
# Runs each Google Benchmark binary for a moment and fails if one exits
# non-zero, reports a benchmark error (SkipWithError), or runs nothing.
set -u

status=0
for binary in "$@"; do
  name="$(basename "$binary")"
  if ! output="$("$binary" --benchmark_min_time=0.001 2>&1)"; then
    echo "FAIL: $name exited non-zero:" >&2
    echo "$output" >&2
    status=1
    continue
  fi
  if grep -q "ERROR OCCURRED" <<<"$output"; then
    echo "FAIL: $name reported an error:" >&2
    grep "ERROR OCCURRED" <<<"$output" >&2
    status=1
    continue
  fi
  runs="$(grep -c '^BM_' <<<"$output")"
  if [ "$runs" -eq 0 ]; then
    echo "FAIL: $name ran no benchmark:" >&2
    echo "$output" >&2
    status=1
    continue
  fi
  echo "ok: $name ($runs benchmarks)"
done
exit "$status"
