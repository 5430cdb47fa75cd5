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

-- Permission bits: an integer (write 0x180 or tonumber("600", 8): Lua has
-- no octal literals), or a string of octal digits as chmod takes them
-- ("600", "0600", "0o600"); any other string is an argument error.
local function mode_of(opts, n, fname)
  local m = opts.mode
  if m == nil then
    return 0
  end
  if type(m) == "string" then
    local digits = m:match("^0[oO]([0-7]+)$") or m:match("^([0-7]+)$")
    if digits == nil or #digits > 11 then
      argerror(n, fname, ("mode %q is not an octal number such as \"0600\""):format(m))
    end
    return tonumber(digits, 8)
  end
  return m
end

-- ------------------------------------------------------------------ module

local CREATE_OPTS = { persist = true, mode = true, file = true, or_open = true }

--- ash.create(name, shape, dtype = "float64", {persist, mode, file, or_open}) -> view
--- Creates segment `name` holding one zero-filled array and returns its view.
--- or_open: when the name exists, its first array is attached instead; it
--- must have this dtype and shape (else Exists). Options and defaults are
--- those of every binding (docs/api-table.md).
function M.create(name, shape, dtype, opts)
  opts = check_opts(opts, CREATE_OPTS, 4, "create")
  local flags = flag(opts, "persist", core.ASH_PERSIST) | flag(opts, "file", core.ASH_FILE)
    | flag(opts, "or_open", core.ASH_OR_OPEN)
  return core.ash_create(name, dtype_of(dtype, 3, "create"), shape_of(shape, 2, "create"), flags, mode_of(opts, 4, "create"))
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

local UNLINK_OPTS = { file = true, missing_ok = true }

--- ash.unlink(name, {file, missing_ok}) -> true, or false when the name did
--- not exist and missing_ok is set (else NotFound): removes the segment's
--- name; processes that map it keep using it.
function M.unlink(name, opts)
  opts = check_opts(opts, UNLINK_OPTS, 2, "unlink")
  local ok, err = pcall(core.ash_unlink, name, flag(opts, "file", core.ASH_FILE))
  if ok then
    return true
  end
  if opts.missing_ok and is_error(err, "NOENT") then
    return false
  end
  error(err, 2)
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

--- ash.clear_cache(): drops the mappings this process keeps of segments it
--- no longer uses (docs/c-api.md, "Released mappings").
function M.clear_cache()
  core.ash_cache_clear()
end

--- ash.arena_bytes(shape, dtype = "float64") -> arena bytes one array of
--- this shape and dtype takes (alignment included), for arena_bytes =
function M.arena_bytes(shape, dtype)
  return core.ash_arena_bytes_for(dtype_of(dtype, 2, "arena_bytes"), shape_of(shape, 1, "arena_bytes"), 0)
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
  arena_bytes = true, max_arrays = true, max_attachers = true, arrays = true,
  persist = true, mode = true, or_open = true, file = true,
}

local function array_spec(a, k)
  if type(a) ~= "table" then
    error(("arrayshare: arrays[%d] must be a table {name, shape, dtype}"):format(k), 3)
  end
  return a.name or a[1], a.shape or a[2], a.dtype or a[3]
end

--- ash.segment_create(name, {arrays = {{name, shape, dtype}, ...},
---   arena_bytes = n, max_arrays = n, max_attachers = 128, persist, mode,
---   or_open, file}) -> segment
--- With `arrays`, the arena is sized for those arrays (plus arena_bytes
--- when both are given, for arrays added later) and they are added
--- zero-filled; at least one of the two is needed. max_arrays defaults to
--- the number of arrays, plus 16 when arena_bytes is given (at least 1);
--- max_attachers is the attach table's capacity (1 to 65536).
--- If adding an array fails the new segment is unlinked before the error is
--- raised. With or_open, an existing segment is opened instead and only the
--- arrays it lacks are added (it is never unlinked).
function M.segment_create(name, opts)
  opts = check_opts(opts, SEG_CREATE_OPTS, 2, "segment_create")
  local arrays = opts.arrays
  local arena = opts.arena_bytes
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
  end
  if arena == nil then
    argerror(2, "segment_create", "arena_bytes or arrays required")
  end
  local maxa = opts.max_arrays or math.max(#specs + (opts.arena_bytes and 16 or 0), 1)
  local flags = flag(opts, "persist", core.ASH_PERSIST) | flag(opts, "file", core.ASH_FILE)
  local mode = mode_of(opts, 2, "segment_create")
  -- Built without a name, named once every array is in: nothing is visible
  -- half-made, and a failure leaves nothing behind.
  local seg = core.ash_segment_create_ex(name, arena, maxa, opts.max_attachers or 128,
                                         flags | core.ASH_UNPUBLISHED, mode)
  local ok, err = pcall(function()
    for _, s in ipairs(specs) do
      core.ash_view_release(core.ash_segment_add_array(seg, s[1], s[3], s[2]))
    end
    core.ash_segment_publish(seg)
  end)
  if ok then
    return seg
  end
  core.ash_segment_close(seg)
  if not (opts.or_open and type(err) == "table" and err.name == "EXIST") then
    error(err, 2)
  end
  -- or_open found the name taken: that segment, with the arrays it lacks
  seg = core.ash_segment_open(name, flag(opts, "file", core.ASH_FILE))
  local have = {}
  for _, n in ipairs(seg:arrays()) do
    have[n] = true
  end
  for _, s in ipairs(specs) do
    if not have[s[1]] then
      local added, e = pcall(core.ash_segment_add_array, seg, s[1], s[3], s[2])
      if not added then
        core.ash_segment_close(seg)
        error(e, 2)
      end
      core.ash_view_release(e)
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
  local snap <close> = core.ash_segment_attacher_list(self)
  local list, alive = {}, 0
  for i = 0, core.ash_list_count(snap) - 1 do
    local al = core.ash_list_flag(snap, i) ~= 0
    list[#list + 1] = { pid = core.ash_list_value(snap, i), alive = al }
    if al then alive = alive + 1 end
  end
  return alive, #list - alive, list
end

function S:closed()
  return not pcall(core.ash_segment_name, self)
end

-- One library call each, the segment as its first argument: seg:close(),
-- seg:unlink(), seg:name(), seg:size(), seg:arena_free(), seg:creator_pid(),
-- seg:ctime(), seg:format_minor(), seg:array_count().
for _, m in ipairs({ "close", "unlink", "name", "size", "arena_free", "creator_pid", "ctime",
                     "format_minor", "array_count" }) do
  S[m] = core["ash_segment_" .. m]
end

function S:readonly() return core.ash_segment_readonly(self) ~= 0 end

function S:policy()
  return core.ash_segment_policy(self) == core.ASH_POLICY_PERSIST and "persist" or "auto"
end

-- ------------------------------------------------------------------ views

local V = core.view_methods

-- Written in C (swig/lua/lash_methods.c), 1-based: v:slice(axis, start,
-- stop, step), v:index(axis, i), v:permute(a1, a2, ...), v:dim(axis),
-- v:get/set, v:fill, v:totable, v:read/write, v:shape/strides/ndim/size/
-- nbytes/itemsize/dtype/readonly, v:ptr, v:close/closed.

-- One library call each, the view as its first argument: v:transpose()
-- (axes reversed), v:as_readonly(), v:descriptor() (a string ash.attach()
-- accepts in any process), v:segment() (a new handle on the view's
-- segment), v:retain() (another object on the same view, its own
-- reference), v:offset(), v:flags(), v:array_name(), v:segment_name().
for m, fn in pairs({ transpose = "transpose", as_readonly = "readonly", descriptor = "descriptor",
                     segment = "segment", retain = "retain", offset = "offset", flags = "flags",
                     array_name = "array_name", segment_name = "segment_name" }) do
  V[m] = core["ash_view_" .. fn]
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

--- v:copy_from(src) -> v (same dtype and shape; overlap allowed)
function V:copy_from(src)
  core.ash_view_copy(self, src)
  return self
end

function V:contiguous()
  return core.ash_view_flags(self) & core.ASH_VIEW_C_CONTIGUOUS ~= 0
end

-- ------------------------------------------------------------------ kernels

-- A kernel: compiled code called on views (docs/kernels.md). Views first,
-- then scalars, positionally; a trailing plain table gives operands by name
-- and `threads`:  k(x, y, 2.0)  or  k(x, y, {a = 2.0, threads = 2}).
-- Every check is the C library's; this only maps arguments to operand names.
local Kernel = {}
Kernel.__index = Kernel
local KINDS = { [core.ASH_KERNEL_PLAIN] = "plain", [core.ASH_KERNEL_MAP] = "map",
                [core.ASH_KERNEL_LOOP] = "loop" }
local INT_DTYPES = {}
for _, n in ipairs({ "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64" }) do
  INT_DTYPES[core["ASH_" .. n]] = true
end

-- {views}, {scalars}, threads from positional and named arguments
local function arrange(k, n, args, named)
  local names, values = k.names, {}
  if n > #names then
    raise(core.ASH_E_INVAL, "%s takes %d arguments (%s), got %d", tostring(k), #names,
          table.concat(names, ", "), n)
  end
  for i = 1, n do values[names[i]] = args[i] end
  local threads = k.threads
  for key, v in pairs(named) do
    if key == "threads" then
      threads = v
    elseif k.index[key] == nil then
      raise(core.ASH_E_INVAL, "no operand %s (operands: %s)", tostring(key), table.concat(names, ", "))
    elseif values[key] ~= nil then
      raise(core.ASH_E_INVAL, "operand %s given twice", key)
    else
      values[key] = v
    end
  end
  local views, scalars = {}, {}
  for i, name in ipairs(names) do
    local v = values[name]
    if v == nil then raise(core.ASH_E_INVAL, "missing %s", name) end
    if i <= #k.views then views[i] = v else scalars[i - #k.views] = v end
  end
  return views, scalars, threads
end

function Kernel.__call(k, ...)
  local n, args = select("#", ...), { ... }
  local views, scalars, threads
  if n > 0 and type(args[n]) == "table" and getmetatable(args[n]) == nil then
    views, scalars, threads = arrange(k, n - 1, args, args[n])
  elseif n == #k.names then -- the common case, fast
    local nv = #k.views
    views, scalars, threads = table.move(args, 1, nv, 1, {}), table.move(args, nv + 1, n, 1, {}), k.threads
  else
    views, scalars, threads = arrange(k, n, args, {})
  end
  local out = core.ash_kernel_call(k.h, views, scalars, threads)
  if k.result == 0 then return nil end
  if k.result == core.ASH_BOOL then return out ~= 0 end
  return INT_DTYPES[k.result] and math.tointeger(out) or out
end

--- k:close(): closes now (also by `local k <close> = ...`); again: nothing.
function Kernel:close() core.ash_kernel_close(self.h) end
Kernel.__close = Kernel.close
function Kernel:closed() return core.ash_kernel_kind(self.h) == 0 end
function Kernel:signature() return core.ash_kernel_signature(self.h) end
function Kernel:kind() return KINDS[core.ash_kernel_kind(self.h)] end
--- k:writes() -> names of the views the kernel may write
function Kernel:writes()
  local out = {}
  for i, name in ipairs(self.views) do
    if core.ash_kernel_view_writes(self.h, i - 1) == 1 then out[#out + 1] = name end
  end
  return out
end
function Kernel.__tostring(k)
  local s = core.ash_kernel_signature(k.h)
  return s and ("arrayshare.kernel: " .. s) or "arrayshare.kernel (closed)"
end

local KERNEL_OPTS = { threads = true }

--- ash.kernel(library_or_address, signature, bind, {threads = 1}) -> kernel
--- library: a path or soname, nil for the program and what it loaded, or an
--- address (an integer). k.views / k.scalars: the operand names.
function M.kernel(lib, signature, bind, opts)
  opts = check_opts(opts, KERNEL_OPTS, 4, "kernel")
  local h
  if math.type(lib) == "integer" then
    h = core.ash_kernel_from_address(lib, signature, bind)
  else
    h = core.ash_kernel_open(lib, signature, bind)
  end
  local k = setmetatable({ h = h, views = {}, scalars = {}, names = {}, index = {},
                           threads = opts.threads or 1,
                           result = core.ash_kernel_result_dtype(h) }, Kernel)
  for i = 0, core.ash_kernel_nviews(h) - 1 do k.views[#k.views + 1] = core.ash_kernel_view_name(h, i) end
  for i = 0, core.ash_kernel_nscalars(h) - 1 do k.scalars[#k.scalars + 1] = core.ash_kernel_scalar_name(h, i) end
  for _, name in ipairs(k.views) do k.names[#k.names + 1] = name end
  for _, name in ipairs(k.scalars) do k.names[#k.names + 1] = name end
  for i, name in ipairs(k.names) do k.index[name] = i end
  return k
end

--- ash.max_threads() -> the size of the kernel thread pool
function M.max_threads() return core.ash_kernel_max_threads() end

-- ------------------------------------------------------------------ coordination

-- Locks, versions, waits, atomics and rings: arrayshare_sync.lua.
require("arrayshare_sync").install(M, V, S)

return M
