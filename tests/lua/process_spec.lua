-- SPDX-License-Identifier: MIT
-- process_spec.lua - a second Lua process (lua5.4 via io.popen) attaches by
-- name or descriptor, reads and writes back; crash cleanup with ash.gc.
local H = require "helper"
local ash = require "arrayshare"

local PRELUDE = [[
io.stdout:setvbuf("line")
local ash = require "arrayshare"
]]

local function child(code, ...)
  local out, ok = H.run_lua(PRELUDE .. code:format(...))
  return out, ok
end

describe("a second process", function()
  it("attaches by name, reads and writes back", function()
    local name = H.name("p")
    local v <close> = ash.create(name, { 2, 3 }, "float64")
    v[1][2] = 1.25
    local out, ok = child([[
      local v <close> = ash.attach(%q)
      print(v[1][2], table.concat(v:shape(), "x"), v:dtype())
      v[2][3] = v[1][2] * 2
    ]], name)
    assert.is_true(ok, out)
    assert.are.equal("1.25\t2x3\tfloat64\n", out)
    assert.are.equal(2.5, v[2][3])
  end)

  it("attaches a view by descriptor (slice + transpose)", function()
    local name = H.name("pd")
    local v <close> = ash.create(name, { 4, 3 }, "int32")
    local s <close> = v:slice(1, 2, 4):transpose() -- 3x3, rows 2..4 of v, transposed
    local out, ok = child([[
      local s <close> = ash.attach(%q)
      print(table.concat(s:shape(), "x"))
      s[3][1] = 42   -- v[2][3]
      s:set(1, 3, 7) -- v[4][1]
    ]], s:descriptor())
    assert.is_true(ok, out)
    assert.are.equal("3x3\n", out)
    assert.are.equal(42, v[2][3])
    assert.are.equal(7, v[4][1])
  end)

  it("a read-only attacher cannot write", function()
    local name = H.name("pro")
    local v <close> = ash.create(name, 3, "uint8")
    local out, ok = child([[
      local r <close> = ash.attach(%q, {readonly = true})
      local ok, e = pcall(function() r[1] = 1 end)
      print(ok, e.name, ash.ReadOnly:is(e))
      local ok2, e2 = pcall(ash.attach, %q)
      print(ok2, e2.name)
    ]], name, H.name("nothere"))
    assert.is_true(ok, out)
    assert.are.equal("false\tRDONLY\ttrue\nfalse\tNOENT\n", out)
    assert.are.equal(0, v[1])
  end)

  it("shares memory while both run", function()
    local name = H.name("pc")
    local v <close> = ash.create(name, 4, "int64")
    local seg <close> = v:segment()
    local tmp = os.tmpname()
    local f = assert(io.open(tmp, "w"))
    f:write(PRELUDE, ([[
      local v <close> = ash.attach(%q)
      print("ready")
      local t0 = os.time()
      while v[1] ~= 1 do
        if os.time() - t0 > 30 then print("timeout") os.exit(1) end
      end
      v[2] = 2
      print("done")
    ]]):format(name))
    f:close()
    local p = io.popen(H.lua .. " " .. tmp .. " 2>&1")
    assert.are.equal("ready", p:read("l"))
    local alive, dead = seg:attachers()
    assert.are.equal(2, alive)
    assert.are.equal(0, dead)
    v[1] = 1
    assert.are.equal("done", p:read("l"))
    assert.is_true(p:close())
    os.remove(tmp)
    assert.are.equal(2, v[2])
    alive = seg:attachers()
    assert.are.equal(1, alive) -- the child detached when it closed its view
  end)

  it("a crashed creator's auto segment is reaped by ash.gc", function()
    local name = H.name("crash")
    local out, ok = child([[
      local v = ash.create(%q, 8, "int8")
      v[1] = 1
      print("made")
      os.execute("kill -KILL $PPID") -- a crash: the segment stays with a dead attacher
      os.exit(0)
    ]], name)
    assert.matches("^made\n", out)
    assert.is_not_true(ok) -- killed
    assert.is_true(H.shm_exists(name))
    do
      local seg <close> = ash.segment_open(name, { noattach = true })
      local alive, dead, list = seg:attachers()
      assert.are.equal(0, alive)
      assert.are.equal(1, dead)
      assert.is_false(list[1].alive)
    end
    assert.is_true(ash.gc() >= 1)
    assert.is_false(H.shm_exists(name))
  end)

  it("a dead attacher of a persist segment is cleared, the segment kept", function()
    local name = H.name("pdead")
    local v <close> = ash.create(name, 2, "int8", { persist = true })
    local out, ok = child([[
      local v = ash.attach(%q)
      v[2] = 5
      os.execute("kill -KILL $PPID") -- a crash, attached
      os.exit(0)
    ]], name)
    assert.is_not_true(ok, out)
    assert.are.equal(5, v[2])
    local seg <close> = v:segment()
    local alive, dead = seg:attachers()
    assert.are.equal(1, alive)
    assert.are.equal(1, dead)
    ash.gc()
    alive, dead = seg:attachers()
    assert.are.equal(1, alive)
    assert.are.equal(0, dead)
    assert.is_true(H.shm_exists(name)) -- persist: kept
    ash.unlink(name)
  end)

  H.it_leaves_nothing(it)
end)
