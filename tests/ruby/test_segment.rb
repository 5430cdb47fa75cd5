# SPDX-License-Identifier: MIT
# frozen_string_literal: true

# ArrayShare::Segment and the module functions (create/attach/unlink/ls/gc).
require_relative "helper"

class TestSegment < Minitest::Test
  include ShmTest

  def test_create_with_arrays_block_form
    name = uniq("multi")
    r = ArrayShare::Segment.create(name, arrays: {
                                     "x" => { shape: [10], dtype: :float64 },
                                     labels: { shape: 10, dtype: "i4" },
                                     "img" => [[2, 3], :uint8]
                                   }) do |seg|
      assert_equal %w[x labels img], seg.arrays
      assert seg.key?("labels")
      refute seg.include?("nope")
      assert_equal name, seg.name
      assert_equal :auto, seg.policy
      refute seg.persist?
      refute seg.readonly?
      assert_equal Process.pid, seg.creator_pid
      assert_kind_of Time, seg.ctime
      assert_in_delta Time.now.to_f, seg.ctime.to_f, 60
      assert_equal ArrayShare::Core::ASH_FORMAT_MINOR, seg.format_minor
      assert_operator seg.size, :>, 0
      assert_match(/#{name} auto/, seg.inspect)
      seg["x"] { |x| x.fill(0.5) }
      assert_equal [0.5] * 10, seg["x"].to_a
      assert_equal "x", seg[].array_name # nil: the first array
      assert_equal [2, 3], seg.view("img").shape
      assert_equal "int32", seg["labels"].dtype
      got = seg.each_array.map { |n, v| [n, v.shape] }
      assert_equal [["x", [10]], ["labels", [10]], ["img", [2, 3]]], got
      assert_raises(ArrayShare::NotFound) { seg["nope"] }
      :result
    end
    assert_equal :result, r
  end

  def test_add_array_and_capacity
    name = uniq("add")
    seg = ArrayShare::Segment.create(name, size: 4096, max_arrays: 2, persist: true)
    assert seg.persist?
    v = seg.add_array("a", shape: [4], dtype: :int16)
    assert_equal [4], v.shape
    assert_raises(ArrayShare::Exists) { seg.add_array("a", shape: [1], dtype: :int8) }
    assert_raises(ArrayShare::InvalidName) { seg.add_array("bad name", shape: [1], dtype: :int8) }
    assert_raises(ArrayShare::DtypeError) { seg.add_array("b", shape: [1], dtype: "x9") }
    assert_raises(ArrayShare::ShapeError) { seg.add_array("b", shape: [-1], dtype: :int8) }
    assert_raises(TypeError) { seg.add_array("b", shape: "3", dtype: :int8) }
    assert_raises(ArrayShare::FullError) { seg.add_array("big", shape: [1 << 20], dtype: :int8) }
    seg.add_array("b", shape: [1], dtype: :int8).close
    assert_raises(ArrayShare::FullError) { seg.add_array("c", shape: [1], dtype: :int8) }
    assert_operator seg.arena_free, :<, 4096
    seg.close
    assert shm_exist?(name) # persist: survives its last close
    ArrayShare::Segment.open(name) { |s| assert_equal %w[a b], s.arrays }
    assert_equal [0, 0, 0, 0], v.to_a
    v.close
  end

  def test_views_outlive_segment_close
    name = uniq("outlive")
    seg = ArrayShare::Segment.create(name, arrays: { "a" => { shape: [3], dtype: :float64 } })
    v = seg["a"]
    seg.close
    assert seg.closed?
    seg.close # idempotent
    assert_raises(ArrayShare::ClosedError) { seg.arrays }
    assert_raises(ArrayShare::ClosedError) { seg["a"] }
    assert_raises(ArrayShare::ClosedError) { seg.add_array("b", shape: [1], dtype: :int8) }
    assert_equal "#<ArrayShare::Segment (closed)>", seg.inspect
    v[1] = 4.0 # the mapping is still there
    assert_equal [0.0, 4.0, 0.0], v.to_a
    assert shm_exist?(name)
    v.close # last reference: auto policy removes the segment
    refute shm_exist?(name)
  end

  def test_open_readonly_and_attachers
    name = uniq("ro")
    seg = ArrayShare::Segment.create(name, arrays: { "a" => { shape: [2], dtype: :int32 } })
    seg["a"][0] = 5
    ArrayShare::Segment.open(name, readonly: true) do |r|
      assert r.readonly?
      v = r["a"]
      assert v.readonly?
      assert_equal [5, 0], v.to_a
      assert_raises(ArrayShare::ReadOnlyError) { v[0] = 1 }
      assert_raises(ArrayShare::ReadOnlyError) { r.add_array("b", shape: [1], dtype: :int8) }
    end
    att = seg.attachers
    assert_equal 1, att.size # one process, one slot
    assert_equal Process.pid, att[0].pid
    assert att[0].alive?
    assert_equal [1, 0], seg.attacher_counts
    ArrayShare::Segment.open(name, noattach: true) { |s| assert_equal ["a"], s.arrays }
    assert_raises(ArrayShare::NotFound) { ArrayShare::Segment.open(uniq("none")) }
    assert_raises(ArrayShare::Exists) { ArrayShare::Segment.create(name, size: 64) }
    ArrayShare::Segment.create(name, size: 64, or_open: true,
                                     arrays: { "a" => { shape: [2], dtype: :int32 } }) do |s|
      assert_equal ["a"], s.arrays
    end
    seg.unlink
    refute shm_exist?(name)
    assert_raises(ArrayShare::NotFound) { seg.unlink }
    seg.close
  end

  def test_failed_array_creation_removes_the_segment
    name = uniq("fail")
    assert_raises(ArrayShare::InvalidName) do
      ArrayShare::Segment.create(name, arrays: { "bad/name" => { shape: [1], dtype: :int8 } })
    end
    refute shm_exist?(name)
  end

  def test_module_functions
    name = uniq("mod")
    v = ArrayShare.create(name, shape: 4, dtype: "u2", persist: true, mode: 0o644)
    assert_equal 0o644, File.stat("/dev/shm/ash.#{name}").mode & 0o777
    v.close
    assert shm_exist?(name) # persist
    assert ArrayShare.exist?(name)
    assert_includes ArrayShare.ls, name
    ArrayShare.attach(name) { |a| assert_equal [4], a.shape }
    ArrayShare.attach("#{name}/data[1:3]") { |a| assert_equal [2], a.shape }
    ArrayShare.attach(name, noattach: true) { |a| assert a.readonly? }
    assert_raises(ArrayShare::Exists) { ArrayShare.create(name, shape: 1, dtype: :int8) }
    assert_equal true, ArrayShare.unlink(name)
    refute ArrayShare.exist?(name)
    assert_equal false, ArrayShare.unlink(name, missing_ok: true)
    e = assert_raises(ArrayShare::NotFound) { ArrayShare.unlink(name) }
    assert_equal(-1004, e.code)
    assert_raises(ArrayShare::NotFound) { ArrayShare.attach(name) }
    assert_kind_of Integer, ArrayShare.gc
    assert_equal "float64", ArrayShare.dtype("<f8")
    assert_equal "uint8", ArrayShare.dtype(ArrayShare::Core::ASH_UINT8)
    assert_equal 16, ArrayShare.itemsize(:complex128)
    assert_raises(ArrayShare::DtypeError) { ArrayShare.dtype(99) }
    assert_raises(ArrayShare::DtypeError) { ArrayShare.dtype(">f8") }
    assert_raises(TypeError) { ArrayShare.dtype(nil) }
    assert_equal ArrayShare::Core.ash_version_string, ArrayShare::VERSION
    assert_equal 14, ArrayShare::DTYPES.size
  end

  def test_file_backend
    path = File.join(Dir.tmpdir, "rbt-#{Process.pid}-file.ash")
    begin
      ArrayShare.create(path, shape: [3], dtype: :int64, file: true, persist: true) do |v|
        v[2] = 42
        assert_match(/\Aash\+file:/, v.descriptor)
      end
      assert File.exist?(path)
      ArrayShare.attach(path, file: true) { |v| assert_equal 42, v[2] }
      ArrayShare::Segment.open(path, file: true) { |s| assert_equal ["data"], s.arrays }
      ArrayShare.unlink(path, file: true)
      refute File.exist?(path)
    ensure
      File.unlink(path) if File.exist?(path)
    end
  end

  def test_bad_names_and_arguments
    assert_raises(ArrayShare::InvalidName) { ArrayShare.create("a/b", shape: 1, dtype: :int8) }
    assert_raises(ArrayShare::InvalidName) { ArrayShare.create("", shape: 1, dtype: :int8) }
    assert_raises(ArrayShare::InvalidName) { ArrayShare.create("x" * 201, shape: 1, dtype: :int8) }
    assert_raises(ArrayShare::InvalidName) { ArrayShare.attach("-lead") }
    assert_raises(ArrayShare::InvalidArgument) { ArrayShare.create(nil, shape: 1, dtype: :int8) }
    assert_raises(ArgumentError) { ArrayShare.create(uniq("nul") + "\0x", shape: 1, dtype: :int8) }
    assert_raises(TypeError) { ArrayShare.create(uniq("ty"), shape: 1.5, dtype: :int8) }
    assert_raises(TypeError) { ArrayShare.create(uniq("ty"), shape: [1, "2"], dtype: :int8) }
    assert_raises(ArgumentError) { ArrayShare.create(uniq("kw")) } # no shape
    ArrayShare.create(uniq("kw"), shape: 1) { |v| assert_equal "float64", v.dtype } # the default
    assert_raises(ArrayShare::InvalidArgument) { ArrayShare.create(uniq("mode"), shape: 1, dtype: :int8, mode: 0o10000) }
    ArrayShare.create(uniq("desc"), shape: 4, dtype: :int8) do |v|
      assert_raises(ArrayShare::DescriptorError) { ArrayShare.attach("#{v.descriptor}?bogus=1") }
      assert_raises(ArrayShare::DescriptorError) { ArrayShare.attach("#{v.descriptor}[1:") }
      assert_raises(ArrayShare::IndexError) { ArrayShare.attach("#{v.descriptor}[9]") }
      assert_raises(ArrayShare::IndexError) { ArrayShare.attach("#{v.descriptor}?dtype=<f8") }
      assert_raises(ArrayShare::NotFound) { ArrayShare.attach("#{v.segment_name}/nope") }
    end
    assert_raises(ArrayShare::InvalidArgument) { ArrayShare::Segment.create(uniq("cap"), size: 64, max_arrays: 0) }
    assert_raises(ArrayShare::NoSpace) { ArrayShare.create(uniq("huge"), shape: [2**47], dtype: :float64) }
    assert_raises(ArrayShare::OverflowError) { ArrayShare.create(uniq("ovf"), shape: [2**62], dtype: :float64) }
  end

  def test_permission_denied
    name = uniq("perm")
    # as root, a child drops to "nobody" (root bypasses permissions);
    # otherwise the owner itself cannot read a mode 0200 segment
    mode = Process.euid.zero? ? 0o600 : 0o200 # (0 would mean 0600)
    ArrayShare.create(name, shape: 1, dtype: :int8, persist: true, mode: mode).close
    got = in_child do
      Process::UID.change_privilege(65_534) if Process.euid.zero?
      begin
        ArrayShare.attach(name)
        :attached
      rescue ArrayShare::PermissionDenied => e
        [e.code, e.name, e.message]
      end
    end
    assert_equal(-1005, got[0])
    assert_equal "PERM", got[1]
    assert_match(/permission denied/, got[2])
  end
end
