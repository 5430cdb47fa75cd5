-- SPDX-License-Identifier: MIT
-- Cross-language pair, Lua side: see README.md beside this file.
--
--   lua5.4 pair.lua SPEC lead NAME FOLLOWER-COMMAND...
--   lua5.4 pair.lua SPEC follow NAME
local cjson = require "cjson"
local ash = require "arrayshare"

-- string.pack formats (little-endian) by dtype; complex: (re, im) doubles.
local PACK = { float64 = "d", float32 = "f", int32 = "i4", int64 = "i8",
               uint8 = "I1", bool = "I1", complex128 = "dd" }

local function num(x)
  if math.type(x) == "float" and x == math.floor(x) and math.abs(x) < 2 ^ 53 then
    return math.tointeger(x)
  end
  return x
end

local function packed(dtype, values)
  local parts = {}
  for _, v in ipairs(values) do
    if type(v) == "table" then
      parts[#parts + 1] = string.pack("<dd", v[1], v[2])
    else
      parts[#parts + 1] = string.pack("<" .. PACK[dtype], num(v))
    end
  end
  return table.concat(parts)
end

local function self_pid()
  local f = assert(io.open("/proc/self/stat"))
  local pid = f:read("n")
  f:close()
  return math.tointeger(pid)
end

local function shape_str(s)
  local t = {}
  for i, d in ipairs(s) do t[i] = tostring(num(d)) end
  return "{" .. table.concat(t, ",") .. "}"
end

local function check(view, a, key, who)
  local shape = view:shape()
  if view:dtype() ~= a.dtype or shape_str(shape) ~= shape_str(a.shape) then
    io.stderr:write(("pair-lua %s: %s is %s %s\n"):format(who, a.name, view:dtype(), shape_str(shape)))
    return 1
  end
  local got = view:read() -- bulk read of the packed elements
  local want = packed(a.dtype, a[key])
  if got ~= want then
    io.stderr:write(("pair-lua %s: %s differs from '%s'\n"):format(who, a.name, key))
    return 1
  end
  return 0
end

local function shell_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function lead(spec, name, cmd)
  name = name .. "_" .. self_pid()
  local bad = 0
  local specs = {}
  for _, a in ipairs(spec.arrays) do specs[#specs + 1] = { a.name, a.shape, a.dtype } end
  local seg = ash.segment_create(name, { arrays = specs })
  for _, a in ipairs(spec.arrays) do
    local v <close> = seg:view(a.name)
    v:write(packed(a.dtype, a.initial))
  end
  local words = {}
  for i, w in ipairs(cmd) do words[i] = shell_quote(w) end
  words[#words + 1] = shell_quote(name)
  if not os.execute(table.concat(words, " ")) then
    io.stderr:write("pair-lua lead: the follower failed\n")
    bad = 1
  end
  for _, a in ipairs(spec.arrays) do
    local v <close> = seg:view(a.name)
    bad = bad | check(v, a, "final", "lead")
  end
  seg:close() -- policy auto: the last attacher unlinks
  local f = io.open("/dev/shm/ash." .. name, "rb")
  if f then
    f:close()
    io.stderr:write("pair-lua lead: " .. name .. " still exists after the last close\n")
    bad = 1
  end
  print("pair lead lua: " .. (bad == 0 and "ok" or "FAIL"))
  return bad
end

local function follow(spec, name)
  local bad = 0
  local seg <close> = ash.segment_open(name)
  local names = seg:arrays()
  for i, a in ipairs(spec.arrays) do
    if names[i] ~= a.name then
      io.stderr:write("pair-lua follow: array " .. i .. " is " .. tostring(names[i]) .. "\n")
      return 1
    end
  end
  for _, a in ipairs(spec.arrays) do
    local v <close> = seg:view(a.name)
    bad = bad | check(v, a, "initial", "follow")
    local w <close> = ash.attach(name .. "/" .. a.name .. a.index)
    w:write(packed(a.dtype, a.write))
  end
  print("pair follow lua: " .. (bad == 0 and "ok" or "FAIL"))
  return bad
end

local f = assert(io.open(arg[1], "rb"))
local spec = cjson.decode(f:read("a"))
f:close()
local rest = {}
for i = 4, #arg do rest[#rest + 1] = arg[i] end
local status = arg[2] == "lead" and lead(spec, arg[3], rest) or follow(spec, arg[3])
os.exit(status)
