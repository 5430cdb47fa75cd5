#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's first command: installs what is missing, builds, and runs the
# demo of the case arrayshare exists for. A Python parent creates an array, a
# Pool of spawn workers fills its rows (each task gets its slice as a plain
# argument), a Ruby and a Lua process attach it by name alone and transform
# their blocks, and the parent checks every value. Then the C and
# command-line session (persist, auto, gc after SIGKILL). /dev/shm is left
# as it was.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
BUILD=${BUILD_DIR:-build}
echo "building in $BUILD ..."
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$(nproc)" >/dev/null
# shellcheck source=/dev/null
. "$BUILD/ash-env.sh"
echo
echo "== Python, Ruby and Lua on one array =="
"$ASH_PYTHON" examples/demo/demo.py
echo
echo "== C and the arrayshare command =="
BUILD_DIR="$BUILD" ./scripts/demo-c.sh
