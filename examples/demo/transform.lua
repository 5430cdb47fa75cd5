-- SPDX-License-Identifier: MIT
-- Attaches the demo's array by name alone and doubles rows r0 .. r1-1
-- (0-based, as the other languages count; the Lua API itself is 1-based).
local ash = require "arrayshare"

local name, r0, r1 = arg[1], math.tointeger(tonumber(arg[2])), math.tointeger(tonumber(arg[3]))
local v <close> = ash.attach(name)
local shape = v:shape()
for r = r0 + 1, r1 do            -- 1-based rows
  local row <close> = v[r]       -- a sub-view of row r, no copy
  for j = 1, shape[2] do
    row[j] = row[j] * 2
  end
end
local f = io.open("/proc/self/stat")
local pid = math.tointeger(f:read("n"))
f:close()
print(("lua %d: attached %s (%s {%d, %d}), doubled rows %d..%d"):format(
  pid, v:descriptor(), v:dtype(), shape[1], shape[2], r0, r1 - 1))
