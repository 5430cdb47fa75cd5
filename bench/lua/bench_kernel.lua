-- SPDX-License-Identifier: MIT
--[[ bench_kernel.lua - kernels from Lua: call overhead, element-wise sin
against a Lua loop, cblas_dgemm. Prints "RESULT key seconds" lines (medians)
for bench/kernels_langs.sh, which sets ASH_BK_* (the kernels' signatures and
binders, bench/python/kernel_common.py) and runs it:
  call   one kernel call of cblas_daxpy (n = 16), per call
  sin    map sin over N float64 (1 thread); sin_loop: v[i] = math.sin(x[i])
  dgemm  cblas_dgemm M x M through the kernel API on shared views
Usage: lua5.4 bench_kernel.lua [--quick] ]]
local ash = require "arrayshare"

local QUICK = arg[1] == "--quick"
local N = QUICK and 100000 or 1000000
local M = QUICK and 200 or 2000
local RUNS = QUICK and 3 or 5
local BK = {}
for _, k in ipairs({ "OPENBLAS", "DAXPY", "DAXPY_BIND", "DGEMM", "DGEMM_BIND" }) do
  BK[k] = assert(os.getenv("ASH_BK_" .. k), "ASH_BK_" .. k .. " is not set (run bench/kernels_langs.sh)")
end

-- process CPU time (os.clock): with OPENBLAS_NUM_THREADS=1 every row is
-- single-threaded, and other processes on shared CPUs do not inflate it
local function median(runs, fn)
  local clock = os.clock
  fn()
  local t = {}
  for i = 1, runs do
    local t0 = clock()
    fn()
    t[i] = clock() - t0
  end
  table.sort(t)
  return t[(runs + 1) // 2]
end

local views, pid = {}, io.open("/proc/self/stat"):read("n")
local function make(name, shape)
  local v = ash.create(string.format("luabk%d%s", pid, name), shape, "float64")
  views[#views + 1] = v
  return v
end

local ok, err = pcall(function()
  local x16, y16 = make("a", 16), make("b", 16)
  local daxpy = ash.kernel(BK.OPENBLAS, BK.DAXPY, BK.DAXPY_BIND)
  local calls = 20000
  print(string.format("RESULT call %.9f", median(RUNS, function()
    for _ = 1, calls do daxpy(x16, y16, 1e-9) end
  end) / calls))
  local x, y = make("x", N), make("y", N)
  for i = 1, N do x[i] = ((i - 1) % 100003) * 0.001 end
  local sin = ash.kernel("libm.so.6", "map double sin(double)")
  print(string.format("RESULT sin %.6f", median(RUNS, function() sin(x, y) end)))
  local msin = math.sin
  print(string.format("RESULT sin_loop %.6f", median(math.min(RUNS, 3), function()
    for i = 1, N do y[i] = msin(x[i]) end
  end)))
  local a, b, c = make("A", { M, M }), make("B", { M, M }), make("C", { M, M })
  a:fill(0.1)
  b:fill(0.2)
  local dgemm = ash.kernel(BK.OPENBLAS, BK.DGEMM, BK.DGEMM_BIND)
  print(string.format("RESULT dgemm %.6f", median(RUNS, function() dgemm(a, b, c, 1.0, 0.0) end)))
end)
for _, v in ipairs(views) do
  pcall(ash.unlink, v:segment_name())
  v:close()
end
if not ok then error(err, 0) end
