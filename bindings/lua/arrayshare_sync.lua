-- SPDX-License-Identifier: MIT
--[[ arrayshare_sync.lua - coordination for the Lua layer (docs/lua.md,
  "Coordination"): the array's robust lock, versions, waits, element
  atomics and rings. arrayshare.lua installs it; use it through there:

  local l <close> = v:lock(1.0)          -- released when l goes out of scope
  v:atomic_add(1, 1)                      -- element 1 (1-based), lock-free
  do local w <close> = v:writing() ; v:write(frame) end   -- a new version
  local version = v:wait_change(version, 5.0)             -- nil at timeout

Element indices are 1-based, as everywhere in this layer; versions and
ring sequence numbers are counts and start at 0, as in C. A timeout is in
seconds; nil waits without limit.
]]

local M = {}

function M.install(ash, V, S)
  local core = ash.core
  local raise, is_error = ash.raise, ash.is_error
  local pcall, error, type, setmetatable = pcall, error, type, setmetatable

  local function seconds(t)
    if t == nil then return -1.0 end
    if type(t) ~= "number" or t ~= t then
      raise(core.ASH_E_INVAL, "timeout must be a number of seconds or nil")
    end
    return t < 0 and 0.0 or t
  end

  -- ---------------------------------------------------------------- locks

  --- A held lock: l:unlock(), l:consistent(), l.held; a to-be-closed
  --- value (local l <close> = v:lock()) releases it at the end of scope.
  local Lock = {}
  Lock.__index = Lock
  function Lock:unlock()
    core["ash_" .. self.kind .. "_unlock"](self.h)
    self.held = false
  end
  function Lock:consistent() core["ash_" .. self.kind .. "_consistent"](self.h) end
  function Lock.__close(l) if l.held then l:unlock() end end
  function Lock.__tostring(l) return "arrayshare.lock (" .. (l.held and "held" or "released") .. ")" end
  ash.Lock = Lock

  -- Takes the lock of handle h (kind "view" or "segment"). With
  -- opts.repair, an owner's death is repaired and marked consistent;
  -- without, the OwnerDead error is raised with e.lock, the held lock.
  local function acquire(h, kind, fn, arg, opts)
    local l = setmetatable({ h = h, kind = kind, held = true }, Lock)
    local ok, e = pcall(fn, h, arg)
    if ok then return l end
    if not is_error(e, "OWNERDEAD") then error(e, 3) end
    local repair = opts and opts.repair
    if not repair then
      e.lock = l
      error(e, 3)
    end
    local rok, re = pcall(repair)
    if not rok then
      l:unlock() -- not consistent: the lock becomes unrecoverable
      error(re, 3)
    end
    l:consistent()
    return l
  end

  local function lockable(T, kind)
    --- x:lock(timeout = nil, {repair = fn}) -> lock; raises Timeout,
    --- Deadlock, OwnerDead (e.lock holds it), NotRecoverable
    function T:lock(timeout, opts)
      return acquire(self, kind, core["ash_" .. kind .. "_lock"], seconds(timeout), opts)
    end
    --- x:try_lock({repair = fn}) -> lock, or nil when held elsewhere
    local trylock = core["ash_" .. kind .. "_trylock"]
    local function try1(h) return trylock(h) end
    function T:try_lock(opts)
      local ok, l = pcall(acquire, self, kind, try1, nil, opts)
      if ok then return l end
      if is_error(l, "TIMEOUT") then return nil end
      error(l, 2)
    end
    --- x:synchronize(fn, timeout) -> fn's results, run holding the lock
    function T:synchronize(fn, timeout, opts)
      local l <close> = self:lock(timeout, opts)
      return fn()
    end
    function T:unlock() core["ash_" .. kind .. "_unlock"](self) end
    function T:consistent() core["ash_" .. kind .. "_consistent"](self) end
    --- x:lock_state() -> "free" | "held" | "owner_dead" | "abandoned" |
    --- "inconsistent" | "not_recoverable", holder pid (0: none, unknown)
    function T:lock_state()
      local st, pid = core["ash_" .. kind .. "_lock_state"](self)
      return core.ash_lock_state_name(st), pid
    end
  end
  lockable(V, "view")
  lockable(S, "segment")

  -- ---------------------------------------------------------------- versions

  --- v:version() -> completed writes of the array (a ring: slots published)
  function V:version() return core.ash_view_version(self) end

  --- local w <close> = v:writing(timeout): a write of the whole array; the
  --- next version is published (and waiters woken) when w is closed.
  --- w.owner_died: the previous writer died mid-write.
  local Write = {}
  Write.__index = Write
  function Write.__close(w)
    if w.open then
      w.open = false
      core.ash_view_write_end(w.v)
    end
  end
  function V:writing(timeout)
    local ok, e = pcall(core.ash_view_write_begin, self, seconds(timeout))
    if not ok and not is_error(e, "OWNERDEAD") then error(e, 2) end
    return setmetatable({ v = self, open = true, owner_died = not ok }, Write)
  end

  --- v:snapshot(timeout) -> version, bytes (one version, C order, packed)
  function V:snapshot(timeout)
    local data, version = core.ash_view_read_snapshot(self, self:nbytes(), seconds(timeout))
    return version, data
  end

  --- v:wait_change(version, timeout) -> the new version, or nil at timeout
  function V:wait_change(version, timeout)
    local ok, r = pcall(core.ash_view_wait_change, self, version, seconds(timeout))
    if ok then return r end
    if is_error(r, "TIMEOUT") then return nil end
    error(r, 2)
  end

  --- v:notify(all = true) -> woken: publishes a new version without a write
  function V:notify(all)
    return core.ash_view_notify(self, all == false and 0 or 1)
  end

  --- ash.wait_any({{v1, version1}, {v2, version2}, ...}, timeout)
  --- -> the (1-based) position of one that changed, or nil at the timeout
  function ash.wait_any(pairs_, timeout)
    local views, versions = {}, {}
    for i, p in ipairs(pairs_) do
      views[i], versions[i] = p[1], p[2]
    end
    local ok, r = pcall(core.ash_view_wait_any, views, versions, seconds(timeout))
    if ok then return r + 1 end
    if is_error(r, "TIMEOUT") then return nil end
    error(r, 2)
  end

  -- ---------------------------------------------------------------- atomics

  local OPS = { load = core.ASH_ATOMIC_LOAD, store = core.ASH_ATOMIC_STORE,
                exchange = core.ASH_ATOMIC_EXCHANGE, add = core.ASH_ATOMIC_ADD,
                sub = core.ASH_ATOMIC_SUB, ["and"] = core.ASH_ATOMIC_AND,
                ["or"] = core.ASH_ATOMIC_OR, xor = core.ASH_ATOMIC_XOR }

  -- 1-based index (a flat integer, or a table of one per axis) to 0-based
  local function index0(i)
    if type(i) == "table" then
      local t = {}
      for k, x in ipairs(i) do t[k] = x - 1 end
      return t
    end
    return { i - 1 }
  end

  local function atomic(v, op, i, value, expected)
    local fn = v:dtype() == "uint64" and core.ash_view_atomic_u64 or core.ash_view_atomic_i64
    return fn(v, op, index0(i), value or 0, expected or 0)
  end

  --- v:atomic_load(i), v:atomic_store(i, x), v:atomic_exchange(i, x),
  --- v:atomic_cas(i, expected, x), v:atomic_add/sub/and/or/xor(i, x = 1):
  --- sequentially consistent, integer dtypes; each returns the old value
  function V:atomic_load(i) return atomic(self, OPS.load, i) end
  function V:atomic_store(i, x) atomic(self, OPS.store, i, x) end
  function V:atomic_exchange(i, x) return atomic(self, OPS.exchange, i, x) end
  function V:atomic_cas(i, expected, x)
    return atomic(self, core.ASH_ATOMIC_CAS, i, x, expected)
  end
  for _, name in ipairs({ "add", "sub", "and", "or", "xor" }) do
    local op = OPS[name]
    V["atomic_" .. name] = function(self, i, x) return atomic(self, op, i, x or 1) end
  end

  --- v:atomic_many(op, indices, values = 1) -> old values: op ("add",
  --- "sub", "and", "or", "xor", "exchange", "store", "load") on the
  --- elements at 1-based flat indices; everything is checked first
  function V:atomic_many(op, indices, values)
    local code = OPS[op]
    if not code then raise(core.ASH_E_INVAL, "unknown atomic op %s", tostring(op)) end
    local idx = {}
    for k, i in ipairs(indices) do idx[k] = i - 1 end
    local vals = op == "load" and {} or (type(values) == "table" and values or { values or 1 })
    return core.ash_view_atomic_vec(self, code, idx, vals)
  end

  -- ---------------------------------------------------------------- rings

  --- A ring of arrays: one producer, many consumers (docs/lua.md).
  local Ring = {}
  Ring.__index = Ring
  ash.Ring = Ring

  local function ring_flags(opts)
    opts = opts or {}
    return (opts.backpressure and core.ASH_RING_BACKPRESSURE or 0)
      | (opts.consumer and core.ASH_RING_CONSUMER or 0)
      | (opts.readonly and core.ASH_RDONLY or 0)
  end

  --- ash.ring_create(segment or name, name, slot_shape, dtype, nslots,
  --- {backpressure, consumer, persist}) -> ring
  function ash.ring_create(seg, name, shape, dtype, nslots, opts)
    local code = ash.dtype_of(dtype, 4, "ring_create")
    shape = type(shape) == "table" and shape or { shape }
    local own = type(seg) == "string"
    if own then
      local size = core.ash_ring_arena_bytes(code, shape, nslots, 0)
      seg = ash.segment_create(seg, { arena_bytes = size, max_arrays = 1,
                                      persist = opts and opts.persist or nil })
    end
    local ok, h = pcall(core.ash_ring_create, seg, name, code, shape, nslots, ring_flags(opts))
    if own then seg:close() end
    if not ok then error(h, 2) end
    return setmetatable({ h = h }, Ring)
  end

  --- ash.ring_attach("segment/name", {consumer, readonly}) -> ring
  function ash.ring_attach(desc, opts)
    return setmetatable({ h = core.ash_ring_attach(desc, ring_flags(opts)) }, Ring)
  end

  --- r:write(bytes, timeout): one slot from a string of slot_nbytes bytes
  function Ring:write(bytes, timeout) core.ash_ring_write(self.h, bytes, seconds(timeout)) end

  --- r:read(timeout) -> seq, bytes of the next slot; nil at the timeout
  function Ring:read(timeout)
    local ok, data, seq = pcall(core.ash_ring_read, self.h, self:slot_nbytes(), seconds(timeout))
    if ok then return seq, data end
    if is_error(data, "TIMEOUT") then return nil end
    error(data, 2)
  end

  local Slot = {}
  Slot.__index = Slot
  function Slot.__close(s)
    if not s.open then return end
    s.open = false
    s.view:close()
    core[s.finish](s.ring)
  end

  --- local s <close> = r:write_slot(timeout): s.view is the slot, writable;
  --- it is published when s is closed
  function Ring:write_slot(timeout)
    local v = core.ash_ring_write_begin(self.h, seconds(timeout))
    return setmetatable({ view = v, ring = self.h, open = true, finish = "ash_ring_write_end" }, Slot)
  end

  --- local s <close> = r:read_slot(timeout): s.view (read-only) and s.seq,
  --- zero-copy; closing it raises Overrun if it was overwritten meanwhile
  function Ring:read_slot(timeout)
    local v = core.ash_ring_read_begin(self.h, seconds(timeout))
    return setmetatable({ view = v, seq = core.ash_ring_cursor(self.h), ring = self.h,
                          open = true, finish = "ash_ring_read_end" }, Slot)
  end

  for _, m in ipairs({ "nslots", "slot_nbytes", "head", "cursor", "missed", "consumers",
                       "producer" }) do
    local fn = core["ash_ring_" .. m]
    Ring[m] = function(self) return fn(self.h) end
  end
  --- r:view() -> the whole ring array (nslots, ...) as a view
  function Ring:view() return core.ash_ring_view(self.h) end
  function Ring:close() core.ash_ring_close(self.h) end
  Ring.__close = Ring.close
  function Ring.__tostring(r)
    return ("arrayshare.ring (%d slots, head %d)"):format(r:nslots(), r:head())
  end
end

return M
