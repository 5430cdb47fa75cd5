# SPDX-License-Identifier: MIT
# Conformance runner for the Ruby binding: executes
# tests/conformance/cases/*.json against Arrayshare_core, the SWIG module
# that mirrors arrayshare.h. See tests/conformance/README.md.
#
# usage: ruby runner.rb CASE.json...
require "json"
require "rbconfig"
require "tmpdir"
require "arrayshare"

CORE = Arrayshare_core
RUN_ID = Process.pid
TMPDIR = Dir.mktmpdir("ash-conformance-rb-")
PACKS = { "i8" => "c", "i16" => "s<", "i32" => "l<", "i64" => "q<",
          "u8" => "C", "u16" => "S<", "u32" => "L<", "u64" => "Q<",
          "f32" => "e", "f64" => "E", "bool" => "C" }.freeze
RELEASE = %w[ash_view_release ash_segment_close ash_list_free].freeze

class Fail < StandardError; end

def special_float(s)
  { "nan" => Float::NAN, "inf" => Float::INFINITY, "-inf" => -Float::INFINITY }.fetch(s)
end

def pack(a)
  return [a["hex"]].pack("H*") if a.key?("hex")
  PACKS.each do |key, code|
    next unless a.key?(key)
    vals = a[key].map do |v|
      if v.is_a?(Hash)
        v.key?("float") ? special_float(v["float"]) : Integer(v["int"] || v["uint"])
      else
        v
      end
    end
    return vals.pack(code * vals.size)
  end
  raise Fail, "not a value: #{a}"
end

class Case
  attr_reader :vars

  def initialize(number)
    @number = number
    @names = {}
    @paths = {}
    @vars = {}
    @order = []
  end

  def name(key) = (@names[key] ||= "cfr#{RUN_ID}_#{@number}_#{key}")
  def path(key) = (@paths[key] ||= File.join(TMPDIR, "r#{@number}_#{key}"))

  def desc(text) = text.gsub(/\{([^}]*)\}/) { name(Regexp.last_match(1)) }

  def value(a)
    case a
    when nil, true, false, String then a
    when Integer then a
    when Float then a.finite? && a == a.to_i && a.abs < 2**63 ? a.to_i : a
    when Array then a.map { |x| value(x) }
    when Hash
      return CORE.const_get(a["const"]) if a.key?("const")
      return a["flags"].reduce(0) { |f, n| f | CORE.const_get(n) } if a.key?("flags")
      return name(a["name"]) if a.key?("name")
      return path(a["path"]) if a.key?("path")
      return desc(a["desc"]) if a.key?("desc")
      return a["repeat"] * a["count"] if a.key?("repeat")
      return a["concat"].map { |x| value(x).to_s }.join if a.key?("concat")
      if a.key?("ref")
        raise Fail, "no saved value named #{a['ref']}" unless @vars.key?(a["ref"])
        return @vars[a["ref"]]
      end
      return special_float(a["float"]) if a.key?("float")
      return Integer(a["int"] || a["uint"]) if a.key?("int") || a.key?("uint")
      pack(a)
    end
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
    @vars.clear
    @names.each_value { |n| File.unlink("/dev/shm/ash.#{n}") rescue nil }
    @paths.each_value { |p| File.unlink(p) rescue nil }
  end
end

def result(v)
  case v
  when Array then v.map { |x| result(x) }
  when Float
    return "nan" if v.nan?
    return (v.positive? ? "inf" : "-inf") if v.infinite?
    v
  when String then v.encoding == Encoding::BINARY ? v.unpack1("H*") : v
  when Complex then [result(v.real.to_f), result(v.imaginary.to_f)]
  else v
  end
end

def match(exp, act, c)
  case exp
  when Hash
    return act == CORE.const_get(exp["const"]) if exp.key?("const")
    return act == exp["float"] if exp.key?("float")
    return !act.nil? && act != 0 && act != false if exp.key?("nonnull")
    return act.is_a?(Numeric) && act >= exp["min"] if exp.key?("min")
    return act.is_a?(String) && act.start_with?(exp["prefix"]) if exp.key?("prefix")
    return act.is_a?(String) && act.include?(exp["contains"]) if exp.key?("contains")
    return act == Integer(exp["int"] || exp["uint"]) if exp.key?("int") || exp.key?("uint")
    return act == c.value(exp) if exp.key?("name") || exp.key?("desc") || exp.key?("path")
    act == pack(exp).unpack1("H*")
  when true, false then act == exp
  when Numeric then act.is_a?(Numeric) && act == exp
  when Array then act.is_a?(Array) && act.size == exp.size && exp.zip(act).all? { |e, a| match(e, a, c) }
  else exp == act
  end
end

HELPER = <<~RUBY
  require "arrayshare"
  c = Arrayshare_core
  v = ARGV[0] == "create" ? c.ash_create(ARGV[1], c::ASH_FLOAT64, [4], 0, 0o600) : c.ash_attach(ARGV[1], 0)
  $stdout.puts "ready"
  $stdout.flush
  $stdin.read
RUBY

def op(name, args, c)
  vals = args.map { |a| c.value(a) }
  shm = ->(n) { "/dev/shm/ash.#{n}" }
  case name
  when "kill_attacher", "kill_creator"
    mode = name == "kill_creator" ? "create" : "attach"
    incs = $LOAD_PATH.flat_map { |d| ["-I", d] }
    io = IO.popen([RbConfig.ruby, *incs, "-e", HELPER, mode, vals[0]], "r+")
    line = io.gets
    Process.kill(:KILL, io.pid)
    Process.wait(io.pid)
    io.close
    raise Fail, "#{name}: the helper could not #{mode}" unless line&.strip == "ready"
    nil
  when "poke"
    File.open(shm.(vals[0]), "r+b") { |f| f.seek(vals[1]); f.write(vals[2]) }
    nil
  when "truncate"
    File.truncate(shm.(vals[0]), vals[1])
    nil
  when "write_file"
    File.binwrite(args[0].key?("path") ? vals[0] : shm.(vals[0]), vals[1])
    nil
  when "exists" then File.exist?(shm.(vals[0]))
  when "list_has"
    l, want = vals
    (0...CORE.ash_list_count(l)).any? { |i| CORE.ash_list_name(l, i) == want }
  else raise Fail, "unknown op #{name}"
  end
end

def step(s, i, c)
  what = s["call"] || s["op"]
  args = s["args"] || []
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

passed = failed = na = 0
number = 0
results = []
ARGV.each do |file|
  JSON.parse(File.read(file))["cases"].each do |kase|
    why = kase.dig("not_applicable", "ruby")
    if why
      puts "N/A   #{kase['name']}: #{why}"
      results << [kase["name"], "na", why]
      na += 1
      next
    end
    number += 1
    c = Case.new(number)
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
    if err.empty?
      puts "PASS  #{kase['name']}"
      passed += 1
    else
      puts "FAIL  #{kase['name']}: #{err}"
      failed += 1
    end
    results << [kase["name"], err.empty? ? "pass" : "fail", err]
  end
end
if (out = ENV["ASH_CONFORMANCE_OUT"])
  Dir.mkdir(out) unless Dir.exist?(out)
  File.write(File.join(out, "ruby.tsv"),
             results.map { |r| r.map { |x| x.tr("\t\n", "  ") }.join("\t") + "\n" }.join)
end
Dir.rmdir(TMPDIR)
puts "conformance (ruby): #{passed} passed, #{failed} failed, #{na} not applicable"
puts "#{passed} passed, #{failed} failed"
exit(failed.zero? ? 0 : 1)
