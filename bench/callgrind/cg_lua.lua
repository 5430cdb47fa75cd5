-- SPDX-License-Identifier: MIT
-- cg_lua.lua - Lua element access whose instruction counts
-- bench/callgrind/run.py measures under callgrind: lua5.4 cg_lua.lua OP N
-- (N accesses after a warm-up round; run.py takes the difference of two
-- values of N, so start-up cancels out).
--   get2d      s = s + v[i][j] on a 2-d float64 view
--   getm2d     s = s + v:get(i, j)
--   rw1d       v[i] = v[i] + 1 on a 1-d float64 view
--   table2d    s = s + t[i][j] on a Lua table of tables (the anchor)
local ash = require "arrayshare"
local op, n = arg[1], math.tointeger(tonumber(arg[2]))
local R, C = 64, 64
local f = assert(io.open("/proc/self/stat"))
local name = "cglua_" .. f:read("l"):match("^(%d+)")
f:close()
local v <close> = ash.create(name, { R, C }, "float64")
ash.unlink(name)
local flat <close> = v:reshape(R * C)
local t = {}
for i = 1, R do
  t[i] = {}
  for j = 1, C do t[i][j] = 0.0 end
end
local s = 0
local function run(count)
  if op == "get2d" then
    for k = 0, count - 1 do s = s + v[k % R + 1][k // R % C + 1] end
  elseif op == "getm2d" then
    for k = 0, count - 1 do s = s + v:get(k % R + 1, k // R % C + 1) end
  elseif op == "rw1d" then
    for k = 0, count - 1 do
      local i = k % (R * C) + 1
      flat[i] = flat[i] + 1
    end
  elseif op == "table2d" then
    for k = 0, count - 1 do s = s + t[k % R + 1][k // R % C + 1] end
  else
    error("unknown operation " .. tostring(op))
  end
end
run(R * C) -- warm-up: every row made once
collectgarbage("collect")
collectgarbage("stop") -- no collection steps in the counted part: exact counts
run(n)
