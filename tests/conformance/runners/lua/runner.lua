-- SPDX-License-Identifier: MIT
-- Conformance runner for the Lua binding: executes
-- tests/conformance/cases/*.json against arrayshare_core, the SWIG module
-- that mirrors arrayshare.h (0-based, like C). See tests/conformance/README.md.
--
-- usage: lua5.4 runner.lua CASE.json...
local cjson = require "cjson"
local core = require "arrayshare_core"

local LUA = arg[-1] or "lua5.4"
local function self_pid()
  local f = assert(io.open("/proc/self/stat"))
  local pid = f:read("n")
  f:close()
  return math.tointeger(pid)
end
local RUN_ID = self_pid()
local TMPDIR = os.tmpname()
os.remove(TMPDIR)
assert(os.execute("mkdir -p " .. TMPDIR))

local PACKS = { i8 = "i1", i16 = "i2", i32 = "i4", i64 = "i8", u8 = "I1", u16 = "I2",
                u32 = "I4", u64 = "I8", f32 = "f", f64 = "d", bool = "I1" }
local RELEASE = { ash_view_release = true, ash_segment_close = true, ash_list_free = true }

local Fail = {}
local function fail(msg) error(setmetatable({ msg = msg }, Fail), 0) end

-- A decimal string as 64 integer bits (values above 2^63 wrap, as uint64).
local function int_bits(s)
  local neg = s:sub(1, 1) == "-"
  local n = 0
  for d in s:gmatch("%d") do n = n * 10 + tonumber(d) end
  return neg and -n or n
end

local function special_float(s)
  return ({ nan = 0 / 0, inf = math.huge, ["-inf"] = -math.huge })[s]
end

local function num(x)
  if math.type(x) == "float" and x == math.floor(x) and math.abs(x) < 2 ^ 63 then
    return math.tointeger(x)
  end
  return x
end

local function pack(a)
  if a.hex then
    return (a.hex:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end))
  end
  for key, code in pairs(PACKS) do
    if a[key] then
      local parts = {}
      for _, v in ipairs(a[key]) do
        if type(v) == "table" then
          v = v.float and special_float(v.float) or int_bits(v.int or v.uint)
        elseif code ~= "f" and code ~= "d" then
          v = num(v)
        end
        parts[#parts + 1] = string.pack("<" .. code, v)
      end
      return table.concat(parts)
    end
  end
  fail("not a value: " .. cjson.encode(a))
end

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

-- ---- a case's state ---------------------------------------------------------

local Case = {}
Case.__index = Case

local function new_case(number)
  return setmetatable({ number = number, names = {}, paths = {}, vars = {}, order = {} }, Case)
end

function Case:name(key)
  self.names[key] = self.names[key] or string.format("cfl%d_%d_%s", RUN_ID, self.number, key)
  return self.names[key]
end

function Case:path(key)
  self.paths[key] = self.paths[key] or string.format("%s/l%d_%s", TMPDIR, self.number, key)
  return self.paths[key]
end

function Case:value(a)
  if a == cjson.null then return nil end
  local t = type(a)
  if t == "number" then return num(a) end
  if t ~= "table" then return a end
  if a[1] ~= nil or next(a) == nil then -- a list
    local out = {}
    for i, v in ipairs(a) do out[i] = self:value(v) end
    return out
  end
  if a.const then return core[a.const] end
  if a.flags then
    local f = 0
    for _, n in ipairs(a.flags) do f = f | core[n] end
    return f
  end
  if a.name then return self:name(a.name) end
  if a.path then return self:path(a.path) end
  if a.desc then return (a.desc:gsub("{([^}]*)}", function(k) return self:name(k) end)) end
  if a["repeat"] then return string.rep(a["repeat"], math.tointeger(a.count)) end
  if a.concat then
    local parts = {}
    for i, x in ipairs(a.concat) do parts[i] = tostring(self:value(x)) end
    return table.concat(parts)
  end
  if a.ref then
    if self.vars[a.ref] == nil then fail("no saved value named " .. a.ref) end
    return self.vars[a.ref]
  end
  if a.float then return special_float(a.float) end
  if a.int or a.uint then return int_bits(a.int or a.uint) end
  return pack(a)
end

function Case:finish()
  for i = #self.order, 1, -1 do
    local h = self.vars[self.order[i]]
    if type(h) == "userdata" then
      local mt = getmetatable(h)
      local close = mt and (mt.__close or mt.close or (type(mt.__index) == "table" and mt.__index.close))
      if close then pcall(close, h) end
    end
  end
  self.vars = {}
  for _, n in pairs(self.names) do os.remove("/dev/shm/ash." .. n) end
  for _, p in pairs(self.paths) do os.remove(p) end
end

-- ---- results and matching ------------------------------------------------------

local function result(v)
  if type(v) == "table" then
    local out = {}
    for i, x in ipairs(v) do out[i] = result(x) end
    return out
  end
  if math.type(v) == "float" then
    if v ~= v then return "nan" end
    if v == math.huge then return "inf" end
    if v == -math.huge then return "-inf" end
  end
  return v
end

local function match(exp, act, c)
  if type(exp) == "table" and exp ~= cjson.null then
    if exp.const then return act == core[exp.const] end
    if exp.float then return act == exp.float end
    if exp.nonnull then return act ~= nil and act ~= 0 and act ~= false end
    if exp.min then return type(act) == "number" and act >= exp.min end
    if exp.prefix then return type(act) == "string" and act:sub(1, #exp.prefix) == exp.prefix end
    if exp.contains then return type(act) == "string" and act:find(exp.contains, 1, true) ~= nil end
    if exp.int or exp.uint then
      return math.type(act) == "integer" and act == int_bits(exp.int or exp.uint)
    end
    if exp.name or exp.desc or exp.path then return act == c:value(exp) end
    if exp[1] ~= nil or next(exp) == nil then
      if type(act) ~= "table" or #act ~= #exp then return false end
      for i = 1, #exp do
        if not match(exp[i], act[i], c) then return false end
      end
      return true
    end
    return act == hex(pack(exp))
  end
  if exp == cjson.null then return act == nil end
  if type(exp) == "boolean" then return act == exp end
  if type(exp) == "number" then return type(act) == "number" and act == exp end
  return exp == act
end

-- ---- runner operations ---------------------------------------------------------

local HELPER = [[
local c = require "arrayshare_core"
local v
if arg[1] == "create" then v = c.ash_create(arg[2], c.ASH_FLOAT64, {4}, 0, 384)
else v = c.ash_attach(arg[2], 0) end
local f = io.open("/proc/self/stat"); local pid = f:read("n"); f:close()
io.write("ready ", math.tointeger(pid), "\n"); io.flush()
io.read("a")
]]

local function shell_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function op(name, args, c)
  local vals, n = {}, #args
  for i = 1, n do vals[i] = c:value(args[i]) end
  local function shm(x) return "/dev/shm/ash." .. x end
  if name == "kill_attacher" or name == "kill_creator" then
    local mode = name == "kill_creator" and "create" or "attach"
    local out = TMPDIR .. "/helper.out"
    os.remove(out)
    local script = TMPDIR .. "/helper.lua"
    local hf = assert(io.open(script, "w"))
    hf:write(HELPER)
    hf:close()
    local p = io.popen(string.format("exec %s %s %s %s > %s", LUA, shell_quote(script),
                                     mode, shell_quote(vals[1]), out), "w")
    local pid
    for _ = 1, 500 do
      local s = slurp(out)
      pid = s and s:match("ready (%d+)")
      if pid then break end
      os.execute("sleep 0.01")
    end
    if not pid then p:close(); fail(name .. ": the helper could not " .. mode) end
    os.execute("kill -KILL " .. pid)
    p:close() -- waits for it
    os.remove(out)
    return nil
  elseif name == "poke" then
    local f = assert(io.open(shm(vals[1]), "r+b"))
    f:seek("set", vals[2])
    f:write(vals[3])
    f:close()
  elseif name == "truncate" then
    assert(os.execute(string.format("truncate -s %d %s", vals[2], shell_quote(shm(vals[1])))))
  elseif name == "write_file" then
    local f = assert(io.open(args[1].path and vals[1] or shm(vals[1]), "wb"))
    f:write(vals[2])
    f:close()
  elseif name == "exists" then
    local f = io.open(shm(vals[1]), "rb")
    if f then f:close() end
    return f ~= nil
  elseif name == "list_has" then
    for i = 0, core.ash_list_count(vals[1]) - 1 do
      if core.ash_list_name(vals[1], i) == vals[2] then return true end
    end
    return false
  else
    fail("unknown op " .. name)
  end
end

local function step(s, i, c)
  local what = s.call or s.op
  local args = s.args or {}
  local ok, out = pcall(function()
    if s.call then
      local fn = core[s.call]
      if not fn then fail("the binding has no " .. s.call) end
      local vals = {}
      for k = 1, #args do vals[k] = c:value(args[k]) end
      local r = table.pack(fn(table.unpack(vals, 1, #args)))
      if RELEASE[s.call] and type(args[1]) == "table" and args[1].ref then
        c.vars[args[1].ref] = nil
      end
      if s.call == "ash_view_read" and type(r[1]) == "string" then return hex(r[1]) end
      if r.n <= 1 then return r[1] end
      return { table.unpack(r, 1, r.n) }
    end
    return op(s.op, args, c)
  end)
  if not ok then
    if getmetatable(out) == Fail then
      fail(string.format("step %d (%s): %s", i, what, out.msg))
    end
    local ename = type(out) == "table" and out.name or nil
    if not ename then fail(string.format("step %d (%s): %s", i, what, tostring(out))) end
    if not s.error then
      fail(string.format("step %d (%s): unexpected error %s: %s", i, what, ename, out.message))
    end
    if ename ~= s.error then
      fail(string.format("step %d (%s): expected error %s, got %s (%s)", i, what, s.error,
                         ename, out.message))
    end
    return
  end
  if s.error then fail(string.format("step %d (%s): expected error %s, got success", i, what, s.error)) end
  if s.expect ~= nil and not match(s.expect, result(out), c) then
    local got = result(out)
    fail(string.format("step %d (%s): expected %s, got %s", i, what, cjson.encode(s.expect),
                       type(got) == "table" and cjson.encode(got) or tostring(got)))
  end
  if s.save then
    c.vars[s.save] = out
    c.order[#c.order + 1] = s.save
  end
end

local passed, failed, na, number = 0, 0, 0, 0
local results = {}
for _, file in ipairs(arg) do
  local doc = cjson.decode(assert(slurp(file)))
  for _, kase in ipairs(doc.cases) do
    local why = type(kase.not_applicable) == "table" and kase.not_applicable.lua or nil
    if why then
      print("N/A   " .. kase.name .. ": " .. why)
      results[#results + 1] = { kase.name, "na", why }
      na = na + 1
    else
      number = number + 1
      local c = new_case(number)
      local ok, err = pcall(function()
        for i, s in ipairs(kase.steps) do step(s, i - 1, c) end
      end)
      c:finish()
      local msg = ""
      if not ok then msg = getmetatable(err) == Fail and err.msg or tostring(err) end
      if ok then
        print("PASS  " .. kase.name)
        passed = passed + 1
      else
        print("FAIL  " .. kase.name .. ": " .. msg)
        failed = failed + 1
      end
      results[#results + 1] = { kase.name, ok and "pass" or "fail", msg }
    end
  end
end
local outdir = os.getenv("ASH_CONFORMANCE_OUT")
if outdir then
  os.execute("mkdir -p " .. shell_quote(outdir))
  local f = assert(io.open(outdir .. "/lua.tsv", "w"))
  for _, r in ipairs(results) do
    f:write((r[1]:gsub("[\t\n]", " ")), "\t", r[2], "\t", (r[3]:gsub("[\t\n]", " ")), "\n")
  end
  f:close()
end
os.execute("rm -rf " .. shell_quote(TMPDIR))
print(string.format("conformance (lua): %d passed, %d failed, %d not applicable", passed, failed, na))
print(string.format("%d passed, %d failed", passed, failed))
os.exit(failed == 0 and 0 or 1)
