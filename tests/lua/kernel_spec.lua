-- SPDX-License-Identifier: MIT
-- kernel_spec.lua - ash.kernel: compiled code on views from Lua (the C
-- behaviour is tested by tests/c/test-kernel.c and the conformance cases;
-- here: the Lua shape of it and closing).
local H = require "helper"
local ash = require "arrayshare"

local LIB = os.getenv("ASH_TEST_KERNELS")
local AXPY = "void tk_axpy(int n, double a, const double *x, int incx, double *y, int incy)"
local AXPY_BIND = "n=size(x)=size(y), a=a, x=x, incx=inc(x), y=y, incy=inc(y), split(n)"

local function vec(values, dtype)
  local v = ash.create(H.name("k"), #values, dtype or "float64")
  for i, x in ipairs(values) do v[i] = x end
  return v
end

describe("kernels", function()
  it("are called with views, then scalars, by position or by name", function()
    assert.is_not_nil(LIB, "ASH_TEST_KERNELS is set")
    local x <close> = vec({ 1, 2, 3, 4 })
    local y <close> = vec({ 10, 20, 30, 40 })
    local k <close> = ash.kernel(LIB, AXPY, AXPY_BIND)
    assert.are.equal("plain", k:kind())
    assert.are.same({ "x", "y" }, k.views)
    assert.are.same({ "a" }, k.scalars)
    assert.are.same({ "y" }, k:writes())
    assert.is_nil(k(x, y, 2.0))
    assert.are.same({ 12, 24, 36, 48 }, y:totable())
    k(x, y, { a = -1, threads = 2 })
    assert.are.same({ 11, 22, 33, 44 }, y:totable())
    local xr <close> = x:slice(1, nil, nil, -1)
    local yr <close> = y:slice(1, nil, nil, -1)
    k({ x = xr, y = yr, a = 1 })
    assert.are.same({ 12, 24, 36, 48 }, y:totable())
    assert.are.equal("INVAL", H.errname(k, x, y))
    assert.are.equal("INVAL", H.errname(k, x, y, 1, { a = 2 }))
    assert.are.equal("INVAL", H.errname(k, x, y, { b = 1 }))
    local half <close> = x:slice(1, 1, 2)
    assert.are.equal("SHAPE", H.errname(k, half, y, 1))
    k:close()
    k:close()
    assert.is_true(k:closed())
    assert.are.equal("arrayshare.kernel (closed)", tostring(k))
    assert.are.equal("INVAL", H.errname(k, x, y, 1))
  end)

  it("return results, map and loop over views", function()
    local x <close> = vec({ 0, 1, 4, 9 })
    local y <close> = vec({ 0, 0, 0, 0 })
    local sum = ash.kernel(LIB, "double tk_sum(int64_t n, const double *x, int64_t inc)",
                           "n=size(x), x=x, inc=stride(x)")
    assert.are.equal(14.0, sum(x))
    local minus = ash.kernel(LIB, "int8_t tk_minus(int8_t x)", "x=v")
    assert.are.equal(-5, minus(5))
    assert.are.equal("integer", math.type(minus(5)))
    assert.are.equal(7, ash.kernel(nil, "long labs(long x)", "x=x")(-7))
    local sqrt <close> = ash.kernel("libm.so.6", "map double sqrt(double)")
    assert.are.equal("map", sqrt:kind())
    sqrt(x, y)
    assert.are.same({ 0, 1, 2, 3 }, y:totable())
    local add <close> = ash.kernel(LIB, "loop tk_add(f8 a, f8 b -> f8 out)", nil, { threads = 2 })
    add(x, y, y)
    assert.are.same({ 0, 2, 6, 12 }, y:totable())
    assert.are.equal("LIBRARY", H.errname(ash.kernel, "libash-nope.so.1", "map double f(double)"))
    assert.are.equal("SIGNATURE", H.errname(ash.kernel, LIB, "void f(struct s x)"))
    assert.is_true(ash.max_threads() >= 1)
  end)

  H.it_leaves_nothing(it)
end)
