# SPDX-License-Identifier: MIT
# frozen_string_literal: true

module ArrayShare
  # One region of shared memory holding one or many named arrays (think
  # .npz in shared memory). #close and #closed? are written in C.
  #
  #   ArrayShare::Segment.create("run1", arrays: {
  #     "x" => { shape: [1000], dtype: :float64 },
  #     "labels" => { shape: [1000], dtype: :int32 }
  #   }) do |seg|
  #     seg["x"].fill(0.5)
  #     seg.arrays                # => ["x", "labels"]
  #   end
  class Segment
    # One entry of the attach table.
    Attacher = Struct.new(:pid, :alive) do
      alias_method :alive?, :alive
    end

    # Creates a segment. Its arena is sized for +arrays+ (a Hash of
    # name => { shape:, dtype: } or name => [shape, dtype], created at once,
    # in order) plus +arena_bytes+ more bytes for arrays added later with
    # #add_array; at least one of the two is needed. +max_arrays+ is the
    # directory capacity (default: the number of arrays, plus 16 when
    # arena_bytes is given; at least 1), +max_attachers+ the attach table's
    # (1 to 65536, default 128). persist: keep it until unlinked (default:
    # removed when the last attached process closes it); or_open: open it
    # if it exists (arrays it already has are not added again); file: +name+
    # is a file path. The options are those of every binding
    # (docs/api-table.md); +size:+ is the old name of +arena_bytes:+. With a
    # block: yields the segment, closes it afterwards and returns the
    # block's value.
    def self.create(name, arena_bytes: nil, arrays: nil, max_arrays: nil,
                    max_attachers: 128, persist: false, mode: 0o600,
                    or_open: false, file: false, size: nil, &block)
      arena_bytes ||= size
      if arrays.nil? && arena_bytes.nil?
        raise ArgumentError, "Segment.create needs arrays: or arena_bytes:"
      end

      specs = (arrays || {}).map do |aname, spec|
        spec = { shape: spec[0], dtype: spec[1] } if spec.is_a?(Array)
        [aname.to_s, ArrayShare.shape_list(spec.fetch(:shape)),
         ArrayShare.dtype_code(spec.fetch(:dtype, :float64))]
      end
      arena = specs.sum(arena_bytes || 0) { |_, shape, dt| Core.ash_arena_bytes_for(dt, shape) }
      flags = Core::ASH_UNPUBLISHED
      flags |= Core::ASH_PERSIST if persist
      flags |= Core::ASH_FILE if file
      max = max_arrays || [specs.size + (arena_bytes ? 16 : 0), 1].max
      # Built without a name, named once every array is in: nothing is
      # visible half-made, and a failure leaves nothing behind.
      seg = Core.ash_segment_create_ex(name, arena, max, max_attachers, flags, mode)
      begin
        specs.each { |aname, shape, dt| Core.ash_segment_add_array(seg, aname, dt, shape).close }
        Core.ash_segment_publish(seg)
      rescue ArrayShare::Exists
        seg.close
        raise unless or_open

        seg = open_adding(name, specs, file)
      rescue Exception # rubocop:disable Lint/RescueException
        seg.close
        raise
      end
      ArrayShare.with_closing(seg, &block)
    end

    # or_open found the name taken: that segment, with the arrays it lacks.
    def self.open_adding(name, specs, file)
      seg = Core.ash_segment_open(name, file ? Core::ASH_FILE : 0)
      have = seg.arrays
      specs.each do |aname, shape, dt|
        Core.ash_segment_add_array(seg, aname, dt, shape).close unless have.include?(aname)
      end
      seg
    rescue Exception # rubocop:disable Lint/RescueException
      seg&.close
      raise
    end
    private_class_method :open_adding

    # Opens an existing segment (readonly: arrays mapped read-only;
    # noattach: inspect without being counted as an attacher). Block form
    # as ::create.
    def self.open(name, readonly: false, file: false, noattach: false, &block)
      flags = 0
      flags |= Core::ASH_RDONLY if readonly
      flags |= Core::ASH_FILE if file
      flags |= Core::ASH_NOATTACH if noattach
      ArrayShare.with_closing(Core.ash_segment_open(name, flags), &block)
    end

    # Adds a zero-filled array and returns a view of it.
    def add_array(name, shape:, dtype: :float64)
      Core.ash_segment_add_array(self, name, ArrayShare.dtype_code(dtype),
                                 ArrayShare.shape_list(shape))
    end

    # A view of array +name+ (nil: the first array). Block form closes it.
    def [](name = nil, &block)
      ArrayShare.with_closing(Core.ash_segment_view(self, name), &block)
    end
    alias view []

    # The names of the arrays, in creation order (re-read on every call:
    # other processes may add arrays).
    def arrays
      Array.new(Core.ash_segment_array_count(self)) do |i|
        Core.ash_segment_array_name(self, i)
      end
    end

    def key?(name)
      arrays.include?(name.to_s)
    end
    alias include? key?

    # Yields (name, view) for every array; each view is closed afterwards.
    def each_array
      return enum_for(:each_array) unless block_given?

      arrays.each { |n| self[n] { |v| yield n, v } }
      self
    end

    # The attach table now (one snapshot): an Array of Attacher(pid, alive).
    def attachers
      list = Core.ash_segment_attacher_list(self)
      Array.new(Core.ash_list_count(list)) do |i|
        Attacher.new(Core.ash_list_value(list, i), Core.ash_list_flag(list, i) == 1)
      end
    ensure
      Core.ash_list_free(list) if list
    end

    # [alive, dead] counts of the attach table.
    def attacher_counts
      Core.ash_segment_attachers(self)
    end

    # One library call each: name, size (mapped bytes, header included),
    # arena_free (bytes not yet given to arrays), creator_pid, format_minor.
    %i[name size arena_free creator_pid format_minor].each do |meth|
      core_fn = :"ash_segment_#{meth}"
      define_method(meth) { Core.send(core_fn, self) }
    end

    # :auto or :persist.
    def policy
      Core.ash_segment_policy(self) == Core::ASH_POLICY_PERSIST ? :persist : :auto
    end

    def persist?
      policy == :persist
    end

    def readonly?
      Core.ash_segment_readonly(self) == 1
    end

    # Creation time.
    def ctime
      ns = Core.ash_segment_ctime(self)
      Time.at(ns / 1_000_000_000, ns % 1_000_000_000, :nsec)
    end

    # Removes the segment's name (if it still names this segment). Returns
    # self; processes that have it mapped keep using it.
    def unlink
      Core.ash_segment_unlink(self)
      self
    end

    def inspect
      return "#<#{self.class} (closed)>" if closed?

      "#<#{self.class} #{name} #{policy} size=#{size} arrays=#{arrays.inspect}>"
    end
    alias to_s inspect
  end
end
