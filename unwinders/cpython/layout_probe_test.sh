#!/bin/bash
# Checks the hand-written layout tables (layout_py3NN.cc, printed by
# layout_dump) against the CPython headers (printed by layout_probe.c):
# always Debian's 3.11 headers, which the build machine is set up with, and
# every pyenv CPython 3.10-3.13 found. Each version in
# TIDEMARK_REQUIRED_PYTHONS (CI's list, set in .bazelrc; default
# 3.10,3.11,3.12,3.13, as testdata/e2e/required_pythons.py) must have a pyenv
# build with headers: a missing one FAILS, naming it. Also checks that
# Debian's 3.11 and pyenv's 3.11 agree, since one table serves both.
# Usage: layout_probe_test.sh LAYOUT_PROBE_C LAYOUT_DUMP
set -u

probe_src="$1"
dump="$2"
work="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0
checked=0

# check NAME INCLUDE_DIR: compiles the probe against INCLUDE_DIR and diffs.
check() {
  local name="$1" include="$2"
  local minor
  minor="$(basename "$include")"   # python3.NN
  minor="${minor#python}"
  local out="$work/probe_$name"
  if ! gcc -DPy_BUILD_CORE -I"$include" -o "$out" "$probe_src"; then
    echo "FAIL $name: layout_probe.c does not compile against $include"
    failures=$((failures + 1))
    return
  fi
  "$out" > "$work/$name.headers"
  if ! "$dump" "$minor" > "$work/$name.table"; then
    echo "FAIL $name: no table for $minor"
    failures=$((failures + 1))
    return
  fi
  if diff -u "$work/$name.headers" "$work/$name.table"; then
    echo "ok   $name ($include) matches the $minor table"
    checked=$((checked + 1))
  else
    echo "FAIL $name: headers (-) differ from the $minor table (+)"
    failures=$((failures + 1))
  fi
}

debian_include=/usr/include/python3.11
if [[ ! -f "$debian_include/internal/pycore_frame.h" ]]; then
  echo "FAIL: $debian_include/internal is missing (install python3-dev)"
  exit 1
fi
check debian-3.11 "$debian_include"

pyenv_root="$(pyenv root 2>/dev/null || true)"
[[ -n "$pyenv_root" ]] || pyenv_root="${PYENV_ROOT:-/root/.pyenv}"
found_pyenv_minor=""
for version_dir in "$pyenv_root"/versions/3.*; do
  version="$(basename "$version_dir")"
  # Plain releases only: a free-threaded build (3.13.0t) has another object
  # header, and the unwinder refuses to run there.
  [[ "$version" =~ ^3\.(1[0-3])\.[0-9]+$ ]] || continue
  minor="${BASH_REMATCH[1]}"
  include="$version_dir/include/python3.$minor"
  # pycore_runtime.h: every version has it (3.10 has no pycore_frame.h).
  [[ -f "$include/internal/pycore_runtime.h" ]] || continue
  found_pyenv_minor+=" $minor"
  check "pyenv-$version" "$include"
  if [[ "$minor" == 11 ]] && ! diff -q "$work/debian-3.11.headers" \
      "$work/pyenv-$version.headers" > /dev/null; then
    echo "FAIL: Debian's 3.11 and pyenv's $version layouts differ;" \
         "one table cannot serve both"
    failures=$((failures + 1))
  fi
done
required="${TIDEMARK_REQUIRED_PYTHONS-3.10,3.11,3.12,3.13}"
for wanted in ${required//,/ }; do
  if [[ ! "$wanted" =~ ^3\.(1[0-3])$ ]]; then
    echo "FAIL: TIDEMARK_REQUIRED_PYTHONS=$required: $wanted has no layout table"
    failures=$((failures + 1))
  elif [[ " $found_pyenv_minor " != *" ${BASH_REMATCH[1]} "* ]]; then
    echo "FAIL: required CPython $wanted not found under $pyenv_root/versions" \
         "(no $wanted.N/include/python$wanted/internal/pycore_runtime.h)"
    failures=$((failures + 1))
  fi
done

echo "$checked table(s) checked, $failures failure(s)"
[[ "$failures" == 0 ]]
