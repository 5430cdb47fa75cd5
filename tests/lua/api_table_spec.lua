-- SPDX-License-Identifier: MIT
-- api_table_spec.lua - the rows of docs/api-table.md as the Lua layer
-- follows them: the same operations, option names and defaults as in
-- Python and Ruby.
local H = require "helper"
local ash = require "arrayshare"

local mode_of = H.mode_of

local function sh(cmd)
  local p = io.popen(cmd)
  local out = p:read("a")
  p:close()
  return out
end

describe("api table", function()
  it("create: dtype float64, policy auto, mode 0600 by default", function()
    local name = H.name("def")
    do
      local v <close> = ash.create(name, { 2, 3 })
      assert.are.equal("float64", v:dtype())
      assert.are.equal("600", mode_of(name))
      local s <close> = v:segment()
      assert.are.equal("auto", s:policy())
    end
    collectgarbage()
    assert.is_false(H.shm_exists(name))
    local p <close> = ash.create(name, 1, nil, { persist = true, mode = "640" })
    assert.are.equal("640", mode_of(name))
    local s <close> = p:segment()
    assert.are.equal("persist", s:policy())
    s:close()
    p:close()
    assert.is_true(ash.unlink(name))
  end)

  it("create with or_open", function()
    local name = H.name("oo")
    local a <close> = ash.create(name, { 2, 2 }, "int32", { or_open = true })
    a:set(2, 2, 5)
    local b <close> = ash.create(name, { 2, 2 }, "int32", { or_open = true })
    assert.are.equal(5, b[2][2])
    local e = H.err(ash.create, name, 4, "int32", { or_open = true })
    assert.is_true(ash.Exists:is(e))
    assert.truthy(e.message:find("holding int32 (2, 2), not int32 (4)", 1, true))
    assert.are.equal("EXIST", H.errname(ash.create, name, { 2, 2 }, "int32"))
  end)

  it("attach: readonly, noattach, file", function()
    local name = H.name("att")
    local v <close> = ash.create(name, 3, "uint8", { persist = true })
    v[1] = 7
    local r <close> = ash.attach(name, { readonly = true })
    assert.is_true(r:readonly())
    assert.are.equal("RDONLY", H.errname(function() r[1] = 1 end))
    local s <close> = ash.segment_open(name)
    local n <close> = ash.attach(name, { noattach = true })
    assert.is_true(n:readonly())
    assert.are.equal(1, (s:attachers())) -- the inspection is not counted
    local dir = sh("mktemp -d"):gsub("%s+$", "")
    local path = dir .. "/seg"
    do
      local f <close> = ash.create(path, 2, nil, { file = true, persist = true })
      f[2] = 2.5
      local g <close> = ash.attach(path, { file = true })
      assert.are.equal(2.5, g[2])
    end
    assert.is_true(ash.unlink(path, { file = true }))
    os.remove(dir)
    v:close(); r:close(); n:close(); s:close()
    assert.is_true(ash.unlink(name))
  end)

  it("unlink with missing_ok, exists, ls, gc, clear_cache", function()
    local name = H.name("ul")
    ash.create(name, 1, nil, { persist = true }):close()
    assert.is_true(ash.exists(name))
    local listed = false
    for _, n in ipairs(ash.ls()) do listed = listed or n == name end
    assert.is_true(listed)
    assert.is_true(ash.unlink(name))
    assert.is_false(ash.exists(name))
    assert.is_false(ash.unlink(name, { missing_ok = true }))
    assert.are.equal("NOENT", H.errname(ash.unlink, name))
    assert.are.equal("integer", math.type(ash.gc()))
    assert.is_nil(ash.clear_cache())
  end)

  it("arena_bytes and dtype", function()
    assert.are.equal(ash.core.ash_arena_bytes_for(ash.core.ASH_FLOAT64, { 10 }, 0), ash.arena_bytes(10))
    assert.are.equal(ash.core.ash_arena_bytes_for(ash.core.ASH_UINT8, { 100, 100 }, 0),
                     ash.arena_bytes({ 100, 100 }, "uint8"))
    assert.are.equal("float64", ash.dtype("f8"))
  end)

  it("segment_create: arena_bytes, max_arrays default, max_attachers", function()
    do
      local s <close> = ash.segment_create(H.name("seg"), { arrays = { { "a", { 2 } } } })
      local a <close> = s:view("a")
      assert.are.equal("float64", a:dtype())
      assert.are.equal("FULL", H.errname(s.add_array, s, "b", 1))
    end
    do
      local s <close> = ash.segment_create(H.name("seg"), { arrays = { { "a", 2, "int8" } }, arena_bytes = 4096 })
      for i = 1, 16 do s:add_array("x" .. i, 1):close() end
      assert.are.equal("FULL", H.errname(s.add_array, s, "more", 1))
      local x <close> = s:view("x1")
      assert.are.equal("float64", x:dtype())
    end
    do
      local s <close> = ash.segment_create(H.name("seg"), { arena_bytes = 4096, max_arrays = 2 })
      s:add_array("a", 1):close()
      s:add_array("b", 1):close()
      assert.are.equal("FULL", H.errname(s.add_array, s, "c", 1))
      local first <close> = s:view()
      assert.are.equal("a", first:array_name())
    end
    assert.truthy(H.errname(ash.segment_create, H.name("seg")):find("arena_bytes or arrays required"))
    assert.are.equal("INVAL", H.errname(ash.segment_create, H.name("seg"), { arena_bytes = 64, max_attachers = 0 }))
    local name = H.name("cap1")
    local s <close> = ash.segment_create(name, { arena_bytes = 64, max_attachers = 1 })
    local out = H.run_lua(("local ash = require 'arrayshare'; local ok, e = pcall(ash.segment_open, %q); "
                       .. "io.write(ok and 'opened' or e.name)"):format(name))
    assert.are.equal("FULL", out)
  end)

  it("segment_open: readonly, noattach", function()
    local name = H.name("so")
    ash.segment_create(name, { arrays = { { "a", 2, "int16" } }, persist = true }):close()
    do
      local s <close> = ash.segment_open(name, { readonly = true })
      assert.is_true(s:readonly())
      local a <close> = s:view("a")
      assert.is_true(a:readonly())
    end
    do
      local s <close> = ash.segment_open(name, { noattach = true })
      assert.are.equal(0, (s:attachers()))
    end
    assert.is_true(ash.unlink(name))
  end)

  it("views: as_readonly, ipairs over rows", function()
    local v <close> = ash.create(H.name("ro"), { 2, 3 }, "int32")
    local r <close> = v:as_readonly()
    assert.is_true(r:readonly())
    assert.is_false(v:readonly())
    local n = 0
    for i, row in ipairs(v) do
      n = i
      assert.are.same({ 0, 0, 0 }, row:totable())
    end
    assert.are.equal(2, n)
  end)

  H.it_leaves_nothing(it)
end)
