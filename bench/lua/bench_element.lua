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

and of 2-d element access on an R x C float64 view (R * C = N): reading
`v[i][j]` and `v:get(i, j)`, and `v[i][j] = v[i][j] + 1` and
`v:set(i, j, v:get(i, j) + 1)`, against a Lua table of tables and an
unchecked C anchor of the same shape (rows made once and kept; a `get`
method found by a C __index), the floor for two C calls per access.

Times are process CPU time (os.clock). Prints the median of several runs
in ns per element, and ratios.
Usage: lua5.4 bench_element.lua [--n N] [--runs R] [--no-anchor] [--no-2d]
Needs LUA_CPATH/LUA_PATH to reach arrayshare (the bench_lua build target
sets them); the anchors need a C compiler (cc) and the Lua 5.4 headers
(ASH_LUA_INCLUDE_DIR, default /usr/include/lua5.4).
]]

local ash = require "arrayshare"

local N, RUNS, ANCHOR, TWO_D = 1000000, 7, true, true
do
  local i = 1
  while i <= #arg do
    local a = arg[i]
    if a == "--n" then N = math.tointeger(tonumber(arg[i + 1])); i = i + 1
    elseif a == "--runs" then RUNS = math.tointeger(tonumber(arg[i + 1])); i = i + 1
    elseif a == "--no-anchor" then ANCHOR = false
    elseif a == "--no-2d" then TWO_D = false
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
/* 2-d, unchecked: a[i] is row i, made once and kept in the user value; a
 * string key is a method (the upvalue table), as a view's __index does */
typedef struct { lua_Integer r, c; double *d; } arr2;
static int u2_index(lua_State *L) {
  if (lua_type(L, 2) == LUA_TSTRING) {
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1));
    return 1;
  }
  lua_getiuservalue(L, 1, 1);
  lua_rawgeti(L, -1, lua_tointeger(L, 2));
  return 1;
}
static int u2_get(lua_State *L) {
  arr2 *a = (arr2 *)lua_touserdata(L, 1);
  lua_pushnumber(L, a->d[(lua_tointeger(L, 2) - 1) * a->c + lua_tointeger(L, 3) - 1]);
  return 1;
}
static int u2_set(lua_State *L) {
  arr2 *a = (arr2 *)lua_touserdata(L, 1);
  a->d[(lua_tointeger(L, 2) - 1) * a->c + lua_tointeger(L, 3) - 1] = lua_tonumber(L, 4);
  return 0;
}
static int new_unchecked2(lua_State *L) {
  lua_Integer r = luaL_checkinteger(L, 1), c = luaL_checkinteger(L, 2);
  arr2 *a = (arr2 *)lua_newuserdatauv(L, sizeof *a, 1);
  a->r = r;
  a->c = c;
  a->d = (double *)calloc((size_t)(r * c), sizeof(double));
  luaL_setmetatable(L, "bench.unchecked2");
  lua_createtable(L, (int)r, 0);
  for (lua_Integer i = 0; i < r; i++) {
    arr *row = (arr *)lua_newuserdatauv(L, sizeof *row, 1);
    row->n = c;
    row->d = a->d + i * c;
    luaL_setmetatable(L, "bench.unchecked.row");
    lua_pushvalue(L, -3); /* the row keeps its array alive */
    lua_setiuservalue(L, -2, 1);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setiuservalue(L, -2, 1);
  return 1;
}
static int gc2(lua_State *L) {
  arr2 *a = (arr2 *)lua_touserdata(L, 1);
  free(a->d); a->d = NULL;
  return 0;
}
int luaopen_ash_bench_anchor(lua_State *L) {
  luaL_newmetatable(L, "bench.unchecked.row");
  lua_pushcfunction(L, u_index); lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, u_newindex); lua_setfield(L, -2, "__newindex");
  luaL_newmetatable(L, "bench.unchecked2");
  lua_newtable(L);
  lua_pushcfunction(L, u2_get); lua_setfield(L, -2, "get");
  lua_pushcfunction(L, u2_set); lua_setfield(L, -2, "set");
  lua_pushcclosure(L, u2_index, 1); lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, gc2); lua_setfield(L, -2, "__gc");
  lua_pop(L, 2);
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
  lua_pushcfunction(L, new_unchecked2); lua_setfield(L, -2, "unchecked2");
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

if not TWO_D then return end

-- 2-d: R x C elements, each loop run once per round for every object
local C = math.max(1, math.floor(math.sqrt(N)))
local R = math.max(1, N // C)
local loops2 = {
  { "read v[i][j]", function(x)
      local s = 0
      for i = 1, R do
        for j = 1, C do s = s + x[i][j] end
      end
      return s
    end },
  { "v[i][j] = v[i][j] + 1", function(x)
      for i = 1, R do
        for j = 1, C do x[i][j] = x[i][j] + 1 end
      end
    end },
  { "read v:get(i, j)", function(x)
      local s = 0
      for i = 1, R do
        for j = 1, C do s = s + x:get(i, j) end
      end
      return s
    end, true },
  { "v:set(i, j, v:get(i, j) + 1)", function(x)
      for i = 1, R do
        for j = 1, C do x:set(i, j, x:get(i, j) + 1) end
      end
    end, true },
}
local name2 = "luabench2_" .. pid()
local v2 <close> = ash.create(name2, { R, C }, "float64")
ash.unlink(name2)
local t2 = {}
for i = 1, R do
  t2[i] = {}
  for j = 1, C do t2[i][j] = 0.0 end
end
local objs = { { "view", v2 }, { "table", t2 } }
if ANCHOR then
  local anchor = build_anchor()
  if anchor then objs[#objs + 1] = { "anchor", anchor.unchecked2(R, C) } end
end
local t2s = {}
for _, l in ipairs(loops2) do
  t2s[l[1]] = {}
  for _, o in ipairs(objs) do
    if not (l[3] and o[1] == "table") then
      l[2](o[2]) -- warm-up
      t2s[l[1]][o[1]] = {}
    end
  end
end
for r = 1, RUNS do
  for _, l in ipairs(loops2) do
    for _, o in ipairs(objs) do
      local ts = t2s[l[1]][o[1]]
      if ts then
        local t0 = os.clock()
        l[2](o[2])
        ts[r] = (os.clock() - t0) * 1e9 / (R * C)
      end
    end
  end
end
print(string.format("bench_element 2-d: %d x %d float64 view, median of %d runs, ns/element", R, C, RUNS))
print(string.format("  %-30s %9s %9s %9s %9s", "loop", "view", "table", "anchor", "view-anchor"))
local met = true
for _, l in ipairs(loops2) do
  local m = {}
  for k, ts in pairs(t2s[l[1]]) do m[k] = median(ts) end
  local function f(x) return x and string.format("%9.1f", x) or string.format("%9s", "-") end
  print(string.format("  %-30s %s %s %s %s", l[1], f(m.view), f(m.table), f(m.anchor),
                      f(m.anchor and m.view - m.anchor)))
  if l[1]:match("^read") and m.view > 60 then met = false end
end
print(string.format("  target: reads v[i][j] and v:get(i, j) <= 60 ns/element: %s", met and "met" or "NOT met"))
