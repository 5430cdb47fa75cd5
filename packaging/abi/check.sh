#!/bin/sh
# Compares the built library's ABI with the baseline of this SONAME.
# abidiff's exit status is a bit set: 1 error, 2 usage, 4 ABI changed,
# 8 incompatible change. Added functions are not reported (--no-added-syms):
# the ABI is append-only. Any other change to what the baseline exports,
# even one abidiff deems compatible (int to long in a parameter), fails.
# Types the public headers do not define (the opaque ash_view, ash_segment,
# ash_list and everything behind them) are private: their layout is no part
# of the ABI, so with HEADERS_DIR (core/include) changes to them are not
# reported.
#   check.sh BASELINE.abi LIBRARY [HEADERS_DIR]
#   (a new baseline: abidw --out-file BASELINE.abi LIBRARY)
if [ -n "$3" ]; then
  abidiff --no-added-syms --headers-dir2 "$3" "$1" "$2"
else
  abidiff --no-added-syms "$1" "$2"
fi
rc=$?
if [ "$rc" -ne 0 ]; then
  echo "abi: the library changed against $1 (abidiff status $rc)"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "abi: compatible with $1 (abidiff status $rc)"
echo "1 passed, 0 failed"
