-- SPDX-License-Identifier: MIT
-- The Lua 5.4 rock, built offline from this tree (Debian's luarocks):
--   luarocks --lua-version 5.4 make packaging/lua/arrayshare-0.1.0-1.rockspec
-- run at the top of the source tree. CMake builds libarrayshare and the SWIG
-- module; the module, the library (side by side: the module's run path is
-- $ORIGIN) and arrayshare.lua go into the rock. tests/packaging checks that
-- this file's version is the project's (CMakeLists.txt).
rockspec_format = "3.0"
package = "arrayshare"
version = "0.1.0-1"
source = {
  url = "git+file:///arrayshare", -- `luarocks make` builds the tree it runs in
}
description = {
  summary = "Typed N-dimensional arrays shared between processes through shared memory",
  detailed = [[
Lua 5.4 binding of libarrayshare: 1-based views of typed N-d arrays in POSIX
shared memory that C, Python, Ruby and Lua processes attach by name, with
<close> support and descriptors.]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.4, < 5.5",
}
build = {
  type = "command",
  build_command = [[
cmake -S . -B build-rock -DCMAKE_BUILD_TYPE=Release -DASH_PYTHON=OFF -DASH_RUBY=OFF \
  -DASH_LUAJIT=OFF -DASH_BUILD_CLI=OFF -DASH_BUILD_BENCH=OFF -DBUILD_TESTING=OFF -DASH_MPI=OFF \
  -DLUA_INCLUDE_DIR="$(LUA_INCDIR)" -DCMAKE_INSTALL_LIBDIR=lib \
  -DASH_LUA_CMOD_DIR=lib -DASH_LUA_LMOD_DIR=lua &&
cmake --build build-rock -j 2 &&
cmake --install build-rock --prefix build-rock/stage]],
  install_command = [[
mkdir -p "$(LIBDIR)" "$(LUADIR)" &&
cp build-rock/stage/lib/arrayshare_core.so "$(LIBDIR)/" &&
cp -L build-rock/stage/lib/libarrayshare.so.1 "$(LIBDIR)/" &&
cp build-rock/stage/lua/*.lua "$(LUADIR)/" &&
rm -rf build-rock]],
}
