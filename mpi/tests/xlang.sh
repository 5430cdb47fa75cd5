#!/bin/sh
# SPDX-License-Identifier: MIT
# xlang.sh LUA XLANG_LUA_SCRIPT XLANG_JOB MPIEXEC [MPIEXEC ARGS...]
# A Lua process outside an MPI job attaches node 1's copy of a node-shared
# array by name while the job runs (see xlang_job.c and lua/xlang_attach.lua).
set -u
lua=$1 script=$2 job=$3
shift 3
dir=$(mktemp -d)
name="tmx$$"
"$@" -n 4 "$job" "$name" "$dir" >"$dir/job.log" 2>&1 &
jobpid=$!
"$lua" "$script" "$dir"
lrc=$?
[ $lrc -eq 0 ] || touch "$dir/done" # let the job finish either way
wait $jobpid
jrc=$?
cat "$dir/job.log"
rm -rf "$dir"
left=$(ls /dev/shm | grep "^ash\.$name")
if [ $lrc -ne 0 ] || [ $jrc -ne 0 ] || [ -n "$left" ]; then
  echo "FAIL: lua exited $lrc, the job exited $jrc, left: $left"
  for f in $left; do rm -f "/dev/shm/$f"; done
  exit 1
fi
echo "ok"
