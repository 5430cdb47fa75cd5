#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's first command: installs what is missing, builds, and runs the
# demo of the case arrayshare exists for. A Python parent creates an array, a
# Pool of spawn workers fills its rows (each task gets its slice as a plain
# argument), a Ruby and a Lua process attach it by name alone and transform
# their blocks, and the parent checks every value. Then compiled kernels on
# shared arrays (Lua runs cblas_daxpy, Ruby cblas_dgemm, C checks; OpenBLAS
# if installed, else the test kernels' reference functions). Then the C and
# command-line session (persist, auto, gc after SIGKILL). /dev/shm is left
# as it was.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD_DIR:-build}
# ASH_DEMO_NO_BUILD=1: run on an existing build (CTest "demo" does, so CI
# runs the demo on every change).
if [ "${ASH_DEMO_NO_BUILD:-0}" != 1 ]; then
  ./scripts/deps.sh
  echo "building in $BUILD ..."
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD" -j"$(nproc)" >/dev/null
fi
# shellcheck source=/dev/null
. "$BUILD/ash-env.sh"
echo
echo "== Python, Ruby and Lua on one array =="
"$ASH_PYTHON" examples/demo/demo.py
echo
echo "== Compiled code on the shared arrays (kernels, libffi) =="
echo "Python creates them, Lua runs cblas_daxpy, Ruby runs cblas_dgemm, C checks;"
echo "each also times the same work element by element, Python with NumPy."
ASH_CHECKER="$BUILD/examples/ash-kernel-check" \
ASH_TEST_KERNELS="$BUILD/tests/kernels/libash_test_kernels.so" \
  "$ASH_PYTHON" examples/kernels/scenario.py --compare
echo
echo "== C and the arrayshare command =="
BUILD_DIR="$BUILD" ./scripts/demo-c.sh
