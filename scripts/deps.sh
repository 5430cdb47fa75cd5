#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs, from Debian's archive, every package arrayshare needs to build,
# test, benchmark and run its demo. Only what is missing is installed.
# clang and its sanitizer runtimes: the ThreadSanitizer build and the
# libFuzzer harnesses; python3-hypothesis: the differential test of views.
set -euo pipefail
PKGS=(build-essential cmake pkgconf swig libffi-dev libcriterion-dev
      python3-dev python3-numpy python3-pytest python3-matplotlib python3-joblib python3-mypy
      ruby-dev ruby-minitest lua5.4 liblua5.4-dev lua-busted lua-cjson
      libcjson-dev abigail-tools libblas3
      openmpi-bin libopenmpi-dev python3-mpi4py ruby-mpi
      debhelper dh-python lintian fakeroot
      luajit luarocks python3-venv python3-pip python3-setuptools python3-wheel
      clang clang-format libclang-rt-14-dev python3-hypothesis)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=()
[ "$(id -u)" -ne 0 ] && SUDO=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
