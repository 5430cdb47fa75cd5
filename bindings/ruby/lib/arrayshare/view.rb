# SPDX-License-Identifier: MIT
# frozen_string_literal: true

module ArrayShare
  # A typed, strided window on an array in shared memory.
  #
  # Written in C (swig/ruby/rbash_view.c): #[] #[]= #to_a #value #fill
  # #close #closed? #ndim #size #length #shape #strides #dtype #readonly?
  # #format_text(flags = 0, indent = 0) and the MemoryView export
  # (rbash_memview.c). Everything else is here.
  #
  # Indexing (0-based, negative from the end):
  #   v[i]            1-d: the element (Float, Integer, true/false, Complex);
  #                   n-d: a view of row i (axis 0 dropped)
  #   v[i, j, ...]    one index per axis: the element; fewer: a view
  #   v[1..3], v[1...3], v[..-2], v[1..]        views of a range (no copy)
  #   v[(0..10).step(2)], v[(0..) % 3], v[(5..1).step(-1)]
  #                   step ranges, selecting what Array#[] would select
  #   v[1, 2..]       mixed; ranges keep their axis, integers drop theirs
  # A range starting outside the axis raises ArrayShare::IndexError (where
  # Array#[] would return nil); an integer out of range raises it too.
  class View
    include Enumerable

    # Yields the items along axis 0: elements of a 1-d view, views of the
    # rows of an n-d one. Without a block, an Enumerator.
    def each
      return enum_for(:each) { length } unless block_given?

      n = length
      i = 0
      while i < n
        yield self[i]
        i += 1
      end
      self
    end

    # One library call each: itemsize (bytes per element), nbytes (of all
    # elements), dtype_code (ArrayShare::Core::ASH_FLOAT64, ...), offset
    # (bytes from the array's start to element (0, ..., 0)), address (of
    # that element, an Integer for Fiddle, valid while this view or a
    # MemoryView of it is open), flags (ASH_VIEW_* bits), descriptor (a
    # short string: ArrayShare.attach(descriptor) in any process and
    # language makes an equal view), segment_name, array_name.
    { itemsize: :itemsize, nbytes: :nbytes, dtype_code: :dtype, offset: :offset,
      address: :data, flags: :flags, descriptor: :descriptor,
      segment_name: :segment_name, array_name: :array_name }.each do |meth, fn|
      core_fn = :"ash_view_#{fn}"
      define_method(meth) { Core.send(core_fn, self) }
    end

    def c_contiguous?
      flags.anybits?(Core::ASH_VIEW_C_CONTIGUOUS)
    end
    alias contiguous? c_contiguous?

    def f_contiguous?
      flags.anybits?(Core::ASH_VIEW_F_CONTIGUOUS)
    end

    # A new handle on the segment this view maps (block form closes it).
    def segment(&block)
      ArrayShare.with_closing(Core.ash_view_segment(self), &block)
    end

    # The elements, packed in C order, as a binary (ASCII-8BIT) String.
    def read
      Core.ash_view_read(self, nbytes)
    end

    # Writes packed C-order elements from a String of exactly #nbytes bytes
    # (e.g. from Array#pack or #read). Returns self.
    def write(bytes)
      raise TypeError, "write needs a String, not #{bytes.class}" unless bytes.is_a?(String)

      Core.ash_view_write(self, bytes)
      self
    end

    # Copies the elements of +other+ (same dtype and shape) into this view.
    def copy_from(other)
      Core.ash_view_copy(self, other)
      self
    end

    # Reverses the axes, or orders them as given: transpose(1, 0, 2).
    def transpose(*axes)
      axes = axes.flatten
      return Core.ash_view_transpose(self) if axes.empty?

      Core.ash_view_permute(self, axes)
    end

    # A view with another shape (C-contiguous views only; one -1 allowed):
    # reshape(2, 3) or reshape([2, 3]).
    def reshape(*shape)
      Core.ash_view_reshape(self, shape.flatten)
    end

    # The same bytes read as another dtype (NumPy's a.view(dtype)).
    def view_as(dtype)
      Core.ash_view_reinterpret(self, ArrayShare.dtype_code(dtype))
    end

    # A read-only view of the same elements.
    def readonly_view
      Core.ash_view_readonly(self)
    end
    alias as_readonly readonly_view

    # Freezes the view: from now on it is read-only (its handle is swapped
    # for a read-only one, so writes through it raise ReadOnlyError, a
    # FrozenError, and its MemoryView is read-only). Other views of the
    # same memory stay writable. Returns self.
    def freeze
      return self if frozen?

      _make_readonly unless closed?
      super
    end

    # Every element, in C order (a 0-d view: its one element): an Array.
    def elements
      return [value] if ndim.zero?

      a = to_a
      ndim > 1 ? a.flatten(ndim - 1) : a
    end

    # Reductions over every element, whatever the shape (Enumerable's
    # would reduce the rows of an n-d view): sum(init = 0), min, max,
    # minmax, with Array's arguments and blocks.
    def sum(*args, &block)
      elements.sum(*args, &block)
    end

    def min(*args, &block)
      elements.min(*args, &block)
    end

    def max(*args, &block)
      elements.max(*args, &block)
    end

    def minmax(&block)
      elements.minmax(&block)
    end

    # Marshal sends the descriptor plus "gen=" (the segment's creation
    # time): Marshal.load attaches that very segment, reusing a mapping the
    # receiver holds, and refuses a segment re-created under the name.
    def _dump(_level)
      Core.ash_view_descriptor_ex(self, Core::ASH_DESC_GEN)
    end

    def self._load(descriptor)
      Core.ash_view_from_descriptor(descriptor, 0)
    end

    # Values NumPy-style, numbers as Ruby prints them: "[[0.0 1.0]\n [2.0
    # 3.0]]"; more than 1000 elements are summarised with "..." (the
    # library's ash_view_format, #format_text in C).
    def to_s
      return "#<ArrayShare::View (closed)>" if closed?

      format_text(Core::ASH_FORMAT_PLAIN)
    end

    def inspect
      return "#<#{self.class} (closed)>" if closed?

      ro = readonly? ? " readonly" : ""
      text = format_text(Core::ASH_FORMAT_PLAIN | Core::ASH_FORMAT_COMMA | Core::ASH_FORMAT_ONELINE)
      "#<#{self.class} #{dtype}#{shape.inspect}#{ro} #{descriptor} #{text}>"
    end
  end
end
