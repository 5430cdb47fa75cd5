# SPDX-License-Identifier: MIT
# frozen_string_literal: true

# Kernels from Ruby: call overhead, element-wise sin against a Ruby loop,
# cblas_dgemm. Prints "RESULT key seconds" lines (medians, process CPU time:
# with OPENBLAS_NUM_THREADS=1 every row is single-threaded) for
# bench/kernels_langs.sh, which sets ASH_BK_* (the kernels' signatures and
# binders, bench/python/kernel_common.py) and runs it:
#   call  one Kernel call of cblas_daxpy (n = 16), per call
#   sin   map sin over N float64 (1 thread); loop: the same with v[i] = Math.sin(x[i])
#   dgemm cblas_dgemm M x M through the kernel API on shared views
require "arrayshare"

QUICK = ARGV.include?("--quick")
N = QUICK ? 100_000 : 1_000_000
M = QUICK ? 200 : 2000
RUNS = QUICK ? 3 : 5
BK = %w[OPENBLAS DAXPY DAXPY_BIND DGEMM DGEMM_BIND].to_h { |k| [k, ENV.fetch("ASH_BK_#{k}")] }

def median(runs, clock = Process::CLOCK_PROCESS_CPUTIME_ID)
  yield
  times = Array.new(runs) do
    t0 = Process.clock_gettime(clock)
    yield
    Process.clock_gettime(clock) - t0
  end.sort
  times[runs / 2]
end

views = []
make = lambda do |name, shape|
  v = ArrayShare.create("rbbk#{Process.pid}#{name}", shape: shape, dtype: :float64)
  views << v
  v
end
begin
  x16 = make.("a", [16])
  y16 = make.("b", [16])
  daxpy = ArrayShare.kernel(BK["OPENBLAS"], BK["DAXPY"], bind: BK["DAXPY_BIND"])
  calls = 20_000
  puts format("RESULT call %.9f", median(RUNS) { calls.times { daxpy.(x16, y16, 1e-9) } } / calls)
  x = make.("x", [N])
  y = make.("y", [N])
  N.times { |i| x[i] = (i % 100_003) * 0.001 }
  sin = ArrayShare.kernel("libm.so.6", "map double sin(double)")
  puts format("RESULT sin %.6f", median(RUNS) { sin.(x, y) })
  puts format("RESULT sin_loop %.6f", median([RUNS, 3].min) { N.times { |i| y[i] = Math.sin(x[i]) } })
  a = make.("A", [M, M])
  b = make.("B", [M, M])
  c = make.("C", [M, M])
  [a, b].each_with_index { |mat, k| mat.fill(0.1 * (k + 1)) }
  dgemm = ArrayShare.kernel(BK["OPENBLAS"], BK["DGEMM"], bind: BK["DGEMM_BIND"])
  puts format("RESULT dgemm %.6f", median(RUNS) { dgemm.(a, b, c, 1.0, 0.0) })
ensure
  views.each do |v|
    ArrayShare.unlink(v.segment_name, missing_ok: true)
    v.close
  end
end
