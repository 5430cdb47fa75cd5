#!/bin/sh
# Compares the built library's ABI with the baseline of this SONAME.
# abidiff's exit status is a bit set: 1 error, 2 usage, 4 ABI changed,
# 8 incompatible change. Added functions are not reported (--no-added-syms):
# the ABI is append-only. Any other change to what the baseline exports,
# even one abidiff deems compatible (int to long in a parameter), fails.
# Types defined outside the public headers (HEADERS_DIR) are private: the
# handles are opaque, so their layout (struct ash_view, the mapping record)
# is not ABI and changes to it are filtered out.
#   check.sh BASELINE.abi LIBRARY HEADERS_DIR
abidiff --no-added-syms --hd1 "$3" --hd2 "$3" "$1" "$2"
rc=$?
if [ "$rc" -ne 0 ]; then
  echo "abi: the library changed against $1 (abidiff status $rc)"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "abi: compatible with $1 (abidiff status $rc)"
echo "1 passed, 0 failed"
