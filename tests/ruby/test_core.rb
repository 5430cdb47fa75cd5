# SPDX-License-Identifier: MIT
# frozen_string_literal: true

# The low-level module (ArrayShare::Core == Arrayshare_core): every public
# function of arrayshare.h, called close to C.
require_relative "helper"

class TestCore < Minitest::Test
  include ShmTest

  HEADER = File.expand_path("../../core/include/arrayshare.h", __dir__)

  def test_every_header_function_is_exposed
    names = File.read(HEADER).scan(/^ASH_EXTERN\s[^;]*?\b(ash_\w+)\s*\(/m).flatten.uniq
    assert_operator names.size, :>=, 70
    missing = names.reject { |n| Core.respond_to?(n) }
    assert_empty missing
  end

  def test_constants
    assert_equal Core, Arrayshare_core
    assert_equal(-1001, Core::ASH_E_INVAL)
    assert_equal(-1022, Core::ASH_E_AXIS)
    assert_equal 0, Core::ASH_OK
    assert_equal 12, Core::ASH_FLOAT64
    assert_equal 14, Core::ASH_COMPLEX128
    assert_equal(-2**63, Core::ASH_NONE)
    assert_equal 1, Core::ASH_PERSIST
    assert_equal 32, Core::ASH_SLICE_STRICT
    assert_equal 1, Core::ASH_VIEW_READONLY
    assert_equal 32, Core::ASH_MAX_NDIM
    assert_equal "ash.", Core::ASH_SHM_PREFIX
    assert_equal 1, Core::ASH_FORMAT_MAJOR
    assert_equal 1, Core::ASH_POLICY_PERSIST
  end

  def test_version_and_errors
    v = Core.ash_version
    assert_equal Core::ASH_VERSION_HEX, v
    assert_equal Core::ASH_VERSION_STRING, Core.ash_version_string
    assert_equal "no such segment or array", Core.ash_strerror(Core::ASH_E_NOENT)
    assert_equal "success", Core.ash_strerror(0)
    assert_equal "unknown error", Core.ash_strerror(42)
    assert_equal "NOENT", Core.ash_err_name(-1004)
    assert_equal "OK", Core.ash_err_name(0)
    assert_equal "UNKNOWN", Core.ash_err_name(7)
    assert_raises(ArrayShare::NotFound) { Core.ash_segment_open(uniq, 0) }
    assert_equal(-1004, Core.ash_last_error_code)
    assert_match(/no such segment/, Core.ash_last_error)
  end

  def test_names_and_dtypes
    assert_nil Core.ash_name_check("good_name-1.x", 0)
    e = assert_raises(ArrayShare::InvalidName) { Core.ash_name_check("a/b", 0) }
    assert_equal(-1002, e.code)
    assert_raises(ArrayShare::InvalidArgument) { Core.ash_name_check(nil, 0) }
    assert_raises(ArrayShare::InvalidName) { Core.ash_name_check("x" * 64, 1) }
    assert_equal Core::ASH_FLOAT64, Core.ash_dtype_parse("<f8")
    assert_equal Core::ASH_UINT8, Core.ash_dtype_parse("B")
    assert_equal Core::ASH_BOOL, Core.ash_dtype_parse(:bool)
    assert_raises(ArrayShare::DtypeError) { Core.ash_dtype_parse(">f8") }
    assert_equal "complex64", Core.ash_dtype_name(Core::ASH_COMPLEX64)
    assert_nil Core.ash_dtype_name(99)
    assert_equal 2, Core.ash_dtype_itemsize(Core::ASH_FLOAT16)
    assert_equal 0, Core.ash_dtype_itemsize(0)
    assert_equal "d", Core.ash_dtype_format(Core::ASH_FLOAT64)
    assert_equal "<f8", Core.ash_dtype_str(Core::ASH_FLOAT64)
    assert_nil Core.ash_dtype_str(0)
  end

  def test_segment_lifecycle
    name = uniq("seg")
    need = Core.ash_arena_bytes_for(Core::ASH_FLOAT64, [10])
    assert_operator need, :>=, 80
    assert_equal need * 2, Core.ash_arena_bytes_for(Core::ASH_FLOAT64, [10], need)
    seg = Core.ash_segment_create(name, need + 4096, 4, Core::ASH_PERSIST, 0o640)
    assert_kind_of ArrayShare::Segment, seg
    assert_equal name, Core.ash_segment_name(seg)
    assert_operator Core.ash_segment_size(seg), :>, need
    assert_operator Core.ash_segment_arena_free(seg), :>=, need + 4096
    assert_equal Core::ASH_POLICY_PERSIST, Core.ash_segment_policy(seg)
    assert_equal 0, Core.ash_segment_readonly(seg)
    assert_equal Process.pid, Core.ash_segment_creator_pid(seg)
    assert_in_delta Time.now.to_f, Core.ash_segment_ctime(seg) / 1e9, 60
    assert_equal Core::ASH_FORMAT_MINOR, Core.ash_segment_format_minor(seg)
    assert_equal [1, 0], Core.ash_segment_attachers(seg)
    assert_equal [Process.pid, 1], Core.ash_segment_attacher(seg, 0)
    assert_raises(ArrayShare::IndexError) { Core.ash_segment_attacher(seg, 5) }
    assert_equal 0o640, File.stat("/dev/shm/ash.#{name}").mode & 0o777

    assert_equal 0, Core.ash_segment_array_count(seg)
    assert_raises(ArrayShare::NotFound) { Core.ash_segment_view(seg, nil) }
    v = Core.ash_segment_add_array(seg, "a", Core::ASH_FLOAT64, [10])
    assert_kind_of ArrayShare::View, v
    assert_raises(ArrayShare::Exists) { Core.ash_segment_add_array(seg, "a", Core::ASH_INT8, [1]) }
    assert_equal 1, Core.ash_segment_array_count(seg)
    assert_equal "a", Core.ash_segment_array_name(seg, 0)
    assert_nil Core.ash_segment_array_name(seg, 1)
    w = Core.ash_segment_view(seg, "a")
    w0 = Core.ash_segment_view(seg, nil)
    assert_equal "ash://#{name}/a", Core.ash_view_descriptor(w0)

    Core.ash_view_set_f64(v, [3], 2.5)
    assert_equal 2.5, Core.ash_view_get_f64(w, [3])

    seg2 = Core.ash_segment_open(name, Core::ASH_RDONLY)
    assert_equal 1, Core.ash_segment_readonly(seg2)
    r = Core.ash_segment_view(seg2, "a")
    assert_equal 2.5, Core.ash_view_get_f64(r, [3])
    Core.ash_segment_close(seg2)
    Core.ash_segment_close(seg)
    assert_raises(ArrayShare::ClosedError) { Core.ash_segment_name(seg) }
    Core.ash_segment_close(seg) # twice: no-op
    Core.ash_segment_close(nil)
    # views outlive the segment handle
    assert_equal 2.5, Core.ash_view_get_f64(v, [3])
    seg3 = Core.ash_view_segment(v)
    assert_equal name, Core.ash_segment_name(seg3)
    assert_nil Core.ash_segment_unlink(seg3)
    refute shm_exist?(name)
    assert_raises(ArrayShare::NotFound) { Core.ash_segment_unlink(seg3) }
    Core.ash_segment_close(seg3)
    [v, w, w0, r].each { |x| Core.ash_view_release(x) }
  end

  def test_create_attach_and_accessors
    name = uniq("one")
    v = Core.ash_create(name, Core::ASH_INT32, [2, 3], 0, 0)
    assert_equal Core::ASH_INT32, Core.ash_view_dtype(v)
    assert_equal 2, Core.ash_view_ndim(v)
    assert_equal [2, 3], Core.ash_view_shape(v)
    assert_equal [12, 4], Core.ash_view_strides(v)
    assert_equal 3, Core.ash_view_dim(v, -1)
    assert_equal 0, Core.ash_view_dim(v, 5)
    assert_equal 12, Core.ash_view_stride(v, 0)
    assert_equal 6, Core.ash_view_size(v)
    assert_equal 4, Core.ash_view_itemsize(v)
    assert_equal 24, Core.ash_view_nbytes(v)
    assert_kind_of Integer, Core.ash_view_data(v)
    assert_operator Core.ash_view_data(v), :>, 0
    assert_equal 0, Core.ash_view_offset(v)
    assert_equal Core::ASH_VIEW_C_CONTIGUOUS, Core.ash_view_flags(v) & Core::ASH_VIEW_C_CONTIGUOUS
    assert_equal "data", Core.ash_view_array_name(v)
    assert_equal name, Core.ash_view_segment_name(v)

    a = Core.ash_attach(name, 0)
    b = Core.ash_attach("ash://#{name}/data", Core::ASH_RDONLY)
    Core.ash_view_set_i64(a, [1, 2], -7)
    assert_equal(-7, Core.ash_view_get_i64(b, [1, 2]))
    assert_equal(-7, Core.ash_view_get_i64(b, [5])) # flat index
    assert_equal(-7, Core.ash_view_get_i64(b, [-1]))
    assert_raises(ArrayShare::ReadOnlyError) { Core.ash_view_set_i64(b, [0], 1) }
    assert_raises(ArrayShare::IndexError) { Core.ash_view_get_i64(a, [2, 0]) }
    assert_raises(ArrayShare::IndexError) { Core.ash_view_get_i64(a, [0, 0, 0]) }
    assert_raises(ArrayShare::NotFound) { Core.ash_attach(uniq("none"), 0) }
    [a, b, v].each { |x| Core.ash_view_release(x) }
  end

  def test_get_set_conversions
    name = uniq("conv")
    v = Core.ash_create(name, Core::ASH_UINT8, [4], 0, 0)
    Core.ash_view_set_f64(v, [0], 255.0)
    e = assert_raises(ArrayShare::ValueError) { Core.ash_view_set_f64(v, [0], 300.0) }
    assert_equal(-1016, e.code)
    assert_equal "VALUE", e.name
    assert_raises(ArrayShare::ValueError) { Core.ash_view_set_f64(v, [0], 2.5) }
    assert_raises(ArrayShare::ValueError) { Core.ash_view_set_i64(v, [0], -1) }
    Core.ash_view_set_u64(v, [1], 7)
    assert_equal 7, Core.ash_view_get_u64(v, [1])
    assert_equal [255.0, 0.0], Core.ash_view_get_c128(v, [0])
    Core.ash_view_set_c128(v, [2], 3.0, 0.0)
    assert_raises(ArrayShare::ValueError) { Core.ash_view_set_c128(v, [2], 3.0, 1.0) }
    assert_equal 3, Core.ash_view_get_i64(v, [2])
    Core.ash_view_fill_i64(v, 9)
    assert_equal "\x09" * 4, Core.ash_view_read(v, 4)
    Core.ash_view_fill_f64(v, 1.0)
    assert_raises(ArrayShare::ValueError) { Core.ash_view_fill_f64(v, -1.0) }
    assert_equal "\x01" * 4, Core.ash_view_read(v, 4)
    Core.ash_view_release(v)

    c = Core.ash_create(uniq("cplx"), Core::ASH_COMPLEX128, [2], 0, 0)
    Core.ash_view_set_c128(c, [1], 1.5, -2.0)
    assert_equal [1.5, -2.0], Core.ash_view_get_c128(c, [1])
    assert_raises(ArrayShare::ValueError) { Core.ash_view_get_f64(c, [1]) }
    Core.ash_view_release(c)
  end

  def test_read_write_copy
    v = Core.ash_create(uniq("rw"), Core::ASH_FLOAT64, [3], 0, 0)
    Core.ash_view_write(v, [1.0, 2.0, 3.0].pack("d*"))
    s = Core.ash_view_read(v, 24)
    assert_equal Encoding::BINARY, s.encoding
    assert_equal [1.0, 2.0, 3.0], s.unpack("d*")
    assert_raises(ArrayShare::InvalidArgument) { Core.ash_view_read(v, 16) }
    assert_raises(ArrayShare::InvalidArgument) { Core.ash_view_read(v, 2**40) }
    assert_raises(RangeError) { Core.ash_view_read(v, -1) }
    e = assert_raises(ArrayShare::InvalidArgument) { Core.ash_view_write(v, "abc") }
    assert_match(/24/, e.message)
    assert_raises(TypeError) { Core.ash_view_write(v, 12) }
    r = Core.ash_view_slice(v, 0, nil, nil, -1, 0)
    r2 = Core.ash_view_slice(v, 0, Core::ASH_NONE, Core::ASH_NONE, -1, 0)
    assert_equal [-8], Core.ash_view_strides(r2)
    assert_equal [3], Core.ash_view_shape(r2)
    Core.ash_view_release(r2)
    w = Core.ash_create(uniq("rw2"), Core::ASH_FLOAT64, [3], 0, 0)
    Core.ash_view_copy(w, r)
    assert_equal [3.0, 2.0, 1.0], Core.ash_view_read(w, 24).unpack("d*")
    Core.ash_view_copy(v, r) # overlapping
    assert_equal [3.0, 2.0, 1.0], Core.ash_view_read(v, 24).unpack("d*")
    i = Core.ash_create(uniq("rw3"), Core::ASH_INT64, [3], 0, 0)
    assert_raises(ArrayShare::DtypeError) { Core.ash_view_copy(i, v) }
    [v, r, w, i].each { |x| Core.ash_view_release(x) }
  end

  def test_view_making
    v = Core.ash_create(uniq("mk"), Core::ASH_INT16, [4, 6], 0, 0)
    Core.ash_view_write(v, (0...24).to_a.pack("s*"))
    s = Core.ash_view_slice(v, 1, 1, nil, 2, 0)
    assert_equal [4, 3], Core.ash_view_shape(s)
    assert_equal [1, 3, 5], Core.ash_view_read(Core.ash_view_index(s, 0, 0), 6).unpack("s*")
    assert_raises(ArrayShare::IndexError) { Core.ash_view_slice(v, 0, 0, 9, 1, Core::ASH_SLICE_STRICT) }
    assert_equal [4, 6], Core.ash_view_shape(Core.ash_view_slice(v, 0, -9, 9, 1, 0))
    assert_raises(ArrayShare::InvalidArgument) { Core.ash_view_slice(v, 0, 0, 1, 0, 0) }
    assert_raises(ArrayShare::AxisError) { Core.ash_view_slice(v, 2, 0, 1, 1, 0) }
    row = Core.ash_view_index(v, 0, -1)
    assert_equal (18...24).to_a, Core.ash_view_read(row, 12).unpack("s*")
    assert_raises(ArrayShare::IndexError) { Core.ash_view_index(v, 0, 4) }
    t = Core.ash_view_transpose(v)
    assert_equal [6, 4], Core.ash_view_shape(t)
    assert_equal [2, 12], Core.ash_view_strides(t)
    pm = Core.ash_view_permute(v, [1, 0])
    assert_equal Core.ash_view_strides(t), Core.ash_view_strides(pm)
    assert_raises(ArrayShare::AxisError) { Core.ash_view_permute(v, [0, 0]) }
    rs = Core.ash_view_reshape(v, [2, -1, 3])
    assert_equal [2, 4, 3], Core.ash_view_shape(rs)
    assert_raises(ArrayShare::ShapeError) { Core.ash_view_reshape(v, [5, 5]) }
    assert_raises(ArrayShare::NotContiguous) { Core.ash_view_reshape(t, [24]) }
    ri = Core.ash_view_reinterpret(v, Core::ASH_INT32)
    assert_equal [4, 3], Core.ash_view_shape(ri)
    assert_raises(ArrayShare::DtypeError) { Core.ash_view_reinterpret(v, 77) }
    ro = Core.ash_view_readonly(v)
    assert_equal 1, Core.ash_view_flags(ro) & Core::ASH_VIEW_READONLY
    d = Core.ash_view_descriptor(s)
    assert_match(/\Aash:\/\/.*\?dtype=<i2&shape=4,3/, d)
    s2 = Core.ash_view_from_descriptor(d, 0)
    assert_equal Core.ash_view_read(s, 24), Core.ash_view_read(s2, 24)
    assert_raises(ArrayShare::DescriptorError) { Core.ash_view_from_descriptor("ash://x/y[1:", 0) }
    sub = Core.ash_attach("#{Core.ash_view_segment_name(v)}/data[1:3, ::-2]", 0)
    assert_equal [2, 3], Core.ash_view_shape(sub)
    assert_equal [11, 9, 7], Core.ash_view_read(Core.ash_view_index(sub, 0, 0), 6).unpack("s*")
  end

  def test_retain_release
    v = Core.ash_create(uniq("rr"), Core::ASH_FLOAT32, [2], 0, 0)
    w = Core.ash_view_retain(v)
    refute_same v, w
    Core.ash_view_release(v)
    assert v.closed?
    assert_raises(ArrayShare::ClosedError) { Core.ash_view_size(v) }
    Core.ash_view_release(v) # twice: no-op
    Core.ash_view_release(nil)
    assert_equal 2, Core.ash_view_size(w)
    Core.ash_view_release(w)
  end

  def test_list_and_gc
    name = uniq("ls")
    v = Core.ash_create(name, Core::ASH_INT8, [1], 0, 0)
    l = Core.ash_list_segments
    names = Array.new(Core.ash_list_count(l)) { |i| Core.ash_list_name(l, i) }
    assert_includes names, name
    assert_equal names.sort, names
    assert_nil Core.ash_list_name(l, -1)
    Core.ash_list_free(l)
    assert_raises(ArrayShare::ClosedError) { Core.ash_list_count(l) }
    Core.ash_list_free(l)
    assert_kind_of Integer, Core.ash_gc
    Core.ash_view_release(v)
  end

  def test_wrong_argument_types
    assert_raises(TypeError) { Core.ash_view_size(nil) }
    assert_raises(TypeError) { Core.ash_view_size("view") }
    assert_raises(TypeError) { Core.ash_segment_name(Object.new) }
    v = Core.ash_create(uniq("ty"), Core::ASH_INT8, [2], 0, 0)
    assert_raises(TypeError) { Core.ash_segment_name(v) } # a view is no segment
    assert_raises(TypeError) { Core.ash_view_get_f64(v, 0) }
    assert_raises(TypeError) { Core.ash_view_get_f64(v, ["0"]) }
    assert_raises(TypeError) { Core.ash_view_get_f64(v, [0.5]) }
    assert_raises(ArrayShare::IndexError) { Core.ash_view_get_f64(v, [2**70]) }
    assert_raises(ArrayShare::IndexError) { Core.ash_view_get_f64(v, [0] * 40) }
    assert_raises(ArgumentError) { Core.ash_attach("a\0b", 0) }
    assert_raises(TypeError) { Core.ash_create(uniq("ty2"), "float64", [2], 0, 0) }
    assert_raises(ArgumentError) { Core.ash_view_size }
    Core.ash_view_release(v)
  end

  def test_unsigned_arguments_never_wrap
    v = Core.ash_create(uniq("u64"), Core::ASH_UINT64, [2], 0, 0)
    Core.ash_view_set_u64(v, [1], 2**64 - 1)
    e = assert_raises(ArrayShare::ValueError) { Core.ash_view_set_u64(v, [0], -1) }
    assert_kind_of RangeError, e
    assert_match(/-1 is out of range for uint64/, e.message)
    assert_raises(ArrayShare::ValueError) { Core.ash_view_set_u64(v, [0], 2**64) }
    assert_raises(TypeError) { Core.ash_view_set_u64(v, [0], 1.5) }
    assert_equal [0, 2**64 - 1], [Core.ash_view_get_u64(v, [0]), Core.ash_view_get_u64(v, [1])]
    assert_raises(RangeError) { Core.ash_arena_bytes_for(Core::ASH_INT8, [2], -1) }
    assert_raises(RangeError) { Core.ash_view_read(v, -16) }
    assert_raises(RangeError) { Core.ash_create(uniq("neg"), Core::ASH_INT8, [2], 0, -1) }
    assert_raises(RangeError) { Core.ash_segment_create(uniq("neg"), 64, -1, 0, 0) }
    assert_raises(RangeError) { Core.ash_attach(uniq("neg"), -1) }
    Core.ash_view_release(v)
  end

  def test_embedded_nul_names_the_argument
    name = uniq("nul")
    e = assert_raises(ArrayShare::InvalidArgument) { Core.ash_attach("a\0b", 0) }
    assert_match(/"name_or_descriptor" contains a NUL byte at position 1/, e.message)
    e = assert_raises(ArrayShare::InvalidArgument) do
      ArrayShare.create(name, shape: [1], dtype: "int8\0junk")
    end
    assert_match(/"spelling"/, e.message)
    e = assert_raises(ArrayShare::InvalidArgument) { ArrayShare.create("#{name}\0x", shape: [1], dtype: :int8) }
    assert_match(/"name"/, e.message)
    refute File.exist?("/dev/shm/ash.#{name}")
  end
end
