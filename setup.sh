#!/usr/bin/env bash
# Installs everything Tidemark needs to build, test and run on Debian 12:
# Debian's Bazel 4.2.3 and the C++ libraries the build links against (see
# third_party/system.BUILD), plus Debian's Python, numpy and pandas that the
# end-to-end tests profile, and what .ci/run checks with: clang with
# libFuzzer and the sanitizer runtimes (.ci/fuzz), clang-format and
# clang-tidy (.ci/lint). Safe to run again; it only installs what is
# missing. Runs apt through sudo when not already root.
set -euo pipefail

packages=(
  bazel-bootstrap
  build-essential
  libabsl-dev
  libre2-dev
  libunwind-dev
  libdw-dev
  libelf-dev
  zlib1g-dev
  liblzma-dev
  libbz2-dev
  libzstd-dev
  libgtest-dev
  libgmock-dev
  libbenchmark-dev
  libjemalloc-dev
  python3
  python3-dev
  python3-numpy
  python3-pandas
  # CPython's and numpy's own tests (//testdata:e2e_cpython_regression_test).
  libpython3.11-testsuite
  python3-pytest
  python3-hypothesis
  python3-venv
  # setpriv, unshare and mount: the report-folder tests act as another user
  # and fill a tmpfs in a private mount namespace (both are in every Debian
  # base system; listed so that a trimmed image gets them too).
  util-linux
  mount
  # strace: //testdata:e2e_file_creation_flags_test reads the flags Tidemark
  # opens its files with.
  strace
  # The report tests: Go's pprof built from Debian's sources (GOPATH mode,
  # offline) reads profile.pb.gz; headless Chromium opens peak.html and the
  # speedscope page (npm's speedscope, fetched by the test's own setup).
  golang-go
  golang-github-google-pprof-dev
  chromium
  # libFuzzer and the sanitizer runtimes, and the lint tools (.ci/run).
  clang
  libclang-rt-14-dev
  clang-format
  clang-tidy
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done

# npm fetches speedscope for its test. Debian's nodejs and npm, unless a
# node with its own npm is already installed (NodeSource's nodejs ships npm
# and conflicts with Debian's npm package).
if ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if ((${#missing[@]} > 0)); then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  echo "setup.sh: installing ${missing[*]}" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup.sh: all build and test dependencies are installed" >&2
