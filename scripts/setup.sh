#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine, and nothing twice:
# Debian packages, the local test cluster's binaries (built once into ~/.cache/k0smotron),
# and the npm workspace (npm ci when node_modules is missing or older than the lockfile).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
fail() { printf 'setup: %s\n' "$*" >&2; exit 1; }

node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
  fail "Node.js >= 20.19 is required (found $(node --version))"

# zsh and fish: the kubectl plugin's completion tests run its scripts in them. etcd-client (etcdctl):
# the etcd start script's test runs it against real etcd members.
need=()
for p in etcd-server etcd-client rsync dpkg-dev chromium zsh fish; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  step "apt-get install ${need[*]}"
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null ||
    fail "apt-get install ${need[*]} failed"
fi

bash testenv/scripts/install-binaries.sh

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci (a few minutes on a fresh machine)"
  start=$SECONDS
  npm ci --no-audit --no-fund --loglevel=error || fail "npm ci failed"
  step "npm ci done in $((SECONDS - start)) s"
fi
