#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The licence line of every source file: one home for which files are
# source files and how their comment is written.
#
#   scripts/spdx.sh --check [DIR]   list tracked source files without the
#                                   line in their first 5 lines; exit 1 if any
#   scripts/spdx.sh --fix [DIR]     add the line to those files
#
# Source files: C (.c .h .i .map .h.in), Python (.py .pyi), Ruby (.rb
# .gemspec, Gemfile, Rakefile), Lua (.lua .rockspec), CMake (CMakeLists.txt,
# .cmake, .cmake.in), pkg-config templates (.pc.in), shell (.sh), TOML,
# man pages (.1 .3), Makefiles (debian/rules), and any file starting with
# "#!". Data (JSON, Markdown, images, ABI dumps) is not. Files are those git
# tracks (or, outside a git checkout, all files but build directories).
# The line goes first in the file, after a "#!" line when there is one.
set -euo pipefail
LINE="SPDX-License-Identifier: MIT"
mode=${1:-}
dir=${2:-$(dirname "$0")/..}
case "$mode" in --check | --fix) ;; *)
  echo "usage: $0 --check|--fix [DIR]" >&2
  exit 2
  ;;
esac
cd "$dir"

# comment_style FILE: prints c, hash, lua, roff, or nothing (not source).
comment_style() {
  case "$1" in
  *.c | *.h | *.i | *.map | *.h.in) echo c ;;
  *.py | *.pyi | *.rb | *.gemspec | */Gemfile | Gemfile | */Rakefile | Rakefile | \
    *.sh | *CMakeLists.txt | *.cmake | *.cmake.in | *.pc.in | *.toml | \
    debian/rules | .ci/run) echo hash ;;
  *.lua | *.rockspec) echo lua ;;
  *.1 | *.3 | *.1.in | *.3.in) echo roff ;;
  *.json | *.md | *.png | *.abi | *.txt | *.typed) ;;
  *) if [ "$(head -c 2 "$1" 2>/dev/null)" = "#!" ]; then echo hash; fi ;;
  esac
}

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  files() { git ls-files -z --cached --others --exclude-standard; }
else
  files() { find . -path ./build -prune -o -path './build*' -prune -o -type f -print0 | sed -z 's|^\./||'; }
fi

missing=0
while IFS= read -r -d '' f; do
  [ -f "$f" ] || continue
  style=$(comment_style "$f")
  [ -n "$style" ] || continue
  head -n 5 "$f" | grep -q "$LINE" && continue
  if [ "$mode" = --check ]; then
    echo "$f: no '$LINE' line in its header"
    missing=$((missing + 1))
    continue
  fi
  case "$style" in
  c) text="/* $LINE */" ;;
  hash) text="# $LINE" ;;
  lua) text="-- $LINE" ;;
  roff) text=".\\\" $LINE" ;;
  esac
  tmp=$(mktemp)
  if [ "$(head -c 2 "$f")" = "#!" ]; then
    { head -n 1 "$f"; printf '%s\n' "$text"; tail -n +2 "$f"; } >"$tmp"
  else
    { printf '%s\n' "$text"; cat "$f"; } >"$tmp"
  fi
  cat "$tmp" >"$f" # keeps the file's mode
  rm -f "$tmp"
  echo "added: $f"
done < <(files)

if [ "$mode" = --check ]; then
  if [ "$missing" -gt 0 ]; then
    echo "$missing source file(s) without the licence line; run scripts/spdx.sh --fix"
    exit 1
  fi
  echo "every source file carries '$LINE'"
fi
