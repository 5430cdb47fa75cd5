#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The language packages, built offline from this tree and installed the way
# each ecosystem installs, into a scratch location:
#   wheel: /usr/bin/python3 -m pip wheel --no-build-isolation .; a venv made
#          from /usr/bin/python3 (no system site packages) installs it;
#   gem:   gem build arrayshare.gemspec; gem install --local --install-dir;
#   rock:  luarocks --lua-version 5.4 --tree DIR make <rockspec>;
# then a one-line attach runs there with an empty environment (env -i; only
# GEM_PATH for the gem) and the module must come from the scratch location,
# with the library bundled next to it.
#
#   test_langpkgs.sh wheel|gem|rock WORKDIR VERSION
#
# Opt-in like test_debs.sh: exit 77 unless ASH_TEST_PACKAGING=1.
set -u
kind=${1:?usage: test_langpkgs.sh wheel|gem|rock WORKDIR VERSION}
work=${2:?}
version=${3:?}
if [ "${ASH_TEST_PACKAGING:-0}" != 1 ]; then
  echo "skipped: set ASH_TEST_PACKAGING=1 to build and test the $kind"
  exit 77
fi
src=$(cd "$(dirname "$0")/../.." && pwd)
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; shift; for l in "$@"; do printf '#   %s\n' "$l"; done; }
check() { # DESC CMD...
  local desc=$1 o; shift
  if o=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$(printf '%s\n' "$o" | tail -25)"; fi
}
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
N="pkgtest-$kind-$$"
trap 'rm -f /dev/shm/ash."$N"' EXIT
start=$(date +%s)

# A segment made by the build tree's neighbour, the C library, is not at
# hand here: each check creates its own with the package under test.
case "$kind" in
wheel)
  check "pip wheel --no-build-isolation ." env -C "$src" /usr/bin/python3 -m pip wheel \
    --no-build-isolation --no-deps --no-cache-dir -w "$work/dist" .
  whl=$(ls "$work"/dist/arrayshare-"$version"-*.whl 2>/dev/null | head -1)
  [ -n "$whl" ] && ok "wheel arrayshare-$version built ($(basename "$whl"))" || not_ok "wheel arrayshare-$version built" "$(ls "$work/dist")"
  check "the wheel bundles libarrayshare.so.1 and carries the MIT licence" sh -c "
    unzip -l '$whl' | grep -q 'arrayshare/libarrayshare.so.1' &&
    unzip -p '$whl' 'arrayshare-$version.dist-info/METADATA' | grep -q '^License: MIT'"
  check "python3 -m venv (no system site packages)" /usr/bin/python3 -m venv "$work/venv"
  check "pip install the wheel into the venv" "$work/venv/bin/python" -m pip install \
    --no-index --no-deps --no-cache-dir "$whl"
  check "env -i venv python: import from the venv, create, attach" env -i "$work/venv/bin/python" -c "
import sys
assert not any(p.endswith(('dist-packages', 'site-packages')) and not p.startswith('$work/') for p in sys.path), sys.path
import arrayshare
assert arrayshare.__file__.startswith('$work/venv/'), arrayshare.__file__
v = arrayshare.create('$N', (2, 3), 'int32'); v[1, 2] = 7
w = arrayshare.attach('$N'); assert w[1, 2] == 7; w.close(); v.close()
maps = open('/proc/self/maps').read()
lib = [l.split()[-1] for l in maps.splitlines() if 'libarrayshare.so' in l]
assert lib and all(p.startswith('$work/venv/') for p in lib), lib"
  ;;
gem)
  check "gem build arrayshare.gemspec" env -C "$src" gem build arrayshare.gemspec --output "$work/arrayshare-$version.gem"
  check "the gem's licence is MIT" sh -c "gem spec '$work/arrayshare-$version.gem' license | grep -q MIT"
  check "gem install --local into a scratch dir (builds the extension)" gem install --local \
    --install-dir "$work/gems" --no-document "$work/arrayshare-$version.gem"
  check "env -i ruby (GEM_PATH only): require from the scratch dir, create, attach" env -i GEM_PATH="$work/gems" /usr/bin/ruby -e "
require 'arrayshare'
f = \$LOADED_FEATURES.grep(/arrayshare_core/)
raise f.inspect unless !f.empty? && f.all? { |x| x.start_with?('$work/gems/') }
v = ArrayShare.create('$N', shape: [2, 3], dtype: 'int32'); v[1, 2] = 7
ArrayShare.attach('$N') { |w| raise 'value' unless w[1, 2] == 7 }
v.close
lib = File.readlines('/proc/self/maps').map { |l| l.split.last }.grep(/libarrayshare\.so/)
raise lib.inspect unless !lib.empty? && lib.all? { |x| x.start_with?('$work/gems/') }"
  ;;
rock)
  rockspec=$src/packaging/lua/arrayshare-$version-1.rockspec
  [ -f "$rockspec" ] && ok "the rockspec is at the project's version ($version)" ||
    not_ok "the rockspec is at the project's version" "no $rockspec: $(ls "$src/packaging/lua")"
  grep -q "^version = \"$version-1\"" "$rockspec" && ok "its version field is $version-1" || not_ok "its version field is $version-1"
  grep -q 'license = "MIT"' "$rockspec" && ok "the rock's licence is MIT" || not_ok "the rock's licence is MIT"
  check "luarocks make (Lua 5.4, scratch tree)" env -C "$src" luarocks --lua-version 5.4 --tree "$work/rocks" make "$rockspec"
  check "env -i lua5.4: require from the scratch tree, create, attach" env -i /usr/bin/lua5.4 -e "
package.path = '$work/rocks/share/lua/5.4/?.lua;' .. package.path
package.cpath = '$work/rocks/lib/lua/5.4/?.so;' .. package.cpath
local ash = require 'arrayshare'
assert(package.searchpath('arrayshare_core', package.cpath):sub(1, #'$work') == '$work')
local v <close> = ash.create('$N', {2, 3}, 'int32')
v[2][3] = 7
local w <close> = ash.attach('$N')
assert(w[2][3] == 7)
local maps = io.open('/proc/self/maps'):read('a')
local n = 0
for path in maps:gmatch('(%S*libarrayshare%.so%S*)') do
  assert(path:sub(1, #'$work') == '$work', path); n = n + 1
end
assert(n > 0, 'libarrayshare not mapped')"
  ;;
*) echo "unknown kind $kind" >&2; exit 2 ;;
esac
echo "# $kind: $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
