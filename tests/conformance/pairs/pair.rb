# SPDX-License-Identifier: MIT
# Cross-language pair, Ruby side: see README.md beside this file.
#
#   ruby pair.rb SPEC lead NAME FOLLOWER-COMMAND...
#   ruby pair.rb SPEC follow NAME
require "json"
require "arrayshare"

# Packed little-endian formats of String#pack, by dtype; complex values are
# (re, im) pairs of floats.
PACK = { "float64" => "E", "float32" => "e", "int32" => "l<", "int64" => "q<",
         "uint8" => "C", "bool" => "C", "complex128" => "E" }.freeze

def packed(dtype, values)
  flat = values.flatten
  flat.pack(PACK.fetch(dtype) + "*")
end

def unpacked(dtype, bytes)
  vals = bytes.unpack(PACK.fetch(dtype) + "*")
  dtype.start_with?("complex") ? vals.each_slice(2).to_a : vals
end

def check(view, a, key, who)
  if view.dtype != a["dtype"] || view.shape != a["shape"]
    warn "pair-ruby #{who}: #{a['name']} is #{view.dtype} #{view.shape.inspect}"
    return 1
  end
  got = unpacked(a["dtype"], view.read) # bulk read of packed bytes
  want = a[key].map { |x| x.is_a?(Array) ? x.map(&:to_f) : x }
  return 0 if got == want

  warn "pair-ruby #{who}: #{a['name']} = #{got.inspect}, expected #{want.inspect}"
  1
end

def lead(spec, name, cmd)
  name = "#{name}_#{Process.pid}"
  arrays = spec["arrays"]
  bad = 0
  specs = arrays.to_h { |a| [a["name"], { shape: a["shape"], dtype: a["dtype"] }] }
  seg = ArrayShare::Segment.create(name, arrays: specs)
  arrays.each { |a| seg[a["name"]] { |v| v.write(packed(a["dtype"], a["initial"])) } }
  unless system(*cmd, name)
    warn "pair-ruby lead: the follower failed (#{$?.inspect})"
    bad = 1
  end
  arrays.each { |a| seg[a["name"]] { |v| bad |= check(v, a, "final", "lead") } }
  seg.close # policy auto: the last attacher unlinks
  if File.exist?("/dev/shm/ash.#{name}")
    warn "pair-ruby lead: #{name} still exists after the last close"
    bad = 1
  end
  puts "pair lead ruby: #{bad.zero? ? 'ok' : 'FAIL'}"
  bad
end

def follow(spec, name)
  bad = 0
  ArrayShare::Segment.open(name) do |seg|
    names = spec["arrays"].map { |a| a["name"] }
    if seg.arrays != names
      warn "pair-ruby follow: arrays #{seg.arrays.inspect}"
      return 1
    end
    spec["arrays"].each do |a|
      seg[a["name"]] { |v| bad |= check(v, a, "initial", "follow") }
      ArrayShare.attach("#{name}/#{a['name']}#{a['index']}") do |w|
        w.write(packed(a["dtype"], a["write"]))
      end
    end
  end
  puts "pair follow ruby: #{bad.zero? ? 'ok' : 'FAIL'}"
  bad
end

spec = JSON.parse(File.read(ARGV[0]))
status = ARGV[1] == "lead" ? lead(spec, ARGV[2], ARGV[3..]) : follow(spec, ARGV[2])
exit(status)
