# SPDX-License-Identifier: MIT
# frozen_string_literal: true

# Shared setup of the Ruby binding's tests. Run a file with
#   ruby -I build-rb/bindings/ruby/lib -I tests/ruby tests/ruby/test_view.rb
# Every segment name is unique per run (it holds the pid) and every test
# removes what it made (teardown), so /dev/shm holds no ash.rbt-* afterwards.
require "minitest/autorun"
require "arrayshare"

module ShmTest
  PREFIX = "rbt-#{Process.pid}"
  SHM = "/dev/shm"
  Core = ArrayShare::Core

  @counter = 0
  class << self
    attr_accessor :counter
  end

  def setup
    super
    @names = []
  end

  def teardown
    @names.each do |n|
      ArrayShare.unlink(n, missing_ok: true)
    rescue ArrayShare::Error
      nil
    end
    super
  end

  # A segment name unique in this run, removed after the test.
  def uniq(tag = "t")
    ShmTest.counter += 1
    name = "#{PREFIX}-#{tag}-#{ShmTest.counter}"
    @names << name
    name
  end

  def shm_exist?(name)
    File.exist?(File.join(SHM, "ash.#{name}"))
  end

  # Runs the block in a forked child and returns its value (through a pipe,
  # Marshal-ed). The child leaves with exit! so that minitest's at_exit does
  # not run there; a failure in the child is raised here.
  def in_child
    rd, wr = IO.pipe
    pid = fork do
      rd.close
      result = begin
        [:ok, yield]
      rescue Exception => e # rubocop:disable Lint/RescueException
        [:error, "#{e.class}: #{e.message}"]
      end
      wr.write(Marshal.dump(result))
      wr.close
      exit!(0)
    end
    wr.close
    data = rd.read
    rd.close
    _, status = Process.wait2(pid)
    assert status.success?, "child exited with #{status.inspect}"
    kind, value = Marshal.load(data) # rubocop:disable Security/MarshalLoad
    raise "in child: #{value}" if kind == :error

    value
  end

  # Runs a separate ruby interpreter (not a fork) with the binding on its
  # load path; returns its stdout.
  def in_ruby(code)
    libs = $LOAD_PATH.grep(%r{bindings/ruby/lib}).map { |d| "-I#{d}" }
    out = IO.popen([RbConfig.ruby, *libs, "-rarrayshare", "-e", code], &:read)
    assert $?.success?, "ruby exited with #{$?.inspect}"
    out
  end
end
