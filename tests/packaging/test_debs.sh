#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian packages, as a user gets them:
#  1. debian/changelog's upstream version is the project's;
#  2. build them (build-debs.sh: dpkg-buildpackage with debhelper);
#  3. lintian reports no error;
#  4. install them with apt-get (./*.deb) into a root that cannot disturb
#     anything else: a private mount namespace (unshare -m) whose /usr, /etc
#     and /var are overlays, thrown away at the end; where that is not
#     possible, on the machine itself (then purged before returning);
#  5. with an empty environment (env -i): run the command, attach from
#     Python, Ruby, Lua 5.4 and LuaJIT, build a C program with pkg-config,
#     find the man pages; Python's modules were byte-compiled on install;
#  6. purge them: none of their files, no __pycache__, no package left.
#
#   test_debs.sh OUTDIR PROJECT_VERSION
#
# Slow (a full package build): runs only with ASH_TEST_PACKAGING=1 (exit 77,
# "skipped", otherwise); scripts/test.sh sets it. Ends "N passed, N failed".
set -u
out=${1:?usage: test_debs.sh OUTDIR VERSION}
version=${2:?usage: test_debs.sh OUTDIR VERSION}
if [ "${ASH_TEST_PACKAGING:-0}" != 1 ]; then
  echo "skipped: set ASH_TEST_PACKAGING=1 to build and test the Debian packages"
  exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; shift; for l in "$@"; do printf '#   %s\n' "$l"; done; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

deb_version=$(dpkg-parsechangelog -l "$src/packaging/debian/changelog" -S Version)
if [ "${deb_version%-*}" = "$version" ]; then ok "debian/changelog is at $version ($deb_version)"; else
  not_ok "debian/changelog is at the project's version" "changelog: $deb_version, project: $version"; fi

start=$(date +%s)
mkdir -p "$out"
if bash "$here/build-debs.sh" "$out" 2 >"$out/build.log" 2>&1; then
  ok "dpkg-buildpackage built the packages ($(($(date +%s) - start)) s)"
else
  not_ok "dpkg-buildpackage" "$(tail -30 "$out/build.log")"
  finish
fi
PKGS=(libarrayshare1 libarrayshare-dev arrayshare-tools python3-arrayshare ruby-arrayshare lua-arrayshare)
debs=()
for p in "${PKGS[@]}"; do
  f=$(ls "$out/${p}_"*.deb 2>/dev/null | head -1)
  if [ -n "$f" ]; then ok "built $p"; debs+=("$f"); else not_ok "built $p"; fi
done
[ ${#debs[@]} -eq ${#PKGS[@]} ] || finish

if lintian --fail-on error "${debs[@]}" >"$out/lintian.log" 2>&1; then
  ok "lintian: no error ($(grep -c '^W:' "$out/lintian.log") warnings)"
else
  not_ok "lintian: no error" "$(grep -E '^[EW]:' "$out/lintian.log")"
fi
grep -E '^[EWI]:' "$out/lintian.log" | sed 's/^/# lintian /'

for d in "${debs[@]}"; do
  name=$(basename "$d")
  case "$name" in libarrayshare1_* | libarrayshare-dev_*) continue ;; esac
  if dpkg-deb -f "$d" Depends | grep -q 'libarrayshare1 (>= '; then ok "$name depends on libarrayshare1 (shlibdeps)"; else
    not_ok "$name depends on libarrayshare1 (shlibdeps)" "$(dpkg-deb -f "$d" Depends)"; fi
done

# ------------------------------------------------------------------ install
# Runs as root in the isolated root; prints "ok - ..." / "not ok - ..." lines.
inside() {
  set -u
  export DEBIAN_FRONTEND=noninteractive
  t() { # DESC CMD...
    local desc=$1 o; shift
    if o=$("$@" 2>&1); then echo "ok - $desc"; else echo "not ok - $desc"; printf '%s\n' "$o" | sed 's/^/#   /'; fi
  }
  E=(env -i)
  N="debtest-$$"
  W=$(mktemp -d /tmp/ash-debtest.XXXXXX) # this run's files
  if ! apt-get install -y -q --no-install-recommends "$@" >"$W/apt-install.log" 2>&1; then
    echo "not ok - apt-get install ./*.deb"; sed 's/^/#   /' "$W/apt-install.log" | tail -20
    rm -rf "$W"
    return
  fi
  echo "ok - apt-get install ./*.deb"
  for p in "${PKGS[@]}"; do dpkg -L "$p"; done | sort -u >"$W/files"
  t "no run path in the packaged ELF files" sh -c '! for f in $(cat "$1"); do [ -f "$f" ] && readelf -d "$f" 2>/dev/null | grep -E "RPATH|RUNPATH" && echo "$f"; done | grep .' sh "$W/files"
  t "env -i arrayshare version" "${E[@]}" /usr/bin/arrayshare version
  t "env -i arrayshare create --persist" "${E[@]}" /usr/bin/arrayshare create "$N/data" --shape 2,3 --dtype int32 --persist
  t "python3: import and attach" "${E[@]}" /usr/bin/python3 -c "
import arrayshare
assert arrayshare.__file__.startswith('/usr/lib/python3/dist-packages/'), arrayshare.__file__
v = arrayshare.attach('$N'); v[0, 0] = 1; v.close()"
  t "python3: byte-compiled on install (postinst)" sh -c 'ls /usr/lib/python3/dist-packages/arrayshare/__pycache__/__init__.cpython-3*.pyc'
  t "ruby: require and attach" "${E[@]}" /usr/bin/ruby -e "
require 'arrayshare'
ArrayShare.attach('$N') { |v| raise 'value' unless v[0, 0] == 1; v[0, 1] = 2 }"
  t "lua5.4: require and attach" "${E[@]}" /usr/bin/lua5.4 -e "
local ash = require 'arrayshare'
local v <close> = ash.attach('$N')
assert(v[1][1] == 1 and v[1][2] == 2)
v[1][3] = 3"
  t "lua-arrayshare ships the LuaJIT module" sh -c 'dpkg -L lua-arrayshare | grep -q /usr/share/lua/5.1/arrayshare.lua'
  if [ -x /usr/bin/luajit ]; then
    t "luajit: require (FFI) and attach" "${E[@]}" /usr/bin/luajit -e "
local ash = require 'arrayshare'
local v = ash.attach('$N')
assert(v:get(1, 3) == 3, 'value')
v:close()"
  fi
  t "the C API: pkg-config, compile, run" sh -c "
printf '#include <arrayshare.h>\nint main(void) { return ash_version() == ASH_VERSION_HEX ? 0 : 1; }\n' >$W/v.c &&
cc \$(env -i pkg-config --cflags arrayshare) -o $W/v $W/v.c \$(env -i pkg-config --libs arrayshare) && env -i $W/v"
  t "man arrayshare (1)" sh -c 'man -w 1 arrayshare | grep -q /usr/share/man/man1/arrayshare.1'
  t "man ash_attach (3)" sh -c 'man -w 3 ash_attach | grep -q /usr/share/man/man3/ && env -i MANWIDTH=200 man 3 ash_attach 2>&1 | grep -q "ash_attach(const char"'
  t "env -i arrayshare rm" "${E[@]}" /usr/bin/arrayshare rm "$N"
  if ! apt-get purge -y -q "${PKGS[@]}" >"$W/apt-purge.log" 2>&1; then
    echo "not ok - apt-get purge"; sed 's/^/#   /' "$W/apt-purge.log" | tail -20
    rm -rf "$W"
    return
  fi
  echo "ok - apt-get purge"
  left=$(while read -r f; do
    case "$f" in /. | /usr | /usr/lib | /usr/share | /usr/bin | /usr/include | /usr/share/doc | /usr/share/man* | /usr/lib/*-linux-gnu | /usr/lib/python3 | /usr/lib/python3/dist-packages | /usr/lib/ruby | /usr/lib/ruby/vendor_ruby | /usr/lib/*-linux-gnu/ruby* | /usr/lib/*-linux-gnu/lua* | /usr/lib/*-linux-gnu/pkgconfig | /usr/lib/*-linux-gnu/cmake | /usr/share/lua*) continue ;; esac
    [ -e "$f" ] && echo "$f"
  done <"$W/files")
  if [ -z "$left" ]; then echo "ok - purge leaves none of the packages' files"; else
    echo "not ok - purge leaves none of the packages' files"; printf '%s\n' "$left" | sed 's/^/#   /'; fi
  t "purge leaves no arrayshare __pycache__" sh -c '! find /usr/lib/python3* -path "*arrayshare*" | grep .'
  t "no arrayshare package is installed" sh -c '! dpkg -l "*arrayshare*" 2>/dev/null | grep "^[ih]i"'
  rm -f /dev/shm/ash."$N"
  rm -rf "$W"
}

ov=$(mktemp -d "${TMPDIR:-/tmp}/ash-deb-root.XXXXXX")
isolated=0
if unshare -m sh -c "for d in usr etc var; do mkdir -p $ov/\$d/u $ov/\$d/w && mount -t overlay overlay -o lowerdir=/\$d,upperdir=$ov/\$d/u,workdir=$ov/\$d/w /\$d || exit 1; done" 2>/dev/null; then
  isolated=1
fi
rm -rf "$ov"
results=$(mktemp)
if [ "$isolated" = 1 ]; then
  echo "# installing into a private mount namespace (overlays on /usr /etc /var)"
  ov=$(mktemp -d "${TMPDIR:-/tmp}/ash-deb-root.XXXXXX")
  unshare -m bash -c "
    for d in usr etc var; do
      mkdir -p $ov/\$d/u $ov/\$d/w
      mount -t overlay overlay -o lowerdir=/\$d,upperdir=$ov/\$d/u,workdir=$ov/\$d/w /\$d
    done
    $(declare -f inside); PKGS=(${PKGS[*]}); inside ${debs[*]}" >"$results" 2>&1
  rm -rf "$ov"
else
  echo "# no mount namespace with overlays here: installing on the machine, purged at the end"
  (inside "${debs[@]}") >"$results" 2>&1
fi
while IFS= read -r line; do
  case "$line" in
  "ok - "*) ok "${line#ok - }" ;;
  "not ok - "*) failed=$((failed + 1)); echo "$line" ;;
  *) echo "$line" ;;
  esac
done <"$results"
rm -f "$results"
grep -q . <<<"$(dpkg -l '*arrayshare*' 2>/dev/null | grep '^[ih]i')" &&
  not_ok "nothing installed on the machine afterwards" "$(dpkg -l '*arrayshare*' | grep '^[ih]i')"
echo "# total $(($(date +%s) - start)) s"
finish
