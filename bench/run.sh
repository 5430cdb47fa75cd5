#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds (if needed) and runs the core benchmarks.
#   bench/run.sh [ash-bench-core options]     e.g. --json out.json, --quick
# BUILD_DIR selects the CMake build directory (default: <repo>/build).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${BUILD_DIR:-$root/build}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DASH_PYTHON=OFF -DASH_RUBY=OFF -DASH_LUA=OFF
fi
cmake --build "$build" --target ash-bench-core -j2 >/dev/null
exec "$build/bench/ash-bench-core" "$@"
