#!/usr/bin/env lua5.4
-- SPDX-License-Identifier: MIT
--[[ bench_element.lua - per-element cost of `v[i] = v[i] + 1` on a 1-d
float64 view, against anchors measured in the same run:

  table      a plain Lua table (the floor for any per-element loop)
  anchor     an unchecked C userdata metamethod pair (__index/__newindex on
             a double[] with no self, key, bounds or value checks), compiled
             from C by this script
  naive      the same with the usual checks written the usual way
             (luaL_checkudata, luaL_checkinteger, bounds, luaL_checknumber)

Prints the median of several runs in ns per element, and ratios.
Usage: lua5.4 bench_element.lua [--n N] [--runs R] [--no-anchor]
Needs LUA_CPATH/LUA_PATH to reach arrayshare (the bench_lua build target
sets them); the anchors need a C compiler (cc) and the Lua 5.4 headers
(ASH_LUA_INCLUDE_DIR, default /usr/include/lua5.4).
]]

local ash = require "arrayshare"

local N, RUNS, ANCHOR = 1000000, 7, true
do
  local i = 1
  while i <= #arg do
    local a = arg[i]
    if a == "--n" then N = math.tointeger(tonumber(arg[i + 1])); i = i + 1
    elseif a == "--runs" then RUNS = math.tointeger(tonumber(arg[i + 1])); i = i + 1
    elseif a == "--no-anchor" then ANCHOR = false
    else error("unknown argument " .. a) end
    i = i + 1
  end
end

local function pid()
  local f = assert(io.open("/proc/self/stat"))
  local s = f:read("l")
  f:close()
  return s:match("^(%d+)")
end

local ANCHOR_C = [[
#include <lua.h>
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
typedef struct { lua_Integer n; double *d; } arr;
/* unchecked: what a metamethod costs with no checks at all */
static int u_index(lua_State *L) {
  arr *a = (arr *)lua_touserdata(L, 1);
  lua_pushnumber(L, a->d[lua_tointeger(L, 2) - 1]);
  return 1;
}
static int u_newindex(lua_State *L) {
  arr *a = (arr *)lua_touserdata(L, 1);
  a->d[lua_tointeger(L, 2) - 1] = lua_tonumber(L, 3);
  return 0;
}
/* naive checked */
static int c_index(lua_State *L) {
  arr *a = (arr *)luaL_checkudata(L, 1, "bench.naive");
  lua_Integer i = luaL_checkinteger(L, 2);
  luaL_argcheck(L, i >= 1 && i <= a->n, 2, "index out of range");
  lua_pushnumber(L, a->d[i - 1]);
  return 1;
}
static int c_newindex(lua_State *L) {
  arr *a = (arr *)luaL_checkudata(L, 1, "bench.naive");
  lua_Integer i = luaL_checkinteger(L, 2);
  luaL_argcheck(L, i >= 1 && i <= a->n, 2, "index out of range");
  a->d[i - 1] = luaL_checknumber(L, 3);
  return 0;
}
static int gc(lua_State *L) {
  arr *a = (arr *)lua_touserdata(L, 1);
  free(a->d); a->d = NULL;
  return 0;
}
static int mk(lua_State *L, const char *mt) {
  lua_Integer n = luaL_checkinteger(L, 1);
  arr *a = (arr *)lua_newuserdatauv(L, sizeof *a, 0);
  a->n = n;
  a->d = (double *)calloc((size_t)n, sizeof(double));
  luaL_setmetatable(L, mt);
  return 1;
}
static int new_unchecked(lua_State *L) { return mk(L, "bench.unchecked"); }
static int new_naive(lua_State *L) { return mk(L, "bench.naive"); }
int luaopen_ash_bench_anchor(lua_State *L) {
  luaL_newmetatable(L, "bench.unchecked");
  lua_pushcfunction(L, u_index); lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, u_newindex); lua_setfield(L, -2, "__newindex");
  lua_pushcfunction(L, gc); lua_setfield(L, -2, "__gc");
  luaL_newmetatable(L, "bench.naive");
  lua_pushcfunction(L, c_index); lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, c_newindex); lua_setfield(L, -2, "__newindex");
  lua_pushcfunction(L, gc); lua_setfield(L, -2, "__gc");
  lua_pop(L, 2);
  lua_newtable(L);
  lua_pushcfunction(L, new_unchecked); lua_setfield(L, -2, "unchecked");
  lua_pushcfunction(L, new_naive); lua_setfield(L, -2, "naive");
  return 1;
}
]]

local function build_anchor()
  local inc = os.getenv("ASH_LUA_INCLUDE_DIR") or "/usr/include/lua5.4"
  local base = os.tmpname()
  local src, so = base .. ".c", base .. ".so"
  local f = assert(io.open(src, "w"))
  f:write(ANCHOR_C)
  f:close()
  -- same flags as the arrayshare module (-O2 -fno-plt): the ratio then
  -- shows the cost of the checks, not of the build
  local cmd = string.format("cc -O2 -fno-plt -shared -fPIC -I'%s' -o '%s' '%s'", inc, so, src)
  local ok = os.execute(cmd)
  os.remove(src)
  os.remove(base)
  if not ok then
    io.stderr:write("bench: could not compile the anchor (", cmd, "); skipping it\n")
    return nil
  end
  local open = package.loadlib(so, "luaopen_ash_bench_anchor")
  os.remove(so) -- the mapping stays valid
  return open and open() or nil
end

local function loop(v, n)
  for i = 1, n do
    v[i] = v[i] + 1
  end
end

local function median(t)
  table.sort(t)
  local m = #t
  if m % 2 == 1 then return t[(m + 1) // 2] end
  return (t[m // 2] + t[m // 2 + 1]) / 2
end

-- Every candidate is timed once per round, RUNS rounds (after one warm-up
-- run each), so load changes on the machine hit all of them alike.
local candidates = {} -- {key, object, n}
local times = {}

local function add(key, obj, n)
  loop(obj, n) -- warm-up: page faults, caches
  candidates[#candidates + 1] = { key, obj, n }
  times[key] = {}
end

local name = "luabench_" .. pid()
local v <close> = ash.create(name, { N }, "float64")
ash.unlink(name) -- nothing left behind even if we are killed
add("view", v, N)

local t = {}
for i = 1, N do t[i] = 0.0 end
add("table", t, N)

if ANCHOR then
  local anchor = build_anchor()
  if anchor then
    add("anchor", anchor.unchecked(N), N)
    add("naive", anchor.naive(N), N)
  end
end

for r = 1, RUNS do
  for _, c in ipairs(candidates) do
    local t0 = os.clock()
    loop(c[2], c[3])
    times[c[1]][r] = (os.clock() - t0) * 1e9 / c[3]
  end
end
-- sanity: every element was incremented RUNS + 1 times
assert(v[1] == RUNS + 1 and v[N] == RUNS + 1, "wrong result")

local results = {}
for key, ts in pairs(times) do
  results[key] = median(ts)
end

print(string.format("bench_element: v[i] = v[i] + 1, %d float64 elements, median of %d runs (%s)",
                    N, RUNS, _VERSION))
local function row(label, key, note)
  if results[key] then
    print(string.format("  %-34s %8.1f ns/element%s", label, results[key], note or ""))
  end
end
row("arrayshare view (checked, C)", "view")
row("plain Lua table", "table")
row("anchor: unchecked C metamethods", "anchor")
row("naive checked C metamethods", "naive")
print(string.format("  ratio view / table                 %8.2f", results.view / results.table))
if results.anchor then
  print(string.format("  ratio view / unchecked anchor      %8.2f", results.view / results.anchor))
  print(string.format("  ratio view / naive checked         %8.2f", results.view / results.naive))
end
print(string.format("  target: view <= 50 ns/element: %s", results.view <= 50 and "met" or "NOT met"))
