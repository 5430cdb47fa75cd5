-- SPDX-License-Identifier: MIT
-- helper.lua - shared by the busted specs in tests/lua.
-- Segment names are unique per run: "luat_<pid>_<tag>_<counter>"; every spec
-- file ends by checking that nothing with its prefix is left in /dev/shm.
local H = {}

local function getpid()
  local f = assert(io.open("/proc/self/stat"))
  local s = f:read("l")
  f:close()
  return assert(s:match("^(%d+)"))
end

H.pid = getpid()
H.prefix = "luat_" .. H.pid .. "_"
local counter = 0

function H.name(tag)
  counter = counter + 1
  return H.prefix .. (tag or "s") .. "_" .. counter
end

-- names in /dev/shm made by this process (the ash. prefix removed)
function H.leftovers()
  local out = {}
  local p = io.popen("ls -1 /dev/shm 2>/dev/null")
  for line in p:lines() do
    local n = line:match("^ash%.(.*)$")
    if n and n:sub(1, #H.prefix) == H.prefix then
      out[#out + 1] = n
    end
  end
  p:close()
  return out
end

-- The last test of every spec file: after a full collection, none of this
-- run's segments is left in /dev/shm.
function H.it_leaves_nothing(it) -- busted's it, from the spec
  it("leaves nothing in /dev/shm", function()
    collectgarbage()
    collectgarbage()
    require("luassert").are.same({}, H.leftovers())
  end)
end

function H.shm_exists(name)
  local f = io.open("/dev/shm/ash." .. name, "rb")
  if f then
    f:close()
    return true
  end
  return false
end

-- the permission bits of segment @name in octal, as stat prints them
function H.mode_of(name)
  local p = io.popen("stat -c %a /dev/shm/ash." .. name)
  local m = p:read("l")
  p:close()
  return m
end

-- unlink ignoring "not found"
function H.cleanup(name)
  local ash = require "arrayshare"
  pcall(ash.unlink, name)
end

-- pcall that returns the error object (asserting that the call failed)
function H.err(f, ...)
  local ok, e = pcall(f, ...)
  assert(not ok, "expected an error, the call succeeded")
  return e
end

-- the code name of an arrayshare error, or "lua:" .. message for others
function H.errname(f, ...)
  local e = H.err(f, ...)
  if type(e) == "table" and e.name then
    return e.name
  end
  return "lua:" .. tostring(e)
end

H.lua = os.getenv("ASH_TEST_LUA") or "lua5.4"

-- runs Lua code in a separate interpreter (inherits LUA_PATH/LUA_CPATH),
-- returns its stdout and whether it succeeded
function H.run_lua(code)
  local tmp = os.tmpname()
  local f = assert(io.open(tmp, "w"))
  f:write(code)
  f:close()
  local p = io.popen(H.lua .. " " .. tmp .. " 2>&1")
  local out = p:read("a")
  local ok = p:close()
  os.remove(tmp)
  return out, ok
end

return H
