#!/usr/bin/env bash
# Compares gorodis (GOMAXPROCS=2) with Debian's redis-server 7.0 on loopback: the same
# redis-benchmark runs against each (-P 1 and -P 16), then the RSS of each after loading the same
# data. Prints requests/s of both (medians over RUNS) and the ratio gorodis/redis.
# The benchmark runs against one server at a time (both servers stay up, the idle one costs
# nothing), alternating which goes first from run to run, so that neither gets the CPUs the
# other's client leaves, and drift on the machine hits both alike.
# Usage: bench/redis_compare.sh [requests per test, default 1000000] [gorodis binary]
# Environment:
#   TESTS   redis-benchmark -t list (default: part 1's set,get,incr,mset; part 2's is
#           lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,lrange_600)
#   RUNS    runs per server and pipeline depth (default 1); the table shows medians
#   PIPELINES  redis-benchmark -P depths (default "1 16"); at -P 16 a run of 200,000 requests
#           lasts a quarter second, so its figure moves in 0.4 % steps: give it more requests
#   MEMORY  memory workloads, space separated (default "strings", "" for none): strings = DEBUG POPULATE
#           1000000 keys of 16-byte values; hash, set, intset, zset = 1,000,000 keys of 10
#           small elements each (bench/populate.py), each loaded into freshly flushed servers.
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-1000000}
gorodis=${2:-build/server/gorodis}
tests=${TESTS:-set,get,incr,mset}
memory=${MEMORY-strings}
runs=${RUNS:-1}
pipelines=${PIPELINES:-1 16}
gorodis_port=7390
redis_port=7391
[ -x "$gorodis" ] || { echo "no gorodis binary at $gorodis (build it first)" >&2; exit 1; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

start_servers() {
  GOMAXPROCS=2 "$gorodis" --port "$gorodis_port" --save "" --loglevel warning >/dev/null &
  pids+=($!)
  redis-server --port "$redis_port" --save "" --appendonly no --loglevel warning \
    --enable-debug-command yes >/dev/null &
  pids+=($!)
  for port in "$gorodis_port" "$redis_port"; do
    for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
  done
}

rps() {  # port pipeline -> "test|rps" lines
  redis-benchmark -p "$1" -t "$tests" -n "$requests" -r 100000 -c 50 -P "$2" \
    --threads 2 --csv | tr -d '"' | awk -F, 'NR > 1 { print $1 "|" $2 }'
}

rss_kib() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }

start_servers
echo "redis-benchmark -t $tests -n $requests -r 100000 -c 50 --threads 2, $runs run(s) each"
echo "commit $(git rev-parse --short HEAD), $(nproc) CPUs, gorodis GOMAXPROCS=2"
printf '%-16s %4s %14s %14s %7s\n' test P gorodis redis ratio
results=$(mktemp)
for pipeline in $pipelines; do
  for run in $(seq "$runs"); do
    order=("$gorodis_port" "$redis_port")
    ((run % 2)) || order=("$redis_port" "$gorodis_port")
    for port in "${order[@]}"; do
      rps "$port" "$pipeline" | sed "s/^/$port|$pipeline|/" >>"$results"
    done
  done
done
# Medians per server, test and depth, in redis-benchmark's test order.
python3 - "$results" "$gorodis_port" "$redis_port" "$pipelines" <<'PY'
import statistics, sys
path, gorodis, redis = sys.argv[1:4]
figures, order = {}, []
for line in open(path):
    port, pipeline, test, rps = line.strip().split("|")
    if (test, pipeline) not in order:
        order.append((test, pipeline))
    figures.setdefault((port, test, pipeline), []).append(float(rps))
for pipeline in sys.argv[4].split():
    for test, p in order:
        if p != pipeline:
            continue
        g = statistics.median(figures[(gorodis, test, p)])
        r = statistics.median(figures[(redis, test, p)])
        print("%-16s %4s %14.2f %14.2f %7.2f" % (test, p, g, r, g / r))
PY
rm -f "$results"

load() {  # port workload
  if [ "$2" = strings ]; then
    [ "$(redis-cli -p "$1" debug populate 1000000 key 16)" = OK ]
  else
    python3 bench/populate.py "$2" 1000000 10 | redis-cli -p "$1" --pipe >/dev/null
  fi
}

[ -z "$memory" ] || printf '\nRSS of fresh servers before -> after loading (KiB), ratio of the RSS after gorodis/redis:\n'
for workload in $memory; do
  cleanup
  pids=()
  start_servers
  before_g=$(rss_kib "${pids[0]}")
  before_r=$(rss_kib "${pids[1]}")
  load "$gorodis_port" "$workload"
  load "$redis_port" "$workload"
  sleep 1
  after_g=$(rss_kib "${pids[0]}")
  after_r=$(rss_kib "${pids[1]}")
  printf '%-8s gorodis %s -> %s, redis %s -> %s, ratio %.2f\n' "$workload" "$before_g" \
    "$after_g" "$before_r" "$after_r" "$(echo "$after_g / $after_r" | bc -l)"
done
