#!/usr/bin/env bash
# Installs the Debian packages the local stack and its tests need, when
# missing: redis-server, rabbitmq-server (which brings Erlang and epmd) and
# chromium (the browser tests drive it headless).
# Exits non-zero naming the package it could not install.
set -euo pipefail

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || need+=(rabbitmq-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
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
# runs private instances on its own ports.
if ! $sudo env RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
  echo "install-deps: apt-get install ${need[*]} failed" >&2
  exit 1
fi
command -v redis-server >/dev/null 2>&1 || { echo "install-deps: redis-server still missing after install" >&2; exit 1; }
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || { echo "install-deps: rabbitmq-server still missing after install" >&2; exit 1; }
command -v chromium >/dev/null 2>&1 || { echo "install-deps: chromium still missing after install" >&2; exit 1; }
