-- SPDX-License-Identifier: MIT
-- Attaches x and y by name and runs cblas_daxpy (y += 2x) on them through
-- the kernel API: no NumPy, no extension, no copy. With --compare, also the
-- same done element by element into y2, and the two times.
-- usage: lua5.4 daxpy.lua LIBRARY SYMBOL X Y Y2 [--compare]
local ash = require "arrayshare"
local system_ok, system = pcall(require, "system")
local now = system_ok and system.monotime or os.clock

local lib, sym, xn, yn, y2n, compare = arg[1], arg[2], arg[3], arg[4], arg[5], arg[6] == "--compare"
local x <close> = ash.attach(xn)
local y <close> = ash.attach(yn)
local daxpy <close> = ash.kernel(lib,
  ("void %s(int n, double a, const double *x, int incx, double *y, int incy)"):format(sym),
  "n=size(x)=size(y), a=a, x=x, incx=inc(x), y=y, incy=inc(y)")
daxpy(x, y, 0.0) -- y += 0x: maps this process's pages, changes nothing
local t0 = now()
daxpy(x, y, 2.0)
local t_kernel = now() - t0
local pid = io.open("/proc/self/stat"):read("n")
local line = ("lua %d: %s on %d elements: %.2f ms"):format(pid, sym, #x, t_kernel * 1e3)
if compare then
  local y2 <close> = ash.attach(y2n)
  for i = 1, #x do y2[i] = y2[i] + 0.0 * x[i] end -- the same warm-up
  t0 = now()
  for i = 1, #x do y2[i] = y2[i] + 2.0 * x[i] end
  local t_loop = now() - t0
  line = line .. ("; element by element in Lua: %.1f ms (%.0fx slower)"):format(t_loop * 1e3, t_loop / t_kernel)
end
print(line)
