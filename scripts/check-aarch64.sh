#!/usr/bin/env bash
# Checks goro's AArch64 context switch on an x86-64 machine: cross-builds tests/arch/switch_test.cpp
# (arch/context.cpp + arch/switch_aarch64.S, nothing else) with g++-aarch64-linux-gnu and runs it
# under qemu-user. Takes a few seconds; scripts/test.sh runs it as the `aarch64` stage.
#
# --full also cross-builds the whole library and the runtime tests (cmake/aarch64-linux-gnu.cmake,
# into build-arch) and runs them under qemu. That needs Debian multiarch packages, which this
# script does not install (they change the system's package architectures):
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install libunwind-dev:arm64 libdw-dev:arm64 libgtest-dev:arm64
# Death tests are skipped there: GoogleTest re-executes the test binary, which needs qemu
# registered with binfmt_misc.
set -euo pipefail
cd "$(dirname "$0")/.."

# The cross libc and its ld.so; LD_LIBRARY_PATH keeps ld.so from picking up a multiarch libc6:arm64
# of another build through the host's ld.so.cache (that mix hangs in pthread_create).
qemu=(qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib)
out=build-arch
mkdir -p "$out"

echo "--- aarch64: switch_test (cross-built, under qemu-aarch64)"
for opt in -O0 -O2; do
  aarch64-linux-gnu-g++ -std=c++20 "$opt" -g -Wall -Wextra -Werror -Isrc \
    tests/arch/switch_test.cpp src/runtime/arch/context.cpp src/runtime/arch/switch_aarch64.S \
    -o "$out/switch_test$opt"
  timeout 120 "${qemu[@]}" "$out/switch_test$opt"
done

if [ "${1:-}" = --full ]; then
  echo "--- aarch64: library and runtime tests (cross-built, under qemu-aarch64)"
  cmake -S . -B "$out/full" -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGORO_BUILD_BENCH=OFF -DGORO_BUILD_EXAMPLES=OFF \
    -DGORO_BUILD_SERVER=OFF >/dev/null
  tests=(arch_switch_test runtime_sched_test runtime_chan_test runtime_select_test
         runtime_context_test runtime_sync_test runtime_sema_test runtime_time_test)
  ninja -C "$out/full" -j "${GORO_JOBS:-1}" "${tests[@]}"
  for t in "${tests[@]}"; do
    echo "--- $t"
    timeout 600 "${qemu[@]}" "$out/full/tests/$t" --gtest_filter='-*DeathTest*' --gtest_brief=1
  done
fi
echo "--- aarch64: passed"
