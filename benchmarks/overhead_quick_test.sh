#!/usr/bin/env bash
# //benchmarks:overhead_quick_test: the harness's --quick mode completes and
# writes well-formed results with the expected rows. It checks no timing:
# a loaded CI machine must not fail it.
set -euo pipefail
runfiles="${RUNFILES_DIR:-$TEST_SRCDIR}"
root="$(cd "$runfiles/tidemark" && pwd)"
out="${TEST_UNDECLARED_OUTPUTS_DIR:-$TEST_TMPDIR}/quick"

/usr/bin/python3 "$root/benchmarks/overhead.py" --quick \
  --profile "$root/tools/profile" \
  --library "$root/tools/libtidemark.so" \
  --out "$out"
/usr/bin/python3 "$root/benchmarks/harness/check_quick.py" "$out"
