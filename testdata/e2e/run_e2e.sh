#!/bin/sh
# Runs one end-to-end test file with Debian's Python (never the PATH one).
# Usage: run_e2e.sh TEST_FILE [NAME=VALUE ...]; each NAME=VALUE is exported
# first (Bazel passes the tool's and the programs' runfiles paths this way).
set -eu
test_file="$1"
shift
for assignment in "$@"; do
  export "$assignment"
done
exec /usr/bin/python3 -B "$test_file" -v
