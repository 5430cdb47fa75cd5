-- SPDX-License-Identifier: MIT
-- The LuaJIT module (bindings/luajit): create, attach by name and by
-- descriptor, element get/set for each kind of dtype, the descriptor,
-- errors as {name, code, message}, close. Run by ctest with LUA_PATH
-- pointing at the build tree's module. Ends "N passed, N failed".
local ash = require "arrayshare"
local pid = tostring(os.time()) .. tostring(math.random(1e6))
local made = {}
local passed, failed = 0, 0

local function test(name, fn)
  local ok, err = pcall(fn)
  if ok then
    passed = passed + 1
    print("ok - " .. name)
  else
    failed = failed + 1
    print("not ok - " .. name)
    print("#   " .. tostring(err))
  end
end

local function seg(s)
  local n = "luajit-" .. pid .. "-" .. s
  made[#made + 1] = n
  return n
end

local function raises(name, fn)
  local ok, err = pcall(fn)
  assert(not ok, "no error raised")
  assert(type(err) == "table" and err.name == name,
    "expected " .. name .. ", got " .. tostring(err))
  return err
end

test("the cdef is the header's: version, constants, status codes", function()
  assert(ash.version():match("^%d+%.%d+%.%d+$"), ash.version())
  assert(ash.constants.ASH_MAX_NDIM >= 2)
  assert(ash.constants.ASH_VERSION_MAJOR == tonumber(ash.version():match("^(%d+)")))
  assert(tonumber(ash.C.ASH_E_NOENT) == -1004)
end)

test("create float64 (3, 4): shape, dtype, zero-filled, 1-based set/get", function()
  local v = ash.create(seg("f8"), "float64", { 3, 4 }, { persist = true })
  assert(v.ndim == 2 and v.shape[1] == 3 and v.shape[2] == 4 and v.size == 12)
  assert(v.dtype == "float64")
  assert(v:get(1, 1) == 0)
  v:set(2, 3, 1.5)
  v:set(-1, -1, -2.25)
  assert(v:get(2, 3) == 1.5)
  assert(v:get(3, 4) == -2.25)
  assert(v:ptr()[1 * 4 + 2] == 1.5, "raw pointer, 0-based, row-major")
  assert(v.strides[1] == 32 and v.strides[2] == 8)
  v:close()
end)

test("attach by name sees another handle's writes", function()
  local v = ash.attach(made[#made])
  assert(v:get(2, 3) == 1.5)
  v:set(1, 1, 7)
  local w = ash.attach(made[#made], { readonly = true })
  assert(w:get(1, 1) == 7)
  raises("RDONLY", function() w:set(1, 1, 8) end)
  v:close()
  w:close()
end)

test("descriptor round trip", function()
  local v = ash.attach(made[#made])
  local d = v:descriptor()
  assert(d:match("^ash://" .. made[#made]:gsub("%-", "%%-") .. "/data"), d)
  local w = ash.attach(d)
  assert(w:get(2, 3) == 1.5 and w.shape[2] == 4)
  assert(tostring(w):match("^arrayshare%.View%(ash://"))
  v:close()
  w:close()
end)

test("integers, bool, uint64, complex", function()
  local i = ash.create(seg("i4"), "int32", { 4 }, { persist = true })
  i:set(1, -5)
  i:set(2, 2147483647)
  assert(i:get(1) == -5 and i:get(2) == 2147483647)
  raises("VALUE", function() i:set(3, 1.5) end)
  raises("VALUE", function() i:set(3, 2 ^ 40) end)
  i:close()
  local b = ash.create(seg("b"), "bool", { 2 }, { persist = true })
  b:set(1, true)
  assert(b:get(1) == true and b:get(2) == false)
  b:close()
  local u = ash.create(seg("u8"), "uint64", { 1 }, { persist = true })
  u:set(1, 18446744073709551615ULL)
  assert(u:get(1) == 18446744073709551615ULL, tostring(u:get(1)))
  u:close()
  local c = ash.create(seg("c"), "complex128", { 2 }, { persist = true })
  c:set(2, 1.5, -2)
  local re, im = c:get(2)
  assert(re == 1.5 and im == -2)
  c:close()
end)

test("errors: name, code, message naming the value", function()
  local e = raises("NOENT", function() ash.attach(seg("missing")) end)
  assert(e.code == -1004)
  assert(e.message:find("missing"), e.message)
  assert(tostring(e):match("^arrayshare: NOENT: "))
  local v = ash.attach(made[1])
  raises("INDEX", function() v:get(4, 1) end)
  raises("INDEX", function() v:get(1, 2, 3) end)
  raises("DTYPE", function() ash.create(seg("bad"), "float99", { 1 }) end)
  raises("EXIST", function() ash.create(made[1], "float64", { 1 }) end)
  local ok, err = pcall(function() v:get(0, 1) end)
  assert(not ok and tostring(err):find("1%-based"), tostring(err))
  v:close()
  ok, err = pcall(function() v:get(1, 1) end)
  assert(not ok and tostring(err):find("closed"), tostring(err))
end)

for _, n in ipairs(made) do pcall(ash.unlink, n) end
test("every segment made here is removed", function()
  for _, n in ipairs(made) do
    local f = io.open("/dev/shm/ash." .. n)
    assert(f == nil, n .. " left behind")
  end
end)
print(passed .. " passed, " .. failed .. " failed")
os.exit(failed == 0 and 0 or 1)
