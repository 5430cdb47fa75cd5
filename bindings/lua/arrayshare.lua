-- SPDX-License-Identifier: MIT
--[[ arrayshare.lua - the idiomatic Lua 5.4 layer of arrayshare.

  local ash = require "arrayshare"
  local v <close> = ash.create("frames", {480, 640}, "uint8")
  v[1][1] = 255                      -- 1-based, like every Lua sequence
  local w <close> = ash.attach("frames", {readonly = true})

The C ABI (and the generated module arrayshare_core, reachable as
ash.core) is 0-based; this layer is 1-based. Views are C userdata
(arrayshare.view) whose metamethods and element methods are written in C
(swig/lua/lash_runtime.i); this file adds the module functions, the
remaining view methods, the segment methods and the error classes.
See docs/lua.md for the full guide.
]]

local core = require "arrayshare_core"

local M = {}
M.core = core
M._VERSION = core.ash_version_string()
M.version = core.ash_version_string()
M.version_number = core.ash_version()
M.NONE = core.ASH_NONE
M.MAX_NDIM = core.ASH_MAX_NDIM

local type, math_type, select, pcall, error = type, math.type, select, pcall, error
local tointeger = math.tointeger

-- ------------------------------------------------------------------ errors

local ERROR_MT = getmetatable(core.new_error(core.ASH_E_INVAL))

-- raises an arrayshare error object (binding-level: the C library was not
-- called, or its message would name 0-based values)
local function raise(code, fmt, ...)
  error(core.new_error(code, select("#", ...) > 0 and fmt:format(...) or fmt), 2)
end
M.raise = raise

local function is_error(e, which)
  if type(e) ~= "table" or getmetatable(e) ~= ERROR_MT then
    return false
  end
  if which == nil then
    return true
  end
  local wt = type(which)
  if wt == "string" then
    return e.name == which or e.class == which
  elseif wt == "number" then
    return e.code == which
  elseif wt == "table" then
    return which.name == nil or e.name == which.name
  end
  return false
end
M.is_error = is_error

--- ash.Error: base class of every arrayshare error (class tables are for
--- matching: ash.NotFound:is(err), ash.is_error(err, ash.NotFound)).
local function class_is(self, e)
  return is_error(e, self)
end

M.Error = { class = "Error", is = class_is }
M.errors = {} -- code name ("NOENT") -> class table
for name, cls in pairs(core.error_classes) do
  local c = { class = cls, name = name, code = core["ASH_E_" .. name], super = M.Error, is = class_is }
  M[cls] = c
  M.errors[name] = c
end

-- ------------------------------------------------------------------ helpers

local function argerror(n, fname, msg)
  error(("bad argument #%d to '%s' (%s)"):format(n, fname, msg), 3)
end

local function dtype_of(d, n, fname)
  if d == nil then
    return core.ASH_FLOAT64
  end
  if math_type(d) == "integer" then
    if d > 0 and d < 2 ^ 31 and core.ash_dtype_name(d) then
      return d
    end
    raise(core.ASH_E_DTYPE, "dtype %d is not a valid ash_dtype", d)
  elseif type(d) == "string" then
    return (core.ash_dtype_parse(d))
  end
  argerror(n, fname, "dtype name or number expected, got " .. type(d))
end
M.dtype_of = dtype_of

local function shape_of(s, n, fname)
  if type(s) == "table" then
    return s
  elseif math_type(s) == "integer" then
    return { s }
  end
  argerror(n, fname, "shape table expected, got " .. type(s))
end

local function check_opts(opts, allowed, n, fname)
  if opts == nil then
    return {}
  end
  if type(opts) ~= "table" then
    argerror(n, fname, "options table expected, got " .. type(opts))
  end
  for k in pairs(opts) do
    if not allowed[k] then
      argerror(n, fname, "unknown option '" .. tostring(k) .. "'")
    end
  end
  return opts
end

local function flag(opts, key, bit)
  return opts[key] and bit or 0
end

local function mode_of(opts)
  local m = opts.mode
  if m == nil then
    return 0
  end
  return m
end

-- 1-based axis (negative from the end) -> the C axis (0-based or negative)
local function axis_of(axis, fname)
  local a = tointeger(axis)
  if a == nil then
    error(("bad argument #1 to '%s' (axis must be an integer, got %s)"):format(fname, tostring(axis)), 3)
  end
  if a == 0 then
    raise(core.ASH_E_AXIS, "axis 0 does not exist: Lua axes are 1-based (1..ndim, or -ndim..-1)")
  end
  return a > 0 and a - 1 or a
end

-- a 1-based axis of view v -> the C axis, or AXIS naming the Lua axis
local function view_axis(v, axis, fname)
  local ax = axis_of(axis, fname)
  local nd = core.ash_view_ndim(v)
  if ax >= nd or ax < -nd then
    raise(core.ASH_E_AXIS, "axis %d out of range for a %d-d view (Lua axes are 1-based: 1..%d or -%d..-1)",
      tointeger(axis), nd, nd, nd)
  end
  return ax
end

-- 1-based index on an axis of length n -> 0-based position
local function pos_of(i, n, axis1)
  local j = tointeger(i)
  if j == nil then
    if type(i) == "number" then
      raise(core.ASH_E_INDEX, "index %s is not an integer", tostring(i))
    end
    error("arrayshare: an index must be an integer, got " .. type(i), 3)
  end
  if j >= 1 and j <= n then
    return j - 1
  elseif j < 0 and j >= -n then
    return n + j
  end
  raise(core.ASH_E_INDEX,
    "index %d out of range for axis %d of length %d (Lua indices are 1-based: 1..%d or -%d..-1)",
    j, axis1, n, n, n)
end

-- ------------------------------------------------------------------ module

local CREATE_OPTS = { persist = true, mode = true, file = true }

--- ash.create(name, shape, dtype = "float64", {persist, mode, file}) -> view
--- Creates segment `name` holding one zero-filled array and returns its view.
function M.create(name, shape, dtype, opts)
  opts = check_opts(opts, CREATE_OPTS, 4, "create")
  local flags = flag(opts, "persist", core.ASH_PERSIST) | flag(opts, "file", core.ASH_FILE)
  return core.ash_create(name, dtype_of(dtype, 3, "create"), shape_of(shape, 2, "create"), flags, mode_of(opts))
end

local OPEN_OPTS = { readonly = true, file = true, noattach = true }

-- The flags of ash.attach and ash.segment_open (argument @n is the options).
local function open_flags(opts, n, fname)
  opts = check_opts(opts, OPEN_OPTS, n, fname)
  return flag(opts, "readonly", core.ASH_RDONLY) | flag(opts, "file", core.ASH_FILE)
    | flag(opts, "noattach", core.ASH_NOATTACH)
end

--- ash.attach(name_or_descriptor, {readonly, file, noattach}) -> view
function M.attach(what, opts)
  return core.ash_attach(what, open_flags(opts, 2, "attach"))
end

--- ash.unlink(name, {file}): removes the segment's name.
function M.unlink(name, opts)
  opts = check_opts(opts, { file = true }, 2, "unlink")
  core.ash_unlink(name, flag(opts, "file", core.ASH_FILE))
end

--- ash.exists(name) -> boolean (a segment of this library with this name)
function M.exists(name)
  for _, n in ipairs(M.ls()) do
    if n == name then
      return true
    end
  end
  return false
end

--- ash.ls() -> sorted table of segment names (without the "ash." prefix)
function M.ls()
  local l <close> = core.ash_list_segments()
  local t = {}
  for i = 0, core.ash_list_count(l) - 1 do
    t[#t + 1] = core.ash_list_name(l, i)
  end
  return t
end

--- ash.gc() -> number of segments reaped
function M.gc()
  return core.ash_gc()
end

--- dtype helpers
function M.dtype(d)
  return core.ash_dtype_name(dtype_of(d, 1, "dtype"))
end

function M.itemsize(d)
  return core.ash_dtype_itemsize(dtype_of(d, 1, "itemsize"))
end

function M.name_check(name, is_array)
  core.ash_name_check(name, is_array and 1 or 0)
  return true
end

M.strerror = core.ash_strerror
M.is_view = core.is_view
M.is_segment = core.is_segment

-- ------------------------------------------------------------------ segments

local SEG_CREATE_OPTS = {
  arena_bytes = true, max_arrays = true, arrays = true,
  persist = true, mode = true, or_open = true, file = true,
}

local function array_spec(a, k)
  if type(a) ~= "table" then
    error(("arrayshare: arrays[%d] must be a table {name, shape, dtype}"):format(k), 3)
  end
  return a.name or a[1], a.shape or a[2], a.dtype or a[3]
end

--- ash.segment_create(name, {arrays = {{name, shape, dtype}, ...} or
---   arena_bytes = n, max_arrays = n, persist, mode, or_open, file}) -> segment
--- With `arrays`, the arena is sized for exactly those arrays (plus
--- arena_bytes when both are given) and they are added zero-filled;
--- max_arrays defaults to their count (at least 1; 16 without arrays).
--- If adding an array fails the new segment is unlinked before the error is
--- raised. With or_open, an existing segment is opened instead and only the
--- arrays it lacks are added (it is never unlinked).
function M.segment_create(name, opts)
  opts = check_opts(opts, SEG_CREATE_OPTS, 2, "segment_create")
  local arrays = opts.arrays
  local arena = opts.arena_bytes
  local maxa = opts.max_arrays
  local specs = {}
  if arrays ~= nil then
    if type(arrays) ~= "table" then
      argerror(2, "segment_create", "arrays must be a table")
    end
    local total = 0
    for k, a in ipairs(arrays) do
      local an, shape, dt = array_spec(a, k)
      shape, dt = shape_of(shape, 2, "segment_create"), dtype_of(dt, 2, "segment_create")
      total = core.ash_arena_bytes_for(dt, shape, total)
      specs[k] = { an, shape, dt }
    end
    arena = (arena or 0) + total
    maxa = maxa or math.max(#specs, 1)
  end
  if arena == nil then
    argerror(2, "segment_create", "arena_bytes or arrays required")
  end
  local flags = flag(opts, "persist", core.ASH_PERSIST) | flag(opts, "or_open", core.ASH_OR_OPEN)
    | flag(opts, "file", core.ASH_FILE)
  local seg = core.ash_segment_create(name, arena, maxa or 16, flags, mode_of(opts))
  local have = {}
  if opts.or_open then
    for _, n in ipairs(seg:arrays()) do
      have[n] = true
    end
  end
  for _, s in ipairs(specs) do
    if not have[s[1]] then
      local ok, err = pcall(core.ash_segment_add_array, seg, s[1], s[3], s[2])
      if not ok then -- do not leave a half-made segment behind
        if not opts.or_open then
          pcall(core.ash_segment_unlink, seg)
        end
        core.ash_segment_close(seg)
        error(err, 2)
      end
      core.ash_view_release(err)
    end
  end
  return seg
end

--- ash.segment_open(name, {readonly, file, noattach}) -> segment
function M.segment_open(name, opts)
  return core.ash_segment_open(name, open_flags(opts, 2, "segment_open"))
end

local S = core.segment_methods

--- seg:add_array(name, shape, dtype = "float64") -> view of the new array
function S:add_array(name, shape, dtype)
  return core.ash_segment_add_array(self, name, dtype_of(dtype, 3, "add_array"), shape_of(shape, 2, "add_array"))
end

--- seg:view(name = first array) -> view
function S:view(name)
  return core.ash_segment_view(self, name)
end

--- seg:arrays() -> table of array names, in creation order
function S:arrays()
  local t = {}
  for i = 0, core.ash_segment_array_count(self) - 1 do
    local n = core.ash_segment_array_name(self, i)
    if n == nil then
      break
    end
    t[#t + 1] = n
  end
  return t
end

--- seg:attachers() -> alive, dead, { {pid = , alive = boolean}, ... }
function S:attachers()
  local alive, dead = core.ash_segment_attachers(self)
  local list = {}
  for i = 0, alive + dead - 1 do
    local ok, pid, al = pcall(core.ash_segment_attacher, self, i)
    if not ok then
      break -- the table changed meanwhile
    end
    list[#list + 1] = { pid = pid, alive = al ~= 0 }
  end
  return alive, dead, list
end

function S:close()
  core.ash_segment_close(self)
end

function S:closed()
  return not pcall(core.ash_segment_name, self)
end

function S:unlink()
  core.ash_segment_unlink(self)
end

function S:name() return core.ash_segment_name(self) end
function S:size() return core.ash_segment_size(self) end
function S:arena_free() return core.ash_segment_arena_free(self) end
function S:readonly() return core.ash_segment_readonly(self) ~= 0 end
function S:creator_pid() return core.ash_segment_creator_pid(self) end
function S:ctime() return core.ash_segment_ctime(self) end
function S:format_minor() return core.ash_segment_format_minor(self) end
function S:array_count() return core.ash_segment_array_count(self) end

function S:policy()
  return core.ash_segment_policy(self) == core.ASH_POLICY_PERSIST and "persist" or "auto"
end

-- ------------------------------------------------------------------ views

local V = core.view_methods

--- v:slice(axis, start = first, stop = last, step = 1) -> view (no copy)
--- 1-based inclusive bounds, negative counting from the end (-1 = last),
--- clamped like string.sub; with a negative step, start >= stop.
function V:slice(axis, start, stop, step)
  local ax = view_axis(self, axis, "slice")
  step = step == nil and 1 or tointeger(step)
  if step == nil then
    error("bad argument #4 to 'slice' (step must be an integer)", 2)
  end
  if start ~= nil and tointeger(start) == nil then
    error("bad argument #2 to 'slice' (start must be an integer or nil)", 2)
  end
  if stop ~= nil and tointeger(stop) == nil then
    error("bad argument #3 to 'slice' (stop must be an integer or nil)", 2)
  end
  start, stop = start and tointeger(start), stop and tointeger(stop)
  if step == 0 then
    return core.ash_view_slice(self, ax, nil, nil, 0, 0) -- INVAL from C
  end
  local n = core.ash_view_dim(self, ax)
  local function norm(i)
    if i < 0 then
      return n + i + 1
    end
    return i
  end
  if step > 0 then
    local s = start and norm(start) or 1
    local e = stop and norm(stop) or n
    if s < 1 then s = 1 end
    if e > n then e = n end
    if e < s then
      return core.ash_view_slice(self, ax, 0, 0, 1, 0)
    end
    return core.ash_view_slice(self, ax, s - 1, e, step, 0)
  else
    local s = start and norm(start) or n
    local e = stop and norm(stop) or 1
    if s > n then s = n end
    if e < 1 then e = 1 end
    if s < e then
      return core.ash_view_slice(self, ax, 0, 0, 1, 0)
    end
    return core.ash_view_slice(self, ax, s - 1, e >= 2 and e - 2 or nil, step, 0)
  end
end

--- v:index(axis, i) -> view with that axis dropped (position i, 1-based)
function V:index(axis, i)
  local ax = view_axis(self, axis, "index")
  local nd = core.ash_view_ndim(self)
  local n = core.ash_view_dim(self, ax)
  return core.ash_view_index(self, ax, pos_of(i, n, ax >= 0 and ax + 1 or nd + ax + 1))
end

--- v:transpose() -> view with the axes reversed
function V:transpose()
  return core.ash_view_transpose(self)
end

--- v:permute(a1, a2, ...) or v:permute{a1, a2, ...} (1-based axes)
function V:permute(first, ...)
  local axes = type(first) == "table" and first or { first, ... }
  local c = {}
  for k, a in ipairs(axes) do
    c[k] = axis_of(a, "permute")
  end
  return core.ash_view_permute(self, c)
end

--- v:reshape{d1, d2, ...} or v:reshape(d1, d2, ...); one dimension may be -1
function V:reshape(first, ...)
  local shape = type(first) == "table" and first or { first, ... }
  return core.ash_view_reshape(self, shape)
end

--- v:view_as(dtype) -> the same bytes read as another dtype
function V:view_as(dtype)
  return core.ash_view_reinterpret(self, dtype_of(dtype, 1, "view_as"))
end

--- v:as_readonly() -> read-only view of the same elements
function V:as_readonly()
  return core.ash_view_readonly(self)
end

--- v:descriptor() -> string that ash.attach() accepts in any process
function V:descriptor()
  return core.ash_view_descriptor(self)
end

--- v:segment() -> a new handle on the view's segment
function V:segment()
  return core.ash_view_segment(self)
end

--- v:copy_from(src) -> v (same dtype and shape; overlap allowed)
function V:copy_from(src)
  core.ash_view_copy(self, src)
  return self
end

--- v:dim(axis) -> length of a 1-based axis
function V:dim(axis)
  return core.ash_view_dim(self, view_axis(self, axis, "dim"))
end

function V:offset() return core.ash_view_offset(self) end
function V:flags() return core.ash_view_flags(self) end
function V:array_name() return core.ash_view_array_name(self) end
function V:segment_name() return core.ash_view_segment_name(self) end

function V:contiguous()
  return core.ash_view_flags(self) & core.ASH_VIEW_C_CONTIGUOUS ~= 0
end

--- v:retain() -> another view object on the same view (its own reference)
function V:retain()
  return core.ash_view_retain(self)
end

return M
