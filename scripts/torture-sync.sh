#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The kill -9 torture test of the coordination words, for as long as asked
# (CTest runs it for 3 s as c-sync-torture). Builds it if needed.
#   scripts/torture-sync.sh [SECONDS=60] [WORKERS=8] [BUILD_DIR=build]
set -euo pipefail
secs=${1:-60}
workers=${2:-8}
build=${3:-build}
cd "$(dirname "$0")/.."
[ -d "$build" ] || cmake -S . -B "$build" -DASH_WERROR=ON >/dev/null
cmake --build "$build" --target torture-sync -j2 >/dev/null
exec "$build/tests/c/torture-sync" "$secs" "$workers"
