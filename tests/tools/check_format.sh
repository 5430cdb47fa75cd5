#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every C file of the project follows .clang-format (the project's style:
# LLVM's, comments as written). Fails with the files and lines that do not;
# `clang-format -i FILE` fixes them.
#   check_format.sh CLANG_FORMAT SOURCE_DIR
set -euo pipefail
cf=$1
cd "$2"
mapfile -t files < <(find core cli swig bindings mpi tests/c tests/fuzz bench \
  -name '*.[ch]' -not -path '*/build*' | sort)
[ ${#files[@]} -gt 50 ] || { echo "found only ${#files[@]} C files"; exit 1; }
if ! out=$("$cf" --dry-run -Werror "${files[@]}" 2>&1) || [ -n "$out" ]; then
  printf '%s\n' "$out" | head -40
  echo "not formatted as .clang-format says (clang-format -i FILE...)"
  exit 1
fi
echo "ok - ${#files[@]} C files follow .clang-format"
