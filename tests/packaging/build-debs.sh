#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the Debian packages: copies the source tree (the files git knows,
# tracked or new) to OUTDIR/src, puts packaging/debian there as debian/, and
# runs dpkg-buildpackage (binary packages, unsigned). The .deb files land in
# OUTDIR.
#
#   tests/packaging/build-debs.sh OUTDIR [JOBS]
#
# Why packaging/debian and not a debian/ directory at the top: the project
# keeps every packaging format under packaging/ (DESIGN.md), and a Debian
# maintainer packaging a release would bring their own debian/ anyway.
set -euo pipefail
out=${1:?usage: build-debs.sh OUTDIR [JOBS]}
jobs=${2:-2}
src=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/src" "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
mkdir "$out/src"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$src" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
    tar --null -T - -cf -) | tar -xf - -C "$out/src"
else
  tar -C "$src" --exclude='./build*' --exclude=.git -cf - . | tar -xf - -C "$out/src"
fi
cp -a "$src/packaging/debian" "$out/src/debian"
cd "$out/src"
dpkg-checkbuilddeps
DEB_BUILD_OPTIONS="nocheck parallel=$jobs" dpkg-buildpackage -b -us -uc
ls "$out"/*.deb
