#!/usr/bin/env bash
# bazel run //benchmarks:overhead -- [FLAGS]
#
# Runs overhead.py with Debian's python3 (Bazel's own Python rules are
# awkward offline) on the Tidemark binaries this target ships as runfiles,
# so the numbers are always for the tree just built. See overhead.py --help.
set -euo pipefail
runfiles="${RUNFILES_DIR:-$0.runfiles}"
root="$(cd "$runfiles/tidemark" && pwd)"
exec /usr/bin/python3 "$root/benchmarks/overhead.py" \
  --profile "$root/tools/profile" \
  --library "$root/tools/libtidemark.so" \
  "$@"
