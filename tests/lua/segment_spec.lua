-- SPDX-License-Identifier: MIT
-- segment_spec.lua - ash.segment_create / segment_open and segment methods.
local H = require "helper"
local ash = require "arrayshare"

describe("segments", function()
  it("segment_create with arrays, then inspect", function()
    local name = H.name("seg")
    local seg <close> = ash.segment_create(name, {
      arrays = { { "frames", { 2, 3 }, "uint8" }, { name = "labels", shape = 4, dtype = "int64" }, { "t", {} } },
    })
    assert.is_true(ash.is_segment(seg))
    assert.are.same({ "frames", "labels", "t" }, seg:arrays())
    assert.are.equal(3, seg:array_count())
    assert.are.equal(name, seg:name())
    assert.are.equal("auto", seg:policy())
    assert.is_false(seg:readonly())
    assert.are.equal(tonumber(H.pid), seg:creator_pid())
    assert.is_true(seg:ctime() > 0)
    assert.are.equal(ash.core.ASH_FORMAT_MINOR, seg:format_minor())
    assert.is_true(seg:arena_free() < 4096) -- sized for the arrays (page-rounded)
    assert.is_true(seg:size() > 0)
    assert.are.equal(('arrayshare.segment("%s", arrays=3, auto)'):format(name), tostring(seg))

    local frames <close> = seg:view("frames")
    assert.are.same({ 2, 3 }, frames:shape())
    assert.are.equal("uint8", frames:dtype())
    local first <close> = seg:view()
    assert.are.equal("frames", first:array_name())
    local labels <close> = seg:view("labels")
    assert.are.same({ 4 }, labels:shape())
    assert.are.equal("int64", labels:dtype())
    local t <close> = seg:view("t")
    assert.are.equal("float64", t:dtype())
    assert.are.equal(0, t:ndim())
    assert.are.equal("NOENT", H.errname(seg.view, seg, "missing"))
    assert.is_true(ash.NotFound:is(H.err(seg.view, seg, "missing")))

    local alive, dead, list = seg:attachers()
    assert.are.equal(1, alive)
    assert.are.equal(0, dead)
    assert.are.same({ { pid = tonumber(H.pid), alive = true } }, list)

    assert.are.equal("FULL", H.errname(seg.add_array, seg, "more", 1, "int8"))
    -- the name goes with the last handle (policy auto)
  end)

  it("segment_create with arena_bytes; add_array; errors", function()
    local name = H.name("arena")
    local seg <close> = ash.segment_create(name, { arena_bytes = 4096, max_arrays = 3, persist = true })
    assert.are.equal("persist", seg:policy())
    assert.are.same({}, seg:arrays())
    assert.are.equal("NOENT", H.errname(seg.view, seg))
    local a <close> = seg:add_array("a", { 10 }, "f4")
    assert.are.equal("float32", a:dtype())
    a[10] = 1.5
    assert.are.equal("EXIST", H.errname(seg.add_array, seg, "a", 1))
    assert.are.equal("NAME", H.errname(seg.add_array, seg, "bad/name", 1))
    assert.are.equal("NAME", H.errname(seg.add_array, seg, ("x"):rep(64), 1))
    assert.are.equal("DTYPE", H.errname(seg.add_array, seg, "b", 1, "nope"))
    assert.are.equal("SHAPE", H.errname(seg.add_array, seg, "b", { -3 }))
    assert.are.equal("FULL", H.errname(seg.add_array, seg, "b", { 10000 }))
    local b <close> = seg:add_array("b", 2)
    local c <close> = seg:add_array("c", 2)
    assert.are.equal("FULL", H.errname(seg.add_array, seg, "d", 1)) -- directory full
    assert.are.same({ "a", "b", "c" }, seg:arrays())

    local ro <close> = ash.segment_open(name, { readonly = true })
    assert.is_true(ro:readonly())
    local ra <close> = ro:view("a")
    assert.are.equal(1.5, ra[10])
    assert.is_true(ra:readonly())
    assert.are.equal("RDONLY", H.errname(function() ra[1] = 2 end))

    seg:unlink()
    assert.is_false(H.shm_exists(name))
    assert.are.equal("NOENT", H.errname(seg.unlink, seg))
    -- views and handles keep working after the unlink
    a[1] = 4
    assert.are.equal(4.0, ra[1])
  end)

  it("segment_create refuses bad input", function()
    assert.truthy(H.errname(ash.segment_create, H.name("x")):find("arena_bytes or arrays required"))
    assert.truthy(H.errname(ash.segment_create, H.name("x"), { size = 1 }):find("unknown option 'size'"))
    assert.truthy(H.errname(ash.segment_create, H.name("x"), { arrays = 3 }):find("arrays must be a table"))
    assert.truthy(H.errname(ash.segment_create, H.name("x"), { arrays = { 3 } }):find("arrays%[1%]"))
    assert.are.equal("NAME", H.errname(ash.segment_create, "bad/name", { arena_bytes = 64 }))
    assert.are.equal("INVAL", H.errname(ash.segment_create, H.name("x"), { arena_bytes = 64, max_arrays = 0 }))
    assert.are.equal("DTYPE", H.errname(ash.segment_create, H.name("x"), { arrays = { { "a", 1, "zz" } } }))
    -- a failing array leaves no segment behind
    local name = H.name("half")
    assert.are.equal("NAME", H.errname(ash.segment_create, name, { arrays = { { "ok", 1 }, { "bad/x", 1 } } }))
    assert.is_false(H.shm_exists(name))
  end)

  it("or_open opens an existing segment and adds only missing arrays", function()
    local name = H.name("oo")
    local s1 <close> = ash.segment_create(name, { arrays = { { "a", 2 } }, max_arrays = 4, arena_bytes = 256 })
    assert.are.equal("EXIST", H.errname(ash.segment_create, name, { arena_bytes = 64 }))
    local s2 <close> = ash.segment_create(name, { or_open = true, arrays = { { "a", 2 }, { "b", 3, "int8" } } })
    assert.are.same({ "a", "b" }, s2:arrays())
    assert.are.same({ "a", "b" }, s1:arrays())
    -- an error with or_open never unlinks the existing segment
    assert.are.equal("DTYPE", H.errname(ash.segment_create, name, { or_open = true, arrays = { { "c", 1, "zz" } } }))
    assert.is_true(H.shm_exists(name))
  end)

  it("segment_open by name and errors", function()
    assert.are.equal("NOENT", H.errname(ash.segment_open, H.name("none")))
    assert.are.equal("NAME", H.errname(ash.segment_open, "a/b"))
    assert.are.equal("NOENT", H.errname(ash.segment_open, 4242424242)) -- numbers convert to names
    assert.truthy(H.errname(ash.segment_open, {}):find("^lua:"))
    local name = H.name("ins")
    local seg <close> = ash.segment_create(name, { arrays = { { "a", 1 } } })
    local ins <close> = ash.segment_open(name, { noattach = true })
    assert.is_true(ins:readonly())
    local alive = seg:attachers()
    assert.are.equal(1, alive) -- the inspector is not counted
  end)

  it("close and use after close", function()
    local seg = ash.segment_create(H.name("cl"), { arrays = { { "a", 3 } } })
    local v <close> = seg:view("a")
    assert.is_false(seg:closed())
    seg:close()
    seg:close() -- idempotent
    assert.is_true(seg:closed())
    assert.are.equal("arrayshare.segment(closed)", tostring(seg))
    for _, m in ipairs({ "arrays", "view", "attachers", "name", "unlink", "policy", "size" }) do
      local e = H.err(seg[m], seg)
      assert.are.equal("INVAL", e.name, m)
      assert.truthy(e.message:find("segment is closed"))
    end
    assert.are.equal("INVAL", H.errname(seg.add_array, seg, "b", 1))
    -- the view keeps the mapping
    v[3] = 3
    assert.are.equal(3.0, v[3])
  end)

  it("file-backed segments", function()
    local path = os.tmpname()
    os.remove(path)
    local seg <close> = ash.segment_create(path, { file = true, persist = true, arrays = { { "x", 3, "int16" } } })
    local x <close> = seg:view("x")
    x[2] = 12
    local v <close> = ash.attach(path, { file = true })
    assert.are.equal(12, v[2])
    assert.truthy(v:descriptor():find("^ash%+file://"))
    local w <close> = ash.attach(v:descriptor())
    assert.are.equal(12, w[2])
    assert.are.equal("NOENT", H.errname(ash.attach, path .. ".none", { file = true }))
    ash.unlink(path, { file = true })
    assert.is_nil(io.open(path))
  end)

  it("leaves nothing in /dev/shm", function()
    collectgarbage()
    collectgarbage()
    -- the persist segment of the or_open test is auto; nothing else remains
    assert.are.same({}, H.leftovers())
  end)
end)
