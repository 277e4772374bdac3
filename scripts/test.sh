#!/usr/bin/env bash
# Builds goro and runs every test: a normal build, ASan+UBSan (g++), TSan (clang++), and a short
# libFuzzer run of gorodis's RESP parser, and the AArch64 context switch cross-built and run under
# qemu (scripts/check-aarch64.sh, seconds).
# Usage: scripts/test.sh [normal|asan|tsan|fuzz|aarch64 ...]   (default: all five)
# Exit status is non-zero if any build or test fails, or a sanitizer reports anything.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh

jobs=$(nproc)
stages=("$@")
((${#stages[@]})) || stages=(normal asan tsan fuzz aarch64)

run_stage() {
  local name=$1 dir=build-ci-$1
  shift
  echo "=== $name: configure and build ($(date +%T))"
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGORO_BUILD_BENCH=OFF "$@" >/dev/null
  ninja -C "$dir" -j "$jobs"
  echo "=== $name: test ($(date +%T))"
  # TSan's shadow memory layout needs the classic address space: run it without ASLR.
  local prefix=()
  [ "$name" = tsan ] && prefix=(setarch "$(uname -m)" -R)
  "${prefix[@]}" ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 600
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# A fatal report (stack overflow) prints its dump from the signal handler on purpose: the
# process is dying, and Go does the same. TSan's lock-order checker is off: it tracks at most 64
# held mutexes per thread and aborts beyond (FLUSHALL holds every shard lock); goro reports its
# own deadlocks.
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:detect_deadlocks=0:report_signal_unsafe=0}

for stage in "${stages[@]}"; do
  case "$stage" in
    normal) run_stage normal ;;
    asan) run_stage asan -DGORO_SANITIZE=address -DGORO_BUILD_EXAMPLES=OFF ;;
    tsan) run_stage tsan -DGORO_SANITIZE=thread -DGORO_BUILD_EXAMPLES=OFF \
            -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ ;;
    fuzz)
      # The RESP parser faces the network: fuzz it (with ASan+UBSan) for FUZZ_SECONDS each run.
      echo "=== fuzz: resp parser ($(date +%T))"
      mkdir -p build-ci-fuzz/corpus
      clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Iserver \
        tests/fuzz/resp_fuzz.cpp server/resp.cpp server/util.cpp -o build-ci-fuzz/resp_fuzz
      build-ci-fuzz/resp_fuzz -max_total_time="${FUZZ_SECONDS:-60}" -print_final_stats=1 \
        build-ci-fuzz/corpus 2>&1 | tail -n 5
      ;;
    aarch64) echo "=== aarch64 ($(date +%T))"; scripts/check-aarch64.sh ;;
    *) echo "unknown stage $stage" >&2; exit 2 ;;
  esac
done
echo "=== all stages passed ($(date +%T))"
