#!/usr/bin/env bash
# Installs what goro needs to build and test, on Debian 12 (bookworm), if it is missing.
# Every package and why: README.md, "Dependencies".
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  libgtest-dev libgmock-dev libbenchmark-dev libboost-context-dev
  libunwind-dev libdw-dev
  g++-aarch64-linux-gnu qemu-user
  redis-tools redis-server python3-redis libhiredis-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
