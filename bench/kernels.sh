#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds (if needed) and runs the kernel benchmarks (bench_kernel.c).
#   bench/kernels.sh [ash-bench-kernel options]   e.g. --quick, --json out.json
# Installs Debian's OpenBLAS (libopenblas0) for the dgemm row when it is
# missing: a benchmark-only dependency, never needed by the tests.
# BUILD_DIR selects the CMake build directory (default: <repo>/build).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${BUILD_DIR:-$root/build}
if ! dpkg-query -W -f='${Status}' libopenblas0 2>/dev/null | grep -q "install ok installed"; then
  echo "bench: installing libopenblas0 (for cblas_dgemm)"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libopenblas0 \
    || echo "bench: could not install libopenblas0: the dgemm row is skipped"
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DASH_PYTHON=OFF -DASH_RUBY=OFF -DASH_LUA=OFF
fi
cmake --build "$build" --target ash-bench-kernel -j2 >/dev/null
exec "$build/bench/ash-bench-kernel" "$@"
