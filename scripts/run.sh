#!/usr/bin/env bash
# Builds goro (Release) and runs the main job: the goroutine-per-connection TCP echo server
# on 127.0.0.1:7000 (gorodis, the Redis-compatible server, will take its place on 6379).
# Extra arguments go to the server, e.g. scripts/run.sh -addr 127.0.0.1:9000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DGORO_BUILD_TESTS=OFF \
  -DGORO_BUILD_BENCH=OFF >/dev/null
ninja -C build-release echo_server
if (($# == 0)); then set -- -addr 127.0.0.1:7000; fi
exec build-release/examples/echo_server "$@"
