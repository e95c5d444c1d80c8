#!/usr/bin/env bash
# End to end: runs the real //tools:profile binary on small shell commands
# and checks what a user would see: exit codes, messages, the child's
# environment and output, and signal behaviour.
#
# Usage (from Bazel): profile_e2e_test.sh <path of profile> <path of libtidemark.so>
set -u

PROFILE="$(realpath "$1")"
LIBRARY="$(realpath "$2")"
# Where `bazel run` would have been started: keeps default report folders
# out of the runfiles tree and checks that relative paths mean this folder.
export BUILD_WORKING_DIRECTORY="$TEST_TMPDIR/work"
mkdir -p "$BUILD_WORKING_DIRECTORY"
OUT="$TEST_TMPDIR/out"
ERR="$TEST_TMPDIR/err"
failures=0

fail() {
  echo "FAIL: $*" >&2
  echo "  stdout: $(cat "$OUT")" >&2
  echo "  stderr: $(cat "$ERR")" >&2
  failures=$((failures + 1))
}

# run ARGS...: runs the tool, sets $status; output in $OUT and $ERR.
run() {
  "$PROFILE" "$@" >"$OUT" 2>"$ERR"
  status=$?
}

expect_status() {  # NAME EXPECTED
  [ "$status" -eq "$2" ] || fail "$1: exit status $status, expected $2"
}

expect_in() {  # NAME FILE TEXT
  grep -qF -- "$3" "$2" || fail "$1: '$3' missing from $(basename "$2")"
}

expect_not_in() {  # NAME FILE TEXT
  ! grep -qF -- "$3" "$2" || fail "$1: '$3' unexpected in $(basename "$2")"
}

marker="$TEST_TMPDIR/ran"

# --- exit codes -----------------------------------------------------------
run -- sh -c 'exit 7'
expect_status "exit code" 7

run sh -c 'exit 0'
expect_status "command without --" 0

run --mode=sample --top 3 sh -c 'echo "$@"' name -x --mode=bogus -- -h
expect_status "command's own flags" 0
[ "$(cat "$OUT")" = "-x --mode=bogus -- -h" ] ||
  fail "command's own flags: got '$(cat "$OUT")'"

# --- usage errors: exit 2, one message, nothing run ------------------------
rm -f "$marker"
run --mode=bogus -- touch "$marker"
expect_status "bogus mode" 2
expect_in "bogus mode" "$ERR" \
  "tidemark: --mode: unknown mode 'bogus' (expected 'exact' or 'sample')"
expect_in "bogus mode" "$ERR" "--help"
[ ! -e "$marker" ] || fail "bogus mode: the command ran"

run --mode=exact
expect_status "no command" 2
expect_in "no command" "$ERR" "tidemark: no command to run"

run --frobnicate -- true
expect_status "unknown flag" 2
expect_in "unknown flag" "$ERR" "tidemark: unknown flag '--frobnicate'"

run --sample-interval=lots -- true
expect_status "bad size" 2
expect_in "bad size" "$ERR" "tidemark: --sample-interval: invalid byte size"

run --help
expect_status "help" 0
expect_in "help" "$OUT" "Usage: bazel run //tools:profile"
[ ! -s "$ERR" ] || fail "help: wrote to stderr"

# --- output folder --------------------------------------------------------
rm -f "$marker"
run --output=/proc/forbidden -- touch "$marker"
expect_status "unwritable output" 2
expect_in "unwritable output" "$ERR" \
  "tidemark: cannot write reports to /proc/forbidden"
[ ! -e "$marker" ] || fail "unwritable output: the command ran"

run --output=rel/reports -- sh -c 'echo "$TIDEMARK_OUTPUT"'
expect_status "relative output" 0
[ "$(cat "$OUT")" = "$BUILD_WORKING_DIRECTORY/rel/reports" ] ||
  fail "relative output: TIDEMARK_OUTPUT is '$(cat "$OUT")'"
[ -d "$BUILD_WORKING_DIRECTORY/rel/reports" ] ||
  fail "relative output: folder not created"

run -- sh -c 'echo "$TIDEMARK_OUTPUT"'
default_dir="$(cat "$OUT")"
case "$default_dir" in
  "$BUILD_WORKING_DIRECTORY"/tidemark-results/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]-[0-9][0-9]-[0-9][0-9]_[0-9][0-9][0-9]*) ;;
  *) fail "default output: '$default_dir'" ;;
esac
[ -d "$default_dir" ] || fail "default output: folder not created"

run -- sh -c 'pwd'
[ "$(cat "$OUT")" = "$BUILD_WORKING_DIRECTORY" ] ||
  fail "working directory: the command ran in '$(cat "$OUT")'"

run --output="$TEST_TMPDIR/reports" -- sh -c 'echo r > "$TIDEMARK_OUTPUT/r.txt"'
expect_in "reports written" "$ERR" "tidemark: reports in $TEST_TMPDIR/reports"

# A kill leaves the stored profile; the launcher renders from it and says
# why the program ended. sh is noise (no Python, a tiny peak): by default
# its folder goes and the job's index says how it ended; with a process
# threshold of 0 it keeps its folder, in which its reports are rendered.
run --output="$TEST_TMPDIR/killed" -- sh -c 'kill -KILL $$'
expect_status "killed noise" 137
expect_in "killed noise" "$ERR" "tidemark: reports in $TEST_TMPDIR/killed"
expect_not_in "killed noise" "$ERR" "rendered from its stored profile"
expect_in "killed noise" "$TEST_TMPDIR/killed/job.json" \
  '"program": "sh", "command": ["sh", "-c", "kill -KILL $$"], "started": "first", "folder": null'
expect_in "killed noise" "$TEST_TMPDIR/killed/job.json" \
  '"ended": "killed by SIGKILL", "exit_code": null, "signal": 9}'
[ "$(ls "$TEST_TMPDIR/killed")" = "$(printf 'job.json\nprocesses.log')" ] ||
  fail "killed noise: left $(ls "$TEST_TMPDIR/killed")"

run --output="$TEST_TMPDIR/killed0" --process-threshold=0 -- sh -c 'kill -KILL $$'
expect_status "killed before writing" 137
expect_in "killed before writing" "$ERR" \
  "tidemark: the program was killed by SIGKILL; its reports were rendered from its stored profile"
killed_folder=$(cd "$TEST_TMPDIR/killed0" && ls -d [0-9]*-sh)
expect_in "killed before writing" "$ERR" \
  "tidemark: reports in $TEST_TMPDIR/killed0/$killed_folder"
[ -f "$TEST_TMPDIR/killed0/$killed_folder/summary.json" ] ||
  fail "killed before writing: no summary.json rendered"
expect_in "killed before writing" "$TEST_TMPDIR/killed0/$killed_folder/summary.json" \
  '"reason": "SIGKILL"'
expect_in "killed before writing" "$TEST_TMPDIR/killed0/job.json" \
  "\"folder\": \"$killed_folder\""

# --- the child's output and environment -----------------------------------
run --output="$TEST_TMPDIR/o" -- sh -c 'echo to-stdout; echo to-stderr >&2'
expect_status "child output" 0
[ "$(cat "$OUT")" = "to-stdout" ] || fail "child output: stdout is not the child's own"
expect_in "child output" "$ERR" "to-stderr"

# The environment the child started with, as the tool passed it
# (/proc/PID/environ; the library adds the job's TIDEMARK_JOB and the
# absolute TIDEMARK_OUTPUT to the live environment only).
SHOW_ENV='tr "\\0" "\\n" < /proc/$$/environ'
LD_PRELOAD= TIDEMARK_TOP=99 run --output=envtest -- sh -c "$SHOW_ENV"
expect_status "environment" 0
expect_in "environment" "$OUT" "TIDEMARK_LAUNCHED=1"
expect_in "environment" "$OUT" "TIDEMARK_MODE=exact"
expect_in "environment" "$OUT" "TIDEMARK_OUTPUT=$BUILD_WORKING_DIRECTORY/envtest"
expect_in "environment" "$OUT" "LD_PRELOAD=$LIBRARY"
expect_not_in "environment" "$OUT" "TIDEMARK_TOP="
expect_not_in "environment" "$OUT" "TIDEMARK_UNWINDER="
grep -q '^LD_PRELOAD=.*libtidemark\.so' "$OUT" ||
  fail "environment: LD_PRELOAD does not name libtidemark.so"

LD_PRELOAD=/other.so run --mode=sample --sample-interval=2M --seed=5 \
  --output=envtest -- sh -c "$SHOW_ENV" 2>/dev/null
expect_in "flag variables" "$OUT" "TIDEMARK_MODE=sample"
expect_in "flag variables" "$OUT" "TIDEMARK_SAMPLE_INTERVAL=2097152"
expect_in "flag variables" "$OUT" "TIDEMARK_SAMPLE_SEED=5"
expect_in "flag variables" "$OUT" "LD_PRELOAD=$LIBRARY:/other.so"

# --- finding the library --------------------------------------------------
env -u RUNFILES_DIR "$PROFILE" --output=envtest -- sh -c "$SHOW_ENV" >"$OUT" 2>"$ERR"
status=$?
expect_status "library next to the binary" 0
expect_in "library next to the binary" "$OUT" "libtidemark.so"

TIDEMARK_LIBRARY=/nonexistent/libtidemark.so run -- true
expect_status "missing library" 2
expect_in "missing library" "$ERR" \
  "tidemark: cannot find libtidemark.so (looked in: /nonexistent/libtidemark.so)"

# --- commands that cannot run ---------------------------------------------
before=$(ls "$BUILD_WORKING_DIRECTORY/tidemark-results" | wc -l)
run -- tidemark-no-such-command
expect_status "missing command" 127
expect_in "missing command" "$ERR" "tidemark: cannot run 'tidemark-no-such-command'"
after=$(ls "$BUILD_WORKING_DIRECTORY/tidemark-results" | wc -l)
[ "$before" -eq "$after" ] || fail "missing command: left an empty report folder"

# --- signals ----------------------------------------------------------------
run --output="$TEST_TMPDIR/o" -- sh -c 'kill -TERM $$'
expect_status "child killed by SIGTERM" 143

# SIGTERM sent to the tool reaches the child.
rm -f "$marker"
"$PROFILE" --output="$TEST_TMPDIR/o" -- sh -c "touch '$marker'; exec sleep 30" \
  >"$OUT" 2>"$ERR" &
tool_pid=$!
for _ in $(seq 100); do [ -e "$marker" ] && break; sleep 0.05; done
kill -TERM "$tool_pid"
wait "$tool_pid"
status=$?
expect_status "SIGTERM forwarded" 143

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
