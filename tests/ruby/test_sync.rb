# SPDX-License-Identifier: MIT
# frozen_string_literal: true

# Coordination from Ruby: synchronize, owner death, threads and the GVL,
# versions, waits, atomics, rings.
require_relative "helper"

class TestSync < Minitest::Test
  include ShmTest

  def counter(&block)
    ArrayShare.create(uniq("c"), shape: [4], dtype: :int64, &block)
  end

  def test_synchronize_and_misuse
    counter do |v|
      v.synchronize(timeout: 1) do
        assert_equal :held, v.lock_state[0]
        assert_raises(ArrayShare::Deadlock) { v.lock(timeout: 0.01) }
        v[0] += 1
      end
      assert_equal [:free, 0], v.lock_state
      e = assert_raises(ArrayShare::NotOwner) { v.unlock }
      assert_kind_of ThreadError, e
      lk = v.try_lock
      assert lk.held?
      lk.unlock
      refute lk.held?
    end
  end

  def test_threads_exclude_each_other_without_the_gvl
    counter do |v|
      lk = v.lock
      ticks = 0
      got = nil
      t = Thread.new { v.synchronize(timeout: 5) { got = v[1] } }
      5.times do
        ticks += 1
        sleep 0.01
      end
      assert_nil got
      v[1] = 7
      lk.unlock
      t.join(5)
      assert_equal 7, got
      assert_equal 5, ticks
      lk = v.lock
      t2 = Thread.new do
        Thread.current.report_on_exception = false
        v.lock(timeout: 0.05)
      end
      assert_raises(ArrayShare::TimeoutError) { t2.value }
      lk.unlock
    end
  end

  def test_a_killed_owner_hands_over
    counter do |v|
      rd, wr = IO.pipe
      pid = fork do
        ArrayShare.attach(v.descriptor) do |w|
          w.lock
          wr.write("y")
          sleep
        end
      end
      assert_equal "y", rd.read(1)
      Process.kill(:KILL, pid)
      Process.wait(pid)
      assert_equal :owner_dead, v.lock_state[0]
      e = assert_raises(ArrayShare::OwnerDead) { v.lock(timeout: 5) }
      assert e.lock.held?
      e.lock.consistent!
      e.lock.unlock
      repaired = false
      v.synchronize(repair: -> { repaired = true }) { nil }
      refute repaired, "a live owner's lock needs no repair"
    end
  end

  def test_versions_snapshots_waits
    counter do |v|
      assert_equal 0, v.version
      v.writing { |died| refute died; v.fill(5) }
      assert_equal 1, v.version
      version, bytes = v.snapshot
      assert_equal [1, [5, 5, 5, 5]], [version, bytes.unpack("q<*")]
      assert_equal Encoding::BINARY, bytes.encoding
      assert_nil v.wait_change(1, timeout: 0.02)
      t = Thread.new { sleep 0.05; v.writing { v[0] = 9 } }
      assert_equal 2, v.wait_change(1, timeout: 5)
      t.join
      assert_equal 0, v.notify
      assert_equal 3, v.version
    end
  end

  def test_wait_any
    ArrayShare::Segment.create(uniq("w"), arrays: { "a" => [[2], :int32], "b" => [[2], :int32] }) do |s|
      a = s["a"]
      b = s["b"]
      assert_nil ArrayShare.wait_any([[a, 0], [b, 0]], timeout: 0.02)
      b.notify
      assert_equal 1, ArrayShare.wait_any([[a, 0], [b, 0]], timeout: 1)
    end
  end

  def test_a_wait_without_limit_is_interruptible
    counter do |v|
      waiter = Thread.new do
        Thread.current.report_on_exception = false
        v.wait_change(0) # no timeout: only Thread#raise ends it
      end
      sleep 0.2
      t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
      waiter.raise(RuntimeError, "stop")
      assert_raises(RuntimeError) { waiter.value }
      assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0, :<, 2
      assert_equal 0, v.version
    end
  end

  def test_atomics
    counter do |v|
      assert_equal 0, v.atomic_add(0)
      assert_equal 1, v.atomic_add(0, 5)
      assert_equal 6, v.atomic_sub(0, 2)
      assert_equal 4, v.atomic_cas(0, 1, 99)
      assert_equal 4, v.atomic_cas(0, 4, 99)
      assert_equal 99, v.atomic_exchange(0, 3)
      assert_equal 3, v.atomic_load(0)
      assert_equal [0, 0, 1], v.atomic_many(:add, [1, 2, 1])
      assert_equal [2, 1], v.atomic_many(:load, [1, 2])
      assert_raises(ArgumentError) { v.atomic_many(:nope, [0]) }
    end
    ArrayShare.create(uniq("f"), shape: [2], dtype: :float64) do |f|
      assert_raises(ArrayShare::DtypeError) { f.atomic_add(0) }
    end
  end

  def test_two_processes_count_exactly
    counter do |v|
      pids = Array.new(2) do |k|
        fork do
          ArrayShare.attach(v.descriptor) do |w|
            1000.times do
              w.synchronize(timeout: 10) { w[0] += 1 }
              w.atomic_add(1)
            end
          end
          exit!(0)
        end
      end
      pids.each { |p| Process.wait(p) }
      assert_equal [2000, 2000], [v[0], v[1]]
    end
  end

  def test_segment_lock
    ArrayShare::Segment.create(uniq("s"), size: 4096) do |s|
      s.synchronize { assert_equal :held, s.lock_state[0] }
      assert_equal [:free, 0], s.lock_state
    end
  end

  def test_ring
    n = uniq("r")
    ArrayShare::Ring.create(n, "frames", [2], :uint8, 4, backpressure: true) do |p|
      ArrayShare::Ring.attach("#{n}/frames", consumer: true) do |c|
        assert_equal [4, 2, 1], [p.nslots, p.slot_nbytes, c.consumers]
        assert_nil c.read(timeout: 0.01)
        p.write([1, 2].pack("C*"))
        p.write_slot { |s| s.fill(3) }
        assert_equal [0, "\x01\x02".b], c.read
        c.read_slot do |seq, view|
          assert_equal [1, [3, 3]], [seq, view.to_a]
        end
        assert_equal [2, 0, 2], [c.cursor, c.missed, p.head]
        assert_equal 2, p.view(&:version)
        assert_raises(ArrayShare::Exists) { c.write("ab") }
      end
    end
  end
end
