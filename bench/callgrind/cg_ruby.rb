# SPDX-License-Identifier: MIT
# frozen_string_literal: true

# cg_ruby.rb - Ruby element access whose instruction counts
# bench/callgrind/run.py measures under callgrind: ruby cg_ruby.rb OP N
# (N accesses after a warm-up round; run.py takes the difference of two
# values of N, so start-up cancels out).
#   get2d     s += v[i, j] on a 2-d float64 view
#   rw1d      v[i] = v[i] + 1 on a 1-d float64 view
#   ary2d     s += a[i][j] on an Array of Arrays (the anchor)
require "arrayshare"

op = ARGV[0]
n = Integer(ARGV[1])
R = 64
C = 64
name = "cgrb-#{Process.pid}"
v = ArrayShare.create(name, shape: [R, C], dtype: :float64)
ArrayShare.unlink(name)
flat = v.reshape(R * C)
a = Array.new(R) { Array.new(C, 0.0) }
s = 0.0
run = lambda do |count|
  k = 0
  case op
  when "get2d"
    while k < count
      s += v[k % R, (k / R) % C]
      k += 1
    end
  when "rw1d"
    while k < count
      i = k % (R * C)
      flat[i] = flat[i] + 1
      k += 1
    end
  when "ary2d"
    while k < count
      s += a[k % R][(k / R) % C]
      k += 1
    end
  else
    raise ArgumentError, "unknown operation #{op}"
  end
end
run.call(R * C)
GC.start
GC.disable # no collection in the counted part: exact counts
run.call(n)
flat.close
v.close
