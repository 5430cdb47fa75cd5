#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite: installs what is missing, builds with -Werror, runs
# every test (C, command line, Python, Ruby, Lua, conformance), then builds
# the C library again with AddressSanitizer + UndefinedBehaviorSanitizer and
# runs the C and command-line tests under it, then the kernel thread pool's
# test under ThreadSanitizer. Fails if a test leaves a segment behind in
# /dev/shm.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh

JOBS=$(nproc 2>/dev/null || echo 2)
before=$(mktemp)
ls /dev/shm | grep '^ash\.' | sort > "$before" || true

echo "== build (-Wall -Wextra -Werror) =="
cmake -S . -B build -DASH_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$JOBS"
echo "== tests =="
ctest --test-dir build --output-on-failure -j"$JOBS"
echo "== conformance: every case in every language =="
langs=""
for l in c python ruby lua; do
  [ -f "build/tests/conformance/results/$l.tsv" ] && langs="$langs $l"
done
# shellcheck disable=SC2086
/usr/bin/python3 tests/conformance/matrix.py build/tests/conformance/results $langs

echo "== packaging: Debian packages, wheel, gem, rock (ctest -L packaging) =="
ASH_TEST_PACKAGING=1 ctest --test-dir build -L packaging --output-on-failure

echo "== build (ASan + UBSan) =="
cmake -S . -B build-asan -DASH_WERROR=ON -DASH_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
      -DASH_PYTHON=OFF -DASH_RUBY=OFF -DASH_LUA=OFF -DASH_BUILD_BENCH=OFF
cmake --build build-asan -j"$JOBS"
echo "== tests under ASan + UBSan =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$JOBS"

echo "== the kernel thread pool and coordination between threads under ThreadSanitizer =="
cmake -S . -B build-tsan -DASH_WERROR=ON -DASH_TSAN=ON -DCMAKE_BUILD_TYPE=Debug \
      -DASH_PYTHON=OFF -DASH_RUBY=OFF -DASH_LUA=OFF -DASH_BUILD_BENCH=OFF -DASH_BUILD_CLI=OFF
cmake --build build-tsan -j"$JOBS" --target test-kernel-threads ash_test_kernels \
      test-sync-threads
ctest --test-dir build-tsan -L threads --output-on-failure

after=$(mktemp)
ls /dev/shm | grep '^ash\.' | sort > "$after" || true
leaked=$(comm -13 "$before" "$after")
rm -f "$before" "$after"
if [ -n "$leaked" ]; then
  echo "FAIL: the tests left segments in /dev/shm:"; echo "$leaked"; exit 1
fi
echo "== all tests passed; /dev/shm left as found =="
