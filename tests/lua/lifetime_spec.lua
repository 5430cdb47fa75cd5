-- SPDX-License-Identifier: MIT
-- lifetime_spec.lua - close, <close>, __gc, use after close, views keeping
-- the mapping alive, persist vs auto.
local H = require "helper"
local ash = require "arrayshare"

describe("lifetime", function()
  it("use after close raises and never crashes", function()
    local v = ash.create(H.name("uac"), { 2, 3 }, "float64")
    local row = v[1]
    v:close()
    v:close() -- idempotent
    assert.is_true(v:closed())
    assert.are.equal("arrayshare.view(closed)", tostring(v))
    local uses = {
      function() return v[1] end,
      function() v[1] = 1 end,
      function() return #v end,
      function() return v[{ 1, 2 }] end,
      function() for _ in pairs(v) do end end,
    }
    for _, m in ipairs({ "shape", "strides", "dtype", "ndim", "size", "nbytes", "itemsize", "readonly",
      "totable", "read", "ptr", "transpose", "descriptor", "segment", "as_readonly", "retain", "offset",
      "contiguous" }) do
      uses[#uses + 1] = function() return v[m](v) end
    end
    uses[#uses + 1] = function() return v:get(1, 1) end
    uses[#uses + 1] = function() return v:set(1, 1, 0) end
    uses[#uses + 1] = function() return v:fill(1) end
    uses[#uses + 1] = function() return v:write("") end
    uses[#uses + 1] = function() return v:slice(1, 1, 1) end
    uses[#uses + 1] = function() return v:reshape(6) end
    uses[#uses + 1] = function() return v:view_as("u1") end
    uses[#uses + 1] = function() return v:index(1, 1) end
    uses[#uses + 1] = function() return v:permute(2, 1) end
    uses[#uses + 1] = function() return v:dim(1) end
    uses[#uses + 1] = function() return row:copy_from(v) end
    for k, f in ipairs(uses) do
      local e = H.err(f)
      assert.are.equal("INVAL", e.name, "use #" .. k)
      assert.are.equal("view is closed", e.message, "use #" .. k)
      assert.is_true(ash.InvalidArgument:is(e))
    end
    -- the sub-view made before the close still holds the mapping
    row[3] = 7
    assert.are.equal(7.0, row[3])
    row:close()
  end)

  it("<close> releases at the end of the scope (and on errors)", function()
    local name = H.name("scope")
    do
      local v <close> = ash.create(name, 4, "int32")
      v[1] = 1
      assert.is_true(H.shm_exists(name))
    end
    assert.is_false(H.shm_exists(name)) -- policy auto: the last close unlinked it
    local name2 = H.name("scope_err")
    local ok = pcall(function()
      local v <close> = ash.create(name2, 4, "int32")
      error("boom")
    end)
    assert.is_false(ok)
    assert.is_false(H.shm_exists(name2))
    local name3 = H.name("scope_seg")
    do
      local seg <close> = ash.segment_create(name3, { arrays = { { "a", 1 } } })
    end
    assert.is_false(H.shm_exists(name3))
  end)

  it("garbage collection releases views, segments and lists", function()
    local name = H.name("gc")
    do
      local v = ash.create(name, 4, "int32")
      v = nil
    end
    collectgarbage()
    collectgarbage()
    assert.is_false(H.shm_exists(name))
    local name2 = H.name("gcseg")
    do
      local seg = ash.segment_create(name2, { arrays = { { "a", 1 } } })
      seg = nil
    end
    collectgarbage()
    collectgarbage()
    assert.is_false(H.shm_exists(name2))
    do
      local l = ash.core.ash_list_segments()
      l = nil
    end
    collectgarbage()
  end)

  it("views keep the segment mapped after the segment handle closes", function()
    local name = H.name("keep")
    local seg = ash.segment_create(name, { arrays = { { "a", 8, "float64" } } })
    local a = seg:view("a")
    local s = a:slice(1, 2, 5)
    local t = s:transpose()
    seg:close()
    a[2] = 5
    assert.are.equal(5.0, s[1])
    assert.are.equal(5.0, t[1])
    a:close()
    assert.is_true(H.shm_exists(name)) -- s and t still hold it
    s[4] = 9
    assert.are.equal(9.0, t[4])
    s:close()
    t[1] = 1
    t:close()
    collectgarbage()
    assert.is_false(H.shm_exists(name))
  end)

  it("a view outlives an unlink of its name", function()
    local name = H.name("unl")
    local v <close> = ash.create(name, 3, "int8", { persist = true })
    ash.unlink(name)
    assert.is_false(H.shm_exists(name))
    v[1] = 3
    assert.are.equal(3, v[1])
    assert.are.equal("NOENT", H.errname(ash.attach, name))
  end)

  it("persist segments stay until unlinked; auto ones go with the last handle", function()
    local p, a = H.name("persist"), H.name("auto")
    local vp = ash.create(p, 2, "int8", { persist = true })
    local va = ash.create(a, 2, "int8")
    vp[1], va[1] = 1, 2
    vp:close()
    va:close()
    assert.is_true(H.shm_exists(p))
    assert.is_false(H.shm_exists(a))
    assert.is_true(ash.exists(p))
    local w <close> = ash.attach(p)
    assert.are.equal(1, w[1])
    ash.unlink(p)
    assert.is_false(ash.exists(p))
  end)

  it("mode bits are applied", function()
    local name = H.name("mode")
    local v <close> = ash.create(name, 1, "int8", { mode = tonumber("640", 8) })
    local p = io.popen("stat -c %a /dev/shm/ash." .. name)
    local m = p:read("l")
    p:close()
    assert.are.equal("640", m)
  end)

  it("ls and gc", function()
    local name = H.name("ls")
    local v <close> = ash.create(name, 1, "int8")
    local found = false
    for _, n in ipairs(ash.ls()) do
      if n == name then found = true end
    end
    assert.is_true(found)
    assert.are.equal("integer", math.type(ash.gc()))
    assert.is_true(H.shm_exists(name)) -- we are alive: never reaped
  end)

  H.it_leaves_nothing(it)
end)
