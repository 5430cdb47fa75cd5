# SPDX-License-Identifier: MIT
"""Coordination in the segment: locks, versions, wait/notify, element
atomics and rings of arrays (docs/python.md, "Coordination").

The methods below are installed on View and Segment by install(); Ring,
wait_any and the error classes are re-exported by the package.

    with v.lock(timeout=1.0):          # the array's robust lock
        v[0] += 1
    v.atomic_add(0, 1)                 # lock-free, sequentially consistent
    with v.writing():                  # a new version; waiters wake
        v[...] = frame
    version = v.wait_change(version, timeout=5.0)   # without the GIL
    version, copy = v.snapshot()       # one version, never a mix

Every blocking call releases the GIL and can be interrupted (Ctrl-C)
within 0.1 s.
"""

from __future__ import annotations

import asyncio
import operator
import sys

from . import arrayshare_core as _core

TimeoutError = _core.TimeoutError  # noqa: A001 (also the built-in's subclass)
OwnerDeadError = _core.OwnerDeadError
NotRecoverableError = _core.NotRecoverableError
TornError = _core.TornError
DeadlockError = _core.DeadlockError
NotOwnerError = _core.NotOwnerError
OverrunError = _core.OverrunError

def _timeout(timeout):
    """None: no limit (-1 for the library); else seconds as a float."""
    if timeout is None:
        return -1.0
    t = float(timeout)
    if t != t:
        raise ValueError("timeout is NaN")
    return max(t, 0.0)


# ---------------------------------------------------------------------------
# locks


#: The lock of an array held by this thread (View.lock()): a context
#: manager; release(), consistent(), held. Written in C
#: (swig/python/ashpy_sync.c), as View.lock and the atomics are.
Lock = _core.Lock


class _SegmentLock:
    """The segment lock held by this thread (Segment.lock()): as Lock."""

    __slots__ = ("_h", "held")

    def __init__(self, handle):
        self._h, self.held = handle, True

    def release(self):
        """Releases the lock (NotOwnerError if this thread does not hold
        it)."""
        _core.ash_segment_unlock(self._h)
        self.held = False

    def consistent(self):
        """Marks the data consistent again after OwnerDeadError."""
        _core.ash_segment_consistent(self._h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.held:
            self.release()

    def __repr__(self):
        return "<arrayshare.SegmentLock %s>" % (
            "held" if self.held else "released")


def _segment_acquire(handle, lock_fn, timeout, repair):
    lk = _SegmentLock(handle)
    try:
        lock_fn(handle, _timeout(timeout))
    except OwnerDeadError as e:
        if repair is None:
            e.lock = lk  # held: repair, lk.consistent(), lk.release()
            raise
        try:
            repair()
        except BaseException:
            lk.release()  # not consistent: the lock becomes unrecoverable
            raise
        lk.consistent()
    return lk


def _state(pair):
    st, pid = pair
    return _core.ash_lock_state_name(st), pid


def view_try_lock(self, *, repair=None):
    """lock() without waiting: a Lock, or None when another thread holds
    it."""
    try:
        return self.lock(0, repair)
    except TimeoutError:
        return None


def view_unlock(self):
    """Releases the lock this thread holds (what Lock.release() does)."""
    _core.ash_view_unlock(self)


def view_consistent(self):
    """Marks the data consistent after OwnerDeadError."""
    _core.ash_view_consistent(self)


def view_lock_state(self):
    """(state, pid): "free", "held", "owner_dead", "abandoned",
    "inconsistent" or "not_recoverable", and the holder's pid (0: none or
    unknown)."""
    return _state(_core.ash_view_lock_state(self))


def segment_lock(self, timeout=None, *, repair=None):
    """The whole-segment lock, for updates that span several arrays (as
    View.lock; independent of the arrays' locks)."""
    return _segment_acquire(self._h, _core.ash_segment_lock, timeout, repair)


def segment_try_lock(self, *, repair=None):
    """Segment.lock() without waiting: a lock object or None."""
    try:
        return _segment_acquire(self._h,
                                lambda h, t: _core.ash_segment_trylock(h), 0,
                                repair)
    except TimeoutError:
        return None


def segment_unlock(self):
    """Releases the segment lock this thread holds."""
    _core.ash_segment_unlock(self._h)


def segment_consistent(self):
    """Marks the segment consistent after OwnerDeadError."""
    _core.ash_segment_consistent(self._h)


def segment_lock_state(self):
    """(state, pid) of the segment lock (see View.lock_state)."""
    return _state(_core.ash_segment_lock_state(self._h))


# ---------------------------------------------------------------------------
# versions


class _Write:
    """The context of View.writing(): ``owner_died`` is True when the last
    writer died in the middle (this write republishes the whole array)."""

    __slots__ = ("_v", "owner_died")

    def __init__(self, v, timeout):
        self._v, self.owner_died = v, False
        try:
            _core.ash_view_write_begin(v, _timeout(timeout))
        except OwnerDeadError:
            self.owner_died = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _core.ash_view_write_end(self._v)


def view_writing(self, timeout=None):
    """A write of the whole array, as a context manager:
    ``with v.writing(): v[...] = data``. Takes the lock (unless this thread
    holds it), marks the array as being written (snapshots wait for the
    end; if this process dies meanwhile readers get TornError), and on
    exit publishes the next version and wakes the waiters. The block's
    writes are published even if it raises. The context's ``owner_died``
    says that the previous writer died mid-write."""
    return _Write(self, timeout)


def view_version(self):
    """Completed writes of the array (a ring: slots published)."""
    return _core.ash_view_version(self)


def _as_array(v, data):
    np = sys.modules.get("numpy")
    if np is None:
        return data
    return np.frombuffer(data, dtype=np.dtype(v.dtype)).reshape(v.shape)


def view_snapshot(self, timeout=None):
    """(version, copy): a copy of the elements that is one version, taken
    without locking (a write that overlapped it is retried; a write in
    progress is waited for up to ``timeout``). The copy is a read-only
    numpy.ndarray when NumPy is loaded, else bytes (C order). TornError:
    the writer died in the middle of a write."""
    data, version = _core.ash_view_read_snapshot(self, self.nbytes,
                                                 _timeout(timeout))
    return version, _as_array(self, data)


def view_wait_change(self, version, timeout=None):
    """Waits, without the GIL, until the array's version differs from
    ``version``; returns the version then, or None when ``timeout``
    seconds pass first. TornError: its writer died mid-write."""
    try:
        return _core.ash_view_wait_change(self, operator.index(version),
                                          _timeout(timeout))
    except TimeoutError:
        return None


async def view_wait_change_async(self, version, timeout=None):
    """wait_change() for asyncio: awaits in a worker thread, in slices of
    at most 0.25 s so that cancelling the task takes effect promptly."""
    loop = asyncio.get_running_loop()
    end = None if timeout is None else loop.time() + float(timeout)
    while True:
        left = 0.25 if end is None else min(0.25, max(0.0, end - loop.time()))
        got = await loop.run_in_executor(None, view_wait_change, self,
                                         version, left)
        if got is not None or (end is not None and loop.time() >= end):
            return got


def view_notify(self, all=True):  # noqa: A002 (the C parameter's name)
    """Publishes a new version without a write (after changing elements
    with atomics or through NumPy) and wakes the waiters: all of them, or
    one with ``all=False``. Returns how many sleeping waiters woke."""
    return _core.ash_view_notify(self, 1 if all else 0)


def wait_any(pairs, timeout=None):
    """Waits until one of several arrays changes: ``pairs`` is a sequence
    of (view, version). Returns the index of one whose version differs, or
    None at the timeout. Without the GIL; futex_waitv on Linux 5.16+."""
    pairs = list(pairs)
    views = [p[0] for p in pairs]
    versions = [operator.index(p[1]) for p in pairs]
    try:
        return _core.ash_view_wait_any(views, versions, _timeout(timeout))
    except TimeoutError:
        return None


# ---------------------------------------------------------------------------
# element atomics


_OPS = {"load": _core.ASH_ATOMIC_LOAD, "store": _core.ASH_ATOMIC_STORE,
        "exchange": _core.ASH_ATOMIC_EXCHANGE, "add": _core.ASH_ATOMIC_ADD,
        "sub": _core.ASH_ATOMIC_SUB, "and": _core.ASH_ATOMIC_AND,
        "or": _core.ASH_ATOMIC_OR, "xor": _core.ASH_ATOMIC_XOR}


def view_atomic_many(self, op, indices, values=1):
    """Many atomic operations in one call: ``op`` ("add", "sub", "and",
    "or", "xor", "exchange", "store", "load") on the elements at the flat
    ``indices``, with one value for all or one per index. Every index and
    value is checked before anything changes. Returns the old values."""
    if op not in _OPS:
        raise ValueError("op must be one of %s, not %r" % (sorted(_OPS), op))
    idx = [operator.index(i) for i in indices]
    if op == "load":
        vals = []
    elif isinstance(values, int) or hasattr(values, "__index__"):
        vals = [operator.index(values)]
    else:
        vals = [operator.index(x) for x in values]
    return _core.ash_view_atomic_vec(self, _OPS[op], idx, vals)


def view_atomic_add_many(self, indices, values=1):
    """atomic_many("add", indices, values): e.g. a histogram's counts."""
    return view_atomic_many(self, "add", indices, values)


# ---------------------------------------------------------------------------
# rings


class Ring:
    """A ring of arrays in a segment: one producer, many consumers.

    Made by Ring.create() or Ring.attach(). The producer writes slots with
    write(data) or ``with r.write_slot() as slot: slot[...] = ...``; each
    consumer reads the next slot with read() (a copy) or
    ``with r.read_slot() as (seq, view): ...`` (zero-copy, checked at the
    end: OverrunError if it was overwritten meanwhile). Slots that a
    consumer was too slow for are skipped and counted (``missed``); a slot
    is never torn. With ``backpressure=True`` the producer waits for the
    registered consumers (``consumer=True``) instead. The ring's array is
    ``view``: its version is the number of slots published, so
    View.wait_change and wait_any work on it.
    """

    __slots__ = ("_h", "_np_slot", "__weakref__")

    def __init__(self, handle):
        """Wraps a low-level RingHandle (use create() or attach())."""
        self._h = handle
        self._np_slot = None  # (dtype, slot shape) for read()

    @classmethod
    def create(cls, segment, name, slot_shape, dtype, nslots, *,
               backpressure=False, consumer=False, persist=False, mode=0o600):
        """Adds ring ``name`` (``nslots`` slots of ``slot_shape`` and
        ``dtype``) to ``segment``: a Segment, or a segment name for a new
        segment holding just this ring (policy "auto" unless persist)."""
        from . import Segment, _dtype_code, _shape
        code, shape = _dtype_code(dtype), _shape(slot_shape)
        flags = ((_core.ASH_RING_BACKPRESSURE if backpressure else 0) |
                 (_core.ASH_RING_CONSUMER if consumer else 0))
        own = not isinstance(segment, Segment)
        if own:
            size = _core.ash_ring_arena_bytes(code, shape, nslots, 0)
            segment = Segment.create(segment, size=size, capacity=1,
                                     persist=persist, mode=mode)
        try:
            return cls(_core.ash_ring_create(segment.handle, name, code, shape,
                                             nslots, flags))
        finally:
            if own:
                segment.close()

    @classmethod
    def attach(cls, descriptor, *, consumer=False, readonly=False):
        """Attaches ring "segment/name" (or "ash://segment/name").
        consumer=True registers this handle (back-pressure waits for it);
        readonly=True maps it read-only (it can read, not write)."""
        flags = ((_core.ASH_RING_CONSUMER if consumer else 0) |
                 (_core.ASH_RDONLY if readonly else 0))
        return cls(_core.ash_ring_attach(descriptor, flags))

    def write(self, data, timeout=None):
        """Writes one slot from ``data`` (any buffer of the slot's size:
        bytes, a NumPy array of the slot's dtype and shape) and publishes
        it. TimeoutError: back-pressure held it longer than ``timeout``."""
        _core.ash_ring_write(self._h, data, _timeout(timeout))

    def write_slot(self, timeout=None):
        """The next slot as a writable View, published when the ``with``
        block ends: ``with r.write_slot() as s: s[...] = frame``."""
        return _RingSlot(self, timeout, False)

    def read(self, timeout=None):
        """(seq, copy) of the next slot for this handle, or None when
        nothing is published within ``timeout``. The copy is a NumPy array
        of the slot's shape when NumPy is loaded, else bytes."""
        try:
            data, seq = _core.ash_ring_read(self._h, self.slot_nbytes,
                                            _timeout(timeout))
        except TimeoutError:
            return None
        np = sys.modules.get("numpy")
        if np is not None:
            if self._np_slot is None:
                with self.view as v:
                    self._np_slot = (np.dtype(v.dtype), tuple(v.shape[1:]))
            dt, shape = self._np_slot
            data = np.frombuffer(data, dtype=dt).reshape(shape)
        return seq, data

    def read_slot(self, timeout=None):
        """Zero-copy: ``with r.read_slot() as (seq, view): ...`` gives a
        read-only view of the next slot; OverrunError at the end of the
        block if the producer overwrote it meanwhile (what was read is then
        not valid). TimeoutError when nothing comes."""
        return _RingSlot(self, timeout, True)

    nslots = property(lambda self: _core.ash_ring_nslots(self._h),
                      doc="The number of slots.")
    slot_nbytes = property(lambda self: _core.ash_ring_slot_nbytes(self._h),
                           doc="The bytes of one slot.")
    head = property(lambda self: _core.ash_ring_head(self._h),
                    doc="Slots published so far.")
    cursor = property(lambda self: _core.ash_ring_cursor(self._h),
                      doc="The sequence number this handle reads next.")
    missed = property(lambda self: _core.ash_ring_missed(self._h),
                      doc="Slots this handle skipped (overwritten first).")
    consumers = property(lambda self: _core.ash_ring_consumers(self._h),
                         doc="Registered consumers that live.")
    producer = property(lambda self: _core.ash_ring_producer(self._h),
                        doc="(pid, alive) of the producer (pid 0: none).")

    @property
    def view(self):
        """The whole ring array (nslots, *slot_shape) as a View."""
        from . import View
        return View._adopt(_core.ash_ring_view(self._h))

    def close(self):
        """Gives up the producer role or the consumer registration."""
        _core.ash_ring_close(self._h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __iter__(self):
        """Yields (seq, copy) for every slot, waiting without limit."""
        while True:
            yield self.read()

    def __repr__(self):
        return "<arrayshare.Ring %d slots, head %d>" % (self.nslots, self.head)


class _RingSlot:
    """The context of Ring.write_slot() (``read=False``: yields the slot's
    writable view, publishes it at the end) and Ring.read_slot() (yields
    (seq, read-only view), checks it at the end)."""

    __slots__ = ("_h", "_timeout", "_read", "_slot")

    def __init__(self, r, timeout, read):
        self._h, self._timeout, self._read, self._slot = r._h, timeout, read, None

    def __enter__(self):
        from . import View
        begin = _core.ash_ring_read_begin if self._read else \
            _core.ash_ring_write_begin
        self._slot = View._adopt(begin(self._h, _timeout(self._timeout)))
        if self._read:
            return _core.ash_ring_cursor(self._h), self._slot
        return self._slot

    def __exit__(self, *exc):
        self._slot.close()
        (_core.ash_ring_read_end if self._read else
         _core.ash_ring_write_end)(self._h)


# ---------------------------------------------------------------------------

_VIEW_METHODS = {
    "try_lock": view_try_lock, "unlock": view_unlock,
    "consistent": view_consistent, "writing": view_writing,
    "snapshot": view_snapshot, "wait_change": view_wait_change,
    "wait_change_async": view_wait_change_async, "notify": view_notify,
    "atomic_many": view_atomic_many, "atomic_add_many": view_atomic_add_many,
}
#: Written in C (swig/python/ashpy_sync.c): one C call each.
_VIEW_C_METHODS = ("lock", "atomic_load", "atomic_store", "atomic_exchange",
                   "atomic_cas", "atomic_add", "atomic_sub", "atomic_and",
                   "atomic_or", "atomic_xor")
_SEGMENT_METHODS = {
    "lock": segment_lock, "try_lock": segment_try_lock,
    "unlock": segment_unlock, "consistent": segment_consistent,
}


def install(view_cls, segment_cls):
    """Adds the coordination methods to View and Segment."""
    for name, fn in _VIEW_METHODS.items():
        setattr(view_cls, name, fn)
    for name in _VIEW_C_METHODS:
        setattr(view_cls, name, getattr(_core, "ViewHandle_" + name))
    view_cls.version = property(view_version, doc=view_version.__doc__)
    view_cls.lock_state = property(view_lock_state,
                                   doc=view_lock_state.__doc__)
    for name, fn in _SEGMENT_METHODS.items():
        setattr(segment_cls, name, fn)
    segment_cls.lock_state = property(segment_lock_state,
                                      doc=segment_lock_state.__doc__)
