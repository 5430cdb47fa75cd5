# SPDX-License-Identifier: MIT
# frozen_string_literal: true

# The rows of docs/api-table.md as the Ruby layer follows them: the same
# operations, option names and defaults as in Python and Lua.
require_relative "helper"
require "tmpdir"

class TestApiTable < Minitest::Test
  include ShmTest

  def mode_of(name)
    File.stat(File.join(SHM, "ash.#{name}")).mode & 0o7777
  end

  # create: dtype float64, policy auto, mode 0600 exactly (whatever the umask)
  def test_create_defaults
    name = uniq("def")
    old = File.umask(0o077)
    begin
      ArrayShare.create(name, shape: [2, 3]) do |v|
        assert_equal "float64", v.dtype
        assert_equal [2, 3], v.shape
        assert_equal 0o600, mode_of(name)
        v.segment { |s| assert_equal :auto, s.policy }
      end
    ensure
      File.umask(old)
    end
    refute shm_exist?(name), "policy auto: gone with its last attacher"
    ArrayShare.create(name, shape: 1, persist: true, mode: 0o640) do |v|
      v.segment { |s| assert_equal :persist, s.policy }
    end
    assert_equal 0o640, mode_of(name)
  end

  def test_create_or_open
    name = uniq("oo")
    a = ArrayShare.create(name, shape: [2, 2], dtype: :int32, or_open: true)
    a[1, 1] = 5
    b = ArrayShare.create(name, shape: [2, 2], dtype: :int32, or_open: true)
    assert_equal 5, b[1, 1]
    e = assert_raises(ArrayShare::Exists) do
      ArrayShare.create(name, shape: [4], dtype: :int32, or_open: true)
    end
    assert_match(/holding int32 \(2, 2\), not int32 \(4\)/, e.message)
    assert_raises(ArrayShare::Exists) { ArrayShare.create(name, shape: [2, 2], dtype: :int32) }
    a.close
    b.close
  end

  def test_attach_options
    name = uniq("att")
    ArrayShare.create(name, shape: 3, dtype: :uint8, persist: true) { |v| v[0] = 7 }
    ArrayShare.attach(name, readonly: true) do |r|
      assert r.readonly?
      assert_raises(ArrayShare::ReadOnlyError) { r[0] = 1 }
      assert_equal 7, r[0]
    end
    ArrayShare::Segment.open(name) do |seg|
      ArrayShare.attach(name, noattach: true) do |n|
        assert n.readonly?
        assert_equal [1, 0], seg.attacher_counts # the inspection is not counted
      end
    end
    Dir.mktmpdir do |dir|
      path = File.join(dir, "seg")
      ArrayShare.create(path, shape: 2, file: true, persist: true) { |v| v[1] = 2.5 }
      ArrayShare.attach(path, file: true) { |v| assert_equal 2.5, v[1] }
      assert ArrayShare.unlink(path, file: true)
    end
  end

  def test_unlink_exists_ls_gc_clear_cache
    name = uniq("ul")
    ArrayShare.create(name, shape: 1, persist: true).close
    assert ArrayShare.exist?(name)
    assert_includes ArrayShare.ls, name
    assert_equal true, ArrayShare.unlink(name)
    refute ArrayShare.exist?(name)
    assert_equal false, ArrayShare.unlink(name, missing_ok: true)
    assert_raises(ArrayShare::NotFound) { ArrayShare.unlink(name) }
    assert_kind_of Integer, ArrayShare.gc
    assert_nil ArrayShare.clear_cache
  end

  def test_arena_bytes_and_dtype
    assert_equal Core.ash_arena_bytes_for(Core::ASH_FLOAT64, [10]), ArrayShare.arena_bytes(10)
    assert_equal Core.ash_arena_bytes_for(Core::ASH_UINT8, [100, 100]),
                 ArrayShare.arena_bytes([100, 100], :uint8)
    assert_equal "float64", ArrayShare.dtype("f8")
  end

  # Segment.create: arena_bytes (size: the old name), max_arrays' default
  # (the arrays, plus 16 room when arena_bytes is given), max_attachers
  def test_segment_create_options
    s = ArrayShare::Segment.create(uniq("seg"), arrays: { "a" => { shape: [2] } })
    s["a"] { |a| assert_equal "float64", a.dtype } # dtype defaults in arrays too
    assert_raises(ArrayShare::FullError) { s.add_array("b", shape: 1) }
    s.close

    s = ArrayShare::Segment.create(uniq("seg"), arrays: { "a" => [[2], :int8] },
                                                arena_bytes: 4096)
    16.times { |i| s.add_array("x#{i}", shape: 1).close }
    assert_raises(ArrayShare::FullError) { s.add_array("more", shape: 1) }
    s.view("x0") { |x| assert_equal "float64", x.dtype } # add_array's default dtype
    s.close

    s = ArrayShare::Segment.create(uniq("seg"), size: 4096, max_arrays: 2)
    s.add_array("a", shape: 1).close
    s.add_array("b", shape: 1).close
    assert_raises(ArrayShare::FullError) { s.add_array("c", shape: 1) }
    assert_equal %w[a b], s.arrays
    s.view { |x| assert_equal "a", x.array_name } # view(nil): the first
    s.close

    assert_raises(ArgumentError) { ArrayShare::Segment.create(uniq("seg")) }
    assert_raises(ArrayShare::InvalidArgument) do
      ArrayShare::Segment.create(uniq("seg"), arena_bytes: 64, max_attachers: 0)
    end
    name = uniq("cap1")
    ArrayShare::Segment.create(name, arena_bytes: 64, max_attachers: 1, persist: true) do
      assert_equal "ArrayShare::FullError", in_child {
        begin
          ArrayShare::Segment.open(name).close
          "opened"
        rescue ArrayShare::Error => e
          e.class.name
        end
      }
    end
  end

  def test_segment_open_options
    name = uniq("so")
    ArrayShare::Segment.create(name, arrays: { "a" => { shape: 2, dtype: :int16 } }, persist: true).close
    ArrayShare::Segment.open(name, readonly: true) do |s|
      assert s.readonly?
      s["a"] { |a| assert a.readonly? }
    end
    ArrayShare::Segment.open(name, noattach: true) do |s|
      assert_equal [0, 0], s.attacher_counts
    end
  end

  def test_freeze_makes_a_view_read_only
    v = ArrayShare.create(uniq("fz"), shape: [2, 2], dtype: :int64)
    w = ArrayShare.attach(v.descriptor)
    v[0, 0] = 1
    assert_same v, v.freeze
    assert v.frozen?
    assert v.readonly?
    e = assert_raises(ArrayShare::ReadOnlyError) { v[0, 1] = 2 }
    assert_kind_of FrozenError, e
    assert_raises(FrozenError) { v.fill(0) }
    assert_raises(FrozenError) { v.write(([0] * 4).pack("q*")) }
    assert_raises(FrozenError) { v[0] = [1, 2] }
    w[1, 1] = 3 # other views of the same memory stay writable
    assert_equal 3, v[1, 1]
    assert v[0].readonly? # rows of a frozen view too
    v.freeze # again: nothing
    v.close
    w.close
  end

  def test_as_readonly_and_each
    v = ArrayShare.create(uniq("ro"), shape: [2, 3], dtype: :int32)
    r = v.as_readonly
    assert r.readonly?
    refute v.readonly?
    rows = v.map(&:to_a)
    assert_equal [[0, 0, 0], [0, 0, 0]], rows
    [r, v].each(&:close)
  end

  def test_reductions_on_any_shape
    v = ArrayShare.create(uniq("red"), shape: [2, 3], dtype: :int32)
    v.write([3, -1, 4, 1, 5, -9].pack("l*"))
    assert_equal 3, v.sum
    assert_equal 13, v.sum(10)
    assert_equal(-9, v.min)
    assert_equal 5, v.max
    assert_equal [-9, 5], v.minmax
    assert_equal [-9, -1], v.min(2)
    assert_equal 23, v.sum(&:abs)
    assert_equal [3, -1, 4, 1, 5, -9], v.elements
    one = v[1]
    assert_equal(-3, one.sum)
    v.close
    one.close
    f = ArrayShare.create(uniq("red3"), shape: [2, 1, 2])
    f.write([1.5, 2.5, -1.0, 0.0].pack("d*"))
    assert_equal 3.0, f.sum
    assert_equal [-1.0, 2.5], f.minmax
    f.close
  end
end
