-- SPDX-License-Identifier: MIT
-- sync_spec.lua - coordination from Lua: local l <close> = v:lock(),
-- owner death (a second Lua process killed holding the lock), versions,
-- waits, atomics (1-based indices) and rings.
local H = require "helper"
local ash = require "arrayshare"

local PRELUDE = [[
local ash = require "arrayshare"
local function mypid()
  local f = io.open("/proc/self/stat"); local s = f:read("l"); f:close()
  return s:match("^(%d+)")
end
]]

describe("coordination", function()
  it("locks with <close> and reports misuse", function()
    local v <close> = ash.create(H.name("l"), { 4 }, "int64")
    do
      local l <close> = v:lock(1.0)
      assert.is_true(l.held)
      assert.are.equal("held", (v:lock_state()))
      local ok, e = pcall(v.lock, v, 0.01)
      assert.is_false(ok)
      assert.is_true(ash.Deadlock:is(e))
      v[1] = v[1] + 1
    end
    local st, pid = v:lock_state()
    assert.are.same({ "free", 0 }, { st, pid })
    local ok, e = pcall(v.unlock, v)
    assert.is_false(ok)
    assert.is_true(ash.NotOwner:is(e))
    assert.are.equal(5, v:synchronize(function() return 5 end, 1))
    local l = v:try_lock()
    assert.is_not_nil(l)
    l:unlock()
    assert.is_false(l.held)
  end)

  it("hands a killed owner's lock over with the error holding it", function()
    local name = H.name("d")
    local v <close> = ash.create(name, { 4 }, "int64")
    local out, ok = H.run_lua(PRELUDE .. ([[
      local v = ash.attach(%q)
      v:lock()
      os.execute("kill -9 " .. mypid())
    ]]):format(name))
    assert.is_falsy(ok, out)
    assert.are.equal("owner_dead", (v:lock_state()))
    local ok2, e = pcall(v.lock, v, 5)
    assert.is_false(ok2)
    assert.is_true(ash.OwnerDead:is(e))
    assert.is_true(e.lock.held)
    e.lock:consistent()
    e.lock:unlock()
    -- exiting normally while holding releases with owner-dead semantics
    out, ok = H.run_lua(PRELUDE .. ([[
      local v = ash.attach(%q)
      v:lock()
      os.exit(0)
    ]]):format(name))
    assert.is_true(ok, out)
    assert.are.equal("abandoned", (v:lock_state()))
    local repaired = false
    do
      local l <close> = v:lock(5, { repair = function() repaired = true end })
    end
    assert.is_true(repaired)
  end)

  it("publishes versions, snapshots and waits", function()
    local name = H.name("v")
    local v <close> = ash.create(name, { 2 }, "int32")
    assert.are.equal(0, v:version())
    do
      local w <close> = v:writing()
      assert.is_false(w.owner_died)
      v:fill(5)
    end
    assert.are.equal(1, v:version())
    local version, bytes = v:snapshot()
    assert.are.equal(1, version)
    local a, b = string.unpack("<i4<i4", bytes)
    assert.are.same({ 5, 5 }, { a, b })
    assert.is_nil(v:wait_change(1, 0.02))
    assert.are.equal(1, v:wait_change(0, 0.02))
    local out, ok = H.run_lua(PRELUDE .. ([[
      local v = ash.attach(%q)
      local w <close> = v:writing()
      v:fill(9)
    ]]):format(name))
    assert.is_true(ok, out)
    assert.are.equal(2, v:wait_change(1, 5))
    assert.are.equal(0, v:notify())
    assert.are.equal(3, v:version())
    local seg <close> = ash.segment_create(H.name("w"), { arrays = { { "x", { 1 }, "int8" },
                                                                    { "y", { 1 }, "int8" } } })
    local x <close> = seg:view("x")
    local y <close> = seg:view("y")
    y:notify()
    assert.are.equal(2, ash.wait_any({ { x, 0 }, { y, 0 } }, 1))
    assert.is_nil(ash.wait_any({ { x, 0 }, { y, 1 } }, 0.02))
  end)

  it("does atomics on 1-based elements", function()
    local v <close> = ash.create(H.name("a"), { 3 }, "int64")
    assert.are.equal(0, v:atomic_add(1))
    assert.are.equal(1, v:atomic_add(1, 5))
    assert.are.equal(6, v:atomic_sub(1, 2))
    assert.are.equal(4, v:atomic_cas(1, 1, 99))
    assert.are.equal(4, v:atomic_cas(1, 4, 99))
    assert.are.equal(99, v:atomic_exchange(1, 3))
    assert.are.equal(3, v:atomic_load(1))
    assert.are.equal(3, v[1])
    assert.are.same({ 0, 0, 1 }, v:atomic_many("add", { 2, 3, 2 }))
    assert.are.same({ 2, 1 }, v:atomic_many("load", { 2, 3 }))
    local f <close> = ash.create(H.name("f"), { 2 }, "float64")
    local ok, e = pcall(f.atomic_add, f, 1)
    assert.is_false(ok)
    assert.is_true(ash.DtypeError:is(e))
  end)

  it("locks the segment", function()
    local seg <close> = ash.segment_create(H.name("s"), { arena_bytes = 4096 })
    do
      local l <close> = seg:lock(1)
      assert.are.equal("held", (seg:lock_state()))
    end
    assert.are.equal("free", (seg:lock_state()))
  end)

  it("passes slots through a ring", function()
    local n = H.name("r")
    local p <close> = ash.ring_create(n, "frames", { 2 }, "uint8", 4, { backpressure = true })
    local c <close> = ash.ring_attach(n .. "/frames", { consumer = true })
    assert.are.same({ 4, 2, 1 }, { p:nslots(), p:slot_nbytes(), c:consumers() })
    assert.is_nil(c:read(0.01))
    p:write("\1\2")
    do
      local s <close> = p:write_slot()
      s.view:fill(3)
    end
    assert.are.same({ 0, "\1\2" }, { c:read() })
    do
      local s <close> = c:read_slot()
      assert.are.equal(1, s.seq)
      assert.are.equal(3, s.view[2])
    end
    assert.are.same({ 2, 0, 2 }, { c:cursor(), c:missed(), p:head() })
    local ok, e = pcall(c.write, c, "ab")
    assert.is_false(ok)
    assert.is_true(ash.Exists:is(e))
  end)

  H.it_leaves_nothing(it)
end)
