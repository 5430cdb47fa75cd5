-- SPDX-License-Identifier: MIT
-- Conformance runner for the Lua binding: executes the expanded cases
-- (expand.py's output) against arrayshare_core, the SWIG module that mirrors
-- arrayshare.h (0-based, like C): call, resolve references, compare. See
-- tests/conformance/README.md.
--
-- usage: lua5.4 runner.lua CASES.json   (ASH_CONFORMANCE_OPS: the ops helper)
local cjson = require "cjson"
local core = require "arrayshare_core"

local LANG, PREFIX = "lua", "cfl"
local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end
local RUN_ID = math.tointeger(slurp("/proc/self/stat"):match("^(%d+)"))
local TMPDIR = os.tmpname()
os.remove(TMPDIR)
assert(os.execute("mkdir -p " .. TMPDIR))
local RELEASE = { ash_view_release = true, ash_segment_close = true, ash_list_free = true,
                  ash_kernel_close = true, ash_ring_close = true }
-- functions whose first result is bytes (compared as hex)
local BYTES = { ash_view_read = true, ash_view_read_snapshot = true, ash_ring_read = true }
local SPECIAL = { nan = 0 / 0, inf = math.huge, ["-inf"] = -math.huge }

local Fail = {}
local function fail(msg) error(setmetatable({ msg = msg }, Fail), 0) end

-- A decimal string as 64 integer bits (values above 2^63 wrap, as uint64).
local function int_bits(s)
  local neg = s:sub(1, 1) == "-"
  local n = 0
  for d in s:gmatch("%d") do n = n * 10 + tonumber(d) end
  return neg and -n or n
end

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

local function shell_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- ---- a case's state ---------------------------------------------------------

local Case = {}
Case.__index = Case

local function new_case(number)
  return setmetatable({ number = number, vars = {}, order = {}, files = {} }, Case)
end

function Case:part(p)
  if type(p) == "string" then return p end
  if p.name then
    local name = string.format("%s%d_%d_%s", PREFIX, RUN_ID, self.number, p.name)
    self.files[#self.files + 1] = "/dev/shm/ash." .. name
    return name
  end
  if p.path then
    local path = string.format("%s/%d_%s", TMPDIR, self.number, p.path)
    self.files[#self.files + 1] = path
    return path
  end
  return tostring(self:value(p))
end

-- An expanded value (expand.py) as a Lua value.
function Case:value(a)
  if a == cjson.null then return nil end
  if math.type(a) == "float" and a == math.floor(a) and math.abs(a) < 2 ^ 63 then
    return math.tointeger(a)
  end
  if type(a) ~= "table" then return a end
  if a[1] ~= nil or next(a) == nil then -- a list
    local out = {}
    for i, v in ipairs(a) do out[i] = self:value(v) end
    return out
  end
  if a.const then
    local f = 0
    for _, n in ipairs(type(a.const) == "table" and a.const or { a.const }) do f = f | core[n] end
    return f
  end
  if a.str then
    local parts = {}
    for i, p in ipairs(a.str) do parts[i] = self:part(p) end
    return table.concat(parts)
  end
  if a.ref then
    if self.vars[a.ref] == nil then fail("no saved value named " .. a.ref) end
    return self.vars[a.ref]
  end
  if a.float then return SPECIAL[a.float] end
  if a.int then return int_bits(a.int) end
  return (a.bytes:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end))
end

function Case:finish()
  for i = #self.order, 1, -1 do
    local h = self.vars[self.order[i]]
    if type(h) == "userdata" then pcall(function() h:close() end) end
  end
  for _, f in ipairs(self.files) do os.remove(f) end
end

-- ---- results and matching ------------------------------------------------------

local function result(v)
  if type(v) == "table" then
    local out = {}
    for i, x in ipairs(v) do out[i] = result(x) end
    return out
  end
  if math.type(v) == "float" and (v ~= v or v == math.huge or v == -math.huge) then
    return v ~= v and "nan" or (v > 0 and "inf" or "-inf")
  end
  return v
end

local function match(exp, act, c)
  if exp == cjson.null then return act == nil end
  if type(exp) ~= "table" then
    if type(exp) == "number" then return type(act) == "number" and act == c:value(exp) end
    return exp == act
  end
  if exp.nonnull then return act ~= nil and act ~= 0 and act ~= false end
  if exp.min then return type(act) == "number" and act >= exp.min end
  if exp.prefix then return type(act) == "string" and act:sub(1, #exp.prefix) == exp.prefix end
  if exp.contains then return type(act) == "string" and act:find(exp.contains, 1, true) ~= nil end
  if exp.bytes then return act == exp.bytes end
  if exp[1] ~= nil or next(exp) == nil then
    if type(act) ~= "table" or #act ~= #exp then return false end
    for i = 1, #exp do
      if not match(exp[i], act[i], c) then return false end
    end
    return true
  end
  return act == c:value(exp)
end

-- ---- runner operations ---------------------------------------------------------

local function op(name, args, c)
  local vals = {}
  for i = 1, #args do vals[i] = c:value(args[i]) end
  if name == "list_has" then
    for i = 0, core.ash_list_count(vals[1]) - 1 do
      if core.ash_list_name(vals[1], i) == vals[2] then return true end
    end
    return false
  end
  local cmd = { shell_quote(os.getenv("ASH_CONFORMANCE_OPS")), name }
  for i, v in ipairs(vals) do
    local bytes = type(args[i]) == "table" and args[i].bytes
    cmd[#cmd + 1] = shell_quote(bytes and hex(v) or tostring(v))
  end
  local p = io.popen(table.concat(cmd, " ") .. " 2>&1")
  local out = p:read("a")
  if not p:close() then fail(name .. ": " .. out) end
  if out:match("%S") then return cjson.decode(out) end
end

local function step(s, i, c)
  local what = s.call or s.op
  local args = s.args
  local ok, out = pcall(function()
    if s.op then return op(s.op, args, c) end
    local fn = core[s.call]
    if not fn then fail("the binding has no " .. s.call) end
    local vals = {}
    for k = 1, #args do vals[k] = c:value(args[k]) end
    local r = table.pack(fn(table.unpack(vals, 1, #args)))
    if RELEASE[s.call] and type(args[1]) == "table" and args[1].ref then
      c.vars[args[1].ref] = nil
    end
    if BYTES[s.call] and type(r[1]) == "string" then
      if r.n == 1 then return hex(r[1]) end
      r[1] = hex(r[1])
    end
    if r.n <= 1 then return r[1] end
    return { table.unpack(r, 1, r.n) }
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

local counts, rows = { pass = 0, fail = 0, na = 0 }, {}
for _, kase in ipairs(cjson.decode(assert(slurp(arg[1]))).cases) do
  local why = kase.na[LANG]
  if why then
    print("N/A   " .. kase.name .. ": " .. why)
    rows[#rows + 1] = { kase.name, "na", why }
    counts.na = counts.na + 1
  else
    local c = new_case(math.tointeger(kase.number))
    local ok, err = pcall(function()
      for i, s in ipairs(kase.steps) do step(s, i - 1, c) end
    end)
    c:finish()
    local msg = ok and "" or (getmetatable(err) == Fail and err.msg or tostring(err))
    print(ok and ("PASS  " .. kase.name) or ("FAIL  " .. kase.name .. ": " .. msg))
    rows[#rows + 1] = { kase.name, ok and "pass" or "fail", msg }
    counts[ok and "pass" or "fail"] = counts[ok and "pass" or "fail"] + 1
  end
end
local outdir = os.getenv("ASH_CONFORMANCE_OUT")
if outdir then
  os.execute("mkdir -p " .. shell_quote(outdir))
  local f = assert(io.open(outdir .. "/" .. LANG .. ".tsv", "w"))
  for _, r in ipairs(rows) do
    f:write((r[1]:gsub("[\t\n]", " ")), "\t", r[2], "\t", (r[3]:gsub("[\t\n]", " ")), "\n")
  end
  f:close()
end
os.execute("rm -rf " .. shell_quote(TMPDIR))
print(string.format("conformance (%s): %d passed, %d failed, %d not applicable", LANG,
                    counts.pass, counts.fail, counts.na))
print(string.format("%d passed, %d failed", counts.pass, counts.fail))
os.exit(counts.fail == 0 and 0 or 1)
