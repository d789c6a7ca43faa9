#!/usr/bin/env bash
# Builds daprd, placement and scheduler at the version pinned in
# infra/local/daprbuild/go.mod into $1 (default bin/), unless that exact
# pin is already built there. With DAPR_BIN_DIR set, checks those binaries
# (from `dapr init --slim`, say) instead of building.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
out=${1:-$root/bin}

if [ -n "${DAPR_BIN_DIR:-}" ]; then
  for b in daprd placement scheduler; do
    [ -x "$DAPR_BIN_DIR/$b" ] || { echo "build-dapr: DAPR_BIN_DIR=$DAPR_BIN_DIR has no executable $b" >&2; exit 1; }
  done
  exit 0
fi

mod=$root/infra/local/daprbuild
version=$(awk '$1 == "require" && $2 == "github.com/dapr/dapr" {print $3}' "$mod/go.mod")
[ -n "$version" ] || { echo "build-dapr: no github.com/dapr/dapr pin in $mod/go.mod" >&2; exit 1; }
stamp="$out/.dapr-version"
# The stamp holds the pin and go.sum's hash: either changing rebuilds. It
# leaves out the Go toolchain (make exports GOTOOLCHAIN, so new builds use
# the patched one) on purpose: a toolchain bump alone does not force this
# many-minute rebuild; remove the stamp to rebuild with the current one.
want="$version $(sha256sum "$mod/go.sum" | cut -c1-16)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
   && [ -x "$out/daprd" ] && [ -x "$out/placement" ] && [ -x "$out/scheduler" ]; then
  exit 0
fi
echo "build-dapr: building Dapr $version (daprd, placement, scheduler) into $out; the first build takes several minutes"
mkdir -p "$out"
cd "$mod"
# stablecomponents: the stable component set (allcomponents does not build
# on current Go). GOWORK=off: this module is deliberately not in go.work.
GOWORK=off GOFLAGS=-mod=readonly go build -tags stablecomponents -trimpath \
  -ldflags "-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=${version#v}" \
  -o "$out/" github.com/dapr/dapr/cmd/daprd github.com/dapr/dapr/cmd/placement github.com/dapr/dapr/cmd/scheduler
echo "$want" > "$stamp"
