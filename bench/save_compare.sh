#!/usr/bin/env bash
# Issue 7's save/load benchmark: gorodis (GOMAXPROCS=2) and Debian's redis-server 7.0, one after
# the other on the same machine, each loaded with KEYS keys (DEBUG POPULATE, 16-byte values):
#   save_s  wall time of SAVE
#   bgsave  RSS before BGSAVE, peak RSS while it runs (VmHWM after clearing it), RSS after
#   load_s  wall time from starting the server on the dump until it answers PING with KEYS keys
# Prints one line per server; no thresholds. Redis forks for BGSAVE, so its child's memory is
# not in the parent's RSS: the peak shown for Redis is the parent's only (the copy-on-write
# pages of the child come on top of it).
# Usage: bench/save_compare.sh [keys, default 1000000] [gorodis binary]
set -euo pipefail
cd "$(dirname "$0")/.."
keys=${1:-1000000}
gorodis=${2:-build/server/gorodis}
port=7394
[ -x "$gorodis" ] || { echo "no gorodis binary at $gorodis (build it first)" >&2; exit 1; }
gorodis=$(realpath "$gorodis")
work=$(mktemp -d /tmp/save_compare.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; pid=; }
trap 'cleanup; rm -rf "$work"' EXIT

now() { date +%s.%N; }
rss() { awk "/$2/ { print \$2 }" "/proc/$1/status"; }

start() {  # name -> starts it on $work/<name>/dump.rdb and waits until it answers
  if [ "$1" = gorodis ]; then
    GOMAXPROCS=2 "$gorodis" --port "$port" --dir "$work/$1" --save "" --loglevel warning \
      >/dev/null &
  else
    redis-server --port "$port" --dir "$work/$1" --save "" --appendonly no \
      --enable-debug-command yes --loglevel warning >/dev/null &
  fi
  pid=$!
  until [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ]; do sleep 0.01; done
}

for name in gorodis redis-server; do
  mkdir -p "$work/$name"
  start "$name"
  redis-cli -p "$port" debug populate "$keys" key 16 >/dev/null
  t0=$(now)
  redis-cli -p "$port" save >/dev/null
  save_s=$(echo "$(now) - $t0" | bc -l)
  before=$(rss "$pid" VmRSS)
  echo 5 >"/proc/$pid/clear_refs"  # resets VmHWM to the current RSS
  redis-cli -p "$port" bgsave >/dev/null
  until [ "$(redis-cli -p "$port" info persistence | tr -d '\r' |
    awk -F: '/rdb_bgsave_in_progress/ { print $2 }')" = 0 ]; do sleep 0.01; done
  peak=$(rss "$pid" VmHWM)
  after=$(rss "$pid" VmRSS)
  cleanup
  t0=$(now)
  start "$name"
  until [ "$(redis-cli -p "$port" dbsize)" = "$keys" ]; do sleep 0.01; done
  load_s=$(echo "$(now) - $t0" | bc -l)
  cleanup
  printf '%-12s keys %s  save_s %.2f  bgsave RSS KiB before %s peak %s after %s  load_s %.2f\n' \
    "$name" "$keys" "$save_s" "$before" "$peak" "$after" "$load_s"
done
