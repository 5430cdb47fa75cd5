-- SPDX-License-Identifier: MIT
-- The Lua side of the cross-language check (xlang.sh): a plain Lua process,
-- outside the MPI job, attaches a node's copy of a node-shared array by name.
-- usage: lua5.4 xlang_attach.lua DIR
local ash = require "arrayshare"
local dir = assert(arg[1], "usage: xlang_attach.lua DIR")

local name
for _ = 1, 3000 do -- at most 60 s
  local f = io.open(dir .. "/ready")
  if f then
    name = f:read("l")
    f:close()
    if name and #name > 0 then break end
  end
  os.execute("sleep 0.02")
end
assert(name, "the job never said which segment to attach")

local v <close> = ash.attach(name)
assert(#v == 1000, "length " .. #v)
for i = 1, 1000 do
  assert(v[i] == i - 1, ("element %d is %s, not %d"):format(i, tostring(v[i]), i - 1))
end
local seg <close> = v:segment()
local alive = seg:attachers()
assert(alive >= 2, "the job's ranks and this process attach one segment: " .. tostring(alive))
v[1] = 4242
print(("lua: %s holds 0..999 (replicated from node 0), %d attachers; wrote 4242"):format(name, alive))
local f = assert(io.open(dir .. "/done", "w"))
f:close()
