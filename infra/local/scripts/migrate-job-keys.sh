#!/usr/bin/env bash
# Moves job records and effect markers written before job keys carried a
# hash tag ("jobstore||job/<id>" → "jobstore||job/{<id>}", same for
# "effect/") in the local stack's Redis, so that the status API still finds
# old jobs and a redelivered old job is not run a second time.
# Run it with the stack stopped except Redis, or before `make run`:
#   redis-server --port 6380 --dir .local/redis --appendonly yes &   # if not running
#   infra/local/scripts/migrate-job-keys.sh [port]
set -euo pipefail
port=${1:-${REDIS_PORT:-6380}}
moved=0
for kind in job effect; do
  while IFS= read -r key; do
    id=${key#"jobstore||$kind/"}
    case $id in *'{'* | *'}'* | '') continue ;; esac # already tagged, or an id the new layout hashes
    [ "$(redis-cli -p "$port" --no-raw renamenx "$key" "jobstore||$kind/{$id}")" = "(integer) 1" ] && moved=$((moved + 1))
  done < <(redis-cli -p "$port" --scan --pattern "jobstore||$kind/*")
done
echo "migrate-job-keys: moved $moved keys"
