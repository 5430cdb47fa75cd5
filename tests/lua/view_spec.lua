-- SPDX-License-Identifier: MIT
-- view_spec.lua - the idiomatic layer: views, 1-based indexing, element
-- conversions, slicing and the view methods.
local H = require "helper"
local ash = require "arrayshare"

-- creates a view on a fresh segment; the segment (policy auto) goes away
-- when the view is closed
local function new(shape, dtype, tag)
  return ash.create(H.name(tag or "v"), shape, dtype)
end

describe("views", function()
  it("create and inspect", function()
    local v <close> = new({ 3, 4 }, "float64")
    assert.is_true(ash.is_view(v))
    assert.are.same({ 3, 4 }, v:shape())
    assert.are.same({ 32, 8 }, v:strides())
    assert.are.equal("float64", v:dtype())
    assert.are.equal(2, v:ndim())
    assert.are.equal(12, v:size())
    assert.are.equal(96, v:nbytes())
    assert.are.equal(8, v:itemsize())
    assert.is_false(v:readonly())
    assert.is_true(v:contiguous())
    assert.are.equal(3, #v)
    assert.are.equal(4, v:dim(2))
    assert.are.equal(3, v:dim(-2))
    assert.are.equal("AXIS", H.errname(v.dim, v, 3))
    assert.are.equal("AXIS", H.errname(v.dim, v, 0))
    assert.are.equal("data", v:array_name())
    assert.are.equal(0, v:offset())
    assert.are.equal("arrayshare.view", getmetatable(v))
    assert.is_nil(v.no_such_method)
    assert.truthy(H.errname(function() v.x = 1 end):find("cannot set field 'x'"))
  end)

  it("defaults and shapes", function()
    local v <close> = new(5)
    assert.are.equal("float64", v:dtype())
    assert.are.same({ 5 }, v:shape())
    local z <close> = new({}, "int16") -- 0-d
    assert.are.equal(0, z:ndim())
    assert.are.equal(1, z:size())
    assert.are.equal(0, #z)
    z:set(7)
    assert.are.equal(7, z:get())
    assert.are.equal(7, z:get(1)) -- the flat index
    assert.are.equal(7, z:totable())
    assert.are.equal("INDEX", H.errname(function() return z[1] end))
    assert.are.equal("INDEX", H.errname(function() z[1] = 1 end))
    local e <close> = new({ 0, 3 }, "uint8")
    assert.are.equal(0, #e)
    assert.are.same({}, e:totable())
  end)

  it("1-d indexing is 1-based with negatives from the end", function()
    local v <close> = new(4, "float64")
    for i = 1, #v do v[i] = i * 10 end
    assert.are.equal(10.0, v[1])
    assert.are.equal(40.0, v[4])
    assert.are.equal(40.0, v[-1])
    assert.are.equal(10.0, v[-4])
    assert.are.equal(20.0, v[2.0]) -- integral floats are indices
    assert.are.equal(30.0, v["3"]) -- so are numeric strings
    v[-1] = 5
    assert.are.equal(5.0, v[4])
    for _, bad in ipairs({ 0, 5, -5, math.maxinteger, math.mininteger }) do
      local e = H.err(function() return v[bad] end)
      assert.are.equal("INDEX", e.name)
      assert.are.equal(ash.IndexError, ash.errors.INDEX)
      assert.is_true(ash.IndexError:is(e))
      assert.truthy(e.message:find("1-based"))
      assert.are.equal("INDEX", H.errname(function() v[bad] = 1 end))
    end
    assert.are.equal("INDEX", H.errname(function() return v[1.5] end))
    assert.are.equal("INDEX", H.errname(function() v[1.5] = 1 end))
    assert.truthy(H.errname(function() return v[true] end):find("must be an integer"))
    assert.truthy(H.errname(function() v[{}] = 1 end):find("must be an integer"))
  end)

  it("n-d indexing gives sub-views; v[i] = x fills", function()
    local v <close> = new({ 2, 3 }, "int32")
    v[1][1], v[1][3], v[2][2] = 1, 3, 5
    assert.are.same({ { 1, 0, 3 }, { 0, 5, 0 } }, v:totable())
    local row = v[2]
    assert.is_true(ash.is_view(row))
    assert.are.same({ 3 }, row:shape())
    assert.are.equal(5, row[2])
    assert.are.equal(5, v[-1][-2])
    v[1] = 9
    assert.are.same({ { 9, 9, 9 }, { 0, 5, 0 } }, v:totable())
    assert.are.equal("INDEX", H.errname(function() return v[3] end))
    assert.are.equal("INDEX", H.errname(function() return v[1][4] end))
    row:close()
  end)

  it("get and set with multi-indices and flat indices", function()
    local v <close> = new({ 2, 3 }, "int64")
    v:set(2, 3, 42)
    assert.are.equal(42, v:get(2, 3))
    assert.are.equal(42, v:get(-1, -1))
    assert.are.equal(42, v:get(6)) -- flat, C order, 1-based
    assert.are.equal(42, v:get(-1))
    v:set(2, 7)
    assert.are.equal(7, v:get(1, 2))
    assert.are.equal("INDEX", H.errname(v.get, v, 3, 1))
    assert.are.equal("INDEX", H.errname(v.get, v, 1, 0))
    assert.are.equal("INDEX", H.errname(v.get, v, 7))
    assert.are.equal("INDEX", H.errname(v.get, v, 1, 1, 1))
    assert.are.equal("INDEX", H.errname(v.get, v))
    assert.truthy(H.errname(v.set, v):find("needs a value"))
  end)

  it("element types and conversions", function()
    local cases = {
      { "bool", true, "boolean" },
      { "int8", -128, "integer" }, { "int16", 32767, "integer" },
      { "int32", -5, "integer" }, { "int64", math.mininteger, "integer" },
      { "uint8", 255, "integer" }, { "uint16", 65535, "integer" },
      { "uint32", 4294967295, "integer" }, { "uint64", math.maxinteger, "integer" },
      { "float16", 0.5, "float" }, { "float32", 1.25, "float" }, { "float64", 1 / 3, "float" },
    }
    for _, c in ipairs(cases) do
      local v <close> = new(2, c[1], "t")
      v[1] = c[2]
      assert.are.equal(c[2], v[1], c[1])
      assert.are.equal(c[2], v:get(1), c[1])
      local got = v[1]
      if c[3] == "boolean" then
        assert.are.equal("boolean", type(got))
      else
        assert.are.equal(c[3], math.type(got), c[1])
      end
    end
  end)

  it("conversion errors raise VALUE (and type errors are Lua errors)", function()
    local u8 <close> = new(3, "uint8")
    for _, bad in ipairs({ 300, -1, 2.5, 0 / 0, math.huge }) do
      local e = H.err(function() u8[1] = bad end)
      assert.are.equal("VALUE", e.name, tostring(bad))
      assert.is_true(ash.ValueError:is(e))
    end
    assert.are.equal("VALUE", H.errname(u8.set, u8, 1, 256))
    assert.are.equal("VALUE", H.errname(u8.fill, u8, 256))
    u8[1] = 2.0 -- integral floats are fine
    u8[2] = "7" -- numeric strings are numbers
    assert.are.same({ 2, 7, 0 }, u8:totable())
    assert.truthy(H.errname(function() u8[1] = "seven" end):find("cannot store a string in a uint8 view"))
    assert.truthy(H.errname(function() u8[1] = true end):find("cannot store a boolean"))
    assert.truthy(H.errname(function() u8[1] = nil end):find("cannot store a nil"))
    assert.truthy(H.errname(function() u8[1] = {} end):find("complex value"))

    local f64 <close> = new(2, "float64")
    f64[1] = 1 << 53
    assert.are.equal(2 ^ 53, f64[1])
    assert.are.equal("VALUE", H.errname(function() f64[1] = (1 << 53) + 1 end))
    assert.are.equal("VALUE", H.errname(function() f64[1] = math.maxinteger end))
    f64[1] = 2 ^ 60 -- a float is stored as it is
    f64[1] = -(1 << 53)
    f64[2] = 0 / 0
    assert.is_true(f64[2] ~= f64[2])
    f64[2] = -math.huge
    assert.are.equal(-math.huge, f64[2])

    local f32 <close> = new(2, "float32")
    f32[1] = 0.1
    assert.are.equal(0.1 + 0.0, f32[1] + (0.1 - f32[1])) -- rounded to nearest
    assert.is_true(math.abs(f32[1] - 0.1) < 1e-8)
    assert.are.equal("VALUE", H.errname(function() f32[1] = 1e300 end))
    f32[2] = math.huge
    assert.are.equal(math.huge, f32[2])
    assert.are.equal("VALUE", H.errname(function() f32[2] = (1 << 24) + 1 end))
    f32[2] = 16777217.0 -- a float rounds to nearest
    assert.are.equal(16777216.0, f32[2])

    local i64 <close> = new(1, "int64")
    assert.are.equal("VALUE", H.errname(function() i64[1] = 2 ^ 63 end))

    local u64 <close> = new(2, "uint64")
    u64[1] = 2 ^ 63 -- beyond maxinteger: floats
    assert.are.equal(2 ^ 63, u64[1])
    assert.are.equal("float", math.type(u64[1]))
    assert.are.equal("VALUE", H.errname(function() u64[1] = -1 end))
    assert.are.equal("VALUE", H.errname(function() u64[1] = 2 ^ 64 end))

    local b <close> = new(2, "bool")
    b[1], b[2] = true, 1
    assert.are.same({ true, true }, b:totable())
    b[2] = false
    b[1] = 0
    assert.are.same({ false, false }, b:totable())
    assert.are.equal("VALUE", H.errname(function() b[1] = 2 end))

    local h <close> = new(1, "float16")
    h[1] = 65504
    assert.are.equal(65504.0, h[1])
    assert.are.equal("VALUE", H.errname(function() h[1] = 70000 end))
  end)

  it("complex elements are {re, im} tables", function()
    for _, dt in ipairs({ "complex64", "complex128" }) do
      local c <close> = new({ 2, 2 }, dt)
      c[1][1] = { 1.5, -2 }
      c[1][2] = { re = 3, im = 4 }
      c[2][1] = 7
      assert.are.same({ 1.5, -2.0 }, c[1][1])
      assert.are.same({ 3.0, 4.0 }, c:get(1, 2))
      assert.are.same({ { { 1.5, -2.0 }, { 3.0, 4.0 } }, { { 7.0, 0.0 }, { 0.0, 0.0 } } }, c:totable())
      assert.truthy(tostring(c):find("1.5-2.0i", 1, true))
      c:fill({ 1, 1 })
      assert.are.same({ 1.0, 1.0 }, c[2][2])
      assert.truthy(H.errname(function() c[1][1] = { "a", 1 } end):find("complex value"))
    end
    local r <close> = new(2, "float64")
    assert.are.equal("VALUE", H.errname(function() r[1] = { 1, 1 } end))
    r[1] = { 2, 0 }
    assert.are.equal(2.0, r[1])
    assert.are.equal("VALUE", H.errname(r.fill, r, { 1, 1 }))
  end)

  it("slices are 1-based, inclusive, negative from the end, clamped", function()
    local v <close> = new(6, "int32")
    for i = 1, 6 do v[i] = i end
    local function s(...)
      local w <close> = v:slice(1, ...)
      return w:totable()
    end
    assert.are.same({ 2, 3, 4 }, s(2, 4))
    assert.are.same({ 1, 2, 3, 4, 5, 6 }, s())
    assert.are.same({ 3, 4, 5, 6 }, s(3))
    assert.are.same({ 1, 2 }, s(nil, 2))
    assert.are.same({ 5, 6 }, s(-2))
    assert.are.same({ 2, 3, 4, 5 }, s(2, -2))
    assert.are.same({ 1, 3, 5 }, s(1, 6, 2))
    assert.are.same({ 2, 4, 6 }, s(2, nil, 2))
    assert.are.same({ 6, 5, 4, 3, 2, 1 }, s(nil, nil, -1))
    assert.are.same({ 4, 3, 2 }, s(4, 2, -1))
    assert.are.same({ 6, 4, 2 }, s(-1, 1, -2))
    assert.are.same({ 3, 2, 1 }, s(3, 1, -1))
    assert.are.same({ 1 }, s(1, 1))
    assert.are.same({}, s(4, 3))
    assert.are.same({}, s(2, 4, -1))
    assert.are.same({ 1, 2, 3, 4, 5, 6 }, s(-100, 100)) -- clamped like string.sub
    assert.are.same({ 1, 2 }, s(0, 2)) -- 0 as a start is 1, as in string.sub
    assert.are.same({}, s(1, 0))
    assert.are.equal("INVAL", H.errname(v.slice, v, 1, 1, 2, 0))
    assert.are.equal("AXIS", H.errname(v.slice, v, 2, 1, 2))
    assert.are.equal("AXIS", H.errname(v.slice, v, 0, 1, 2))
    local ax = H.err(v.slice, v, 2, 1, 2)
    assert.are.equal("axis 2 out of range for a 1-d view (Lua axes are 1-based: 1..1 or -1..-1)", ax.message)
    assert.is_true(ash.AxisError:is(ax))
    assert.are.equal("AXIS", H.errname(v.slice, v, -2))
    local z <close> = new({}, "int8")
    assert.are.equal("AXIS", H.errname(z.slice, z, 1, 1, 1))
    assert.truthy(H.errname(v.slice, v, 1, 1.5):find("start must be an integer"))
    -- slices are views: writes go through
    local w <close> = v:slice(1, 2, 3)
    w[1] = 20
    assert.are.equal(20, v[2])
    -- table keys slice axis 1
    local t <close> = v[{ 4, 6 }]
    assert.are.same({ 4, 5, 6 }, t:totable())
    local t2 <close> = v[{ -1, 1, -3 }]
    assert.are.same({ 6, 3 }, t2:totable())
  end)

  it("slices on other axes, index, transpose, permute, reshape", function()
    local v <close> = new({ 2, 3 }, "int16")
    v:write(string.pack("<i2i2i2i2i2i2", 1, 2, 3, 4, 5, 6))
    local c <close> = v:slice(2, 2, 3)
    assert.are.same({ { 2, 3 }, { 5, 6 } }, c:totable())
    local l <close> = v:slice(-1, -1)
    assert.are.same({ { 3 }, { 6 } }, l:totable())
    local col <close> = v:index(2, 3)
    assert.are.same({ 3, 6 }, col:totable())
    local row <close> = v:index(1, -1)
    assert.are.same({ 4, 5, 6 }, row:totable())
    assert.are.equal("INDEX", H.errname(v.index, v, 2, 4))
    assert.are.equal("INDEX", H.errname(v.index, v, 1, 0))
    assert.are.equal("AXIS", H.errname(v.index, v, 3, 1))
    local t <close> = v:transpose()
    assert.are.same({ { 1, 4 }, { 2, 5 }, { 3, 6 } }, t:totable())
    assert.is_false(t:contiguous())
    local p <close> = v:permute(2, 1)
    assert.are.same(t:totable(), p:totable())
    local p2 <close> = v:permute({ -1, 1 })
    assert.are.same(t:totable(), p2:totable())
    assert.are.equal("AXIS", H.errname(v.permute, v, 1, 1))
    local r <close> = v:reshape(3, 2)
    assert.are.same({ { 1, 2 }, { 3, 4 }, { 5, 6 } }, r:totable())
    local r2 <close> = v:reshape({ -1 })
    assert.are.same({ 1, 2, 3, 4, 5, 6 }, r2:totable())
    assert.are.equal("SHAPE", H.errname(v.reshape, v, 4))
    assert.are.equal("CONTIG", H.errname(t.reshape, t, 6))
  end)

  it("view_as, as_readonly, copy_from, fill, read, write", function()
    local v <close> = new(4, "uint32")
    v:fill(0x01020304)
    local b <close> = v:view_as("u1")
    assert.are.same({ 16 }, b:shape())
    assert.are.same({ 4, 3, 2, 1 }, { b[1], b[2], b[3], b[4] })
    assert.are.equal("DTYPE", H.errname(v.view_as, v, "nope"))
    assert.are.equal("DTYPE", H.errname(v.view_as, v, 99))
    local ro <close> = v:as_readonly()
    assert.is_true(ro:readonly())
    local e = H.err(function() ro[1] = 1 end)
    assert.are.equal("RDONLY", e.name)
    assert.is_true(ash.ReadOnly:is(e))
    assert.are.equal("RDONLY", H.errname(ro.fill, ro, 1))
    assert.are.equal("RDONLY", H.errname(ro.write, ro, ("\0"):rep(16)))
    assert.are.equal("RDONLY", H.errname(ro.set, ro, 1, 1))
    assert.are.equal("RDONLY", H.errname(ro.copy_from, ro, v))
    assert.are.equal(0x01020304, ro[1])
    assert.are.equal(string.pack("<I4I4I4I4", 0x01020304, 0x01020304, 0x01020304, 0x01020304), v:read())
    v:write(string.pack("<I4I4I4I4", 1, 2, 3, 4))
    assert.are.same({ 1, 2, 3, 4 }, v:totable())
    assert.are.equal("INVAL", H.errname(v.write, v, "abc"))
    local rev <close> = v:slice(1, nil, nil, -1)
    assert.are.equal(string.pack("<I4I4I4I4", 4, 3, 2, 1), rev:read())
    v:copy_from(rev)
    assert.are.same({ 4, 3, 2, 1 }, v:totable())
    local f <close> = new(4, "float32")
    assert.are.equal("DTYPE", H.errname(v.copy_from, v, f))
    f:fill(2.5)
    assert.are.same({ 2.5, 2.5, 2.5, 2.5 }, f:totable())
    assert.are.equal(f, f:fill("1"))
    assert.are.equal(1.0, f[4])
    assert.are.equal("VALUE", H.errname(v.fill, v, -1))
    assert.truthy(H.errname(v.fill, v, true):find("cannot store a boolean"))
    assert.truthy(H.errname(v.fill, v):find("value expected"))
  end)

  it("pairs iterates the first axis", function()
    local v <close> = new(3, "int8")
    v[1], v[2], v[3] = 1, 2, 3
    local seen = {}
    for i, x in pairs(v) do seen[i] = x end
    assert.are.same({ 1, 2, 3 }, seen)
    local m <close> = new({ 2, 2 }, "int8")
    local n = 0
    for i, row in pairs(m) do
      n = n + 1
      assert.are.same({ 2 }, row:shape())
      assert.are.equal(i, n)
    end
    assert.are.equal(2, n)
  end)

  it("tostring is NumPy-like", function()
    local v <close> = new(3, "float64")
    v[1], v[2], v[3] = 1, 2.5, -0.125
    assert.are.equal("view([1.0, 2.5, -0.125], dtype=float64)", tostring(v))
    local m <close> = new({ 2, 2 }, "int32")
    m[2][2] = -7
    assert.are.equal("view([[0, 0],\n      [0, -7]], dtype=int32)", tostring(m))
    local ro <close> = m:as_readonly()
    assert.are.equal(", readonly)", tostring(ro):sub(-11))
    local b <close> = new(2, "bool")
    b[2] = true
    assert.are.equal("view([false, true], dtype=bool)", tostring(b))
    local big <close> = new({ 2000 }, "uint16")
    assert.are.equal("view([0, 0, 0, ..., 0, 0, 0], dtype=uint16)", tostring(big))
    local z <close> = new({}, "float32")
    assert.are.equal("view(0.0, dtype=float32)", tostring(z))
    local e <close> = new({ 0 }, "int8")
    assert.are.equal("view([], dtype=int8)", tostring(e))
    local f <close> = new(3, "float64")
    f[1], f[2], f[3] = 0 / 0, math.huge, -math.huge
    assert.are.equal("view([nan, inf, -inf], dtype=float64)", tostring(f))
    local cube <close> = new({ 2, 1, 2 }, "uint8")
    assert.are.equal("view([[[0, 0]],\n\n      [[0, 0]]], dtype=uint8)", tostring(cube))
  end)

  it("descriptors round-trip through ash.attach", function()
    local v <close> = new({ 4, 3 }, "float64")
    v[3][2] = 5
    local s <close> = v:slice(1, 2, 4):transpose()
    local d = s:descriptor()
    assert.truthy(d:find("^ash://"))
    local w <close> = ash.attach(d)
    assert.are.same(s:shape(), w:shape())
    assert.are.same(s:totable(), w:totable())
    assert.are.equal(5.0, w[2][2])
    local seg_name = v:segment_name()
    local x <close> = ash.attach(seg_name .. "/data[2:4, 1]")
    assert.are.same({ 5.0, 0.0 }, x:totable())
    local r <close> = ash.attach("ash://" .. seg_name, { readonly = true })
    assert.is_true(r:readonly())
    assert.are.equal("DESC", H.errname(ash.attach, "ash://" .. seg_name .. "/data[1:"))
    assert.truthy(H.errname(ash.attach, seg_name, { bogus = true }):find("unknown option 'bogus'"))
  end)

  it("ptr gives the element address", function()
    local v <close> = new(4, "float64")
    local p = v:ptr()
    assert.are.equal("integer", math.type(p))
    assert.are.equal(core_data or p, require("arrayshare_core").ash_view_data(v))
    local s <close> = v:slice(1, 3)
    assert.are.equal(p + 16, s:ptr())
    local r <close> = v:slice(1, nil, nil, -1)
    assert.are.equal(p + 24, r:ptr())
  end)

  it("retain gives an independent reference", function()
    local v = new(2, "int8")
    local r <close> = v:retain()
    v:close()
    r[1] = 3
    assert.are.equal(3, r[1])
  end)

  H.it_leaves_nothing(it)
end)
