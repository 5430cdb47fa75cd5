# SPDX-License-Identifier: MIT
# Cross-language coordination pair, Ruby side: see coord.json and
# README.md beside this file.
#
#   ruby coord.rb SPEC lead NAME FOLLOWER-COMMAND...
#   ruby coord.rb SPEC follow NAME
require "json"
require "arrayshare"

def payload(n, i)
  p = Array.new(n - 1) { |k| i * 1_000_003 + 7 * k }
  (p << p.sum).pack("q<*")
end

def count(counter, spec)
  spec["increments"].times do
    counter.synchronize(timeout: spec["timeout"]) { counter[0] += 1 }
    counter.atomic_add(1)
  end
end

def lead(spec, base, cmd)
  name = "#{base}_#{Process.pid}"
  t = spec["timeout"]
  core = ArrayShare::Core
  size = [spec["data_len"], 1, 2].sum { |n| core.ash_arena_bytes_for(core::ASH_INT64, [n]) }
  size += core.ash_ring_arena_bytes(core::ASH_INT64, [spec["slot_len"]], spec["nslots"], 0)
  seg = ArrayShare::Segment.create(name, size: size, max_arrays: 4)
  data = seg.add_array("data", shape: [spec["data_len"]], dtype: :int64)
  ack = seg.add_array("ack", shape: [1], dtype: :int64)
  counter = seg.add_array("counter", shape: [2], dtype: :int64)
  ring = ArrayShare::Ring.create(seg, "ring", [spec["slot_len"]], :int64, spec["nslots"],
                                 backpressure: true)
  follower = spawn(*cmd, name)
  bad = 0
  ackver = 0
  (1..spec["versions"]).each do |i|
    data.writing(timeout: t) { data.write(payload(spec["data_len"], i)) }
    while ack.atomic_load(0) < i
      ackver = ack.wait_change(ackver, timeout: t) or abort("coord-ruby lead: no ack")
    end
  end
  deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + t
  while ring.consumers < 1
    abort("coord-ruby lead: no ring consumer") if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
    sleep 0.01
  end
  (1..spec["slots"]).each { |i| ring.write(payload(spec["slot_len"], i), timeout: t) }
  count(counter, spec)
  Process.wait(follower)
  unless $?.success?
    warn "coord-ruby lead: the follower failed (#{$?.exitstatus})"
    bad = 1
  end
  want = 2 * spec["increments"]
  unless counter[0] == want && counter[1] == want
    warn "coord-ruby lead: counters #{counter[0]} #{counter[1]}, expected #{want}"
    bad = 1
  end
  ring.close
  [data, ack, counter, seg].each(&:close)
  puts "coord lead ruby: #{bad.zero? ? 'ok' : 'FAIL'}"
  bad
end

def follow(spec, name)
  t = spec["timeout"]
  bad = 0
  ver = 0
  ArrayShare::Segment.open(name) do |seg|
    data = seg["data"]
    ack = seg["ack"]
    counter = seg["counter"]
    ArrayShare::Ring.attach("#{name}/ring", consumer: true) do |ring|
      (1..spec["versions"]).each do |i|
        data.wait_change(ver, timeout: t) or abort("coord-ruby follow: no version")
        ver, bytes = data.snapshot(timeout: t)
        abort("coord-ruby follow: version #{ver}, expected #{i}") unless ver == i
        unless bytes == payload(spec["data_len"], i)
          warn "coord-ruby follow: version #{i} has a wrong payload or checksum"
          bad = 1
        end
        ack.atomic_store(0, i)
        ack.notify
      end
      (1..spec["slots"]).each do |i|
        seq, bytes = ring.read(timeout: t)
        abort("coord-ruby follow: slot #{seq.inspect}, expected #{i - 1}") unless seq == i - 1
        unless bytes == payload(spec["slot_len"], i)
          warn "coord-ruby follow: slot #{i} has a wrong payload or checksum"
          bad = 1
        end
      end
      bad = 1 if ring.missed != 0
      count(counter, spec)
    end
    [data, ack, counter].each(&:close)
  end
  puts "coord follow ruby: #{bad.zero? ? 'ok' : 'FAIL'}"
  bad
end

spec = JSON.parse(File.read(ARGV[0]))
exit(ARGV[1] == "lead" ? lead(spec, ARGV[2], ARGV[3..]) : follow(spec, ARGV[2]))
