#!/usr/bin/env bash
# Installs the profilers Tidemark is compared against, idempotently.
#
# Debian packages: heaptrack, valgrind (massif), python3-scalene, python3-venv.
# PyPI packages: filprofiler and memray go into a venv of their own, never into
# the project's test environment. The venv sees Debian's numpy and pandas
# (--system-site-packages) so the workloads run on the same libraries as the
# unprofiled baseline.
#
# Usage: benchmarks/setup_peers.sh [VENV_DIR]
# Prints nothing on stdout but the venv path, so the harness can read it.
set -u

venv="${1:-${TIDEMARK_BENCH_VENV:-$HOME/.cache/tidemark-bench/venv-peers}}"
log() { echo "setup_peers: $*" >&2; }

# apt: only when something is missing, so repeat runs stay offline and fast.
need=()
for pkg in heaptrack valgrind python3-scalene python3-venv; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
    || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
    log "cannot install ${need[*]}: not root and no sudo; those peers will be reported as missing"
  else
    sudo_cmd=(); [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
    log "installing ${need[*]} from Debian"
    "${sudo_cmd[@]}" apt-get update -qq >&2 || log "apt-get update failed"
    # One package at a time: a package missing from the archive (python3-scalene
    # is absent from some Debian releases) must not block the others.
    for pkg in "${need[@]}"; do
      DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "$pkg" >&2 \
        || log "could not install $pkg; it will be reported as missing"
    done
  fi
fi

# The PyPI peers. A stamp file makes the second run a no-op.
stamp="$venv/.tidemark-peers-installed"
if [ ! -f "$stamp" ]; then
  log "creating $venv"
  mkdir -p "$(dirname "$venv")"
  /usr/bin/python3 -m venv --system-site-packages "$venv" >&2 || { log "venv creation failed"; exit 1; }
  ok=1
  for pkg in filprofiler memray; do
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "$pkg" >&2 \
      || { log "pip install $pkg failed; it will be reported as missing"; ok=0; }
  done
  [ "$ok" -eq 1 ] && touch "$stamp"
fi
echo "$venv"
