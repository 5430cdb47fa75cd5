-- SPDX-License-Identifier: MIT
-- rows_spec.lua - v[i] of an n-d view (a row: a real view, made lazily and
-- cached by its parent), the element fast paths of v[i][j] and
-- v:get/v:set, and ipairs stopping at the end.
local H = require "helper"
local ash = require "arrayshare"

local function new(shape, dtype, tag)
  return ash.create(H.name(tag or "r"), shape, dtype)
end

-- fills a 2-d view with 10 * i + j (1-based)
local function fill2(v)
  local s = v:shape()
  for i = 1, s[1] do
    for j = 1, s[2] do v:set(i, j, 10 * i + j) end
  end
end

describe("rows", function()
  it("v[i][j], v:get and v:set agree, negative indices included", function()
    local v <close> = new({ 3, 4 }, "float64")
    fill2(v)
    for i = 1, 3 do
      for j = 1, 4 do
        assert.are.equal(10 * i + j, v[i][j])
        assert.are.equal(10 * i + j, v:get(i, j))
        assert.are.equal(v[i][j], v[i - 4][j - 5])
        assert.are.equal(v[i][j], v:get(i - 4, j - 5))
      end
    end
    v[2][3] = 0.5
    assert.are.equal(0.5, v:get(2, 3))
    v:set(-1, -1, 7)
    assert.are.equal(7, v[3][4])
    assert.are.equal(7, v:get(12)) -- one flat index: the general path
    assert.are.equal("INDEX", H.errname(v.get, v, 4, 1))
    assert.are.equal("INDEX", H.errname(v.get, v, 1, 5))
    assert.are.equal("INDEX", H.errname(v.get, v, 0, 1))
    assert.are.equal("INDEX", H.errname(v.set, v, 1, -5, 1))
    assert.are.equal("INDEX", H.errname(function() return v[4] end))
    assert.are.equal("INDEX", H.errname(function() return v[1][5] end))
    assert.are.equal("INDEX", H.errname(function() return v[1][0] end))
    -- conversions the fast path does not take go through the C setters
    assert.are.equal("VALUE", H.errname(v.set, v, 1, 1, (1 << 53) + 1))
    assert.truthy(H.errname(v.set, v, 1, 1, "x"):find("cannot store a string"))
    v:set(1, 1, "2.5") -- a numeric string is a number
    assert.are.equal(2.5, v[1][1])
  end)

  it("integer and bool dtypes through the fast paths", function()
    local v <close> = new({ 2, 3 }, "uint8")
    v:set(1, 2, 255)
    v[2][3] = 3
    assert.are.equal(255, v[1][2])
    assert.are.equal(3, v:get(2, 3))
    assert.are.equal("integer", math.type(v:get(1, 2)))
    assert.are.equal("VALUE", H.errname(v.set, v, 1, 1, 256))
    assert.are.equal("VALUE", H.errname(function() v[1][1] = -1 end))
    assert.are.equal("VALUE", H.errname(v.set, v, 1, 1, 1.5))
    local b <close> = new({ 2, 2 }, "bool")
    b:set(1, 1, true)
    b[2][2] = 1
    assert.is_true(b:get(1, 1))
    assert.is_true(b[2][2])
    assert.is_false(b[1][2])
  end)

  it("a row is a real view: methods, descriptor, identity while alive", function()
    local v <close> = new({ 3, 4 }, "int32")
    fill2(v)
    local r = v[2]
    assert.is_true(ash.is_view(r))
    assert.are.equal(r, v[2]) -- the cached row
    assert.is_true(rawequal(r, v[-2]))
    assert.are.same({ 4 }, r:shape())
    assert.are.equal(4, #r)
    assert.are.same({ 21, 22, 23, 24 }, r:totable())
    r:fill(5)
    assert.are.same({ 5, 5, 5, 5 }, v[2]:totable())
    local w <close> = ash.attach(r:descriptor())
    assert.are.same({ 5, 5, 5, 5 }, w:totable())
    assert.are.equal("view([5, 5, 5, 5], dtype=int32)", tostring(v[2]))
    v[3] = 9 -- n-d assignment fills the row
    assert.are.same({ 9, 9, 9, 9 }, v[3]:totable())
  end)

  it("rows outlive their parent; a closed row is replaced", function()
    local v = new({ 2, 3 }, "float64")
    fill2(v)
    local r1, r2 = v[1], v[2]
    r2:shape() -- r2 has its C view now, r1 is still lazy
    v:close()
    assert.are.equal(12, r1[2])
    assert.are.equal(23, r2:get(3))
    r1[3] = -1
    assert.are.equal(-1, r1:get(3))
    assert.are.same({ 11, 12, -1 }, r1:totable())
    r1:close()
    r2:close()
    assert.is_true(r1:closed())
    assert.are.equal("INVAL", H.errname(function() return r1[1] end))
    assert.are.equal("arrayshare.view(closed)", tostring(r1))

    local u <close> = new({ 2, 2 }, "float64")
    local a = u[1]
    a:close()
    local b = u[1]
    assert.is_false(b:closed())
    assert.is_false(rawequal(a, b))
    b[1] = 4
    assert.are.equal(4, u:get(1, 1))
  end)

  it("3-d views: rows of rows", function()
    local v <close> = new({ 2, 3, 4 }, "float64")
    v:set(2, 3, 4, 1.5)
    v[1][2][3] = 2.5
    assert.are.equal(1.5, v[2][3][4])
    assert.are.equal(2.5, v:get(1, 2, 3))
    assert.are.same({ 3, 4 }, v[2]:shape())
    assert.are.same({ 4 }, v[2][3]:shape())
    assert.are.equal(v[2][3], v[2][3])
    assert.are.equal(1.5, v[-1][-1][-1])
  end)

  it("read-only views and rows refuse writes", function()
    local v <close> = new({ 2, 2 }, "float64")
    local r <close> = v:as_readonly()
    assert.are.equal("RDONLY", H.errname(r.set, r, 1, 1, 1))
    assert.are.equal("RDONLY", H.errname(function() r[1][1] = 1 end))
    assert.is_true(r[1]:readonly())
    v:set(1, 1, 3)
    assert.are.equal(3, r[1][1])
    assert.are.equal(3, r:get(1, 1))
  end)

  it("ipairs stops at the end; other reads out of range raise", function()
    local v <close> = new({ 4 }, "int64")
    for i = 1, 4 do v[i] = i * i end
    local seen = {}
    for i, x in ipairs(v) do seen[i] = x end
    assert.are.same({ 1, 4, 9, 16 }, seen)
    assert.are.equal("INDEX", H.errname(function() return v[5] end))
    assert.are.equal("INDEX", H.errname(function() return v[0] end))
    local m <close> = new({ 3, 2 }, "float64")
    fill2(m)
    local rows = 0
    for i, row in ipairs(m) do
      rows = rows + 1
      assert.are.same({ 10 * i + 1, 10 * i + 2 }, row:totable())
    end
    assert.are.equal(3, rows)
    local e <close> = new({ 0 }, "float64")
    for _ in ipairs(e) do error("an empty view yields nothing") end
    assert.are.equal("INDEX", H.errname(function() return m[4] end))
  end)

  H.it_leaves_nothing(it)
end)
