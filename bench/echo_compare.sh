#!/usr/bin/env bash
# echo workload (issue 4; ../shared/anchors/WORKLOADS.md "echo"): goro's examples/echo_server
# against Go's anchors/go/echoserver, both driven by the shared load generator
# anchors/go/echoload (-size 64 -secs 5) on this machine. Prints a Markdown table of medians
# (round trips/s, p50, p99) and the ratio goro/go, and a second table of each server's CPU time
# (user and system) per round trip.
#
# Each iteration runs, for every procs value and connection count, goro's server then Go's,
# each a fresh process, so that load drifting on the machine hits both alike.
#
# Environment (all optional):
#   RUNS=3             iterations
#   PROCS="1 2"        GOMAXPROCS of the server under test
#   CONNS="100 1000"   concurrent connections
#   SIZE=64 SECS=5     message size, seconds per run
#   ANCHORS=<repo>/../shared/anchors
#   ANCHORS_OUT=~/.cache/goro-anchors   where the Go binaries are built (go-bin/)
#   OUT=build-bench/echo-<time>/        raw.txt, stderr.txt, table.md
#   TIMEOUT=60         seconds allowed per echoload run (servers are killed after it)
#   JOBS=1             ninja -j
# Exit status: non-zero if a build failed, a server did not start, or an echoload run failed
# its check or timed out (the other runs still go on).
set -uo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo" || exit 1

RUNS="${RUNS:-3}"
PROCS="${PROCS:-1 2}"
CONNS="${CONNS:-100 1000}"
SIZE="${SIZE:-64}"
SECS="${SECS:-5}"
ANCHORS="${ANCHORS:-$repo/../shared/anchors}"
ANCHORS_OUT="${ANCHORS_OUT:-${XDG_CACHE_HOME:-$HOME/.cache}/goro-anchors}"
OUT="${OUT:-$repo/build-bench/echo-$(date -u +%Y%m%dT%H%M%SZ)}"
TIMEOUT="${TIMEOUT:-60}"
JOBS="${JOBS:-1}"
export ANCHORS_OUT

mkdir -p "$OUT"
raw="$OUT/raw.txt"
errlog="$OUT/stderr.txt"
: >"$raw"
: >"$errlog"

# --- builds -------------------------------------------------------------------------------
echo "building goro's echo_server (Release, build-bench/)" >&2
# Same options as compare.sh except the examples (compare.sh turns them off in the shared cache).
{ cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DGORO_BUILD_TESTS=OFF \
    -DGORO_BUILD_EXAMPLES=ON -DGORO_BUILD_SERVER=OFF >/dev/null &&
  ninja -C build-bench -j"$JOBS" echo_server; } >&2 || { echo "goro build failed" >&2; exit 1; }
goro_srv="$repo/build-bench/examples/echo_server"
[ -x "$goro_srv" ] || { echo "no $goro_srv" >&2; exit 1; }

# The anchors' run.sh builds bench, echoserver and echoload into $ANCHORS_OUT/go-bin; with
# RUNS=0 it builds and runs nothing.
echo "building Go's echoserver and echoload ($ANCHORS_OUT/go-bin)" >&2
RUNS=0 "$ANCHORS/go/run.sh" >&2 || { echo "Go anchor build failed" >&2; exit 1; }
gobin="$ANCHORS_OUT/go-bin"
for b in echoserver echoload; do
  [ -x "$gobin/$b" ] || { echo "missing $gobin/$b" >&2; exit 1; }
done

# --- file limit ---------------------------------------------------------------------------
max_conns=0
for c in $CONNS; do [ "$c" -gt "$max_conns" ] && max_conns=$c; done
need=$((max_conns + 256))
hard="$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
  if [ "$hard" = unlimited ] || [ "$hard" -ge "$need" ]; then
    ulimit -n "$need"
  else
    ulimit -n "$hard"
    echo "WARNING: hard fd limit $hard < $need: runs with $max_conns connections may fail" >&2
  fi
fi
echo "fd limit: soft $(ulimit -n), hard $hard" >&2

# --- runs ---------------------------------------------------------------------------------
srv_pid=""
stop_server() {
  if [ -n "$srv_pid" ]; then
    kill "$srv_pid" 2>/dev/null
    # SIGKILL if it does not go within 2 s
    for _ in $(seq 20); do kill -0 "$srv_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$srv_pid" 2>/dev/null
    wait "$srv_pid" 2>/dev/null
    srv_pid=""
  fi
}
trap stop_server EXIT
trap 'exit 130' INT TERM

# utime and stime of the running server, in clock ticks (fields 14 and 15 of /proc/PID/stat,
# counted after the parenthesised command name).
server_cpu_ticks() {
  sed 's/^.*) //' "/proc/$srv_pid/stat" | awk '{print $12, $13}'
}

status=0
run_one() { # $1 impl (goro|go), $2 procs, $3 conns
  local impl="$1" p="$2" n="$3" addr="" srv_out="$OUT/srv.out" bin
  if [ "$impl" = goro ]; then bin="$goro_srv"; else bin="$gobin/echoserver"; fi
  echo "== run=$run impl=$impl procs=$p conns=$n" >>"$errlog"
  : >"$srv_out"
  GOMAXPROCS="$p" "$bin" -addr 127.0.0.1:0 >"$srv_out" 2>>"$errlog" &
  srv_pid=$!
  for _ in $(seq 100); do
    addr="$(sed -n '1s/^listening //p' "$srv_out")"
    [ -n "$addr" ] && break
    kill -0 "$srv_pid" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$addr" ]; then
    echo "FAILED: impl=$impl procs=$p conns=$n: server did not start" | tee -a "$errlog" >&2
    status=1
  else
    local lines rc cpu_before cpu_after
    cpu_before="$(server_cpu_ticks)"
    lines="$(timeout -k 5 "$TIMEOUT" "$gobin/echoload" -addr "$addr" -conns "$n" -size "$SIZE" \
      -secs "$SECS" -impl "$impl" -procs "$p" 2>>"$errlog")"
    rc=$?
    cpu_after="$(server_cpu_ticks)"
    if [ "$rc" -ne 0 ]; then
      echo "FAILED: impl=$impl procs=$p conns=$n: echoload exit $rc" | tee -a "$errlog" >&2
      status=1
    else
      # The server's CPU (user + system) per round trip over the measured seconds: the load
      # generator shares the CPUs, so what the server saves goes to echoload.
      lines+=$'\n'"$(printf '%s\n' "$lines" | awk -v before="$cpu_before" -v after="$cpu_after" \
        -v secs="$SECS" -v hz="$(getconf CLK_TCK)" '
        /metric=roundtrips_per_sec/ {
          for (i = 1; i <= NF; i++) if ($i ~ /^value=/) rts = substr($i, 7)
          sub(/ metric=.*/, "")
          split(before, b, " "); split(after, a, " ")
          per_rt = 1e6 / hz / (rts * secs)
          printf "%s metric=server_user_us_per_rt value=%.2f unit=us\n", $0, (a[1] - b[1]) * per_rt
          printf "%s metric=server_sys_us_per_rt value=%.2f unit=us\n", $0, (a[2] - b[2]) * per_rt
        }')"
      # echoload's lines do not name the connection count: add it after procs=
      printf '%s\n' "$lines" | sed "s/ procs=$p / procs=$p conns=$n /" | tee -a "$raw" >&2
    fi
  fi
  stop_server
}

echo "commit $(git rev-parse --short HEAD), $(nproc) CPUs, RUNS=$RUNS PROCS=\"$PROCS\"" \
  "CONNS=\"$CONNS\" SIZE=$SIZE SECS=$SECS, started $(date -u '+%Y-%m-%d %H:%M UTC')," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/header.txt" >&2
for run in $(seq 1 "$RUNS"); do
  for p in $PROCS; do
    for n in $CONNS; do
      for impl in goro go; do run_one "$impl" "$p" "$n"; done
    done
  done
done

# --- table --------------------------------------------------------------------------------
awk -v procs="$PROCS" -v conns="$CONNS" '
  function median(key,   n, i, j, t, a) {
    n = cnt[key]; if (n == 0) return ""
    for (i = 1; i <= n; i++) a[i] = val[key, i]
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  {
    impl = p = n = m = v = ""
    for (i = 1; i <= NF; i++) {
      split($i, kv, "=")
      if (kv[1] == "impl") impl = kv[2]; else if (kv[1] == "procs") p = kv[2]
      else if (kv[1] == "conns") n = kv[2]; else if (kv[1] == "metric") m = kv[2]
      else if (kv[1] == "value") v = kv[2]
    }
    key = impl SUBSEP p SUBSEP n SUBSEP m
    val[key, ++cnt[key]] = v + 0
  }
  END {
    print "| procs | conns | goro rt/s | go rt/s | goro/go | goro p50 µs | go p50 µs | goro p99 µs | go p99 µs | p99 goro/go | runs |"
    print "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    np = split(procs, P, " "); nc = split(conns, C, " ")
    for (i = 1; i <= np; i++) for (j = 1; j <= nc; j++) {
      p = P[i]; n = C[j]
      gr = median("goro" SUBSEP p SUBSEP n SUBSEP "roundtrips_per_sec")
      or = median("go" SUBSEP p SUBSEP n SUBSEP "roundtrips_per_sec")
      g50 = median("goro" SUBSEP p SUBSEP n SUBSEP "rtt_p50_us")
      o50 = median("go" SUBSEP p SUBSEP n SUBSEP "rtt_p50_us")
      g99 = median("goro" SUBSEP p SUBSEP n SUBSEP "rtt_p99_us")
      o99 = median("go" SUBSEP p SUBSEP n SUBSEP "rtt_p99_us")
      r = (gr != "" && or > 0) ? sprintf("%.2f", gr / or) : "n/a"
      r99 = (g99 != "" && o99 > 0) ? sprintf("%.2f", g99 / o99) : "n/a"
      printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d/%d |\n", p, n,
        (gr == "" ? "n/a" : sprintf("%.0f", gr)), (or == "" ? "n/a" : sprintf("%.0f", or)), r,
        (g50 == "" ? "n/a" : sprintf("%.1f", g50)), (o50 == "" ? "n/a" : sprintf("%.1f", o50)),
        (g99 == "" ? "n/a" : sprintf("%.1f", g99)), (o99 == "" ? "n/a" : sprintf("%.1f", o99)), r99,
        cnt["goro" SUBSEP p SUBSEP n SUBSEP "roundtrips_per_sec"],
        cnt["go" SUBSEP p SUBSEP n SUBSEP "roundtrips_per_sec"]
    }
    print ""
    print "Server CPU per round trip (µs; user + system, from /proc/PID/stat over the measured seconds):"
    print ""
    print "| procs | conns | goro user | goro sys | goro total | go user | go sys | go total | goro/go |"
    print "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    split("goro go", impls, " ")
    for (i = 1; i <= np; i++) for (j = 1; j <= nc; j++) {
      p = P[i]; n = C[j]; row = "| " p " | " n " |"; total["goro"] = total["go"] = ""
      for (k = 1; k <= 2; k++) {
        impl = impls[k]
        u = median(impl SUBSEP p SUBSEP n SUBSEP "server_user_us_per_rt")
        s = median(impl SUBSEP p SUBSEP n SUBSEP "server_sys_us_per_rt")
        if (u == "") { row = row " n/a | n/a | n/a |"; continue }
        total[impl] = u + s
        row = row sprintf(" %.2f | %.2f | %.2f |", u, s, u + s)
      }
      ratio = (total["goro"] != "" && total["go"] > 0) ? sprintf("%.2f", total["goro"] / total["go"]) : "n/a"
      print row " " ratio " |"
    }
  }' "$raw" >"$OUT/table.md"

echo
cat "$OUT/header.txt"
echo "medians of $RUNS runs; goal (issue 4): goro/go rt/s >= 1.30 with p99 goro/go <= 1.00"
echo
cat "$OUT/table.md"
echo
echo "raw lines: $raw; server/echoload stderr: $errlog"
exit "$status"
