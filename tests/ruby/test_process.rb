# SPDX-License-Identifier: MIT
# frozen_string_literal: true

# Across processes: fork, Marshal, a separate interpreter, lifetime; and the
# MemoryView export seen through Fiddle::MemoryView.
require_relative "helper"
require "fiddle"

class TestProcess < Minitest::Test
  include ShmTest

  def test_forked_child_attaches_by_name
    name = uniq("fork")
    ArrayShare.create(name, shape: [4], dtype: :int64) do |v|
      v[0] = 10
      got = in_child do
        ArrayShare.attach(name) do |c|
          c[1] = c[0] + 1
          c.to_a
        end
      end
      assert_equal [10, 11, 0, 0], got
      assert_equal [10, 11, 0, 0], v.to_a
    end
  end

  def test_a_stale_marshal_refuses_a_recreated_name
    name = uniq("stale")
    data = ArrayShare.create(name, shape: [3], dtype: :int32, persist: true) do |v|
      sub = v[1..]
      d = Marshal.dump(sub)
      sub.close # nothing in this process maps the old segment any more
      d
    end
    ArrayShare.unlink(name)
    ArrayShare.create(name, shape: [3], dtype: :int32, persist: true, &:close)
    err = assert_raises(ArrayShare::NotFound) { Marshal.load(data) } # rubocop:disable Security/MarshalLoad
    assert_match(/re-created/, err.message)
  ensure
    ArrayShare.unlink(name, missing_ok: true)
  end

  def test_marshal_sends_the_descriptor
    name = uniq("marshal")
    ArrayShare.create(name, shape: [3, 4], dtype: :float64) do |v|
      sub = v[1..2, (3..0).step(-2)]
      data = Marshal.dump(sub)
      assert_operator data.bytesize, :<, 200 # a descriptor, never the data
      assert_includes data, name
      # in this process
      back = Marshal.load(data) # rubocop:disable Security/MarshalLoad
      assert_equal sub.shape, back.shape
      assert_equal sub.strides, back.strides
      back[0, 0] = 5.0
      assert_equal 5.0, v[1, 3]
      # across fork: the child loads, attaches and writes
      got = in_child do
        w = Marshal.load(data) # rubocop:disable Security/MarshalLoad
        w[1, 1] = 7.0
        r = [w.shape, w.descriptor]
        w.close
        r
      end
      assert_equal [[2, 2], sub.descriptor], got
      assert_equal 7.0, v[2, 1]
      # read-only views stay read-only on the other side
      ro = Marshal.load(Marshal.dump(v.readonly_view)) # rubocop:disable Security/MarshalLoad
      assert ro.readonly?
      # nested in other objects
      pair = Marshal.load(Marshal.dump({ "a" => v, "n" => 1 })) # rubocop:disable Security/MarshalLoad
      assert_equal [3, 4], pair["a"].shape
    end
  end

  def test_separate_interpreter_and_lifetime
    name = uniq("spawn")
    v = ArrayShare.create(name, shape: [3], dtype: :int32)
    v[0] = 41
    sub = v[1..]
    out = in_ruby(<<~RUBY)
      ArrayShare.attach(#{v.descriptor.dump}) { |a| a[0] += 1; a[2] = -3 }
      v = Marshal.load(#{Marshal.dump(sub).dump})
      v[0] = 9
      print v.to_a.inspect
    RUBY
    assert_equal "[9, -3]", out
    assert_equal [42, 9, -3], v.to_a
    # the other process ended: its slot is gone or dead, ours alive
    v.segment do |s|
      assert_equal 1, s.attacher_counts[0]
    end
    assert shm_exist?(name) # attaching never unlinks
    sub.close
    v.close
    refute shm_exist?(name) # auto: our close was the last attacher
  end

  def test_child_exit_keeps_segment
    name = uniq("child")
    v = ArrayShare.create(name, shape: [2], dtype: :int8)
    # The child inherits our views, attaches on its own, then releases
    # every view it holds, the inherited ones included (as its finalizers
    # would at exit): that must not detach us nor remove the segment.
    pid = fork do
      a = ArrayShare.attach(name)
      a[1] = 1
      ObjectSpace.each_object(ArrayShare::View, &:close)
      ObjectSpace.each_object(ArrayShare::Segment, &:close)
      exit!(v.closed? ? 0 : 1)
    end
    _, status = Process.wait2(pid)
    assert status.success?
    refute v.closed?
    v.segment { |sg| assert_equal Process.pid, sg.attachers.first.pid }
    out = in_ruby("v = ArrayShare.attach(#{name.dump}); v[0] = 2; print v.to_a.inspect")
    assert_equal "[2, 1]", out
    assert shm_exist?(name)
    assert_equal [2, 1], v.to_a
    v.close
    refute shm_exist?(name)
  end

  def test_segment_close_then_view_and_gc
    name = uniq("segclose")
    seg = ArrayShare::Segment.create(name, arrays: { "a" => { shape: [4], dtype: :float32 } })
    views = Array.new(3) { |i| seg["a"][i..] }
    seg.close
    GC.start
    views.each_with_index { |w, i| w[0] = i.to_f }
    assert_equal [0.0, 1.0, 2.0, 0.0], views[0].to_a
    views.each(&:close)
    refute shm_exist?(name)
  end

  def test_memory_view_via_fiddle
    name = uniq("mv")
    ArrayShare.create(name, shape: [3, 4], dtype: :float64) do |v|
      v.write((0...12).map(&:to_f).pack("d*"))
      m = Fiddle::MemoryView.new(v)
      begin
        assert_same v, m.obj
        assert_equal "d", m.format
        assert_equal 8, m.item_size
        assert_equal 2, m.ndim
        assert_equal [3, 4], m.shape
        assert_equal [32, 8], m.strides
        assert_equal 96, m.byte_size
        refute m.readonly?
        assert_equal 6.0, m[1, 2]
        v[1, 2] = 60.0 # no copy: the memory view sees writes
        assert_equal 60.0, m[1, 2]
        # it keeps the C view alive after View#close
        v.close
        assert_equal 11.0, m[2, 3]
      ensure
        m.release
      end
    end
  end

  def test_memory_view_strided_readonly_and_formats
    name = uniq("mv2")
    v = ArrayShare.create(name, shape: [4, 5], dtype: :int32)
    v.write((0...20).to_a.pack("l*"))
    t = v.transpose[(4..0).step(-2)]
    m = Fiddle::MemoryView.new(t)
    assert_equal [3, 4], m.shape
    assert_equal [-8, 20], m.strides
    assert_equal t.to_a, Array.new(3) { |i| Array.new(4) { |j| m[i, j] } }
    m.release
    ro = Fiddle::MemoryView.new(v.readonly_view)
    assert ro.readonly?
    assert_equal "l", ro.format
    ro.release
    formats = { bool: "C", int8: "c", uint8: "C", int16: "s", uint16: "S", int32: "l",
                uint32: "L", int64: "q", uint64: "Q", float32: "f", float64: "d",
                complex64: "ff", complex128: "dd" }
    formats.each do |dt, fmt|
      ArrayShare.create(uniq(dt.to_s), shape: [2], dtype: dt) do |x|
        mv = Fiddle::MemoryView.new(x)
        assert_equal fmt, mv.format, dt
        assert_equal x.itemsize, mv.item_size, dt
        mv.release
      end
    end
    ArrayShare.create(uniq("cx"), shape: [1], dtype: :complex128) do |x|
      x[0] = Complex(1.5, -2)
      mv = Fiddle::MemoryView.new(x)
      assert_equal [1.5, -2.0], mv[0]
      mv.release
    end
    ArrayShare.create(uniq("f16"), shape: [1], dtype: :float16) do |x|
      assert_raises(ArrayShare::DtypeError) { Fiddle::MemoryView.new(x) }
      mv = Fiddle::MemoryView.new(x.view_as(:uint16))
      assert_equal "S", mv.format
      mv.release
    end
    v.close
    assert_raises(ArrayShare::ClosedError) { Fiddle::MemoryView.new(v) }
  end

  def test_address_with_fiddle_pointer
    ArrayShare.create(uniq("ptr"), shape: [2], dtype: :float64) do |v|
      v[1] = 2.5
      ptr = Fiddle::Pointer.new(v.address)
      assert_equal [0.0, 2.5], ptr[0, 16].unpack("d*")
    end
  end
end
