# SPDX-License-Identifier: MIT
# Conformance runner for the Ruby binding: executes the expanded cases
# (expand.py's output) against Arrayshare_core, the SWIG module that mirrors
# arrayshare.h: call, resolve references, compare. See
# tests/conformance/README.md.
#
# usage: ruby runner.rb CASES.json   (ASH_CONFORMANCE_OPS: the ops helper)
require "json"
require "open3"
require "tmpdir"
require "arrayshare"

CORE = Arrayshare_core
LANG = "ruby"
PREFIX = "cfr"
RUN_ID = Process.pid
TMPDIR = Dir.mktmpdir("ash-conformance-rb-")
RELEASE = %w[ash_view_release ash_segment_close ash_list_free ash_kernel_close ash_ring_close].freeze
SPECIAL = { "nan" => Float::NAN, "inf" => Float::INFINITY, "-inf" => -Float::INFINITY }.freeze

class Fail < StandardError; end

class Case
  attr_reader :vars

  def initialize(number)
    @number = number
    @vars = {}
    @order = []
    @files = []
  end

  def part(p)
    return p if p.is_a?(String)
    if p.key?("name")
      name = "#{PREFIX}#{RUN_ID}_#{@number}_#{p['name']}"
      @files << "/dev/shm/ash.#{name}"
      return name
    end
    if p.key?("path")
      path = File.join(TMPDIR, "#{@number}_#{p['path']}")
      @files << path
      return path
    end
    value(p).to_s
  end

  # An expanded value (expand.py) as a Ruby value.
  def value(a)
    return a.map { |x| value(x) } if a.is_a?(Array)
    return a unless a.is_a?(Hash)
    return Array(a["const"]).reduce(0) { |f, n| f | CORE.const_get(n) } if a.key?("const")
    return a["str"].map { |p| part(p) }.join if a.key?("str")
    if a.key?("ref")
      raise Fail, "no saved value named #{a['ref']}" unless @vars.key?(a["ref"])
      return @vars[a["ref"]]
    end
    return SPECIAL.fetch(a["float"]) if a.key?("float")
    return Integer(a["int"]) if a.key?("int")
    [a["bytes"]].pack("H*")
  end

  def save(key, v)
    @vars[key] = v
    @order << key
  end

  def finish
    @order.reverse_each do |k|
      h = @vars[k]
      next unless h.respond_to?(:close)
      begin
        h.close
      rescue ArrayShare::Error
        nil
      end
    end
    @files.each { |f| File.unlink(f) rescue nil }
  end
end

# A call's result in the form expectations use.
def result(v)
  case v
  when Array then v.map { |x| result(x) }
  when Float then v.finite? ? v : (v.nan? ? "nan" : (v.positive? ? "inf" : "-inf"))
  when String then v.encoding == Encoding::BINARY ? v.unpack1("H*") : v
  else v
  end
end

def match(exp, act, c)
  case exp
  when Hash
    return !act.nil? && act != 0 && act != false if exp.key?("nonnull")
    return act.is_a?(Numeric) && act >= exp["min"] if exp.key?("min")
    return act.is_a?(String) && act.start_with?(exp["prefix"]) if exp.key?("prefix")
    return act.is_a?(String) && act.include?(exp["contains"]) if exp.key?("contains")
    return act == exp["bytes"] if exp.key?("bytes")
    act == c.value(exp)
  when true, false then act == exp
  when Numeric then act.is_a?(Numeric) && act == exp
  when Array then act.is_a?(Array) && act.size == exp.size && exp.zip(act).all? { |e, a| match(e, a, c) }
  else exp == act
  end
end

def op(name, args, c)
  vals = args.map { |a| c.value(a) }
  if name == "list_has"
    l, want = vals
    return (0...CORE.ash_list_count(l)).any? { |i| CORE.ash_list_name(l, i) == want }
  end
  if name == "symbol_address" # an address in this process
    require "fiddle"
    return Fiddle::Handle.new(vals[0])[vals[1]]
  end
  argv = vals.map { |v| v.is_a?(String) && v.encoding == Encoding::BINARY ? v.unpack1("H*") : v.to_s }
  out, err, status = Open3.capture3(ENV.fetch("ASH_CONFORMANCE_OPS"), name, *argv)
  raise Fail, "#{name}: #{err.strip}" unless status.success?
  out.strip.empty? ? nil : JSON.parse(out)
end

def step(s, i, c)
  what = s["call"] || s["op"]
  args = s["args"]
  begin
    if s["call"]
      raise Fail, "the binding has no #{s['call']}" unless CORE.respond_to?(s["call"])
      out = CORE.send(s["call"], *args.map { |a| c.value(a) })
      c.vars.delete(args[0]["ref"]) if RELEASE.include?(s["call"]) && args[0].is_a?(Hash) && args[0]["ref"]
    else
      out = op(s["op"], args, c)
    end
  rescue ArrayShare::Error => e
    raise Fail, "step #{i} (#{what}): unexpected error #{e.name}: #{e.message}" unless s["error"]
    raise Fail, "step #{i} (#{what}): expected error #{s['error']}, got #{e.name} (#{e.message})" if e.name != s["error"]
    return
  rescue Fail => e
    raise Fail, "step #{i} (#{what}): #{e.message}"
  end
  raise Fail, "step #{i} (#{what}): expected error #{s['error']}, got success" if s["error"]
  if s.key?("expect") && !match(s["expect"], result(out), c)
    raise Fail, "step #{i} (#{what}): expected #{JSON.generate(s['expect'])}, got #{result(out).inspect}"
  end
  c.save(s["save"], out) if s["save"]
end

counts = Hash.new(0)
rows = []
JSON.parse(File.read(ARGV[0]))["cases"].each do |kase|
  if (why = kase["na"][LANG])
    puts "N/A   #{kase['name']}: #{why}"
    rows << [kase["name"], "na", why]
    counts["na"] += 1
    next
  end
  c = Case.new(kase["number"])
  err = ""
  begin
    kase["steps"].each_with_index { |s, i| step(s, i, c) }
  rescue Fail => e
    err = e.message
  rescue StandardError => e
    err = "#{e.class}: #{e.message}"
  ensure
    c.finish
  end
  puts err.empty? ? "PASS  #{kase['name']}" : "FAIL  #{kase['name']}: #{err}"
  rows << [kase["name"], err.empty? ? "pass" : "fail", err]
  counts[err.empty? ? "pass" : "fail"] += 1
end
if (out = ENV["ASH_CONFORMANCE_OUT"])
  Dir.mkdir(out) unless Dir.exist?(out)
  File.write(File.join(out, "#{LANG}.tsv"),
             rows.map { |r| r.map { |x| x.tr("\t\n", "  ") }.join("\t") + "\n" }.join)
end
Dir.rmdir(TMPDIR)
puts "conformance (#{LANG}): #{counts['pass']} passed, #{counts['fail']} failed, #{counts['na']} not applicable"
puts "#{counts['pass']} passed, #{counts['fail']} failed"
exit(counts["fail"].zero? ? 0 : 1)
