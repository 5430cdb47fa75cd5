# SPDX-License-Identifier: MIT
# frozen_string_literal: true

# Per-element speed of the Ruby binding: the loop `v[i] = v[i] + 1` over a
# 1-d float64 view, against the same loop over a Ruby Array (the anchor).
#
#   ruby -I build-rb/bindings/ruby/lib bench/ruby/bench_element.rb [n] [runs]
#
# Prints the median ns per element of each, and the ratio view / Array
# (target: <= 2.0), all measured in this one run.
require "arrayshare"

N = Integer(ARGV[0] || 1_000_000)
RUNS = Integer(ARGV[1] || 7)

def clock
  Process.clock_gettime(Process::CLOCK_MONOTONIC)
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
ensure
  view.close
  ArrayShare.unlink(name, missing_ok: true)
end
