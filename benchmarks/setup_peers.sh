#!/usr/bin/env bash
# Installs the profilers Tidemark is compared against, idempotently.
#
# Debian packages: heaptrack, valgrind (massif), python3-scalene, python3-venv.
# PyPI packages: filprofiler, memray and a current scalene go into a venv of
# their own, never into the project's test environment. The venv sees
# Debian's numpy and pandas (--system-site-packages) so the workloads run on
# the same libraries as the unprofiled baseline.
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

# The PyPI peers, each with a stamp file so the second run is a no-op (and a
# peer added here later still gets installed into an existing venv).
# scalene is pinned above Debian's 1.5.16: the venv sees Debian's copy
# through --system-site-packages, so a bare "scalene" would install nothing,
# and 1.5.16 reports no memory footprint on Python 3.11.
if [ ! -x "$venv/bin/python" ]; then
  log "creating $venv"
  mkdir -p "$(dirname "$venv")"
  /usr/bin/python3 -m venv --system-site-packages "$venv" >&2 || { log "venv creation failed"; exit 1; }
fi
for spec in filprofiler memray "scalene>1.5.16"; do
  stamp="$venv/.installed-${spec%%[<>=]*}"
  [ -f "$stamp" ] && continue
  if "$venv/bin/python" -m pip install -q --disable-pip-version-check "$spec" >&2; then
    touch "$stamp"
  else
    log "pip install $spec failed; it will be reported as missing"
  fi
done
echo "$venv"
