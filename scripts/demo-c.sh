#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The C and command-line demo: one process creates an array, another attaches
# by name alone; lifetime policies persist and auto; gc after a SIGKILL.
# Installs what is missing and builds first. Leaves /dev/shm as it found it.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD_DIR:-build}
if [ "${ASH_DEMO_NO_BUILD:-0}" != 1 ]; then # (see demo.sh)
  ./scripts/deps.sh
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD" -j"$(nproc)" --target arrayshare-cli \
        ash-example-producer ash-example-consumer ash-example-hold >/dev/null
fi
ASH="$BUILD/cli/arrayshare"
EX="$BUILD/examples"
X="x-demo-$$"
H="held-demo-$$"
cleanup() { "$ASH" rm "$X" "$H" >/dev/null 2>&1 || true; }
trap cleanup EXIT
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say "ash-example-producer $X        # creates float64 (3, 4), policy persist, exits"
"$EX/ash-example-producer" "$X"
say "arrayshare dump $X"
"$ASH" dump "$X"
say "ash-example-consumer $X        # another process, attaching by name alone"
"$EX/ash-example-consumer" "$X"
say "arrayshare dump $X/data[1]"
"$ASH" dump "$X/data[1]"
say "arrayshare ls --json"
"$ASH" ls --json
say "arrayshare rm $X"
"$ASH" rm "$X"
ls /dev/shm | grep -q "ash.$X" && { echo "still there?"; exit 1; } || echo "(gone from /dev/shm)"

say "ash-example-hold $H &          # policy auto, holds the segment open"
coproc HOLD { exec "$EX/ash-example-hold" "$H"; }
read -r line <&"${HOLD[0]}"; echo "$line"
say "arrayshare info $H"
"$ASH" info "$H"
say "kill -KILL \$holder             # the only attacher dies without closing"
kill -KILL "$HOLD_PID"; wait "$HOLD_PID" 2>/dev/null || true
say "arrayshare ls                  # the attacher shows as dead"
"$ASH" ls
say "arrayshare gc"
"$ASH" gc
say "arrayshare ls"
"$ASH" ls
echo
echo "demo done: /dev/shm holds no segment of this demo"
