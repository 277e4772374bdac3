#!/usr/bin/env bash
# Compares gorodis (GOMAXPROCS=2) with Debian's redis-server 7.0 with the append-only file on:
# redis-benchmark -t set -P 16 under appendfsync everysec and always, each server on a fresh
# directory under /tmp. Prints requests/s of both and the ratio gorodis/redis; no thresholds.
# Usage: bench/aof_compare.sh [requests per run, default 1000000] [gorodis binary]
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-1000000}
gorodis=${2:-build/server/gorodis}
gorodis_port=7392
redis_port=7393
[ -x "$gorodis" ] || { echo "no gorodis binary at $gorodis (build it first)" >&2; exit 1; }
gorodis=$(realpath "$gorodis")
work=$(mktemp -d /tmp/aof_compare.XXXXXX)

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}
trap 'cleanup; rm -rf "$work"' EXIT

start_servers() {  # appendfsync
  rm -rf "$work/gorodis" "$work/redis"
  mkdir -p "$work/gorodis" "$work/redis"
  GOMAXPROCS=2 "$gorodis" --port "$gorodis_port" --dir "$work/gorodis" --save "" \
    --appendonly yes --appendfsync "$1" --loglevel warning >/dev/null &
  pids+=($!)
  redis-server --port "$redis_port" --dir "$work/redis" --save "" --appendonly yes \
    --appendfsync "$1" --loglevel warning >/dev/null &
  pids+=($!)
  for port in "$gorodis_port" "$redis_port"; do
    for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
  done
}

rps() {  # port -> requests per second of SET
  redis-benchmark -p "$1" -t set -n "$requests" -r 100000 -c 50 -P 16 --threads 2 --csv |
    tr -d '"' | awk -F, 'NR > 1 { print $2 }'
}

echo "redis-benchmark -t set -n $requests -r 100000 -c 50 -P 16 --threads 2, appendonly yes"
echo "commit $(git rev-parse --short HEAD), $(nproc) CPUs, gorodis GOMAXPROCS=2"
printf '%-10s %14s %14s %7s\n' appendfsync gorodis redis ratio
for policy in everysec always; do
  start_servers "$policy"
  g=$(rps "$gorodis_port")
  r=$(rps "$redis_port")
  printf '%-10s %14s %14s %7.2f\n' "$policy" "$g" "$r" "$(echo "$g / $r" | bc -l)"
  cleanup
done
