#!/usr/bin/env bash
# Builds goro (Release) and runs the main job: gorodis, the Redis-compatible server, in memory on
# 127.0.0.1:6379. Arguments go to gorodis like redis-server's: a redis.conf-style file and/or
# options, e.g. scripts/run.sh --port 7000 --requirepass secret
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DGORO_BUILD_TESTS=OFF \
  -DGORO_BUILD_BENCH=OFF >/dev/null
ninja -C build-release gorodis
exec build-release/server/gorodis "$@"
