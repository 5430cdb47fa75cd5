# SPDX-License-Identifier: MIT
# frozen_string_literal: true

# arrayshare: typed N-dimensional arrays shared between processes through
# POSIX shared memory, whatever language each process is written in.
#
#   require "arrayshare"
#
#   ArrayShare.create("frames", shape: [480, 640], dtype: :uint8) do |a|
#     a[0, 0..9] = 255                    # a view: no copy
#     pid = fork { ArrayShare.attach("frames") { |b| b[1, 1] = 7 } }
#     Process.wait(pid)
#     a[1, 1]                             # => 7
#   end
#
# The C extension arrayshare_core.so is the complete, close-to-C API
# (ArrayShare::Core, i.e. Arrayshare_core: every function of arrayshare.h);
# this file and lib/arrayshare/*.rb are the idiomatic layer. See
# docs/ruby.md for the guide.
require "arrayshare_core"

require_relative "arrayshare/errors"
require_relative "arrayshare/view"
require_relative "arrayshare/segment"
require_relative "arrayshare/kernel"
require_relative "arrayshare/sync"

module ArrayShare
  # The library version loaded at run time, e.g. "0.1.0".
  VERSION = Core.ash_version_string

  # Canonical dtype names, in the order of their numeric codes.
  DTYPES = (1...15).map { |c| Core.ash_dtype_name(c) }.compact.freeze

  # Maximum number of dimensions of an array or a view.
  MAX_NDIM = Core::ASH_MAX_NDIM

  module_function

  # Creates segment +name+ holding one array ("data") and returns a view of
  # it. With a block, yields the view, closes it when the block ends (also
  # on an exception) and returns the block's value. Without persist: the
  # segment is removed when the last process attached to it closes it.
  # or_open: when the name exists, attach its first array instead, which
  # must have this dtype and shape (else ArrayShare::Exists). The options
  # are those of every binding (docs/api-table.md).
  #
  #   ArrayShare.create("x", shape: [2, 3], dtype: "float64") { |v| v.fill(1) }
  def create(name, shape:, dtype: :float64, persist: false, mode: 0o600,
             file: false, or_open: false, &block)
    flags = 0
    flags |= Core::ASH_PERSIST if persist
    flags |= Core::ASH_FILE if file
    flags |= Core::ASH_OR_OPEN if or_open
    view = Core.ash_create(name, dtype_code(dtype), shape_list(shape), flags,
                           mode)
    with_closing(view, &block)
  end

  # Attaches to an existing array by name ("frames"), by "segment/array",
  # by descriptor ("ash://frames/labels", View#descriptor, also with a
  # NumPy-style index such as "frames/data[1:3, ::-1]") and returns a view.
  # Block form as #create.
  def attach(name_or_descriptor, readonly: false, file: false,
             noattach: false, &block)
    flags = 0
    flags |= Core::ASH_RDONLY if readonly
    flags |= Core::ASH_FILE if file
    flags |= Core::ASH_NOATTACH if noattach
    with_closing(Core.ash_attach(name_or_descriptor, flags), &block)
  end

  # Removes a segment's name. Processes that have it mapped keep using it.
  # Returns true, or false when it did not exist and +missing_ok+ is set.
  def unlink(name, file: false, missing_ok: false)
    Core.ash_unlink(name, file ? Core::ASH_FILE : 0)
    true
  rescue NotFound
    raise unless missing_ok

    false
  end

  # The names of this library's segments in /dev/shm, sorted.
  def ls
    list = Core.ash_list_segments
    begin
      Array.new(Core.ash_list_count(list)) { |i| Core.ash_list_name(list, i) }
    ensure
      Core.ash_list_free(list)
    end
  end

  # Whether a segment of this name exists now.
  def exist?(name)
    ls.include?(name.to_s)
  end

  # Reaps segments whose attachers all died; returns how many were removed.
  def gc
    Core.ash_gc
  end

  # Drops the mappings this process keeps of segments it no longer uses
  # (see docs/c-api.md, "Released mappings"). Returns nil.
  def clear_cache
    Core.ash_cache_clear
    nil
  end

  # Arena bytes one array of this shape and dtype takes in a segment
  # (alignment included): sum them for Segment.create(arena_bytes: ...).
  def arena_bytes(shape, dtype = :float64)
    Core.ash_arena_bytes_for(dtype_code(dtype), shape_list(shape))
  end

  # The numeric code of a dtype given as a name or code ("float64", "f8",
  # "<f8", "d", :float64, ArrayShare::Core::ASH_FLOAT64).
  def dtype_code(dtype)
    case dtype
    when Integer
      return dtype if Core.ash_dtype_name(dtype)

      raise DtypeError, "invalid dtype code #{dtype}"
    when String, Symbol
      Core.ash_dtype_parse(dtype.to_s)
    else
      raise TypeError, "dtype must be a String, Symbol or Integer, not #{dtype.class}"
    end
  end

  # The canonical name of a dtype ("f8" -> "float64").
  def dtype(dtype)
    Core.ash_dtype_name(dtype_code(dtype))
  end

  # Bytes per element of a dtype.
  def itemsize(dtype)
    Core.ash_dtype_itemsize(dtype_code(dtype))
  end

  # Shape argument: an Integer (1-d) or an Array of Integers.
  def shape_list(shape)
    case shape
    when Integer then [shape]
    when Array then shape
    else
      raise TypeError, "shape must be an Integer or an Array of Integers, not #{shape.class}"
    end
  end

  # Yields +obj+ and closes it afterwards when a block is given.
  def with_closing(obj)
    return obj unless block_given?

    begin
      yield obj
    ensure
      obj.close
    end
  end
end
