#!/usr/bin/env bash
# Runs goro's anchor workloads (bench/workloads.cpp) side by side with the Go and Boost.Fiber
# references (../shared/anchors, see WORKLOADS.md there) and prints a Markdown table: per
# workload, metric and procs, the median of each implementation and the ratios goro/go and
# goro/boost-fiber (every metric is a cost: below 1 means goro is cheaper).
#
# It builds goro_workloads (Release, in build-bench/), the Go bench (anchors/go, standard library
# only, into $ANCHORS_OUT/go-bin) and the Boost.Fiber bench (anchors/boost-fiber/build.sh), then
# runs RUNS iterations; each iteration runs, for every procs value and workload, goro, go and
# boost-fiber one after the other (one fresh process each), so that drift in the machine's load
# hits all three alike.
#
# Environment (all optional):
#   RUNS=3            iterations
#   PROCS="1 2"       GOMAXPROCS / worker threads
#   WORKLOADS="skynet spawn pingpong ring mpmc select mutex idle-mem timers"
#   ANCHORS=<repo>/../shared/anchors
#   ANCHORS_OUT=~/.cache/goro-anchors   where the anchors' scripts put their binaries
#   OUT=build-bench/compare-<UTC time>  raw.txt (every output line), stderr.txt (diagnostics),
#                     rusage.txt (peak RSS, page faults, wall time per process), table.md
#   TIMEOUT=600       seconds per reference process (Boost.Fiber's skynet or ring can take minutes)
#   GORO_TIMEOUT=120  seconds per goro process (none takes more than ~15 s); on timeout it gets
#                     SIGQUIT and writes a goroutine dump to stderr.txt
#   JOBS=1            ninja -j for building goro
#
# Exit status: non-zero if a build failed or any run failed its check, crashed or timed out
# (the others still run; failures are listed under the table).
set -uo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${RUNS:-3}"
PROCS="${PROCS:-1 2}"
WORKLOADS="${WORKLOADS:-skynet spawn pingpong ring mpmc select mutex idle-mem timers}"
ANCHORS="${ANCHORS:-$repo/../shared/anchors}"
ANCHORS_OUT="${ANCHORS_OUT:-${XDG_CACHE_HOME:-$HOME/.cache}/goro-anchors}"
OUT="${OUT:-$repo/build-bench/compare-$(date -u +%Y%m%dT%H%M%SZ)}"
TIMEOUT="${TIMEOUT:-600}"
GORO_TIMEOUT="${GORO_TIMEOUT:-120}"
JOBS="${JOBS:-1}"
export ANCHORS_OUT

die() { echo "compare.sh: $*" >&2; exit 2; }
[ -f "$ANCHORS/WORKLOADS.md" ] || die "no anchors at $ANCHORS (set ANCHORS)"
mkdir -p "$OUT" || die "cannot create $OUT"

# ---- build -----------------------------------------------------------------------------------
echo "building goro_workloads (build-bench, Release)" >&2
cmake -S "$repo" -B "$repo/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DGORO_BUILD_TESTS=OFF -DGORO_BUILD_EXAMPLES=OFF -DGORO_BUILD_SERVER=OFF >/dev/null ||
  die "cmake failed"
ninja -C "$repo/build-bench" -j"$JOBS" goro_workloads >&2 || die "building goro_workloads failed"
goro_bin="$repo/build-bench/bench/goro_workloads"
# What was measured: the commit, plus "+dirty" if the runtime's sources had local changes.
goro_rev="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ -n "$(git -C "$repo" status --porcelain -- src include CMakeLists.txt 2>/dev/null)" ] &&
  goro_rev="$goro_rev+dirty"

echo "building the Go anchor (into $ANCHORS_OUT/go-bin)" >&2
command -v go >/dev/null || die "go not found (apt-get install golang-go)"
mkdir -p "$ANCHORS_OUT/go-bin"
# Module mode, standard library only, as anchors/go/run.sh builds it: nothing is downloaded.
(cd "$ANCHORS/go" && GO111MODULE=on GOPROXY=off GOFLAGS='' GOTOOLCHAIN=local \
  go build -o "$ANCHORS_OUT/go-bin/bench" ./bench) || die "go build failed"
go_bin="$ANCHORS_OUT/go-bin/bench"

echo "building the Boost.Fiber anchor" >&2
bf_bin="$("$ANCHORS/boost-fiber/build.sh")" || die "boost-fiber build failed"

# ---- run -------------------------------------------------------------------------------------
raw="$OUT/raw.txt" errs="$OUT/stderr.txt" rusage="$OUT/rusage.txt" failures="$OUT/failures.txt"
: >"$raw"
: >"$errs"
: >"$rusage"
: >"$failures"
have_time=0
command -v time >/dev/null && env time -f x true 2>/dev/null && have_time=1

# run_one IMPL WORKLOAD PROCS SIGNAL LIMIT CMD...: one process, killed with SIGNAL after LIMIT
# seconds; stdout to raw, stderr to errs.
run_one() {
  local impl="$1" w="$2" p="$3" sig="$4" limit="$5" rc
  shift 5
  local wrap=(timeout -s "$sig" -k 10 "$limit")
  if [ "$have_time" = 1 ]; then
    wrap=(env time -a -o "$rusage"
      -f "rusage workload=$w impl=$impl procs=$p maxrss_kib=%M minflt=%R wall_s=%e" "${wrap[@]}")
  fi
  echo "== run=$run workload=$w impl=$impl procs=$p" >>"$errs"
  "${wrap[@]}" "$@" >>"$raw" 2>>"$errs"
  rc=$?
  if [ "$rc" != 0 ]; then
    local why="exit $rc"
    [ "$rc" = 124 ] && why="timed out after ${limit}s"
    echo "FAILED: run=$run workload=$w impl=$impl procs=$p ($why; see $errs)" | tee -a "$failures" >&2
  fi
}

start=$(date +%s)
for run in $(seq 1 "$RUNS"); do
  for p in $PROCS; do
    for w in $WORKLOADS; do
      echo "run $run/$RUNS procs=$p $w ($(($(date +%s) - start))s)" >&2
      run_one goro "$w" "$p" QUIT "$GORO_TIMEOUT" "$goro_bin" -w "$w" -procs "$p"
      run_one go "$w" "$p" TERM "$TIMEOUT" env GOMAXPROCS="$p" "$go_bin" -w "$w"
      # Boost.Fiber has no select (WORKLOADS.md).
      [ "$w" != select ] &&
        run_one boost-fiber "$w" "$p" TERM "$TIMEOUT" "$bf_bin" -w "$w" -procs "$p"
    done
  done
done
echo "done in $(($(date +%s) - start))s; raw lines in $raw" >&2

# ---- table -----------------------------------------------------------------------------------
awk -v runs="$RUNS" '
function field(name,   i, kv) {
  for (i = 1; i <= NF; i++) {
    split($i, kv, "=")
    if (kv[1] == name) return substr($i, length(name) + 2)
  }
  return ""
}
function median(key,   m, i, j, v, s) {
  m = n[key]
  for (i = 1; i <= m; i++) s[i] = vals[key, i]
  for (i = 2; i <= m; i++) {  # insertion sort
    v = s[i]; j = i - 1
    while (j >= 1 && s[j] > v) { s[j + 1] = s[j]; j-- }
    s[j + 1] = v
  }
  return (m % 2) ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2
}
function fmt(x) {
  if (x >= 1000) return sprintf("%.0f", x)
  if (x >= 100) return sprintf("%.1f", x)
  return sprintf("%.2f", x)
}
function cell(key) {  # median, with the number of runs if some are missing
  if (!(key in n)) return "n/a"
  return fmt(median(key)) (n[key] < runs ? sprintf(" (%d runs)", n[key]) : "")
}
function ratio(a, b) {
  if (!(a in n) || !(b in n) || median(b) == 0) return "n/a"
  return sprintf("%.2f", median(a) / median(b))
}
/^workload=/ {
  row = field("workload") SUBSEP field("metric") SUBSEP field("procs")
  if (!(row in seen)) { seen[row] = 1; order[++nrows] = row; unit[row] = field("unit") }
  key = row SUBSEP field("impl")
  vals[key, ++n[key]] = field("value") + 0
}
END {
  print "| workload | metric (unit) | procs | goro | go | boost-fiber | goro/go | goro/boost |"
  print "|---|---|---:|---:|---:|---:|---:|---:|"
  for (r = 1; r <= nrows; r++) {
    row = order[r]; split(row, f, SUBSEP)
    g = row SUBSEP "goro"; o = row SUBSEP "go"; b = row SUBSEP "boost-fiber"
    printf "| %s | %s (%s) | %s | %s | %s | %s | %s | %s |\n", f[1], f[2], unit[row], f[3],
           cell(g), cell(o), cell(b), ratio(g, o), ratio(g, b)
  }
}' "$raw" >"$OUT/table.md"

{
  echo "Medians of $RUNS runs ($(date -u +%Y-%m-%d), $(nproc) CPUs, goro $goro_rev;" \
    "RUNS=$RUNS PROCS=\"$PROCS\" WORKLOADS=\"$WORKLOADS\")."
  echo
  cat "$OUT/table.md"
  if [ -s "$failures" ]; then
    echo
    echo "Failed runs:"
    sed 's/^/- /' "$failures"
  fi
} | tee "$OUT/summary.md"
[ ! -s "$failures" ]
