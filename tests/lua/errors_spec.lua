-- SPDX-License-Identifier: MIT
-- errors_spec.lua - error objects, error classes and bad inputs.
local H = require "helper"
local ash = require "arrayshare"
local core = ash.core

describe("errors", function()
  it("are tables with code, name, message, class and a tostring", function()
    local name = H.name("missing")
    local ok, e = pcall(ash.attach, name)
    assert.is_false(ok)
    assert.are.equal("table", type(e))
    assert.are.equal(core.ASH_E_NOENT, e.code)
    assert.are.equal(-1004, e.code)
    assert.are.equal("NOENT", e.name)
    assert.are.equal("NotFound", e.class)
    assert.are.equal(('open "%s": no such segment'):format(name), e.message)
    assert.are.equal(('arrayshare: NOENT: open "%s": no such segment'):format(name), tostring(e))
    -- error() with the object keeps it intact through pcall and rethrow
    local ok2, e2 = pcall(function() error(e) end)
    assert.is_false(ok2)
    assert.are.equal(e, e2)
  end)

  it("classes: one per code name, all under ash.Error", function()
    local expected = {
      INVAL = "InvalidArgument", NAME = "BadName", EXIST = "Exists", NOENT = "NotFound",
      PERM = "PermissionDenied", NOSPC = "NoSpace", NOMEM = "OutOfMemory", DTYPE = "DtypeError",
      SHAPE = "ShapeError", OVERFLOW = "OverflowError", INDEX = "IndexError", RDONLY = "ReadOnly",
      CORRUPT = "Corrupt", VERSION = "VersionError", TRUNC = "Truncated", VALUE = "ValueError",
      FULL = "Full", DESC = "DescriptorError", CONTIG = "NotContiguous", BUSY = "Busy",
      SYS = "SystemError", AXIS = "AxisError", SIGNATURE = "SignatureError",
      LIBRARY = "LibraryError", OVERLAP = "OverlapError", TIMEOUT = "Timeout",
      OWNERDEAD = "OwnerDead", NOTRECOVERABLE = "NotRecoverable", TORN = "Torn",
      DEADLOCK = "Deadlock", NOTOWNER = "NotOwner", OVERRUN = "Overrun",
    }
    local n = 0
    for code_name, cls in pairs(expected) do
      n = n + 1
      local c = ash[cls]
      assert.are.equal("table", type(c), cls)
      assert.are.equal(c, ash.errors[code_name])
      assert.are.equal(code_name, c.name)
      assert.are.equal(cls, c.class)
      assert.are.equal(core["ASH_E_" .. code_name], c.code)
      assert.are.equal(ash.Error, c.super)
      local e = core.new_error(c.code, "m")
      assert.are.equal(cls, e.class)
      assert.is_true(c:is(e))
      assert.is_true(ash.Error:is(e))
      assert.is_true(ash.is_error(e))
      assert.is_true(ash.is_error(e, code_name))
      assert.is_true(ash.is_error(e, cls))
      assert.is_true(ash.is_error(e, c))
      assert.is_true(ash.is_error(e, c.code))
      assert.are.equal(code_name, core.ash_err_name(c.code))
    end
    assert.are.equal(32, n)
    local e = core.new_error(core.ASH_E_INDEX)
    assert.are.equal("index out of range", e.message) -- default: ash_strerror
    assert.is_false(ash.NotFound:is(e))
    assert.is_false(ash.is_error(e, "NOENT"))
    assert.is_false(ash.is_error("a string"))
    assert.is_false(ash.is_error({ code = -1004, name = "NOENT" }))
    assert.is_false(ash.Error:is(nil))
    local u = core.new_error(-1)
    assert.are.equal("UNKNOWN", u.name)
    assert.are.equal("Error", u.class)
    assert.is_true(ash.Error:is(u))
  end)

  it("Lua errors (wrong types) are strings, so err.code is nil", function()
    local ok, e = pcall(ash.create, H.name("t"), "notashape")
    assert.is_false(ok)
    assert.are.equal("string", type(e))
    assert.is_nil(e.code) -- safe to read on any error value
    assert.truthy(e:find("shape table expected"))
  end)

  it("bad names", function()
    for _, bad in ipairs({ "a/b", "", ".hidden", "-x", ("n"):rep(201), "sp ace" }) do
      local e = H.err(ash.create, bad, 1)
      assert.are.equal("NAME", e.name, bad)
      assert.is_true(ash.BadName:is(e))
    end
    assert.are.equal("NAME", H.errname(ash.unlink, "a/b"))
    assert.is_true(ash.name_check("ok_name"))
    assert.are.equal("NAME", H.errname(ash.name_check, ("a"):rep(64), true))
  end)

  it("bad dtypes", function()
    for _, bad in ipairs({ "float7", ">f8", "", "f9", 0, 15, 99, -1 }) do
      local ok, e = pcall(ash.create, H.name("dt"), 1, bad)
      assert.is_false(ok)
      assert.are.equal("DTYPE", e.name, tostring(bad))
      assert.is_true(ash.DtypeError:is(e))
    end
    assert.truthy(H.errname(ash.create, H.name("dt"), 1, {}):find("dtype name or number expected"))
    assert.truthy(H.errname(ash.create, H.name("dt"), 1, 1.5):find("dtype name or number expected"))
    assert.are.equal("float64", ash.dtype("d"))
    assert.are.equal("int64", ash.dtype("int"))
    assert.are.equal("complex128", ash.dtype(14))
    assert.are.equal(2, ash.itemsize("half"))
    assert.are.equal("DTYPE", H.errname(ash.dtype, "x"))
  end)

  it("bad shapes", function()
    assert.are.equal("SHAPE", H.errname(ash.create, H.name("sh"), { -1 }))
    assert.are.equal("SHAPE", H.errname(ash.create, H.name("sh"), { 2, -5 }))
    local big = {}
    for i = 1, 33 do big[i] = 1 end
    assert.are.equal("SHAPE", H.errname(ash.create, H.name("sh"), big))
    assert.are.equal("OVERFLOW", H.errname(ash.create, H.name("sh"), { math.maxinteger, 4 }))
    assert.truthy(H.errname(ash.create, H.name("sh"), { 1.5 }):find("shape%[1%] must be an integer"))
    assert.truthy(H.errname(ash.create, H.name("sh"), { "x" }):find("must be an integer"))
    assert.truthy(H.errname(ash.create, H.name("sh"), true):find("shape table expected"))
  end)

  it("missing segments and existing names", function()
    local name = H.name("gone")
    assert.are.equal("NOENT", H.errname(ash.attach, name))
    assert.are.equal("NOENT", H.errname(ash.unlink, name))
    assert.are.equal("NOENT", H.errname(ash.segment_open, name))
    assert.are.equal("NOENT", H.errname(ash.attach, "ash://" .. name .. "/data"))
    local v <close> = ash.create(name, 1)
    local e = H.err(ash.create, name, 1)
    assert.are.equal("EXIST", e.name)
    assert.is_true(ash.Exists:is(e))
    assert.are.equal("NOENT", H.errname(ash.attach, "ash://" .. name .. "/other"))
  end)

  it("options are checked", function()
    assert.truthy(H.errname(ash.create, H.name("o"), 1, "f8", { persistent = true }):find("unknown option 'persistent'"))
    assert.truthy(H.errname(ash.create, H.name("o"), 1, "f8", { or_opn = true }):find("unknown option 'or_opn'"))
    assert.truthy(H.errname(ash.create, H.name("o"), 1, "f8", "persist"):find("options table expected"))
    assert.truthy(H.errname(ash.create, H.name("o"), 1, "f8", { mode = -1 }):find("out of range"))
    assert.are.equal("INVAL", H.errname(ash.create, H.name("o"), 1, "f8", { mode = 8 ^ 5 // 1 }))
    assert.truthy(H.errname(ash.attach, "x", { rdonly = true }):find("unknown option 'rdonly'"))
    assert.truthy(H.errname(ash.unlink, "x", { persist = true }):find("unknown option"))
  end)

  it("writes to read-only views", function()
    local name = H.name("ro")
    local v <close> = ash.create(name, { 2, 2 }, "int32")
    local r <close> = ash.attach(name, { readonly = true })
    for _, f in ipairs({
      function() r[1][1] = 1 end,
      function() r[1] = 1 end,
      function() r:set(1, 1, 1) end,
      function() r:fill(1) end,
      function() r:fill({ 1, 2 }) end,
      function() r:write(("\0"):rep(16)) end,
      function() r:copy_from(v) end,
      function() local row <close> = r[2]; row[1] = 5 end,
    }) do
      local e = H.err(f)
      assert.are.equal("RDONLY", e.name)
    end
    assert.are.same({ { 0, 0 }, { 0, 0 } }, v:totable())
  end)

  it("a view or segment where a string is expected is a Lua type error", function()
    local name = H.name("ud")
    local v <close> = ash.create(name, 2)
    local seg <close> = v:segment()
    for _, f in ipairs({
      function() return ash.attach(v) end,
      function() return core.ash_attach(v, 0) end,
      function() return core.ash_segment_open(seg, 0) end,
      function() return ash.create(seg, 1) end,
      function() return core.ash_dtype_parse(io.stdout) end,
      function() return core.ash_name_check({}, 0) end,
    }) do
      local e = H.errname(f)
      assert.truthy(e:find("string expected", 1, true), e)
    end
    assert.truthy(H.errname(ash.attach, v):find("arrayshare.view", 1, true))
  end)

  it("strings with an embedded NUL are refused, naming the argument", function()
    local name = H.name("nul")
    local e = H.err(ash.create, name .. "\0x", 1)
    assert.are.equal("INVAL", e.name)
    assert.truthy(e.message:find('"name"', 1, true), e.message)
    assert.is_false(H.shm_exists(name))
    e = H.err(ash.create, name, 1, "float64\0junk")
    assert.are.equal("INVAL", e.name)
    assert.truthy(e.message:find('"spelling"', 1, true), e.message)
    assert.is_false(H.shm_exists(name))
    e = H.err(ash.attach, name .. "\0")
    assert.truthy(e.message:find('"name_or_descriptor"', 1, true), e.message)
    assert.are.equal("INVAL", H.errname(core.ash_name_check, "a\0b", 0))
  end)

  it("mode strings are octal, like chmod's", function()
    local mode_of = H.mode_of
    for _, spelling in ipairs({ "0640", "640", "0o640" }) do
      local name = H.name("mode")
      local v <close> = ash.create(name, 1, "f8", { mode = spelling })
      assert.are.equal("640", mode_of(name), spelling)
      ash.unlink(name)
    end
    local name = H.name("mode")
    local seg <close> = ash.segment_create(name, { arena_bytes = 64, mode = "0604" })
    assert.are.equal("604", mode_of(name))
    ash.unlink(name)
    for _, bad in ipairs({ "0x180", "600.0", "abc", "0689", "" }) do
      local e = H.errname(ash.create, H.name("mode"), 1, "f8", { mode = bad })
      assert.truthy(e:find("not an octal number", 1, true), e)
    end
  end)

  it("ash.raise makes binding errors", function()
    local e = H.err(ash.raise, core.ASH_E_VALUE, "bad %s", "thing")
    assert.are.equal("VALUE", e.name)
    assert.are.equal("bad thing", e.message)
  end)

  H.it_leaves_nothing(it)
end)
