"""arrayshare: typed N-dimensional arrays shared between processes.

A view is a typed, strided window on an array that lives in POSIX shared
memory. Any process (in Python, C, Ruby or Lua) can attach to it by name or by
a short descriptor string; pickling a view sends that descriptor, never the
data, so views can be handed to ``multiprocessing`` pools and
``concurrent.futures`` executors with every start method.

    >>> import arrayshare, numpy as np
    >>> v = arrayshare.create("frames", (480, 640), "uint8")
    >>> a = np.asarray(v)          # zero-copy, keeps the mapping alive
    >>> w = arrayshare.attach("frames")          # in any process
    >>> w[0, :10] = 255
    >>> arrayshare.unlink("frames")

The low-level module, one function per C function of arrayshare.h, is
``arrayshare.core`` (the SWIG-generated ``arrayshare.arrayshare_core``).
See docs/python.md for the guide.
"""

from __future__ import annotations

import atexit
import collections
import operator
import os
import sys
import threading

from . import arrayshare_core as _core
from .arrayshare_core import (  # noqa: F401  (re-exported)
    AxisError,
    BusyError,
    ClosedError,
    ContiguityError,
    ConversionError,
    CorruptError,
    DescriptorError,
    DtypeError,
    Error,
    ExistsError,
    FullError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    InvalidNameError,
    NoSpaceError,
    NotFoundError,
    OutOfMemoryError,
    PermissionDeniedError,
    ReadOnlyError,
    ShapeError,
    SizeOverflowError,
    SysError,
    TruncatedError,
    VersionError,
)

core = _core
"""The generated low-level module (``arrayshare.arrayshare_core``)."""

__version__ = _core.ash_version_string()

#: Error classes by the library's code name ("NOENT" -> NotFoundError, ...).
error_classes = dict(_core.error_classes)

#: dtype names, in the library's numbering (ASH_BOOL = 1 ... ASH_COMPLEX128).
DTYPES = tuple(_core.ash_dtype_name(i) for i in range(1, 15))

#: How many segments the per-process attach cache keeps (see clear_cache()).
CACHE_SIZE = 16

__all__ = [
    "View", "Segment", "create", "attach", "unlink", "ls", "gc",
    "clear_cache", "arena_bytes", "dtype_name", "core", "DTYPES",
    "CACHE_SIZE", "Error", "ClosedError", "error_classes",
] + sorted(c.__name__ for c in _core.error_classes.values())


# ---------------------------------------------------------------------------
# helpers

_np_state = {"tried": False, "mod": None}


def _numpy():
    """NumPy if it can be imported, else None (imported on first need)."""
    if not _np_state["tried"]:
        _np_state["tried"] = True
        try:
            import numpy
        except ImportError:
            numpy = None
        _np_state["mod"] = numpy
    return _np_state["mod"]


def _error(code, detail):
    return _core.make_error(code, detail)


_PY_DTYPES = {float: "float64", int: "int64", bool: "bool",
              complex: "complex128"}


def _dtype_spelling(dtype):
    """A dtype as a spelling the C library parses."""
    if isinstance(dtype, str):
        if "\0" in dtype:
            raise _error(_core.ASH_E_DTYPE, "dtype %r contains a NUL character"
                         % dtype)
        return dtype
    if isinstance(dtype, type) and dtype in _PY_DTYPES:
        return _PY_DTYPES[dtype]
    if dtype is None or isinstance(dtype, (bool, int, float, complex, bytes)):
        raise TypeError(
            "dtype must be a str such as 'float64', a Python type (float, int, "
            "bool, complex) or a NumPy dtype, not %r" % (dtype,))
    np = sys.modules.get("numpy")  # a NumPy object implies NumPy is loaded
    if np is not None:
        try:
            d = np.dtype(dtype)
        except TypeError as exc:
            raise _error(_core.ASH_E_DTYPE,
                         "dtype %r is not understood: %s" % (dtype, exc)) from None
        if d.names is not None or d.subdtype is not None:
            raise _error(_core.ASH_E_DTYPE,
                         "structured or subarray dtype %s is not supported" % d)
        return d.str
    raise TypeError("dtype must be a str such as 'float64' or a Python type, "
                    "not %s" % type(dtype).__name__)


def _dtype_code(dtype):
    return _core.ash_dtype_parse(_dtype_spelling(dtype))


def dtype_name(dtype) -> str:
    """The canonical NumPy name of a dtype given in any accepted spelling.

    ``dtype_name("<f8") == dtype_name(float) == "float64"``. Raises
    DtypeError for unknown or unsupported (e.g. big-endian) dtypes.
    """
    return _core.ash_dtype_name(_dtype_code(dtype))


def _shape(shape):
    """An int or a sequence of ints as a tuple."""
    if isinstance(shape, bool):
        raise TypeError("shape must be an int or a sequence of ints, not bool")
    if isinstance(shape, int):
        return (shape,)
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
        if hasattr(shape, "__index__"):
            return (operator.index(shape),)
        raise TypeError("shape must be an int or a sequence of ints, not %s"
                        % type(shape).__name__)
    out = []
    for s in shape:
        if isinstance(s, bool) or not hasattr(s, "__index__"):
            raise TypeError("shape entries must be ints, not %s"
                            % type(s).__name__)
        out.append(operator.index(s))
    return tuple(out)


def _location(name):
    """(name string, flags) for a segment name or an os.PathLike path."""
    if isinstance(name, os.PathLike):
        path = os.fspath(name)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        return path, _core.ASH_FILE
    if not isinstance(name, str):
        raise TypeError("a segment name must be a str (or an os.PathLike for "
                        "a file-backed segment), not %s" % type(name).__name__)
    return name, 0


# ---------------------------------------------------------------------------
# View

def _is_sequence(x):
    return (isinstance(x, (list, tuple)) or
            (hasattr(x, "__len__") and hasattr(x, "__getitem__") and
             not isinstance(x, (str, bytes, bytearray, dict))))


def _depth(x):
    d = 0
    while _is_sequence(x):
        d += 1
        if len(x) == 0:
            break
        x = x[0]
    return d


def _assign_nested(target, value):
    """target[...] = value for nested sequences, with NumPy broadcasting."""
    nd = target.ndim
    if nd == 0:
        if _is_sequence(value):
            if _depth(value) and len(value) == 1:
                return _assign_nested(target, value[0])
            raise _error(_core.ASH_E_SHAPE,
                         "cannot assign a sequence of length %d to one element"
                         % len(value))
        target[()] = value
        return
    if not _is_sequence(value):
        target.fill(value)
        return
    dim = target.shape[0]
    if _depth(value) < nd:  # broadcast along the leading axis
        for i in range(dim):
            _assign_nested(target[i], value)
        return
    n = len(value)
    if n != dim and n != 1:
        raise _error(_core.ASH_E_SHAPE,
                     "cannot assign a sequence of length %d to an axis of "
                     "length %d" % (n, dim))
    if nd == 1:
        for i in range(dim):
            x = value[i if n == dim else 0]
            if _is_sequence(x):
                if len(x) != 1:
                    raise _error(_core.ASH_E_SHAPE,
                                 "setting an element with a sequence")
                x = x[0]
            target[i] = x
        return
    for i in range(dim):
        _assign_nested(target[i], value[i if n == dim else 0])


def _exact_cast(np, src, dst):
    """Can NumPy copy dtype src into dst without losing anything?"""
    if src == dst:
        return True
    if not np.can_cast(src, dst, "safe"):
        return False
    # NumPy calls int64 -> float64 "safe"; the library's rules do not.
    return not (src.kind in "iu" and src.itemsize >= 8 and dst.kind in "fc")


class View(_core.ViewHandle):
    """A typed, strided view on a shared array (NumPy-like, zero-copy).

    Made by create(), attach(), Segment.add_array(), Segment[name] and by
    indexing other views; never instantiated directly.

    Indexing follows NumPy's basic indexing: ``v[i]`` (negative from the end)
    drops an axis, and on a 1-d view returns a Python scalar (float, int,
    bool or complex); ``v[i, j]``; slices with steps (also negative) and
    ``...`` give views, never copies. Assignment converts through the C
    library's rules (300 into uint8 raises ConversionError); ``v[...] = x``
    fills with a number or copies an array-like (broadcast like NumPy).

    Implements the buffer protocol (``memoryview(v)``, ``numpy.asarray(v)``:
    zero-copy, and the exported buffer keeps the memory mapped even after
    ``v.close()`` and the segment's close), ``__array_interface__`` and DLPack
    (``numpy.from_dlpack(v)``). Pickles as its descriptor. A context manager:
    ``with arrayshare.attach("x") as v: ...`` closes it.
    """

    __slots__ = ()

    # Properties implemented in C: shape, strides, ndim, size, dtype,
    # itemsize, nbytes, readonly, c_contiguous, f_contiguous, descriptor,
    # segment_name, array_name, offset, address, closed, T.

    @property
    def numpy_dtype(self):
        """The dtype as a numpy.dtype (needs NumPy)."""
        np = _numpy()
        if np is None:
            raise ImportError("numpy_dtype needs NumPy, which is not installed")
        return np.dtype(self.dtype)

    def view(self, dtype):
        """The same bytes read as another dtype (NumPy's ``a.view(dtype)``).

        With a different itemsize the last axis must be contiguous and is
        rescaled. Raises DtypeError, ContiguityError or ShapeError.
        """
        return super().view(_dtype_spelling(dtype))

    def copy(self):
        """A private copy of the elements: a writable numpy.ndarray when NumPy
        is installed, else nested lists (as tolist())."""
        np = _numpy()
        if np is None:
            return self.tolist()
        return np.array(self, copy=True)

    def segment(self):
        """A new Segment handle on the segment this view maps (close it)."""
        return Segment(_core.ash_view_segment(self))

    def __copy__(self):
        return self[...]

    def __deepcopy__(self, memo):
        return self.copy()

    def __reduce__(self):
        # The descriptor plus "gen=" (the segment's creation time) pins it to
        # this very segment: the receiver reuses a mapping it holds without
        # a system call, and refuses a segment re-created under the name.
        seg = _core.ash_view_segment(self)
        try:
            gen = _core.ash_segment_ctime(seg)
        finally:
            seg.close()
        desc = self.descriptor
        desc += ("&" if "?" in desc else "?") + "gen=%d" % gen
        return (_unpickle_view, (desc, _core.ash_view_segment_name(self), gen))

    def __repr__(self):
        if self.closed:
            return "View(<closed>)"
        head = "View(%s, %s, shape=%r)" % (self.descriptor, self.dtype,
                                           self.shape)
        return head + "\n" + _format_values(self)

    def __str__(self):
        if self.closed:
            return "View(<closed>)"
        return _format_values(self)

    @staticmethod
    def _assign_fallback(target, value):
        # Called by the C __setitem__ for values it does not handle itself:
        # sequences, arrays of another dtype or shape (broadcast).
        np = _numpy()
        if np is not None and not isinstance(value, (list, tuple)):
            arr = np.asarray(value)
            if arr.dtype.kind in "biufc":
                try:
                    arr = np.broadcast_to(arr, target.shape)
                except ValueError:
                    raise _error(_core.ASH_E_SHAPE,
                                 "cannot assign shape %s to a view of shape %s"
                                 % (arr.shape, target.shape)) from None
                dst = np.dtype(target.dtype)
                if _exact_cast(np, arr.dtype, dst):
                    np.asarray(target)[...] = arr
                else:  # element by element through the C conversion rules
                    for idx in np.ndindex(*target.shape):
                        target[idx] = arr[idx].item()
                return
            value = arr.tolist()
        elif not isinstance(value, (list, tuple)):
            try:
                value = memoryview(value).tolist()
            except (TypeError, NotImplementedError, ValueError):
                pass
        _assign_nested(target, value)


def _format_values(v):
    np = _numpy()
    if np is not None:
        try:
            arr = np.asarray(v)
        except ValueError:
            # A shape NumPy cannot represent: an empty view beside huge
            # dimensions, e.g. float64 (0, 2**62), whose byte count with the
            # 0 left out exceeds NumPy's limit ("array is too big").
            arr = None
        if arr is not None:
            return np.array2string(arr, separator=", ")
    return _format_plain(v)


def _fmt_scalar(x):
    if isinstance(x, float):
        r = repr(x)
        return r[:-1] if r.endswith(".0") else r  # NumPy style: "1."
    return repr(x)


def _format_plain(v, edge=3, threshold=1000):
    if v.size == 0 and v.ndim > 0:
        return "[]"  # as NumPy prints any empty array, whatever its shape
    summarize = v.size > threshold

    def rec(sub, depth):
        if sub.ndim == 0:
            return _fmt_scalar(sub[()])
        n = sub.shape[0]
        if summarize and n > 2 * edge:
            idx = list(range(edge)) + [None] + list(range(n - edge, n))
        else:
            idx = list(range(n))
        if sub.ndim == 1:
            parts = ["..." if i is None else _fmt_scalar(sub[i]) for i in idx]
            return "[" + ", ".join(parts) + "]"
        sep = ",\n" + "\n" * (sub.ndim - 2) + " " * (depth + 1)
        parts = ["..." if i is None else rec(sub[i], depth + 1) for i in idx]
        return "[" + sep.join(parts) + "]"

    return rec(v, 0)


# ---------------------------------------------------------------------------
# per-process attach cache (unpickled descriptors)

_cache = collections.OrderedDict()  # segment name -> (SegmentHandle, gen)
_cache_lock = threading.Lock()


def _same_segment(a, b):
    return (_core.ash_segment_ctime(a) == _core.ash_segment_ctime(b) and
            _core.ash_segment_creator_pid(a) == _core.ash_segment_creator_pid(b)
            and _core.ash_segment_size(a) == _core.ash_segment_size(b))


def _cache_keep(handle, name, gen):
    """Keeps the segment of view handle @handle (segment @name created at
    @gen) open in this process."""
    with _cache_lock:
        old = _cache.get(name)
        if old is not None and old[1] == gen and not old[0].closed:
            _cache.move_to_end(name)  # the same segment: nothing to do
            return
        _cache[name] = (_core.ash_view_segment(handle), gen)
        _cache.move_to_end(name)
        if old is not None:
            old[0].close()  # the name was re-created: drop the old one
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)[1][0].close()


def _unpickle_view(descriptor, name=None, gen=None):
    """Re-creates a pickled view from its descriptor (per-process cache)."""
    handle = _core.ash_attach(descriptor, 0)
    if name is not None:
        try:
            _cache_keep(handle, name, gen)
        except Error:
            pass  # caching is an optimisation only
    return View._adopt(handle)


def clear_cache() -> None:
    """Closes the segment handles this process keeps for unpickled views.

    Unpickling a view (e.g. in a Pool worker) keeps its segment open in a
    small per-process cache (the CACHE_SIZE most recent segments), so that
    many descriptors of one segment map it once. Such a process counts as an
    attacher of the segment until it exits or calls clear_cache(), which
    matters for "auto" segments (unlinked when their last attacher leaves).
    Views still alive keep working.
    """
    with _cache_lock:
        handles = [h for h, _ in _cache.values()]
        _cache.clear()
    for h in handles:
        h.close()


def _after_fork_in_child():
    global _cache_lock
    _cache_lock = threading.Lock()
    handles = [h for h, _ in _cache.values()]
    _cache.clear()
    # The parent's handles map the parent's attachment: drop them, so this
    # process attaches (and counts) on its own.
    for h in handles:
        h.close()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(clear_cache)


# ---------------------------------------------------------------------------
# one-call API

def create(name, shape, dtype, *, persist=False, mode=0o600) -> View:
    """Creates segment ``name`` holding one zero-filled array "data" and
    returns a view of it.

    shape: an int or a sequence of ints (0-d and empty arrays are allowed).
    dtype: 'float64', '<f8', 'd', float, numpy.float64, numpy.dtype(...), ...
    persist: False (policy "auto": the segment is unlinked when its last
    attacher closes) or True (it lives until unlink()).
    mode: permission bits, applied exactly.
    name: a segment name ([A-Za-z0-9_.-], stored as /dev/shm/ash.NAME) or an
    os.PathLike for a file-backed segment.

    Raises ExistsError, InvalidNameError, DtypeError, ShapeError,
    NoSpaceError, PermissionDeniedError, ...
    """
    nm, flags = _location(name)
    if persist:
        flags |= _core.ASH_PERSIST
    h = _core.ash_create(nm, _dtype_code(dtype), _shape(shape), flags,
                         operator.index(mode))
    return View._adopt(h)


def attach(name_or_descriptor, *, readonly=False) -> View:
    """Attaches to an existing array and returns a view.

    Accepts a segment name ("frames": its first array), a descriptor
    ("ash://frames/labels", a View.descriptor, "frames/labels[1:3, ::-1]")
    or an os.PathLike naming a file-backed segment. readonly=True maps it
    read-only. Raises NotFoundError, DescriptorError, PermissionDeniedError,
    ...
    """
    if isinstance(name_or_descriptor, os.PathLike):
        nm, flags = _location(name_or_descriptor)
    elif isinstance(name_or_descriptor, str):
        nm, flags = name_or_descriptor, 0
    else:
        raise TypeError("attach() takes a name or descriptor str (or an "
                        "os.PathLike), not %s"
                        % type(name_or_descriptor).__name__)
    if readonly:
        flags |= _core.ASH_RDONLY
    return View._adopt(_core.ash_attach(nm, flags))


def unlink(name) -> None:
    """Removes a segment's name (os.PathLike: the file). Processes that have
    it mapped keep using it. Raises NotFoundError, CorruptError (not an
    arrayshare segment: left alone), ..."""
    nm, flags = _location(name)
    _core.ash_unlink(nm, flags)


def ls() -> list:
    """Names of this library's segments in /dev/shm, sorted (a list of str)."""
    lst = _core.ash_list_segments()
    try:
        return [_core.ash_list_name(lst, i)
                for i in range(_core.ash_list_count(lst))]
    finally:
        lst.close()


def gc() -> int:
    """Reaps segments whose attachers all died ("auto" policy, or never
    finished); returns how many were unlinked."""
    return _core.ash_gc()


def arena_bytes(shape, dtype) -> int:
    """Arena bytes one array of this shape and dtype takes in a segment
    (alignment included): sum them for Segment.create(size=...)."""
    return _core.ash_arena_bytes_for(_dtype_code(dtype), _shape(shape), 0)


# ---------------------------------------------------------------------------
# Segment

def _open_segment(name, readonly, file):
    flags = (_core.ASH_RDONLY if readonly else 0) | (_core.ASH_FILE if file else 0)
    return Segment(_core.ash_segment_open(name, flags))


class Segment:
    """A segment holding several named arrays (an .npz in shared memory).

    Made by Segment.create() or Segment.open(). ``seg[name]`` and
    ``add_array()`` return views, which stay valid after the segment handle
    is closed. A context manager (closes the handle on exit; does not
    unlink). Iterating gives the array names.
    """

    __slots__ = ("_h", "__weakref__")

    def __init__(self, handle):
        """Wraps a low-level SegmentHandle (use create() or open())."""
        if not isinstance(handle, _core.SegmentHandle):
            raise TypeError("Segment() wraps a SegmentHandle; use "
                            "Segment.create() or Segment.open()")
        self._h = handle

    @classmethod
    def create(cls, name, *, arrays=None, size=None, capacity=None,
               persist=False, mode=0o600):
        """Creates a segment.

        arrays: None, a dict {name: (shape, dtype)} or an iterable of
        (name, shape, dtype); these arrays are created (zero-filled) now.
        size: extra arena bytes for arrays added later with add_array()
        (see arena_bytes()); capacity: the directory's capacity (maximum
        number of arrays, fixed for the segment's life; default: the number
        of ``arrays``, or that plus 64 when ``size`` is given).
        persist, mode, name: as for create(). At least one of arrays and
        size is needed.
        """
        if arrays is None:
            specs = []
        elif isinstance(arrays, dict):
            specs = [(k, s, d) for k, (s, d) in arrays.items()]
        else:
            specs = [tuple(a) for a in arrays]
        if not specs and size is None:
            raise TypeError("Segment.create() needs arrays=... or size=...")
        prepared = []
        total = 0
        for spec in specs:
            if len(spec) != 3:
                raise TypeError("arrays entries are (name, shape, dtype)")
            aname, shape, dtype = spec
            code, shp = _dtype_code(dtype), _shape(shape)
            total = _core.ash_arena_bytes_for(code, shp, total)
            prepared.append((aname, shp, code))
        if size is not None:
            total += operator.index(size)
        if capacity is None:
            capacity = len(prepared) + (64 if size is not None else 0)
        nm, flags = _location(name)
        if persist:
            flags |= _core.ASH_PERSIST
        h = _core.ash_segment_create(nm, total, max(1, operator.index(capacity)),
                                     flags, operator.index(mode))
        try:
            for aname, shp, code in prepared:
                _core.ash_view_release(
                    _core.ash_segment_add_array(h, aname, code, shp))
        except BaseException:
            try:
                _core.ash_segment_unlink(h)
            finally:
                h.close()
            raise
        return cls(h)

    @classmethod
    def open(cls, name, *, readonly=False):
        """Opens an existing segment (attaches). readonly=True maps its
        arrays read-only. Raises NotFoundError, PermissionDeniedError,
        CorruptError, VersionError, ..."""
        nm, flags = _location(name)
        if readonly:
            flags |= _core.ASH_RDONLY
        return cls(_core.ash_segment_open(nm, flags))

    @property
    def handle(self):
        """The low-level SegmentHandle."""
        return self._h

    def add_array(self, name, shape, dtype) -> View:
        """Adds a zero-filled array; returns a view of it. Raises
        ExistsError, FullError, InvalidNameError, ReadOnlyError, ..."""
        return View._adopt(_core.ash_segment_add_array(
            self._h, name, _dtype_code(dtype), _shape(shape)))

    def __getitem__(self, name) -> View:
        """A view of the whole array ``name`` (NotFoundError if missing)."""
        if not isinstance(name, str):
            raise TypeError("array names are str, not %s" % type(name).__name__)
        return View._adopt(_core.ash_segment_view(self._h, name))

    def get(self, name, default=None):
        """seg[name], or ``default`` when there is no such array."""
        try:
            return self[name]
        except NotFoundError:
            return default

    @property
    def arrays(self) -> list:
        """Names of the arrays, in creation order (re-read on every call)."""
        h = self._h
        return [_core.ash_segment_array_name(h, i)
                for i in range(_core.ash_segment_array_count(h))]

    def keys(self) -> list:
        """Same as ``arrays``."""
        return self.arrays

    def __iter__(self):
        return iter(self.arrays)

    def __len__(self):
        return _core.ash_segment_array_count(self._h)

    def __contains__(self, name):
        return name in self.arrays

    @property
    def name(self) -> str:
        """The segment's name (or absolute path for file-backed ones)."""
        return _core.ash_segment_name(self._h)

    @property
    def size(self) -> int:
        """Mapped size in bytes, header included."""
        return _core.ash_segment_size(self._h)

    @property
    def arena_free(self) -> int:
        """Arena bytes not yet given to arrays."""
        return _core.ash_segment_arena_free(self._h)

    @property
    def policy(self) -> str:
        """Lifetime policy: "auto" or "persist"."""
        p = _core.ash_segment_policy(self._h)
        return "persist" if p == _core.ASH_POLICY_PERSIST else "auto"

    @property
    def readonly(self) -> bool:
        """True when opened read-only."""
        return bool(_core.ash_segment_readonly(self._h))

    @property
    def creator_pid(self) -> int:
        """pid of the process that created the segment."""
        return _core.ash_segment_creator_pid(self._h)

    @property
    def ctime(self) -> int:
        """Creation time, nanoseconds since the Unix epoch."""
        return _core.ash_segment_ctime(self._h)

    @property
    def format_minor(self) -> int:
        """The segment's on-memory format minor version."""
        return _core.ash_segment_format_minor(self._h)

    @property
    def attachers(self) -> tuple:
        """(alive, dead): attach-table entries whose process runs / died."""
        return _core.ash_segment_attachers(self._h)

    def attacher_list(self) -> list:
        """[(pid, alive), ...] for every attach-table entry."""
        alive, dead = _core.ash_segment_attachers(self._h)
        out = []
        for i in range(alive + dead):
            try:
                out.append(_core.ash_segment_attacher(self._h, i))
            except IndexOutOfRangeError:  # the table changed meanwhile
                break
        return out

    @property
    def closed(self) -> bool:
        """True once close() was called."""
        return self._h.closed

    def close(self) -> None:
        """Closes this handle (idempotent). Views stay valid; when the last
        handle and view of this process go, it detaches (policy "auto": and
        the segment is unlinked if that was its last attacher)."""
        self._h.close()

    def unlink(self) -> None:
        """Removes the segment's name, if it still refers to this segment."""
        _core.ash_segment_unlink(self._h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __reduce__(self):
        return (_open_segment, (self.name, self.readonly,
                                os.path.isabs(self.name)))

    def __repr__(self):
        if self._h.closed:
            return "Segment(<closed>)"
        return "Segment(%r, arrays=%r, policy=%r, size=%d)" % (
            self.name, self.arrays, self.policy, self.size)
