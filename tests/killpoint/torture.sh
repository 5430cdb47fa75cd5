#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The random-kill torture run, longer than CTest's: a fast killer (workers
# live tens of milliseconds), then a slow one (workers live long enough to
# hold segments, keep mappings cached and meet each other), creation by
# O_TMPFILE, explicit unlinks of every name; with --tmpname, creation
# through temporary names as well. Exit status 1 if any run saw a violation.
#   tests/killpoint/torture.sh [--tmpname] [SECONDS-PER-RUN (120)] [BUILD-DIR (build)]
set -uo pipefail
cd "$(dirname "$0")/../.."
tmpname=0
if [ "${1:-}" = "--tmpname" ]; then tmpname=1; shift; fi
secs=${1:-120}
build=${2:-build}
bin="$build/tests/killpoint/ash-torture"
shim="$build/tests/killpoint/libkillshim.so"
[ -x "$bin" ] || { echo "torture.sh: $bin is not built (cmake --build $build)" >&2; exit 2; }
# The shim only traces who removed a name when a holder loses one.
pre=""
[ -f "$shim" ] && pre="$shim"
rc=0
run() {
  echo "== ash-torture $* =="
  LD_PRELOAD="$pre" "$bin" "$@" > "$log" 2>&1 || rc=1
  grep -A30 VIOLATION "$log" | head -60
  tail -n 3 "$log"
}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run -w 4 -k 10 "$secs"
run -w 6 -k 500 "$secs"
if [ "$tmpname" = 1 ]; then
  run --no-tmpfile -w 4 -k 10 "$secs"
fi
exit $rc
