-- SPDX-License-Identifier: MIT
-- arrayshare.mpi under mpiexec (2 ranks, 2 simulated nodes). Lua has no MPI
-- binding: the library starts MPI (ampi.init) and the context uses
-- MPI_COMM_WORLD. Every rank runs every check in the same order; the job
-- fails when any rank failed.
local ash = require "arrayshare"
local ampi = require "arrayshare.mpi"

local failures = 0
local function check(cond, what)
  if not cond then
    failures = failures + 1
    io.stderr:write(("check failed: %s (%s)\n"):format(what, debug.traceback("", 2)))
  end
end
local function raises(fn, ...)
  local ok, err = pcall(fn, ...)
  check(not ok, "no error raised")
  return err
end

-- Node-shared names must be equal on every rank: mpiexec's pid is.
local ppid = io.open("/proc/self/stat"):read("l"):match("^%d+ %b() %S+ (%d+)")
local prefix = "tmlua" .. ppid

ampi.init()
ampi.init() -- idempotent
local my_rank
do
  local nodes <close> = ampi.nodes(nil, { simulate = 2 })
  local rank = nodes:rank()
  my_rank = rank
  check(math.type(rank) == "integer", "rank is an integer")
  check(nodes:node_count() == 2 and nodes:node() == rank * 2 // nodes:size(), "nodes")
  check(math.type(nodes:comm_handle("node")) == "integer", "comm handle")

  local v = nodes:open(prefix .. "_a", { 4, 3 }, "float64")
  check(v:segment_name() == ("%s_a.node%d"):format(prefix, nodes:node()), v:segment_name())
  if nodes:node_rank() == 0 then v:fill(nodes:node() == 0 and 2.5 or 0) end
  nodes:replicate(v:slice(1, 2, 3), 0) -- rows 2..3 (1-based)
  check(v[2][1] == 2.5 and v[3][3] == 2.5, "replicated rows")
  check(v[1][1] == (nodes:node() == 0 and 2.5 or 0), "row 1 untouched")
  nodes:allreduce_nodes(v, "sum")
  check(v[1][1] == 2.5 and v[2][2] == 5.0, "allreduce sum")

  -- each rank's own view
  local mine = ash.create(("%s_r%d"):format(prefix, rank), { 5 }, "int64")
  mine:fill(rank + 1)
  nodes:allreduce(mine, "sum", "all")
  check(mine[5] == 3, "allreduce over all ranks")
  mine:fill(rank == 1 and 9 or 0)
  nodes:bcast(mine, 1)
  check(mine[1] == 9, "bcast")

  -- one-sided: row 1 of the other node's copy
  local w <close> = nodes:window(v)
  v:fill(nodes:node() + 10)
  nodes:allreduce(mine, "max") -- a collective: both copies are written
  local dst = ash.create(("%s_d%d"):format(prefix, rank), { 3 }, "float64")
  w:get(1 - nodes:node(), v:index(1, 1), dst)
  check(dst[1] == 11 - nodes:node() and dst[3] == 11 - nodes:node(), "window get")
  dst:close()
  nodes:allreduce(mine, "max") -- the other node's get is done too

  local err = raises(nodes.replicate, nodes, v, 7)
  check(ash.is_error(err, "INVAL") and tostring(err):find("root node 7"), tostring(err))
  raises(nodes.allreduce_nodes, nodes, v, "mean")
  check(ash.is_error(raises(nodes.allreduce_nodes, nodes, v, "band"), "DTYPE"), "band on floats")
  mine:close()
  v:close()
end
collectgarbage()
-- This rank's private arrays are gone (the node-shared copies go when the
-- other rank, too, has released them).
for _, n in ipairs(ash.ls()) do
  check(n ~= ("%s_r%d"):format(prefix, my_rank) and n ~= ("%s_d%d"):format(prefix, my_rank),
        "left: " .. n)
end
ampi.finalize()
if failures > 0 then
  io.stderr:write(("lua: %d failures\n"):format(failures))
  os.exit(1)
end
