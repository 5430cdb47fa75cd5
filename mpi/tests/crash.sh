#!/bin/sh
# SPDX-License-Identifier: MIT
# crash.sh ARRAYSHARE CRASH_JOB MPIEXEC [MPIEXEC ARGS...]
# A rank of a 4-rank job (2 simulated nodes) is killed during a collective;
# mpiexec tears the job down. The node-shared copies the job made must all be
# gone after `arrayshare gc` (policy "auto": every attacher died).
set -u
ash=$1 job=$2
shift 2
name="tmcrash$$"
log=$(mktemp)
ASH_MPI_SIMULATE_NODES=2 "$@" -n 4 "$job" "$name" 3 >"$log" 2>&1
rc=$?
fail() {
  echo "FAIL: $*"
  echo "--- job output:"; cat "$log"
  rm -f "$log"
  for f in /dev/shm/ash."$name"*; do [ -e "$f" ] && rm -f "$f"; done
  exit 1
}
[ "$rc" -ne 0 ] || fail "the job exited 0: the victim did not die"
grep -q "did not die" "$log" && fail "the victim did not die"
opened=$(grep -c " open$" "$log")
[ "$opened" -eq 4 ] || fail "only $opened ranks opened the array"
left=$(ls /dev/shm | grep -c "^ash\.$name")
"$ash" gc >/dev/null || fail "arrayshare gc failed"
after=$(ls /dev/shm | grep "^ash\.$name")
[ -z "$after" ] || fail "left after gc: $after"
echo "ok: job exited $rc; $left node copies were left by the dead job, none after gc"
rm -f "$log"
