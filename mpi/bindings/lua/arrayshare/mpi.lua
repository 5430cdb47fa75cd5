-- SPDX-License-Identifier: MIT
--[[ arrayshare.mpi - the same arrays across the nodes of an MPI job (Lua 5.4).

  local ampi = require "arrayshare.mpi"
  ampi.init()                                   -- Lua has no MPI binding
  local nodes <close> = ampi.nodes()            -- MPI_COMM_WORLD
  local v = nodes:open("frames", {480, 640}, "uint8")
  if nodes:node() == 0 and nodes:node_rank() == 0 then v:fill(255) end
  nodes:replicate(v, 0)                         -- every node's copy holds it
  ampi.finalize()

Each node has one copy of an array, an ordinary arrayshare segment; every
rank gets an ordinary arrayshare view of its node's copy (1-based indexing as
in the rest of the Lua binding). Ranks and node numbers are MPI's, 0-based.
Communicators: nil (MPI_COMM_WORLD) or a Fortran handle (an integer).
Collective methods must be called by every rank in the same order; free
(or `<close>`) before finalize: the garbage collector does not free MPI
objects. Errors are the arrayshare error objects. See docs/mpi.md.
]]

local ash = require "arrayshare"
local core = require "arrayshare_mpi_core"

local M = { core = core }

M.OPS = {
  sum = core.ASH_MPI_SUM, prod = core.ASH_MPI_PROD, min = core.ASH_MPI_MIN,
  max = core.ASH_MPI_MAX, land = core.ASH_MPI_LAND, lor = core.ASH_MPI_LOR,
  lxor = core.ASH_MPI_LXOR, band = core.ASH_MPI_BAND, bor = core.ASH_MPI_BOR,
  bxor = core.ASH_MPI_BXOR,
}
M.COMMS = { all = core.ASH_MPI_COMM_ALL, node = core.ASH_MPI_COMM_NODE,
            cross = core.ASH_MPI_COMM_CROSS }

local function fail()
  error(ash.core.new_error(core.ash_mpi_swig_status(), core.ash_mpi_swig_error()), 3)
end

local function check(status)
  if status ~= 0 then fail() end
end

local function choice(t, value, what)
  local x = t[value]
  if x == nil then
    local keys = {}
    for k in pairs(t) do keys[#keys + 1] = k end
    table.sort(keys)
    error(("%s must be one of %s, not %s"):format(what, table.concat(keys, ", "), tostring(value)), 3)
  end
  return x
end

local function int(x, what)
  local i = math.tointeger(x)
  if i == nil then error(("%s must be an integer, not %s"):format(what, tostring(x)), 3) end
  return i
end

-- descriptor and generation of a view: re-made by the library from this
-- process's mapping of that very segment
local function pin(v)
  local seg = v:segment()
  local gen = seg:ctime()
  seg:close()
  return v:descriptor(), tostring(gen)
end

--- ampi.init(): initialises MPI (unless it already is).
function M.init() check(core.ash_mpi_swig_init()) end

--- ampi.finalize(): finalises MPI if init() started it.
function M.finalize() check(core.ash_mpi_swig_finalize()) end

--- ampi.comm_world() -> MPI_COMM_WORLD's Fortran handle
function M.comm_world() return math.tointeger(core.ash_mpi_comm_world()) end

local Nodes = {}
Nodes.__index = Nodes
local Window = {}
Window.__index = Window

--- ampi.nodes(comm = nil, {simulate = k}) -> a communicator split into nodes
--- (collective). simulate = k > 0 cuts the ranks into k groups of
--- consecutive ranks that act as separate nodes.
function M.nodes(comm, opts)
  opts = opts or {}
  if comm == nil then
    M.init()
    comm = core.ash_mpi_comm_world()
  end
  local ctx = core.ash_mpi_swig_ctx_create(int(comm, "comm"), int(opts.simulate or 0, "simulate"))
  if ctx == nil then fail() end
  return setmetatable({ ctx = ctx }, Nodes)
end

local function ctx_of(self)
  if self.ctx == nil then ash.raise(ash.core.ASH_E_INVAL, "this nodes object was freed") end
  return self.ctx
end

-- (SWIG's Lua module returns C ints as floats: these return integers.)
local tointeger = math.tointeger
function Nodes:rank() return tointeger(core.ash_mpi_rank(ctx_of(self))) end
function Nodes:size() return tointeger(core.ash_mpi_size(ctx_of(self))) end
function Nodes:node() return tointeger(core.ash_mpi_node(ctx_of(self))) end
function Nodes:node_count() return tointeger(core.ash_mpi_node_count(ctx_of(self))) end
function Nodes:node_rank() return tointeger(core.ash_mpi_node_rank(ctx_of(self))) end
function Nodes:node_size() return tointeger(core.ash_mpi_node_size(ctx_of(self))) end
function Nodes:simulated() return tointeger(core.ash_mpi_simulated(ctx_of(self))) end

--- nodes:comm_handle("all" | "node" | "cross") -> Fortran handle
function Nodes:comm_handle(which)
  local f = core.ash_mpi_swig_ctx_comm(ctx_of(self), choice(M.COMMS, which or "all", "which"))
  if f == -1 then fail() end
  return math.tointeger(f)
end

--- nodes:open(name, shape, dtype = "float64", {persist, or_open, mode}) -> view
--- of this node's copy (collective). Simulated nodes on one host name node
--- k's segment "NAME.node<k>" (v:segment_name()).
function Nodes:open(name, shape, dtype, opts)
  opts = opts or {}
  if math.type(shape) == "integer" then shape = { shape } end
  if type(shape) ~= "table" then error("shape must be a table of integers", 2) end
  local dims = {}
  for i, d in ipairs(shape) do dims[i] = tostring(int(d, "shape entry")) end
  local flags = (opts.persist and ash.core.ASH_PERSIST or 0) | (opts.or_open and ash.core.ASH_OR_OPEN or 0)
  local h = core.ash_mpi_swig_open(ctx_of(self), name, ash.dtype_of(dtype, 3, "open"),
                                   table.concat(dims, ","), flags, opts.mode or 384)
  if h == nil then fail() end
  local desc = core.ash_mpi_swig_descriptor(h)
  if desc == nil then
    core.ash_mpi_swig_release(h)
    fail()
  end
  local ok, v = pcall(ash.attach, desc)
  core.ash_mpi_swig_release(h)
  if not ok then error(v, 2) end
  return v
end

local function collective(self, kind, v, arg, which)
  local d, g = pin(v)
  check(core.ash_mpi_swig_collective(ctx_of(self), kind, d, g, arg, which or 0))
end

--- nodes:replicate(v, root = 0): node root's elements of v into every copy
function Nodes:replicate(v, root)
  collective(self, core.ASH_MPI_SWIG_REPLICATE, v, int(root or 0, "root"))
end

--- nodes:allreduce_nodes(v, op = "sum"): every copy becomes op over the copies
function Nodes:allreduce_nodes(v, op)
  collective(self, core.ASH_MPI_SWIG_ALLREDUCE_NODES, v, choice(M.OPS, op or "sum", "op"))
end

--- nodes:bcast(v, root = 0, comm = "all"): MPI_Bcast of each rank's own view
function Nodes:bcast(v, root, comm)
  collective(self, core.ASH_MPI_SWIG_BCAST, v, int(root or 0, "root"),
             choice(M.COMMS, comm or "all", "comm"))
end

--- nodes:allreduce(v, op = "sum", comm = "all"): in-place MPI_Allreduce
function Nodes:allreduce(v, op, comm)
  collective(self, core.ASH_MPI_SWIG_ALLREDUCE, v, choice(M.OPS, op or "sum", "op"),
             choice(M.COMMS, comm or "all", "comm"))
end

--- nodes:barrier(): waits for the ranks of this node
function Nodes:barrier() check(core.ash_mpi_swig_node_barrier(ctx_of(self))) end

--- nodes:window(v) -> an RMA window over the nodes' copies of v (collective)
function Nodes:window(v)
  local d, g = pin(v)
  local w = core.ash_mpi_swig_win_create(ctx_of(self), d, g)
  if w == nil then fail() end
  return setmetatable({ w = w }, Window)
end

--- nodes:free(): frees the communicators (collective; idempotent)
function Nodes:free()
  local c = self.ctx
  self.ctx = nil
  if c ~= nil then core.ash_mpi_ctx_free(c) end
end
Nodes.__close = Nodes.free

local function access(self, node, region, v, is_get)
  if self.w == nil then ash.raise(ash.core.ASH_E_INVAL, "this window was freed") end
  local rd, rg = pin(region)
  local ld, lg = pin(v)
  check(core.ash_mpi_swig_access(self.w, int(node, "node"), is_get, rd, rg, ld, lg))
end

--- win:get(node, region, dst): node's elements at region's positions into dst
function Window:get(node, region, dst) access(self, node, region, dst, 1) end

--- win:put(node, region, src): src into node's copy at region's positions
function Window:put(node, region, src) access(self, node, region, src, 0) end

--- win:free(): frees the window (collective; idempotent)
function Window:free()
  local w = self.w
  self.w = nil
  if w ~= nil then core.ash_mpi_win_free(w) end
end
Window.__close = Window.free

return M
