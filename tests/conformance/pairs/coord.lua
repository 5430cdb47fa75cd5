-- SPDX-License-Identifier: MIT
-- Cross-language coordination pair, Lua side: see coord.json and README.md
-- beside this file.
--
--   lua5.4 coord.lua SPEC lead NAME FOLLOWER-COMMAND...
--   lua5.4 coord.lua SPEC follow NAME
local cjson = require "cjson"
local ash = require "arrayshare"

local function payload(n, i)
  local parts, sum = {}, 0
  for k = 0, n - 2 do
    local x = i * 1000003 + 7 * k
    sum = sum + x
    parts[#parts + 1] = string.pack("<i8", x)
  end
  parts[#parts + 1] = string.pack("<i8", sum)
  return table.concat(parts)
end

local function self_pid()
  local f = assert(io.open("/proc/self/stat"))
  local pid = f:read("n")
  f:close()
  return math.tointeger(pid)
end

local function fail(who, msg)
  io.stderr:write(("coord-lua %s: %s\n"):format(who, msg))
  os.exit(1)
end

local function count(counter, spec)
  for _ = 1, spec.increments do
    do
      local l <close> = counter:lock(spec.timeout)
      counter[1] = counter[1] + 1 -- 1-based: element 0 of the C API
    end
    counter:atomic_add(2)
  end
end

local function shell_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function lead(spec, name, cmd)
  name = name .. "_" .. self_pid()
  local t, bad = spec.timeout, 0
  local core = ash.core
  local size = 0
  for _, n in ipairs({ spec.data_len, 1, 2 }) do
    size = core.ash_arena_bytes_for(core.ASH_INT64, { n }, size)
  end
  size = core.ash_ring_arena_bytes(core.ASH_INT64, { spec.slot_len }, spec.nslots, size)
  local seg = ash.segment_create(name, { arena_bytes = size, max_arrays = 4 })
  local data = seg:add_array("data", { spec.data_len }, "int64")
  local ack = seg:add_array("ack", { 1 }, "int64")
  local counter = seg:add_array("counter", { 2 }, "int64")
  local ring = ash.ring_create(seg, "ring", { spec.slot_len }, "int64", spec.nslots,
                               { backpressure = true })
  local words = {}
  for i, w in ipairs(cmd) do words[i] = shell_quote(w) end
  words[#words + 1] = shell_quote(name)
  local follower = io.popen(table.concat(words, " ")) -- runs meanwhile
  local ackver = 0
  for i = 1, spec.versions do
    do
      local w <close> = data:writing(t)
      data:write(payload(spec.data_len, i))
    end
    while ack:atomic_load(1) < i do
      ackver = ack:wait_change(ackver, t) or fail("lead", "no ack")
    end
  end
  local waited = 0
  while ring:consumers() < 1 do
    if waited > t then fail("lead", "no ring consumer") end
    os.execute("sleep 0.01")
    waited = waited + 0.01
  end
  for i = 1, spec.slots do ring:write(payload(spec.slot_len, i), t) end
  count(counter, spec)
  io.write(follower:read("a"))
  if not follower:close() then
    io.stderr:write("coord-lua lead: the follower failed\n")
    bad = 1
  end
  local want = 2 * spec.increments
  if counter[1] ~= want or counter[2] ~= want then
    io.stderr:write(("coord-lua lead: counters %d %d, expected %d\n"):format(counter[1], counter[2], want))
    bad = 1
  end
  ring:close()
  for _, x in ipairs({ data, ack, counter, seg }) do x:close() end
  print("coord lead lua: " .. (bad == 0 and "ok" or "FAIL"))
  return bad
end

local function follow(spec, name)
  local t, bad, ver = spec.timeout, 0, 0
  local seg <close> = ash.segment_open(name)
  local data <close> = seg:view("data")
  local ack <close> = seg:view("ack")
  local counter <close> = seg:view("counter")
  local ring <close> = ash.ring_attach(name .. "/ring", { consumer = true })
  for i = 1, spec.versions do
    if not data:wait_change(ver, t) then fail("follow", "no version") end
    local bytes
    ver, bytes = data:snapshot(t)
    if ver ~= i then fail("follow", ("version %d, expected %d"):format(ver, i)) end
    if bytes ~= payload(spec.data_len, i) then
      io.stderr:write(("coord-lua follow: version %d has a wrong payload or checksum\n"):format(i))
      bad = 1
    end
    ack:atomic_store(1, i)
    ack:notify()
  end
  for i = 1, spec.slots do
    local seq, bytes = ring:read(t)
    if seq ~= i - 1 then fail("follow", ("slot %s, expected %d"):format(tostring(seq), i - 1)) end
    if bytes ~= payload(spec.slot_len, i) then
      io.stderr:write(("coord-lua follow: slot %d has a wrong payload or checksum\n"):format(i))
      bad = 1
    end
  end
  if ring:missed() ~= 0 then bad = 1 end
  count(counter, spec)
  print("coord follow lua: " .. (bad == 0 and "ok" or "FAIL"))
  return bad
end

local f = assert(io.open(arg[1], "rb"))
local spec = cjson.decode(f:read("a"))
f:close()
for _, k in ipairs({ "versions", "data_len", "slots", "slot_len", "nslots", "increments" }) do
  spec[k] = math.tointeger(spec[k])
end
local rest = {}
for i = 4, #arg do rest[#rest + 1] = arg[i] end
local status = arg[2] == "lead" and lead(spec, arg[3], rest) or follow(spec, arg[3])
os.exit(status)
