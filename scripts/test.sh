#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite: installs what is missing, builds with -Werror, runs
# every test (C, command line, Python, Ruby, Lua, conformance, MPI, the
# packages), builds again with MPI hidden from CMake and runs the rest (the
# project without MPI), then builds the C library again with AddressSanitizer + UndefinedBehaviorSanitizer and
# runs the C and command-line tests under it, then with ThreadSanitizer
# (clang) and runs the threaded tests under it (views and segments shared
# between threads, the kernel thread pool, coordination between threads),
# then builds the libFuzzer harnesses (clang) and runs each for 20 s
# (scripts/fuzz.sh runs them longer). Fails if a test leaves a segment
# behind in /dev/shm.
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

echo "== without MPI: the rest builds and passes (MPI hidden from CMake) =="
cmake -S . -B build-nompi -DASH_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON -DASH_BUILD_BENCH=OFF >/dev/null
cmake --build build-nompi -j"$JOBS" >/dev/null
if ctest --test-dir build-nompi -N -L mpi | grep -q "Test *#"; then
  echo "MPI tests registered in a build without MPI"; exit 1
fi
ctest --test-dir build-nompi --output-on-failure -j"$JOBS" -LE "killpoint|packaging" \
      -E "python.numpy2"

echo "== build (ASan + UBSan) =="
cmake -S . -B build-asan -DASH_WERROR=ON -DASH_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
      -DASH_PYTHON=OFF -DASH_RUBY=OFF -DASH_LUA=OFF -DASH_BUILD_BENCH=OFF
cmake --build build-asan -j"$JOBS"
echo "== tests under ASan + UBSan =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$JOBS"

echo "== build (ThreadSanitizer, clang: core and threaded tests) =="
# clang, not gcc: gcc inlines fixed-size memcpy without instrumenting it,
# which hides races such as a view copied while other threads retain it.
CC=clang cmake -S . -B build-tsan -DASH_WERROR=ON -DASH_TSAN=ON \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASH_PYTHON=OFF -DASH_RUBY=OFF \
      -DASH_LUA=OFF -DASH_BUILD_BENCH=OFF -DASH_BUILD_CLI=OFF
cmake --build build-tsan -j"$JOBS" --target test-threads test-kernel-threads \
      ash_test_kernels test-sync-threads
echo "== threaded tests under ThreadSanitizer (views and segments: 10 runs, races are timing) =="
ctest --test-dir build-tsan -L threads -E '^c-threads$' --output-on-failure
ctest --test-dir build-tsan -R '^c-threads$' --output-on-failure --repeat until-fail:10

echo "== build (libFuzzer harnesses, clang, ASan + UBSan) =="
CC=clang cmake -S . -B build-fuzz -DASH_WERROR=ON -DASH_FUZZ=ON \
      -DASH_FUZZ_SECONDS=20 -DASH_PYTHON=OFF -DASH_RUBY=OFF -DASH_LUA=OFF \
      -DASH_BUILD_BENCH=OFF -DASH_BUILD_CLI=OFF -DASH_BUILD_C_TESTS=OFF
cmake --build build-fuzz -j"$JOBS" --target ash-fuzz
echo "== fuzz: each harness for 20 s, and the saved regressions =="
ctest --test-dir build-fuzz -L fuzz --output-on-failure

after=$(mktemp)
ls /dev/shm | grep '^ash\.' | sort > "$after" || true
leaked=$(comm -13 "$before" "$after")
rm -f "$before" "$after"
if [ -n "$leaked" ]; then
  echo "FAIL: the tests left segments in /dev/shm:"; echo "$leaked"; exit 1
fi
echo "== all tests passed; /dev/shm left as found =="
