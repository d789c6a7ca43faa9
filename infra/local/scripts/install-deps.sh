#!/usr/bin/env bash
# Installs the Debian packages the local stack and its tests need, when
# missing: redis-server, rabbitmq-server (which brings Erlang and epmd) and
# chromium (the browser tests drive it headless). With the argument `kind`,
# what the offline kind cluster needs instead: Docker's engine (docker.io
# with containerd and runc), mmdebstrap for the node's root filesystem,
# containernetworking-plugins, iptables, and gcc with libc6-dev for pause.
# Exits non-zero naming the package it could not install.
set -euo pipefail
set_name=${1:-local}

# missing prints the packages whose command or file is not here.
missing() {
  if [ "$set_name" = kind ]; then
    command -v dockerd >/dev/null 2>&1 || echo docker.io
    command -v containerd >/dev/null 2>&1 || echo containerd
    command -v runc >/dev/null 2>&1 || echo runc
    command -v mmdebstrap >/dev/null 2>&1 || echo mmdebstrap
    [ -x /usr/lib/cni/bridge ] || echo containernetworking-plugins
    command -v iptables >/dev/null 2>&1 || echo iptables
    command -v gcc >/dev/null 2>&1 || echo gcc
    [ -f "/usr/lib/$(uname -m)-linux-gnu/libc.a" ] || echo libc6-dev
  else
    command -v redis-server >/dev/null 2>&1 || echo redis-server
    [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || echo rabbitmq-server
    command -v chromium >/dev/null 2>&1 || echo chromium
  fi
  return 0
}

mapfile -t need < <(missing)
[ "${#need[@]}" -eq 0 ] && exit 0

echo "install-deps: installing ${need[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: cannot install ${need[*]}: no apt-get here; install them with your package manager" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "install-deps: cannot install ${need[*]}: not root and no sudo" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq || { echo "install-deps: apt-get update failed" >&2; exit 1; }
# RUNLEVEL=1 asks invoke-rc.d not to start system-wide services: the stack
# runs private instances (and, for kind, its own dockerd) itself.
if ! $sudo env RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
  echo "install-deps: apt-get install ${need[*]} failed" >&2
  exit 1
fi
mapfile -t still < <(missing)
if [ "${#still[@]}" -gt 0 ]; then
  echo "install-deps: still missing after install: ${still[*]}" >&2
  exit 1
fi
