# SPDX-License-Identifier: MIT
# frozen_string_literal: true

# The exception classes: one per code, ArrayShare::Error included in all,
# the matching Ruby built-in as superclass.
require_relative "helper"

class TestErrors < Minitest::Test
  include ShmTest

  EXPECTED = {
    "INVAL" => [:InvalidArgument, ArgumentError],
    "NAME" => [:InvalidName, ArgumentError],
    "EXIST" => [:Exists, StandardError],
    "NOENT" => [:NotFound, StandardError],
    "PERM" => [:PermissionDenied, StandardError],
    "NOSPC" => [:NoSpace, StandardError],
    "NOMEM" => [:OutOfMemory, StandardError],
    "DTYPE" => [:DtypeError, TypeError],
    "SHAPE" => [:ShapeError, ArgumentError],
    "OVERFLOW" => [:OverflowError, RangeError],
    "INDEX" => [:IndexError, ::IndexError],
    "RDONLY" => [:ReadOnlyError, FrozenError],
    "CORRUPT" => [:CorruptError, StandardError],
    "VERSION" => [:VersionError, StandardError],
    "TRUNC" => [:TruncatedError, StandardError],
    "VALUE" => [:ValueError, RangeError],
    "FULL" => [:FullError, StandardError],
    "DESC" => [:DescriptorError, ArgumentError],
    "CONTIG" => [:NotContiguous, StandardError],
    "BUSY" => [:BusyError, StandardError],
    "SYS" => [:SystemError, StandardError],
    "AXIS" => [:AxisError, ::IndexError],
    "SIGNATURE" => [:SignatureError, ArgumentError],
    "LIBRARY" => [:LibraryError, StandardError],
    "OVERLAP" => [:OverlapError, ArgumentError],
    "TIMEOUT" => [:TimeoutError, StandardError],
    "OWNERDEAD" => [:OwnerDead, StandardError],
    "NOTRECOVERABLE" => [:NotRecoverable, StandardError],
    "TORN" => [:Torn, StandardError],
    "DEADLOCK" => [:Deadlock, ThreadError],
    "NOTOWNER" => [:NotOwner, ThreadError],
    "OVERRUN" => [:Overrun, StandardError]
  }.freeze

  def test_one_class_per_code
    codes = ArrayShare::Core.constants.grep(/\AASH_E_/).map { |c| ArrayShare::Core.const_get(c) }
    assert_equal 32, codes.size
    assert_equal codes.sort, ArrayShare::ERRORS.keys.sort
    codes.each do |code|
      name = ArrayShare::Core.ash_err_name(code)
      cls_name, base = EXPECTED.fetch(name)
      cls = ArrayShare.const_get(cls_name)
      assert_same cls, ArrayShare::ERRORS[code]
      assert_same cls, ArrayShare::Error.for_code(code)
      assert_operator cls, :<, base
      assert_operator cls, :<, ArrayShare::Error
      assert_equal code, cls::CODE
      e = cls.new("made by hand")
      assert_equal code, e.code
      assert_equal name, e.name
      assert_equal "made by hand", e.message
    end
    assert_same ArrayShare::UnknownError, ArrayShare::Error.for_code(-1999)
    assert_equal "CLOSED", ArrayShare::ClosedError.new.name
    assert_operator ArrayShare::ClosedError, :<, IOError
    assert_kind_of Module, ArrayShare::Error
  end

  def test_raised_errors_carry_code_name_and_detail
    name = uniq("nf")
    e = assert_raises(ArrayShare::NotFound) { ArrayShare.attach(name) }
    assert_equal(-1004, e.code)
    assert_equal "NOENT", e.name
    assert_equal %(open "#{name}": no such segment), e.message
    # one rescue clause for all of them, and the built-ins still work
    caught = []
    [-> { ArrayShare.attach(name) },
     -> { ArrayShare.create("a/b", shape: 1, dtype: :int8) },
     -> { ArrayShare.dtype("nope") }].each do |f|
      f.call
    rescue ArrayShare::Error => e
      caught << e.name
    end
    assert_equal %w[NOENT NAME DTYPE], caught
    v = ArrayShare.create(uniq("ix"), shape: 2, dtype: :int8)
    begin
      v[5]
      flunk "no error"
    rescue ::IndexError => e
      assert_kind_of ArrayShare::Error, e
      assert_equal "INDEX", e.name
    end
    begin
      v[0] = 1000
      flunk "no error"
    rescue RangeError => e
      assert_instance_of ArrayShare::ValueError, e
    end
    v.close
  end

  def test_error_message_is_not_stale
    name = uniq("st")
    e1 = assert_raises(ArrayShare::NotFound) { ArrayShare.attach(name) }
    e2 = assert_raises(ArrayShare::InvalidName) { ArrayShare.attach("bad name") }
    assert_match(/#{name}/, e1.message)
    assert_match(/bad name/, e2.message)
  end

  def test_corrupt_and_truncated_segments
    # a file under the library's prefix that is not a segment
    name = uniq("corrupt")
    path = "/dev/shm/ash.#{name}"
    File.binwrite(path, "x" * 8192)
    assert_raises(ArrayShare::CorruptError) { ArrayShare.attach(name) }
    assert_raises(ArrayShare::CorruptError) { ArrayShare.unlink(name) } # left alone
    File.unlink(path)
    # a real segment cut short by another process
    name = uniq("trunc")
    ArrayShare.create(name, shape: [100_000], dtype: :float64, persist: true).close
    File.truncate("/dev/shm/ash.#{name}", 4096)
    e = assert_raises(ArrayShare::Error) { ArrayShare.attach(name) }
    assert_includes %w[TRUNC CORRUPT], e.name
  end
end
