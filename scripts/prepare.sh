#!/usr/bin/env bash
# Installs what berth's demo and tests need on a fresh Debian bookworm machine, idempotently:
# Debian packages (PostgreSQL's server binaries, Chromium), npm dependencies (including Node 24),
# the test environment's Go-built binaries (cold: ~15-20 min on 2 cores, warm: a no-op), and
# berth's own container image (cold: ~3-4 min, warm: a no-op when built from the same source).
# Used by .ci/run and scripts/demo.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
export PATH="$PATH:/usr/local/go/bin"
started=$SECONDS
log() { printf '[prepare +%ds] %s\n' "$((SECONDS - started))" "$*"; }

# --- system packages ---------------------------------------------------------
packages=(postgresql chromium ca-certificates)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  ((EUID == 0)) || { echo "Missing Debian packages: ${missing[*]}. Install them as root (apt-get install ${missing[*]}), then run this again." >&2; exit 1; }
  log "apt-get install ${missing[*]}"
  apt-get update -qq
  # Debian's postinst would start the packaged PostgreSQL cluster; berth's tests and demo run
  # their own, so forbid service starts while installing (policy-rc.d, exit 101).
  policy=/usr/sbin/policy-rc.d
  had_policy=0; [[ -e $policy ]] && had_policy=1
  if ((had_policy == 0)); then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/berth-apt.log 2>&1 \
    || { tail -50 /tmp/berth-apt.log; exit 1; }
  ((had_policy == 1)) || rm -f "$policy"
fi
# If the packaged cluster runs anyway (installed earlier, by hand), stop it: not ours to use.
if command -v pg_lsclusters >/dev/null && pg_lsclusters --no-header 2>/dev/null | grep -q online; then
  log "stopping the Debian-managed PostgreSQL cluster"
  pg_lsclusters --no-header | awk '$4 == "online" {print $1, $2}' | while read -r version name; do
    pg_ctlcluster "$version" "$name" stop || true
  done
fi

command -v go >/dev/null || { echo "Go >= 1.26 is required (expected at /usr/local/go/bin/go)" >&2; exit 1; }

# --- node dependencies ---------------------------------------------------------
# CI always installs from scratch; elsewhere only when the lock file changed since the last install.
if [[ "${CI:-}" == "true" || ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error </dev/null
fi

# --- test environment binaries (cached under ~/.cache/berth) -------------------
log "npm run testenv -- build"
npm run --silent testenv -- build </dev/null

# --- berth's own image (podman; storage and cache under ~/.cache/berth/image) ----------
# The integration tests run berth inside it. BERTH_SKIP_IMAGE=1 skips both.
if [[ "${BERTH_SKIP_IMAGE:-}" != "1" ]]; then
  log "npm run image -- build"
  npm run --silent image -- build </dev/null
fi
log "ready"
