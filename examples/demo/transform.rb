# SPDX-License-Identifier: MIT
# Attaches the demo's array by name alone and negates rows [r0, r1).
require "arrayshare"

name, r0, r1 = ARGV[0], Integer(ARGV[1]), Integer(ARGV[2])
ArrayShare.attach(name) do |v|
  block = v[r0...r1]                      # a Range gives a view, no copy
  values = block.read.unpack("E*")        # bulk read, C order
  block.write(values.map(&:-@).pack("E*"))
  puts "ruby #{Process.pid}: attached #{v.descriptor} (#{v.dtype} #{v.shape.inspect}), " \
       "negated rows #{r0}...#{r1}"
end
