# SPDX-License-Identifier: MIT
# frozen_string_literal: true

module ArrayShare
  # Coordination in the segment (docs/ruby.md, "Coordination"): the
  # array's robust lock, versions, waits, element atomics and rings.
  #
  #   v.synchronize(timeout: 1) { v[0] += 1 }     # threads and processes
  #   v.atomic_add(0, 1)                          # lock-free
  #   v.writing { v.write(frame) }                # a new version
  #   version = v.wait_change(version, timeout: 5)
  #
  # Every blocking call releases the GVL and can be interrupted
  # (Thread#raise, Ctrl-C) within 0.1 s.

  # Raised when the lock's previous owner died holding it. This thread
  # holds the lock (#lock): repair the data, then lock.consistent! and
  # lock.unlock (without consistent! it becomes unrecoverable).
  class OwnerDead
    attr_accessor :lock
  end

  # A lock held by this thread (View#lock, Segment#lock).
  class Lock
    def initialize(handle, unlock, consistent)
      @handle = handle
      @unlock = unlock
      @consistent = consistent
      @held = true
    end

    def held?
      @held
    end

    # Releases it (ArrayShare::NotOwner when this thread does not hold it).
    def unlock
      Core.send(@unlock, @handle)
      @held = false
      nil
    end

    # Marks the data consistent after OwnerDead.
    def consistent!
      Core.send(@consistent, @handle)
      nil
    end

    # Takes a lock through Core.+lock_fn+; with +repair+ (a callable) an
    # owner's death is repaired and marked consistent, else OwnerDead is
    # raised with #lock set.
    def self.acquire(handle, lock_fn, prefix, repair)
      lk = new(handle, :"ash_#{prefix}_unlock", :"ash_#{prefix}_consistent")
      begin
        lock_fn.call
      rescue OwnerDead => e
        unless repair
          e.lock = lk
          raise
        end
        begin
          repair.call
        rescue Exception # rubocop:disable Lint/RescueException
          lk.unlock
          raise
        end
        lk.consistent!
      end
      lk
    end

    # nil for "no limit", else seconds (negative waits are refused).
    def self.seconds(timeout)
      return -1.0 if timeout.nil?

      t = Float(timeout)
      raise ArgumentError, "timeout must be a number of seconds or nil" if t.nan?

      [t, 0.0].max
    end
  end

  # The lock, shared by View and Segment: #lock, #try_lock, #synchronize,
  # #unlock, #consistent!, #lock_state.
  module Lockable
    # Takes the lock (waiting up to +timeout+ seconds, nil: no limit) and
    # returns an ArrayShare::Lock; with a block, runs it holding the lock
    # (#synchronize). ArrayShare::TimeoutError, Deadlock (this thread holds
    # it), OwnerDead (see there; or pass repair: -> { ... }),
    # NotRecoverable.
    def lock(timeout: nil, repair: nil, &block)
      return synchronize(timeout: timeout, repair: repair, &block) if block

      t = Lock.seconds(timeout)
      Lock.acquire(lock_handle, -> { Core.send(:"ash_#{lock_prefix}_lock", lock_handle, t) },
                   lock_prefix, repair)
    end

    # #lock without waiting: an ArrayShare::Lock, or nil when held.
    def try_lock(repair: nil)
      Lock.acquire(lock_handle, -> { Core.send(:"ash_#{lock_prefix}_trylock", lock_handle) },
                   lock_prefix, repair)
    rescue TimeoutError
      nil
    end

    # Runs the block holding the lock; releases it however the block ends.
    def synchronize(timeout: nil, repair: nil)
      lk = lock(timeout: timeout, repair: repair)
      begin
        yield
      ensure
        lk.unlock if lk.held?
      end
    end

    def unlock
      Core.send(:"ash_#{lock_prefix}_unlock", lock_handle)
    end

    def consistent!
      Core.send(:"ash_#{lock_prefix}_consistent", lock_handle)
    end

    # [state, pid]: :free, :held, :owner_dead, :abandoned, :inconsistent or
    # :not_recoverable, and the holder's pid (0: none or unknown).
    def lock_state
      st, pid = Core.send(:"ash_#{lock_prefix}_lock_state", lock_handle)
      [Core.ash_lock_state_name(st).to_sym, pid]
    end
  end

  class View
    include Lockable

    # The number of completed writes of the array (a ring: slots published).
    def version
      Core.ash_view_version(self)
    end

    # A write of the whole array: takes the lock (unless held), marks it as
    # being written, yields, then publishes the next version and wakes the
    # waiters (also when the block raises). Yields true when the previous
    # writer died in the middle (this write republishes the array).
    def writing(timeout: nil)
      died = false
      begin
        Core.ash_view_write_begin(self, Lock.seconds(timeout))
      rescue OwnerDead
        died = true
      end
      begin
        yield died
      ensure
        Core.ash_view_write_end(self)
      end
    end

    # [version, bytes]: a copy (packed C order, a binary String) that is
    # one version, taken without locking. ArrayShare::Torn when the writer
    # died mid-write.
    def snapshot(timeout: nil)
      data, version = Core.ash_view_read_snapshot(self, nbytes, Lock.seconds(timeout))
      [version, data]
    end

    # Waits (without the GVL) until the version differs from +version+;
    # the version then, or nil at the timeout.
    def wait_change(version, timeout: nil)
      Core.ash_view_wait_change(self, version, Lock.seconds(timeout))
    rescue TimeoutError
      nil
    end

    # Publishes a new version without a write (after atomics or raw
    # writes) and wakes the waiters (all, or one); how many woke.
    def notify(all: true)
      Core.ash_view_notify(self, all ? 1 : 0)
    end

    # Element atomics on integer dtypes, sequentially consistent; +index+
    # is a flat Integer or an Array (multi-index). Each returns the old
    # value (atomic_load: the value; atomic_cas: stored if it == expected).
    ATOMIC_OPS = { add: Core::ASH_ATOMIC_ADD, sub: Core::ASH_ATOMIC_SUB,
                   and: Core::ASH_ATOMIC_AND, or: Core::ASH_ATOMIC_OR,
                   xor: Core::ASH_ATOMIC_XOR, exchange: Core::ASH_ATOMIC_EXCHANGE,
                   store: Core::ASH_ATOMIC_STORE, load: Core::ASH_ATOMIC_LOAD }.freeze

    def atomic_load(index)
      atomic(Core::ASH_ATOMIC_LOAD, index)
    end

    def atomic_store(index, value)
      atomic(Core::ASH_ATOMIC_STORE, index, value)
    end

    def atomic_exchange(index, value)
      atomic(Core::ASH_ATOMIC_EXCHANGE, index, value)
    end

    def atomic_cas(index, expected, value)
      atomic(Core::ASH_ATOMIC_CAS, index, value, expected)
    end

    %i[add sub and or xor].each do |name|
      op = ATOMIC_OPS.fetch(name)
      define_method(:"atomic_#{name}") { |index, value = 1| atomic(op, index, value) }
    end

    # Many atomic operations in one call (:add, :sub, :and, :or, :xor,
    # :exchange, :store, :load) at flat indices, one value for all or one
    # per index; everything is checked first. The old values.
    def atomic_many(op, indices, values = 1)
      code = ATOMIC_OPS.fetch(op) { raise ArgumentError, "unknown atomic op #{op.inspect}" }
      vals = op == :load ? [] : Array(values)
      Core.ash_view_atomic_vec(self, code, indices, vals)
    end

    private

    def lock_handle
      self
    end

    def lock_prefix
      "view"
    end

    def atomic(op, index, value = 0, expected = 0)
      idx = index.is_a?(Array) ? index : [index]
      if dtype == "uint64"
        Core.ash_view_atomic_u64(self, op, idx, value, expected)
      else
        Core.ash_view_atomic_i64(self, op, idx, value, expected)
      end
    end
  end

  class Segment
    include Lockable

    private

    def lock_handle
      self
    end

    def lock_prefix
      "segment"
    end
  end

  module_function

  # Waits until one of several arrays changes: +pairs+ is an Array of
  # [view, version]. The index of one that changed, or nil at the timeout.
  def wait_any(pairs, timeout: nil)
    Core.ash_view_wait_any(pairs.map(&:first), pairs.map(&:last), Lock.seconds(timeout))
  rescue TimeoutError
    nil
  end

  # A ring of arrays: one producer, many consumers (see docs/ruby.md).
  #
  #   ArrayShare::Ring.create("cam", "frames", [480, 640], :uint8, 8) do |r|
  #     r.write(frame_bytes)
  #   end
  #   ArrayShare::Ring.attach("cam/frames", consumer: true) do |r|
  #     seq, bytes = r.read(timeout: 1)
  #   end
  class Ring
    attr_reader :handle

    # Adds ring +name+ to +segment+ (an ArrayShare::Segment, or a name for
    # a new segment holding just this ring). Block form closes it.
    def self.create(segment, name, slot_shape, dtype, nslots, backpressure: false,
                    consumer: false, persist: false, &block)
      code = ArrayShare.dtype_code(dtype)
      shape = ArrayShare.shape_list(slot_shape)
      flags = (backpressure ? Core::ASH_RING_BACKPRESSURE : 0) |
              (consumer ? Core::ASH_RING_CONSUMER : 0)
      own = !segment.is_a?(Segment)
      if own
        size = Core.ash_ring_arena_bytes(code, shape, nslots, 0)
        segment = Segment.create(segment, size: size, max_arrays: 1, persist: persist)
      end
      ring = begin
        new(Core.ash_ring_create(segment, name, code, shape, nslots, flags))
      ensure
        segment.close if own
      end
      ArrayShare.with_closing(ring, &block)
    end

    # Attaches "segment/name". consumer: register (back-pressure waits for
    # it); readonly: map it read-only.
    def self.attach(descriptor, consumer: false, readonly: false, &block)
      flags = (consumer ? Core::ASH_RING_CONSUMER : 0) | (readonly ? Core::ASH_RDONLY : 0)
      ArrayShare.with_closing(new(Core.ash_ring_attach(descriptor, flags)), &block)
    end

    def initialize(handle)
      @handle = handle
    end

    # Writes one slot from a String of #slot_nbytes bytes and publishes it.
    def write(bytes, timeout: nil)
      Core.ash_ring_write(@handle, bytes, Lock.seconds(timeout))
      self
    end

    # Yields the next slot as a writable View, then publishes it.
    def write_slot(timeout: nil)
      slot = Core.ash_ring_write_begin(@handle, Lock.seconds(timeout))
      begin
        yield slot
      ensure
        slot.close
        Core.ash_ring_write_end(@handle)
      end
    end

    # [seq, bytes] of the next slot for this handle, or nil at the timeout.
    def read(timeout: nil)
      data, seq = Core.ash_ring_read(@handle, slot_nbytes, Lock.seconds(timeout))
      [seq, data]
    rescue TimeoutError
      nil
    end

    # Zero-copy: yields (seq, read-only view of the slot); Overrun at the
    # end when the producer overwrote it meanwhile.
    def read_slot(timeout: nil)
      slot = Core.ash_ring_read_begin(@handle, Lock.seconds(timeout))
      begin
        yield cursor, slot
      ensure
        slot.close
        Core.ash_ring_read_end(@handle)
      end
    end

    %i[nslots slot_nbytes head cursor missed consumers producer].each do |name|
      define_method(name) { Core.send(:"ash_ring_#{name}", @handle) }
    end

    # The whole ring array (nslots, *slot_shape).
    def view(&block)
      ArrayShare.with_closing(Core.ash_ring_view(@handle), &block)
    end

    def close
      Core.ash_ring_close(@handle)
      nil
    end
  end
end
