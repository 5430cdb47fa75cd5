# SPDX-License-Identifier: MIT
# frozen_string_literal: true

# ArrayShare::View: indexing, ranges, conversions, bulk access, Enumerable,
# text forms, closing.
require_relative "helper"

class TestView < Minitest::Test
  include ShmTest

  # A fresh float64 view 0.0 ... n-1 of the given shape.
  def arange(shape, dtype: :float64)
    v = ArrayShare.create(uniq("v"), shape: shape, dtype: dtype)
    n = shape.is_a?(Array) ? shape.inject(1, :*) : shape
    v.write((0...n).map(&:to_f).pack("d*")) if v.dtype == "float64"
    v.write((0...n).to_a.pack("q*")) if v.dtype == "int64"
    v
  end

  def test_create_block_form_closes_and_returns_value
    seen = nil
    name = uniq("blk")
    r = ArrayShare.create(name, shape: [3], dtype: "f8") do |v|
      seen = v
      v[0] = 1.5
      :done
    end
    assert_equal :done, r
    assert seen.closed?
    assert_raises(ArrayShare::ClosedError) { seen[0] }
    # also on an exception
    assert_raises(RuntimeError) do
      ArrayShare.create(uniq("blk2"), shape: [1], dtype: :int8) do |v|
        seen = v
        raise "boom"
      end
    end
    assert seen.closed?
  end

  # The 1-d and 2-d element fast paths (Fixnum keys in range, Float or
  # Fixnum values the dtype holds) and everything that must leave them.
  def test_two_d_element_fast_path
    v = arange([3, 4])
    assert_equal 6.0, v[1, 2]
    assert_equal 11.0, v[-1, -1]
    assert_equal v[2, 0], v[-1, -4]
    v[1, 2] = 0.5
    v[-3, -1] = 7
    assert_equal 0.5, v[1, 2]
    assert_equal 7.0, v[0, 3]
    assert_raises(ArrayShare::IndexError) { v[3, 0] }
    assert_raises(ArrayShare::IndexError) { v[0, -5] }
    assert_raises(ArrayShare::IndexError) { v[0, 4] = 1 }
    assert_raises(ArrayShare::ValueError) { v[0, 0] = 2**53 + 1 }
    assert_raises(TypeError) { v[0, 0] = "1" }
    v[0, 0] = Rational(3, 2) # not a fast-path value: the general path
    assert_equal 1.5, v[0, 0]
    assert_raises(ArrayShare::ValueError) { v[0, 1] = 1 << 70 } # general path
    r = v.readonly_view
    assert_raises(ArrayShare::ReadOnlyError) { r[1, 1] = 1.0 }
    assert_equal 0.5, r[1, 2]
    u = ArrayShare.create(uniq("u8"), shape: [2, 2], dtype: :uint8)
    u[1, 1] = 255
    assert_equal 255, u[1, 1]
    assert_raises(ArrayShare::ValueError) { u[0, 0] = 256 }
    assert_raises(ArrayShare::ValueError) { u[0, 0] = -1 }
    assert_raises(ArrayShare::ValueError) { u[0, 0] = 1.5 }
    t = v.transpose # strided: the same fast path
    t[3, 2] = 9.0
    assert_equal 9.0, v[2, 3]
  ensure
    [v, r, u, t].each { |x| x&.close }
  end

  def test_attributes
    v = arange([3, 4])
    assert_equal [3, 4], v.shape
    assert_equal [32, 8], v.strides
    assert_equal 2, v.ndim
    assert_equal 12, v.size
    assert_equal 3, v.length
    assert_equal "float64", v.dtype
    assert_equal ArrayShare::Core::ASH_FLOAT64, v.dtype_code
    assert_equal 8, v.itemsize
    assert_equal 96, v.nbytes
    refute v.readonly?
    assert v.c_contiguous?
    assert v.contiguous?
    refute v.f_contiguous?
    assert v.transpose.f_contiguous?
    assert_equal 0, v.offset
    assert_kind_of Integer, v.address
    assert_equal "data", v.array_name
    assert_equal v.descriptor, "ash://#{v.segment_name}/data"
    v.segment { |s| assert_equal v.segment_name, s.name }
    v.close
  end

  def test_integer_indexing
    v = arange([3, 4])
    assert_equal 6.0, v[1, 2]
    assert_equal 11.0, v[-1, -1]
    assert_equal 8.0, v[-1, 0]
    row = v[1]
    assert_kind_of ArrayShare::View, row
    assert_equal [4], row.shape
    assert_equal [4.0, 5.0, 6.0, 7.0], row.to_a
    assert_equal 7.0, row[-1]
    assert_equal 5.0, v[1][1]
    e = assert_raises(ArrayShare::IndexError) { v[3, 0] }
    assert_kind_of ::IndexError, e
    assert_equal(-1011, e.code)
    assert_raises(::IndexError) { v[0, -5] }
    assert_raises(::IndexError) { v[3] }
    assert_raises(::IndexError) { row[4] }
    assert_raises(::IndexError) { row[-5] }
    assert_raises(::IndexError) { row[2**64] }
    assert_raises(ArrayShare::AxisError) { v[0, 0, 0] }
    assert_raises(TypeError) { v[1.5] }
    assert_raises(TypeError) { v["1"] }
    assert_raises(TypeError) { v[nil] }
    assert_raises(TypeError) { row[:a] }
  end

  def test_ranges_are_views
    v = arange(10)
    assert_equal [1.0, 2.0, 3.0], v[1..3].to_a
    assert_equal [1.0, 2.0], v[1...3].to_a
    assert_equal (0..8).map(&:to_f), v[..-2].to_a
    assert_equal (0...8).map(&:to_f), v[...-2].to_a
    assert_equal (1..9).map(&:to_f), v[1..].to_a
    assert_equal [7.0, 8.0], v[-3..-2].to_a
    assert_equal [], v[5...5].to_a
    assert_equal [], v[10..].to_a
    assert_equal [], v[3..1].to_a
    assert_equal [8.0, 9.0], v[8..20].to_a
    assert_raises(ArrayShare::IndexError) { v[11..] }
    assert_raises(ArrayShare::IndexError) { v[-11..] }
    s = v[2..5]
    s[0] = 100.0
    assert_equal 100.0, v[2] # no copy
    assert_equal [16], s.strides.map { |x| x * 2 }
  end

  def test_step_ranges_follow_array
    ary = (0...10).to_a
    v = arange(10, dtype: :int64)
    seqs = [(1..8).step(2), (0..) % 3, ((1..)).step(4), (8..1).step(-2),
            (9...1).step(-3), (..2).step(-1), (2..).step(-1), (-2..1).step(-2),
            (-1..-10).step(-1), (1..5).step(-1), (3..3).step(-1), (0...10).step(20),
            (..-2).step(3), 0..9, 0...0]
    seqs.each do |seq|
      assert_equal ary[seq], v[seq].to_a, "v[#{seq.inspect}]"
    end
    assert_raises(RangeError) { v[(0..20).step(3)] } # as Array#[] does
    assert_equal [[0, 1], [6, 7]], v.reshape(5, 2)[(0..4).step(3)].to_a
  end

  def test_multi_dim_slicing
    v = arange([4, 5])
    assert_equal [[6.0, 7.0], [11.0, 12.0]], v[1..2, 1..2].to_a
    assert_equal [2.0, 7.0, 12.0, 17.0], v[0.., 2].to_a
    assert_equal [2.0, 7.0, 12.0, 17.0], v[nil.., 2].to_a
    assert_equal [[19.0, 17.0], [9.0, 7.0]], v[(3..1).step(-2), (4..1).step(-2)].to_a
    assert_equal [10.0, 11.0], v[2, ...2].to_a
    sub = v[1.., 1..]
    assert_equal [3, 4], sub.shape
    assert_equal 18.0, sub[2, 2]
    sub[0, 0] = -1.0
    assert_equal(-1.0, v[1, 1])
    assert_raises(ArrayShare::AxisError) { v[0.., 0.., 0..] }
  end

  def test_scalar_assignment_and_conversions
    v = ArrayShare.create(uniq("u8"), shape: [4], dtype: :uint8)
    v[0] = 255
    v[1] = 2.0
    v[-1] = Rational(6, 2)
    assert_equal [255, 2, 0, 3], v.to_a
    e = assert_raises(ArrayShare::ValueError) { v[0] = 300 }
    assert_kind_of RangeError, e
    assert_equal "VALUE", e.name
    assert_raises(ArrayShare::ValueError) { v[0] = -1 }
    assert_raises(ArrayShare::ValueError) { v[0] = 2.5 }
    assert_raises(ArrayShare::ValueError) { v[0] = Float::NAN }
    assert_raises(ArrayShare::ValueError) { v[0] = 2**70 }
    assert_raises(ArrayShare::ValueError) { v[0] = Complex(1, 1) }
    v[0] = Complex(4, 0)
    assert_equal 4, v[0]
    assert_raises(TypeError) { v[0] = "1" }
    assert_raises(TypeError) { v[0] = nil }
    assert_raises(TypeError) { v[0] = true }
    assert_raises(TypeError) { v[0] = [1] }
    assert_raises(::IndexError) { v[4] = 1 }
    assert_equal [4, 2, 0, 3], v.to_a # nothing changed by the failures

    b = ArrayShare.create(uniq("b"), shape: [3], dtype: :bool)
    b[0] = true
    b[1] = 1
    assert_equal [true, true, false], b.to_a
    assert_raises(ArrayShare::ValueError) { b[2] = 2 }

    f = ArrayShare.create(uniq("f"), shape: [3], dtype: :float32)
    f[0] = 0.1
    assert_in_delta 0.1, f[0], 1e-7
    f[1] = 16_777_216
    assert_raises(ArrayShare::ValueError) { f[2] = 16_777_217 }
    assert_raises(ArrayShare::ValueError) { f[2] = 1e39 }
    f[2] = Float::INFINITY
    assert_equal Float::INFINITY, f[2]

    h = ArrayShare.create(uniq("h"), shape: [2], dtype: :float16)
    h[0] = 1.5
    h[1] = 65_504
    assert_equal [1.5, 65_504.0], h.to_a
    assert_raises(ArrayShare::ValueError) { h[0] = 1e6 }

    q = ArrayShare.create(uniq("q"), shape: [3], dtype: :uint64)
    q[0] = 2**64 - 1
    q[1] = 2**63
    assert_equal [2**64 - 1, 2**63, 0], q.to_a
    assert_raises(ArrayShare::ValueError) { q[2] = 2**64 }

    i = ArrayShare.create(uniq("i"), shape: [2], dtype: :int64)
    i[0] = -2**63
    i[1] = 2**63 - 1
    assert_equal [-2**63, 2**63 - 1], i.to_a
    assert_raises(ArrayShare::ValueError) { i[0] = 2**63 }

    c = ArrayShare.create(uniq("c"), shape: [2], dtype: :complex64)
    c[0] = Complex(1.5, -2)
    c[1] = 3
    assert_equal [Complex(1.5, -2.0), Complex(3.0, 0.0)], c.to_a
    assert_kind_of Complex, c[1]
    [v, b, f, h, q, i, c].each(&:close)
  end

  def test_every_dtype_round_trips
    values = { bool: true, int8: -128, int16: -32_768, int32: -2**31, int64: -2**63,
               uint8: 255, uint16: 65_535, uint32: 2**32 - 1, uint64: 2**64 - 1,
               float16: -2.0, float32: 0.5, float64: 1e300,
               complex64: Complex(0.5, 0.25), complex128: Complex(1e300, -1e-300) }
    assert_equal ArrayShare::DTYPES.sort, values.keys.map(&:to_s).sort
    values.each do |dt, x|
      ArrayShare.create(uniq(dt.to_s), shape: [2, 2], dtype: dt) do |v|
        v[1, 1] = x
        assert_equal x, v[1, 1], dt
        assert_equal x, v.to_a[1][1], dt
        assert_equal x, v.reshape(4)[3], dt
        v.fill(x)
        assert_equal [[x, x], [x, x]], v.to_a, dt
      end
    end
  end

  def test_assign_views_arrays_and_fill
    v = arange([3, 4])
    v[0] = 7 # fill a row
    assert_equal [7.0] * 4, v[0].to_a
    v[1, 1..2] = [1, 2]
    assert_equal [4.0, 1.0, 2.0, 7.0], v[1].to_a
    v[1..2] = [[0, 0, 0, 0], [1, 1, 1, 1]]
    assert_equal [[0.0] * 4, [1.0] * 4], v[1..2].to_a
    v[0..1] = (0...8).to_a # a flat Array of every element
    assert_equal [4.0, 5.0, 6.0, 7.0], v[1].to_a
    v[0] = v[2] # copy from a view
    assert_equal [1.0] * 4, v[0].to_a
    v[0..] = 0
    assert_equal [[0.0] * 4] * 3, v.to_a
    e = assert_raises(ArrayShare::ShapeError) { v[0] = [1, 2, 3] }
    assert_kind_of ArgumentError, e
    assert_raises(ArrayShare::ShapeError) { v[0..1] = [[1, 2, 3, 4], [1, 2]] }
    assert_raises(TypeError) { v[0] = "abcd" }
    assert_raises(TypeError) { v[0] = [1, "x", 3, 4] }
    assert_equal [[0.0] * 4] * 3, v.to_a # failed assignments wrote nothing
    v.fill(2.5)
    assert_equal 30.0, v.to_a.flatten.sum
    assert_same v, v.fill(1)
    i = arange([2], dtype: :int64)
    assert_raises(ArrayShare::DtypeError) { v[0, 0..1] = i }
    assert_raises(ArrayShare::ShapeError) { v[0] = v[1, 0..1] }
  end

  def test_zero_d_and_empty
    z = ArrayShare.create(uniq("z"), shape: [], dtype: :int16)
    assert_equal 0, z.ndim
    assert_equal [], z.shape
    assert_equal 1, z.size
    z[] = 7
    assert_equal 7, z[]
    assert_equal 7, z.value
    assert_equal "7", z.to_s
    assert_raises(ArrayShare::AxisError) { z[0] }
    assert_raises(TypeError) { z.to_a }
    assert_raises(TypeError) { z.length }
    assert_raises(TypeError) { z.each { nil } }
    e = ArrayShare.create(uniq("e"), shape: [4, 0, 3], dtype: :bool)
    assert_equal [[], [], [], []], e.to_a
    assert_equal 0, e.size
    assert_equal "", e.read
    assert_equal "[]", e.to_s
    v = arange([2, 2])
    assert_equal 3.0, v[1, 1..1].value
    assert_raises(ArrayShare::ShapeError) { v.value }
  end

  def test_read_write
    v = arange([2, 3])
    s = v.read
    assert_equal Encoding::BINARY, s.encoding
    assert_equal (0...6).map(&:to_f), s.unpack("d*")
    t = v.transpose.read # C order of the transposed view
    assert_equal [0.0, 3.0, 1.0, 4.0, 2.0, 5.0], t.unpack("d*")
    assert_same v, v.write(([9.0] * 6).pack("d*"))
    assert_equal [9.0] * 3, v[1].to_a
    v[1, (2..0).step(-1)].write([1.0, 2.0, 3.0].pack("d*"))
    assert_equal [3.0, 2.0, 1.0], v[1].to_a
    e = assert_raises(ArrayShare::InvalidArgument) { v.write("short") }
    assert_kind_of ArgumentError, e
    assert_raises(TypeError) { v.write([1.0]) }
    ro = v.readonly_view
    assert_raises(ArrayShare::ReadOnlyError) { ro.write(s) }
  end

  def test_read_only_views
    v = arange(3)
    ro = v.readonly_view
    assert ro.readonly?
    e = assert_raises(ArrayShare::ReadOnlyError) { ro[0] = 1.0 }
    assert_kind_of FrozenError, e
    assert_equal "RDONLY", e.name
    assert_raises(ArrayShare::ReadOnlyError) { ro.fill(1) }
    assert_raises(ArrayShare::ReadOnlyError) { ro[0..1] = [1, 2] }
    assert_raises(ArrayShare::ReadOnlyError) { ro[0..1] = Complex(1, 0) }
    assert_raises(ArrayShare::ReadOnlyError) { ro[0...0] = Complex(1, 0) }
    assert_raises(ArrayShare::ReadOnlyError) { ro.fill(2**64 - 1) }
    assert_raises(ArrayShare::ReadOnlyError) { ro.copy_from(v) }
    assert ro[1..].readonly? # derived views stay read-only
    assert_equal [0.0, 1.0, 2.0], ro.to_a
    a = ArrayShare.attach(v.descriptor, readonly: true)
    assert a.readonly?
    assert_raises(ArrayShare::ReadOnlyError) { a[0] = 5.0 }
    a.close
  end

  def test_transpose_reshape_view_as
    v = arange([2, 3])
    assert_equal [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]], v.transpose.to_a
    assert_equal v.transpose.to_a, v.transpose(1, 0).to_a
    assert_equal v.transpose.to_a, v.transpose([1, 0]).to_a
    assert_raises(ArrayShare::AxisError) { v.transpose(0, 0) }
    assert_equal [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], v.reshape(3, 2).to_a
    assert_equal [6], v.reshape([-1]).shape
    assert_raises(ArrayShare::ShapeError) { v.reshape(4, 2) }
    assert_raises(ArrayShare::NotContiguous) { v.transpose.reshape(6) }
    b = v.view_as(:uint8)
    assert_equal [2, 24], b.shape
    assert_equal [0, 0, 0, 0, 0, 0, 0xf0, 0x3f], b[0, 8...16].to_a # 1.0
    assert_equal [2, 6], v.view_as("int32").shape
    assert_raises(ArrayShare::DtypeError) { v.view_as(:nope) }
    assert_raises(TypeError) { v.view_as(1.5) }
  end

  def test_enumerable
    v = arange(4)
    assert_equal [0.0, 1.0, 2.0, 3.0], v.each.to_a
    assert_equal 6.0, v.sum
    assert_equal 3.0, v.max
    assert_equal [0.0, 2.0, 4.0, 6.0], v.map { |x| x * 2 }
    assert_equal 4, v.count
    assert_equal 4, v.each.size
    assert v.include?(2.0)
    assert_equal [[0.0, 0], [1.0, 1]], v.each_with_index.first(2)
    m = arange([3, 2])
    rows = m.map(&:to_a)
    assert_equal [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], rows
    assert(m.all? { |r| r.is_a?(ArrayShare::View) })
    assert_same m, m.each { nil }
  end

  def test_text_forms
    v = arange([2, 3])
    assert_equal "[[0.0 1.0 2.0]\n [3.0 4.0 5.0]]", v.to_s
    assert_match(/\A#<ArrayShare::View float64\[2, 3\] ash:\/\/\S+ \[\[0.0, 1.0, 2.0\], \[3.0, 4.0, 5.0\]\]>\z/, v.inspect)
    assert_match(/readonly/, v.readonly_view.inspect)
    big = ArrayShare.create(uniq("big"), shape: [2000], dtype: :int8)
    assert_equal "[0 0 0 ... 0 0 0]", big.to_s
    three = arange([2, 1, 2])
    assert_equal "[[[0.0 1.0]]\n\n [[2.0 3.0]]]", three.to_s
    v.close
    assert_equal "#<ArrayShare::View (closed)>", v.inspect
    assert_equal "#<ArrayShare::View (closed)>", v.to_s
  end

  def test_close_and_use_after_close
    v = arange([2, 2])
    row = v[0]
    ro = v.readonly_view
    v.close
    assert v.closed?
    v.close # idempotent
    [-> { v[0] }, -> { v[0, 0] = 1.0 }, -> { v.to_a }, -> { v.shape }, -> { v.size },
     -> { v.read }, -> { v.write("x") }, -> { v.fill(0) }, -> { v.descriptor },
     -> { v.each { nil } }, -> { v.transpose }, -> { v.dup }, -> { v.value },
     -> { Marshal.dump(v) }, -> { row.copy_from(v) }, -> { v[0..1] }].each do |f|
      e = assert_raises(ArrayShare::ClosedError) { f.call }
      assert_kind_of IOError, e
      assert_kind_of ArrayShare::Error, e
      assert_equal "CLOSED", e.name
      assert_nil e.code
    end
    # views made before the close are independent
    assert_equal [0.0, 1.0], row.to_a
    assert_equal 3.0, ro[1, 1]
  end

  def test_dup_and_gc_release
    v = arange(3)
    d = v.dup
    v.close
    assert_equal [0.0, 1.0, 2.0], d.to_a
    assert_raises(NoMethodError) { ArrayShare::View.new }
    d.close
    # views dropped without close are released by the GC: once all are
    # collected the (auto) segment is detached and removed.
    name = uniq("gc")
    make_garbage_views(name)
    assert shm_exist?(name) unless GC.stress
    10.times do
      GC.start(full_mark: true, immediate_sweep: true)
      break unless shm_exist?(name)
    end
    refute shm_exist?(name), "views were not released by GC"
  end

  def make_garbage_views(name)
    v = ArrayShare.create(name, shape: [8], dtype: :float64)
    5.times { |i| v[i..] }
    v.transpose
    v.readonly_view
    nil
  end

  def test_copy_from_and_value_types
    a = arange(3)
    b = ArrayShare.create(uniq("b"), shape: 3, dtype: :float64)
    assert_same b, b.copy_from(a)
    assert_equal a.to_a, b.to_a
    assert_raises(ArrayShare::ShapeError) { b.copy_from(a[0..1]) }
    assert_raises(TypeError) { b.copy_from([1, 2, 3]) }
  end
end
