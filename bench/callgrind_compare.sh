#!/usr/bin/env bash
# Instructions per workload, gorodis (GOMAXPROCS=1) against Debian's redis-server 7.0: each runs
# under `valgrind --tool=callgrind` while the same redis-benchmark run drives it, and the script
# prints the server's total instruction count (Ir). Instruction counts are stable on a noisy
# machine where requests/s are not, so this is the figure to compare a change by.
# Usage: bench/callgrind_compare.sh [tests, default sadd] [requests, default 200000] [gorodis binary]
# Environment: PIPELINE (redis-benchmark -P, default 16), OUT (callgrind files, default a
# temporary folder that is removed; set it to keep them for callgrind_annotate).
set -euo pipefail
cd "$(dirname "$0")/.."
tests=${1:-sadd}
requests=${2:-200000}
gorodis=${3:-build-release/server/gorodis}
pipeline=${PIPELINE:-16}
port=7395
[ -x "$gorodis" ] || { echo "no gorodis binary at $gorodis (build it first)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
out=${OUT:-}
if [ -z "$out" ]; then
  out=$(mktemp -d /tmp/callgrind_compare.XXXXXX)
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"

measure() {  # server name, test -> prints "name test Ir"
  local name=$1 test=$2 file="$out/$1.$2.callgrind"
  if [ "$name" = gorodis ]; then
    GOMAXPROCS=1 valgrind --tool=callgrind --callgrind-out-file="$file" "$gorodis" \
      --port "$port" --save "" >/dev/null 2>&1 &
  else
    valgrind --tool=callgrind --callgrind-out-file="$file" redis-server --port "$port" \
      --save "" --appendonly no >/dev/null 2>&1 &
  fi
  local pid=$!
  until [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ]; do sleep 0.2; done
  redis-benchmark -p "$port" -t "$test" -n "$requests" -r 100000 -c 50 -P "$pipeline" -q \
    >/dev/null
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  wait "$pid" || true
  local total
  total=$(callgrind_annotate "$file" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
  printf '%-8s %-10s %15s\n' "$name" "$test" "$total"
}

echo "redis-benchmark -t <test> -n $requests -r 100000 -c 50 -P $pipeline; server instructions (Ir)"
for test in ${tests//,/ }; do
  measure gorodis "$test"
  measure redis "$test"
done
