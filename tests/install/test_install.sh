#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the build tree into a temporary prefix, moves the whole tree
# elsewhere, and checks that it still works there with an empty environment:
#  - every installed ELF file finds libarrayshare.so.1 through a run path
#    relative to $ORIGIN (no absolute, build-tree or configure-time path);
#  - `env -i <moved>/bin/arrayshare` creates, lists and removes a segment;
#  - `env -i python3 | ruby | lua5.4 | luajit` load the moved binding (its directory
#    given on the command line, no environment variable) and attach a
#    segment the command made;
#  - pkg-config's file points into the moved tree, and a C program builds
#    against it;
#  - for the configured prefix when it is /usr/local or /usr, each binding's
#    directories are on its interpreter's default search path, and
#    Ruby's directories for /usr and /usr/local are its vendor_ruby and
#    site_ruby (RbConfig).
# Ends with "N passed, N failed".
set -u
PY= PYDIR= RB= RBARCH= RBLIB= LUA= LUACDIR= LUALDIR= LUAJIT= LUAJITDIR=
while [ $# -gt 0 ]; do
  case "$1" in
  --build) BUILD=$2; shift 2 ;;
  --source) SRC=$2; shift 2 ;;
  --prefix) CONF_PREFIX=$2; shift 2 ;;
  --dirs) BINDIR=$2 LIBDIR=$3 INCDIR=$4; shift 4 ;;
  --python) PY=$2 PYDIR=$3; shift 3 ;;
  --ruby) RB=$2 RBARCH=$3 RBLIB=$4; shift 4 ;;
  --lua) LUA=$2 LUACDIR=$3 LUALDIR=$4; shift 4 ;;
  --luajit) LUAJIT=$2 LUAJITDIR=$3; shift 3 ;;
  *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ash-install-test.XXXXXX")
N="insttest-$$"
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; shift; for l in "$@"; do printf '#   %s\n' "$l"; done; }
cleanup() { rm -f /dev/shm/ash."$N"*; rm -rf "$TMP"; }
trap cleanup EXIT
# check DESC CMD...: runs CMD, ok when it exits 0 (output shown otherwise).
check() {
  local desc=$1; shift
  local out
  if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}

if ! cmake --install "$BUILD" --prefix "$TMP/first" >"$TMP/install.log" 2>&1; then
  not_ok "cmake --install --prefix" "$(tail -20 "$TMP/install.log")"
  echo "$passed passed, $failed failed"; exit 1
fi
ok "cmake --install --prefix $TMP/first"
mv "$TMP/first" "$TMP/moved"
P=$TMP/moved
E=(env -i)

echo "# run paths"
nelf=0
while IFS= read -r -d '' f; do
  head -c 4 "$f" | grep -q 'ELF' || continue
  nelf=$((nelf + 1))
  rp=$(readelf -d "$f" | sed -n 's/.*(\(RUNPATH\|RPATH\)).*\[\(.*\)\]/\2/p')
  case "$(basename "$f")" in
  libarrayshare.so*) [ -z "$rp" ] && ok "$(basename "$f"): no run path" \
    || not_ok "$(basename "$f"): no run path" "$rp"; continue ;;
  esac
  bad=
  IFS=: read -ra parts <<<"$rp"
  [ ${#parts[@]} -gt 0 ] || bad="no run path"
  for p in "${parts[@]}"; do case "$p" in '$ORIGIN'*) ;; *) bad="$bad $p" ;; esac; done
  if [ -z "$bad" ]; then ok "${f#"$P"/}: run path $rp"; else not_ok "${f#"$P"/}: run path relative to \$ORIGIN" "$rp"; fi
  got=$("${E[@]}" ldd "$f" | sed -n 's/.*libarrayshare.so.1 => \(.*\) (0x.*/\1/p')
  if [ -n "$got" ] && [ "$(readlink -f "$got")" = "$(readlink -f "$P/$LIBDIR/libarrayshare.so.1")" ]; then
    ok "${f#"$P"/}: resolves the moved libarrayshare.so.1"
  else
    not_ok "${f#"$P"/}: resolves the moved libarrayshare.so.1" "$("${E[@]}" ldd "$f" 2>&1)"
  fi
done < <(find "$P" -type f \( -name '*.so*' -o -path "*/$BINDIR/*" \) -print0)
[ "$nelf" -ge 2 ] && ok "$nelf ELF files installed" || not_ok "ELF files installed" "found $nelf"

echo "# the command"
ASH=$P/$BINDIR/arrayshare
check "env -i arrayshare version" "${E[@]}" "$ASH" version
check "env -i arrayshare create --persist" "${E[@]}" "$ASH" create "$N" --shape 2,3 --dtype int32 --persist
out=$("${E[@]}" "$ASH" ls 2>&1)
case "$out" in *"$N"*) ok "env -i arrayshare ls lists it" ;; *) not_ok "env -i arrayshare ls lists it" "$out" ;; esac

echo "# bindings"
if [ -n "$PY" ]; then
  check "python: import from the moved tree, attach, write" "${E[@]}" "$PY" -c "
import sys; sys.path.insert(0, '$P/$PYDIR')
import arrayshare
assert arrayshare.__file__.startswith('$P/'), arrayshare.__file__
v = arrayshare.attach('$N'); assert v.shape == (2, 3), v.shape
v[1, 2] = 7; v.close()"
fi
if [ -n "$RB" ]; then
  check "ruby: require from the moved tree, attach, read" "${E[@]}" "$RB" -I "$P/$RBLIB" -I "$P/$RBARCH" -e "
require 'arrayshare'
raise \$LOADED_FEATURES.grep(/arrayshare/).inspect unless \$LOADED_FEATURES.grep(/arrayshare_core/).all? { |f| f.start_with?('$P/') }
ArrayShare.attach('$N') { |v| raise v[1, 2].inspect unless v[1, 2] == 7; v[0, 0] = 5 }"
fi
if [ -n "$LUA" ]; then
  check "lua: require from the moved tree, attach, read" "${E[@]}" "$LUA" -e "
package.path = '$P/$LUALDIR/?.lua;' .. package.path
package.cpath = '$P/$LUACDIR/?.so;' .. package.cpath
local ash = require 'arrayshare'
assert(package.searchpath('arrayshare_core', package.cpath):sub(1, #'$P') == '$P')
local v <close> = ash.attach('$N')
assert(v[1][1] == 5 and v[2][3] == 7, 'values')"
fi
if [ -n "$LUAJIT" ]; then
  check "luajit: require the FFI module from the moved tree, attach, read" "${E[@]}" "$LUAJIT" -e "
package.path = '$P/$LUAJITDIR/?.lua;' .. package.path
local ash = require 'arrayshare'
assert(package.searchpath('arrayshare', package.path):sub(1, #'$P') == '$P')
local v = ash.attach('$N')
assert(v:get(1, 1) == 5 and v:get(2, 3) == 7, 'values')
v:close()"
fi
check "env -i arrayshare rm" "${E[@]}" "$ASH" rm "$N"

echo "# pkg-config and a C program"
pcdir=$P/$LIBDIR/pkgconfig
cflags=$("${E[@]}" PKG_CONFIG_PATH="$pcdir" pkg-config --cflags arrayshare 2>&1)
libs=$("${E[@]}" PKG_CONFIG_PATH="$pcdir" pkg-config --libs arrayshare 2>&1)
inc=$(printf '%s\n' $cflags | sed -n 's/^-I//p')
lib=$(printf '%s\n' $libs | sed -n 's/^-L//p')
if [ "$(readlink -f "$inc")" = "$P/$INCDIR" ] && [ "$(readlink -f "$lib")" = "$P/$LIBDIR" ]; then
  ok "pkg-config points into the moved tree"
else
  not_ok "pkg-config points into the moved tree" "$cflags $libs"
fi
printf '#include <arrayshare.h>\n#include <stdio.h>\nint main(void) { puts(ash_version_string()); return ash_version() == ASH_VERSION_HEX ? 0 : 1; }\n' >"$TMP/v.c"
# shellcheck disable=SC2086
check "a C program builds with pkg-config and runs" sh -c "cc $cflags -o '$TMP/v' '$TMP/v.c' $libs -Wl,-rpath,'$P/$LIBDIR' && env -i '$TMP/v'"

echo "# default search paths for the configured prefix ($CONF_PREFIX)"
case "$CONF_PREFIX" in
/usr | /usr/local)
  if [ -n "$PY" ]; then
    check "python: $CONF_PREFIX/$PYDIR is on sys.path" "${E[@]}" "$PY" -c "import sys; assert '$CONF_PREFIX/$PYDIR' in sys.path, sys.path"
  fi
  if [ -n "$RB" ]; then
    check "ruby: $CONF_PREFIX/$RBLIB and $CONF_PREFIX/$RBARCH are on \$LOAD_PATH" "${E[@]}" "$RB" -e "
%w[$CONF_PREFIX/$RBLIB $CONF_PREFIX/$RBARCH].each { |d| raise \"#{d} not in #{\$LOAD_PATH}\" unless \$LOAD_PATH.include?(d) }"
  fi
  if [ -n "$LUA" ]; then
    check "lua: $CONF_PREFIX/$LUALDIR and $CONF_PREFIX/$LUACDIR are on package.path/cpath" "${E[@]}" "$LUA" -e "
assert(package.path:find('$CONF_PREFIX/$LUALDIR/?.lua', 1, true), package.path)
assert(package.cpath:find('$CONF_PREFIX/$LUACDIR/?.so', 1, true), package.cpath)"
  fi
  ;;
*) echo "# (skipped: not a standard prefix)" ;;
esac
if [ -n "$RB" ]; then
  for pre in /usr /usr/local; do
    dirs=$(cmake -DRUBY="$RB" -DPREFIX="$pre" -P "$SRC/tests/install/ruby_dirs.cmake" 2>&1)
    arch=${dirs%%|*} lib=${dirs#*|}
    check "ruby dirs for prefix $pre ($lib, $arch) are on \$LOAD_PATH" "${E[@]}" "$RB" -e "
%w[$pre/$lib $pre/$arch].each { |d| raise \"#{d} not in #{\$LOAD_PATH}\" unless \$LOAD_PATH.include?(d) }"
  done
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
