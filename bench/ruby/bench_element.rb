# SPDX-License-Identifier: MIT
# frozen_string_literal: true

# Per-element speed of the Ruby binding: the loop `v[i] = v[i] + 1` over a
# 1-d float64 view, against the same loop over a Ruby Array (the anchor);
# and on a 2-d R x C float64 view (R * C = n), reading `v[i, j]` and
# `v[i, j] = v[i, j] + 1`, against a Ruby Array of Arrays (`a[i][j]`).
#
#   ruby -I build-rb/bindings/ruby/lib bench/ruby/bench_element.rb [n] [runs]
#
# Prints the median ns per element of each (process CPU time, so other
# processes on a shared machine do not inflate it), and the ratios view /
# Array (targets: 1-d <= 2.0, 2-d <= 1.5), all measured in this one run.
require "arrayshare"

N = Integer(ARGV[0] || 1_000_000)
RUNS = Integer(ARGV[1] || 7)

def clock
  Process.clock_gettime(Process::CLOCK_PROCESS_CPUTIME_ID)
end

def loop_over(a, n)
  i = 0
  while i < n
    a[i] = a[i] + 1
    i += 1
  end
end

def median(xs)
  s = xs.sort
  s.size.odd? ? s[s.size / 2] : (s[s.size / 2 - 1] + s[s.size / 2]) / 2.0
end

# ns per element of one pass
def measure(target, n)
  t0 = clock
  loop_over(target, n)
  (clock - t0) * 1e9 / n
end

C2 = [Math.sqrt(N).to_i, 1].max
R2 = [N / C2, 1].max

def read_view2(v)
  s = 0.0
  i = 0
  while i < R2
    j = 0
    while j < C2
      s += v[i, j]
      j += 1
    end
    i += 1
  end
  s
end

def rw_view2(v)
  i = 0
  while i < R2
    j = 0
    while j < C2
      v[i, j] = v[i, j] + 1
      j += 1
    end
    i += 1
  end
end

def read_ary2(a)
  s = 0.0
  i = 0
  while i < R2
    j = 0
    while j < C2
      s += a[i][j]
      j += 1
    end
    i += 1
  end
  s
end

def rw_ary2(a)
  i = 0
  while i < R2
    j = 0
    while j < C2
      a[i][j] = a[i][j] + 1
      j += 1
    end
    i += 1
  end
end

def measure2(fn, target)
  t0 = clock
  send(fn, target)
  (clock - t0) * 1e9 / (R2 * C2)
end

name = "rbbench-#{Process.pid}"
ary = Array.new(N, 0.0)
view = ArrayShare.create(name, shape: [N], dtype: :float64)
begin
  # interleave the two so that both see the same machine state
  measure(ary, [N, 10_000].min) # warm up
  measure(view, [N, 10_000].min)
  view_ns = []
  ary_ns = []
  RUNS.times do
    ary_ns << measure(ary, N)
    view_ns << measure(view, N)
  end
  raise "wrong result" unless view[0] == ary[0] && view[N - 1] == ary[N - 1]

  a = median(ary_ns)
  v = median(view_ns)
  printf("elements per run     %d, runs %d (ruby %s)\n", N, RUNS, RUBY_VERSION)
  printf("Array  v[i] = v[i]+1 median %7.1f ns/element\n", a)
  printf("View   v[i] = v[i]+1 median %7.1f ns/element\n", v)
  printf("ratio View / Array   %.2f (target <= 2.00)\n", v / a)

  # 2-d
  view2 = ArrayShare.create("#{name}-2d", shape: [R2, C2], dtype: :float64)
  begin
    ary2 = Array.new(R2) { Array.new(C2, 0.0) }
    pairs = [%i[read_view2 read_ary2], %i[rw_view2 rw_ary2]]
    t2 = Hash.new { |h, k| h[k] = [] }
    pairs.flatten.each { |fn| send(fn, fn.to_s.include?("view") ? view2 : ary2) } # warm up
    RUNS.times do
      pairs.each do |vf, af|
        t2[af] << measure2(af, ary2)
        t2[vf] << measure2(vf, view2)
      end
    end
    raise "wrong result (2-d)" unless view2[R2 - 1, C2 - 1] == ary2[R2 - 1][C2 - 1]

    printf("2-d %d x %d, runs %d\n", R2, C2, RUNS)
    [["read  s += v[i, j]", :read_view2, :read_ary2],
     ["v[i, j] = v[i, j] + 1", :rw_view2, :rw_ary2]].each do |label, vf, af|
      vm = median(t2[vf])
      am = median(t2[af])
      printf("%-24s View %7.1f  Array of Arrays %7.1f ns/element  ratio %.2f (target <= 1.50)\n",
             label, vm, am, vm / am)
    end
  ensure
    view2.close
    ArrayShare.unlink("#{name}-2d", missing_ok: true)
  end
ensure
  view.close
  ArrayShare.unlink(name, missing_ok: true)
end
