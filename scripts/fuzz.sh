#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Long runs of the libFuzzer harnesses (tests/fuzz), one after another on
# one core (the machine is shared):
#
#   scripts/fuzz.sh [-r RUNS] [-t SECONDS] [HARNESS...]
#
# HARNESS: segment, descriptor, names (default: all three). Each runs for
# RUNS executions (default 10000000) or SECONDS, whichever ends first
# (default: no time limit). Builds build-fuzz with clang, makes the seeds
# with the library itself, keeps each harness's corpus across runs in
# build-fuzz/fuzz-corpus/HARNESS and any crashing input in
# build-fuzz/fuzz-artifacts/HARNESS/ (copy it under
# tests/fuzz/regressions/HARNESS/ to replay it in CTest). Prints the number
# of executions of each harness and exits non-zero if one crashed.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=10000000
SECONDS_MAX=0
while getopts "r:t:" opt; do
  case $opt in
    r) RUNS=$OPTARG ;;
    t) SECONDS_MAX=$OPTARG ;;
    *) echo "usage: $0 [-r RUNS] [-t SECONDS] [segment|descriptor|names ...]" >&2
       exit 2 ;;
  esac
done
shift $((OPTIND - 1))
HARNESSES=("$@")
[ ${#HARNESSES[@]} -eq 0 ] && HARNESSES=(segment descriptor names)

./scripts/deps.sh
CC=clang cmake -S . -B build-fuzz -DASH_WERROR=ON -DASH_FUZZ=ON \
  -DASH_PYTHON=OFF -DASH_RUBY=OFF -DASH_LUA=OFF -DASH_BUILD_BENCH=OFF \
  -DASH_BUILD_CLI=OFF -DASH_BUILD_C_TESTS=OFF >/dev/null
cmake --build build-fuzz -j2 --target ash-fuzz >/dev/null
FZ=build-fuzz/tests/fuzz
"$FZ/ash-fuzz-seed" "$FZ/seeds" >/dev/null

status=0
for h in "${HARNESSES[@]}"; do
  corpus=build-fuzz/fuzz-corpus/$h
  artifacts=build-fuzz/fuzz-artifacts/$h
  mkdir -p "$corpus" "$artifacts"
  log=build-fuzz/fuzz-$h.log
  limit="$RUNS runs"
  [ "$SECONDS_MAX" != 0 ] && limit="$limit or $SECONDS_MAX s"
  echo "== fuzz $h: $limit (log: $log) =="
  rc=0
  "$FZ/fuzz-$h" -runs="$RUNS" -max_total_time="$SECONDS_MAX" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
    "$corpus" "$FZ/seeds/$h" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  if [ "$rc" -eq 0 ]; then
    echo "fuzz $h: ${execs:-?} executions (${speed:-?}/s), no crash"
  else
    echo "fuzz $h: CRASH after ${execs:-?} executions (status $rc): see $log"
    grep -m5 -E "ERROR|runtime error|fuzz:" "$log" || true
    status=1
  fi
done
exit $status
