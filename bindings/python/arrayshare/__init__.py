# SPDX-License-Identifier: MIT
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

import operator as _operator
import os as _os
import sys as _sys
from importlib.util import find_spec as _find_spec

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
    LibraryError,
    NoSpaceError,
    NotFoundError,
    OutOfMemoryError,
    OverlapError,
    PermissionDeniedError,
    ReadOnlyError,
    ShapeError,
    SignatureError,
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

from ._kernel import Kernel, kernel, max_threads  # noqa: E402

__all__ = [
    "View", "Segment", "DType", "create", "attach", "unlink", "exists", "ls",
    "gc", "view_of", "Kernel", "kernel", "max_threads",
    "clear_cache", "arena_bytes", "dtype_name", "core", "DTYPES",
    "Error", "ClosedError", "error_classes",
] + sorted(c.__name__ for c in _core.error_classes.values())
# arrayshare.ndarray needs NumPy (imported when first used): listed when
# NumPy is installed, so that "from arrayshare import *" works without it.
if _find_spec("numpy") is not None:
    __all__.insert(1, "ndarray")


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
    np = _sys.modules.get("numpy")  # a NumPy object implies NumPy is loaded
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


_DTYPE_CODES = {}  # dtype argument -> code, for the spellings used


def _dtype_code(dtype):
    try:
        return _DTYPE_CODES[dtype]
    except (KeyError, TypeError):  # new, or unhashable
        pass
    code = _core.ash_dtype_parse(_dtype_spelling(dtype))
    if isinstance(dtype, (str, type)) and len(_DTYPE_CODES) < 256:
        _DTYPE_CODES[dtype] = code  # (a NumPy dtype is not a str or type)
    return code


def dtype_name(dtype) -> str:
    """The canonical NumPy name of a dtype given in any accepted spelling.

    ``dtype_name("<f8") == dtype_name(float) == "float64"``. Raises
    DtypeError for unknown or unsupported (e.g. big-endian) dtypes.
    """
    return _core.ash_dtype_name(_dtype_code(dtype))


_KIND_CHARS = {_core.ASH_KIND_BOOL: "b", _core.ASH_KIND_INT: "i",
               _core.ASH_KIND_UINT: "u", _core.ASH_KIND_FLOAT: "f",
               _core.ASH_KIND_COMPLEX: "c"}


class DType(str):
    """A dtype: its canonical NumPy name (a ``str``, e.g. ``"float64"``)
    that compares equal to every spelling of the same dtype, NumPy's
    included: ``v.dtype == "float64" == "<f8" == float == numpy.float64 ==
    numpy.dtype("f8")``. ``View.dtype`` is one; so are the entries of
    ``DTYPES``. ``numpy.dtype(d)`` converts it.
    """

    __slots__ = ()

    def __new__(cls, dtype="float64"):
        return str.__new__(cls, dtype_name(dtype))

    def __eq__(self, other):
        if isinstance(other, str) and str.__eq__(self, other):
            return True
        try:
            return str.__eq__(self, dtype_name(other))
        except (Error, TypeError, ValueError):
            return False

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = str.__hash__

    def __repr__(self):
        return "dtype(%r)" % str(self)

    def __reduce__(self):
        return (DType, (str(self),))

    @property
    def name(self) -> str:
        """The canonical name, a plain str ("float64")."""
        return str(self)

    @property
    def code(self) -> int:
        """The library's number for it (core.ASH_FLOAT64, ...)."""
        return _core.ash_dtype_parse(str(self))

    @property
    def itemsize(self) -> int:
        """Bytes per element."""
        return _core.ash_dtype_itemsize(self.code)

    @property
    def kind(self) -> str:
        """NumPy's kind character: 'b', 'i', 'u', 'f' or 'c'."""
        return _KIND_CHARS[_core.ash_dtype_kind(self.code)]

    @property
    def str(self) -> str:
        """The array-interface type string, e.g. '<f8' (NumPy's dtype.str)."""
        return _core.ash_dtype_str(self.code)

    @property
    def numpy(self):
        """The numpy.dtype (needs NumPy)."""
        np = _numpy()
        if np is None:
            raise ImportError("DType.numpy needs NumPy, which is not installed")
        return np.dtype(self.str)


#: The dtypes, in the library's numbering (ASH_BOOL = 1 ... ASH_COMPLEX128).
DTYPES = tuple(DType(_core.ash_dtype_name(i)) for i in range(1, 15))
# View.dtype returns these objects (set in C: no Python call per access).
_core.set_dtype_objects((None,) + DTYPES)


def _shape(shape):
    """An int or a sequence of ints as a tuple."""
    if type(shape) is int:
        return (shape,)
    if type(shape) is tuple and all(type(s) is int for s in shape):
        return shape
    if isinstance(shape, bool):
        raise TypeError("shape must be an int or a sequence of ints, not bool")
    if isinstance(shape, int):
        return (shape,)
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
        if hasattr(shape, "__index__"):
            return (_operator.index(shape),)
        raise TypeError("shape must be an int or a sequence of ints, not %s"
                        % type(shape).__name__)
    out = []
    for s in shape:
        if isinstance(s, bool) or not hasattr(s, "__index__"):
            raise TypeError("shape entries must be ints, not %s"
                            % type(s).__name__)
        out.append(_operator.index(s))
    return tuple(out)


def _location(name, file=False):
    """(name string, flags) for a segment name, or a path: an os.PathLike,
    or a str with file=True."""
    if type(name) is str:
        return name, (_core.ASH_FILE if file else 0)
    if isinstance(name, _os.PathLike):
        path = _os.fspath(name)
        if isinstance(path, bytes):
            path = _os.fsdecode(path)
        return path, _core.ASH_FILE
    if not isinstance(name, str):
        raise TypeError("a segment name must be a str (or an os.PathLike for "
                        "a file-backed segment), not %s" % type(name).__name__)
    return name, (_core.ASH_FILE if file else 0)


def _create_flags(persist, or_open):
    """The ASH_* flags of create's options."""
    return ((_core.ASH_PERSIST if persist else 0) |
            (_core.ASH_OR_OPEN if or_open else 0))


def _open_adding(nm, flags, prepared):
    """or_open found the name taken: that segment (name and ASH_FILE as
    given), with the arrays it lacks."""
    h = _core.ash_segment_open(nm, flags & _core.ASH_FILE)
    try:
        have = {_core.ash_segment_array_name(h, i)
                for i in range(_core.ash_segment_array_count(h))}
        for aname, shp, code in prepared:
            if aname not in have:
                _core.ash_view_release(
                    _core.ash_segment_add_array(h, aname, code, shp))
    except BaseException:
        h.close()
        raise
    return h


def _open_flags(readonly, noattach):
    """The ASH_* flags of attach's and open's options."""
    return ((_core.ASH_RDONLY if readonly else 0) |
            (_core.ASH_NOATTACH if noattach else 0))


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


def _needs_numpy(what):
    """NumPy, or a TypeError saying that @what needs it."""
    np = _numpy()
    if np is None:
        raise TypeError("%s on an arrayshare View needs NumPy, which is not "
                        "installed: work on elements (v[i], v[i] = x), "
                        "v.tolist() or v.fill(x)" % what)
    return np


def _as_array(np, x):
    """numpy.asarray(x) for views (zero-copy), x itself otherwise."""
    return np.asarray(x) if isinstance(x, _core.ViewHandle) else x


def _out_arrays(np, out):
    """The ndarrays NumPy writes into for out= views (refused read-only)."""
    for o in out:
        if isinstance(o, _core.ViewHandle) and o.readonly:
            raise _error(_core.ASH_E_RDONLY, "output view %s is read-only"
                         % o.descriptor)
    return tuple(_as_array(np, o) for o in out)


def _ufunc_defers(other):
    # NumPy's protocol: a type setting __array_ufunc__ = None handles the
    # operator itself (NDArrayOperatorsMixin does the same).
    return getattr(type(other), "__array_ufunc__", False) is None


def _binary(ufunc_name, symbol):
    """The forward, reflected and in-place methods of a binary operator,
    all through NumPy's ufunc (hence View.__array_ufunc__)."""
    def forward(self, other):
        if _ufunc_defers(other):
            return NotImplemented
        return getattr(_needs_numpy(symbol), ufunc_name)(self, other)

    def reflected(self, other):
        if _ufunc_defers(other):
            return NotImplemented
        return getattr(_needs_numpy(symbol), ufunc_name)(other, self)

    def inplace(self, other):
        getattr(_needs_numpy(symbol + "="), ufunc_name)(self, other,
                                                        out=(self,))
        return self
    return forward, reflected, inplace


def _unary(ufunc_name, symbol):
    def op(self):
        return getattr(_needs_numpy(symbol), ufunc_name)(self)
    return op


def _ndarray_method(name):
    """A method that runs numpy.ndarray's of the same name on the elements
    (zero-copy); out= may be a view."""
    def method(self, *args, **kwargs):
        np = _needs_numpy("View.%s()" % name)
        out = kwargs.get("out")
        if isinstance(out, _core.ViewHandle):
            kwargs["out"] = _out_arrays(np, (out,))[0]
            getattr(np.asarray(self), name)(*args, **kwargs)
            return out
        return getattr(np.asarray(self), name)(*args, **kwargs)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = ("numpy.ndarray.%s on the elements (needs NumPy): "
                      "v.%s(...) == numpy.asarray(v).%s(...)"
                      % (name, name, name))
    return method


class View(_core.ViewHandle):
    """A typed, strided view on a shared array (NumPy-like, zero-copy).

    Made by create(), attach(), Segment.add_array(), Segment[name], by
    indexing other views, or from a descriptor: ``View(descriptor)``.

    Indexing follows NumPy's basic indexing: ``v[i]`` (negative from the end)
    drops an axis, and on a 1-d view returns a Python scalar (float, int,
    bool or complex); ``v[i, j]``; slices with steps (also negative) and
    ``...`` give views, never copies. Assignment converts through the C
    library's rules (300 into uint8 raises ConversionError); ``v[...] = x``
    fills with a number or copies an array-like (broadcast like NumPy).

    Arithmetic and comparisons are NumPy's (``v + 1``, ``v == 0`` give
    ndarrays; ``v += 1`` and ``numpy.add(v, 1, out=v)`` write in place);
    ``sum()``, ``mean()``, ``min()``... are ndarray's; ``float(v)``,
    ``int(v)``, ``bool(v)`` need one element. ``v.ndarray()`` is the whole
    NumPy API on the same memory (arrayshare.ndarray).

    Implements the buffer protocol (``memoryview(v)``, ``numpy.asarray(v)``:
    zero-copy, and the exported buffer keeps the memory mapped even after
    ``v.close()`` and the segment's close), ``__array_interface__`` and DLPack
    (``numpy.from_dlpack(v)``). Pickles as its descriptor. A context manager:
    ``with arrayshare.attach("x") as v: ...`` closes it.
    """

    __slots__ = ()

    # Implemented in C (ViewHandle): shape, strides, ndim, size, dtype,
    # itemsize, nbytes, readonly, c_contiguous, f_contiguous, descriptor,
    # segment_name, array_name, offset, address, closed, T; indexing, the
    # buffer protocol, DLPack, float()/int()/bool()/index, pickling
    # (__reduce_ex__ -> (View, (descriptor,))) and View(descriptor).

    @property
    def numpy_dtype(self):
        """The dtype as a numpy.dtype (needs NumPy)."""
        np = _numpy()
        if np is None:
            raise ImportError("numpy_dtype needs NumPy, which is not installed")
        return np.dtype(self.dtype.str)

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

    def ndarray(self):
        """This view as an arrayshare.ndarray: a numpy.ndarray subclass on
        the same memory (the whole NumPy API) whose slices and views stay
        shared and pickle as descriptors. Needs NumPy."""
        return _ndarray_class()(self)

    def segment(self):
        """A new Segment handle on the segment this view maps (close it)."""
        return Segment(_core.ash_view_segment(self))

    def __copy__(self):
        return self[...]

    def __deepcopy__(self, memo):
        return self.copy()

    # ---- NumPy: ufuncs, operators, ndarray's methods ---------------------

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """NumPy's ufunc protocol: views in inputs, out= and where= are
        used in place (numpy.asarray, zero-copy); with out= the given outputs
        (views included) are returned, as NumPy does."""
        np = _numpy()
        out = kwargs.get("out")
        if out:
            kwargs["out"] = _out_arrays(np, out)
        if "where" in kwargs:
            kwargs["where"] = _as_array(np, kwargs["where"])
        result = getattr(ufunc, method)(*[_as_array(np, x) for x in inputs],
                                        **kwargs)
        if out:
            if method == "at":
                return None
            return out[0] if len(out) == 1 else out
        return result

    __add__, __radd__, __iadd__ = _binary("add", "+")
    __sub__, __rsub__, __isub__ = _binary("subtract", "-")
    __mul__, __rmul__, __imul__ = _binary("multiply", "*")
    __matmul__, __rmatmul__, __imatmul__ = _binary("matmul", "@")
    __truediv__, __rtruediv__, __itruediv__ = _binary("true_divide", "/")
    __floordiv__, __rfloordiv__, __ifloordiv__ = _binary("floor_divide", "//")
    __mod__, __rmod__, __imod__ = _binary("remainder", "%")
    __pow__, __rpow__, __ipow__ = _binary("power", "**")
    __lshift__, __rlshift__, __ilshift__ = _binary("left_shift", "<<")
    __rshift__, __rrshift__, __irshift__ = _binary("right_shift", ">>")
    __and__, __rand__, __iand__ = _binary("bitwise_and", "&")
    __or__, __ror__, __ior__ = _binary("bitwise_or", "|")
    __xor__, __rxor__, __ixor__ = _binary("bitwise_xor", "^")
    __divmod__, __rdivmod__, _ = _binary("divmod", "divmod()")
    __lt__ = _binary("less", "<")[0]
    __le__ = _binary("less_equal", "<=")[0]
    __eq__ = _binary("equal", "==")[0]  # type: ignore[assignment]
    __ne__ = _binary("not_equal", "!=")[0]  # type: ignore[assignment]
    __gt__ = _binary("greater", ">")[0]
    __ge__ = _binary("greater_equal", ">=")[0]
    __neg__ = _unary("negative", "unary -")
    __pos__ = _unary("positive", "unary +")
    __abs__ = _unary("absolute", "abs()")
    __invert__ = _unary("invert", "~")
    del _
    # == makes views unhashable, like ndarrays (and like them, a view is
    # never equal to another object as a whole).
    __hash__ = None  # type: ignore[assignment]

    all = _ndarray_method("all")
    any = _ndarray_method("any")
    argmax = _ndarray_method("argmax")
    argmin = _ndarray_method("argmin")
    astype = _ndarray_method("astype")
    clip = _ndarray_method("clip")
    cumprod = _ndarray_method("cumprod")
    cumsum = _ndarray_method("cumsum")
    dot = _ndarray_method("dot")
    max = _ndarray_method("max")
    mean = _ndarray_method("mean")
    min = _ndarray_method("min")
    nonzero = _ndarray_method("nonzero")
    prod = _ndarray_method("prod")
    round = _ndarray_method("round")
    std = _ndarray_method("std")
    sum = _ndarray_method("sum")
    var = _ndarray_method("var")

    def __repr__(self):
        if self.closed:
            return "View(<closed>)"
        return "View(%s, %s, shape=%r)\n%s" % (
            self.descriptor, self.dtype, self.shape, _text(self))

    def __str__(self):
        if self.closed:
            return "View(<closed>)"
        return _text(self)


def _text(v):
    """The elements as NumPy's repr prints them (ash_view_format)."""
    return _core.ash_view_format(v, _core.ASH_FORMAT_COMMA, -1, 0, 0, 0)


def _assign_fallback(target, value):
    """target[...] = value for what the C __setitem__ does not handle:
    sequences, arrays of another dtype or shape (broadcast like NumPy).
    Installed with core.set_assign_fallback() below."""
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


_core.set_assign_fallback(_assign_fallback)


# ---------------------------------------------------------------------------
# pickling, NumPy arrays on segments

def _unpickle_view(descriptor, name=None, gen=None):
    """Loads pickles made by arrayshare 0.1 (views now pickle as
    ``(View, (descriptor,))``)."""
    return View(descriptor)


# The view whose exported buffer x's memory comes from, following
# ndarray.base and memoryview.obj, or None (in C: every ufunc result of an
# arrayshare.ndarray asks, in __array_wrap__).
_root_view = _core._root_view


def _descriptor_of(x):
    """The descriptor of the elements of x (an ndarray or memoryview) if
    they live on a segment, else None."""
    root = _root_view(x)
    if root is None:
        return None
    return root._descriptor_for(x)


def view_of(x) -> View:
    """The View behind x: an ndarray (arrayshare.ndarray or a plain
    numpy.ndarray made from a view: ``numpy.asarray(v)``, its slices,
    transposes, reshapes and dtype views) or a memoryview whose memory lies
    on a segment. The view has x's dtype, shape and strides, is read-only
    when x is, and pickles as a descriptor.

    Raises InvalidArgumentError when x's memory is not on a segment (a copy,
    an ndarray NumPy allocated, one made with numpy.from_dlpack), DtypeError
    for a dtype the library does not have (big-endian, structured).
    """
    if isinstance(x, View):
        return x
    desc = _descriptor_of(x)
    if desc is None:
        raise _error(_core.ASH_E_INVAL,
                     "%s does not live on an arrayshare segment (a copy, or "
                     "memory NumPy allocated): make arrays with "
                     "arrayshare.ndarray(...) or numpy.asarray(view) and "
                     "slice those" % type(x).__name__)
    return View(desc)


def _ndarray_class():
    from ._ndarray import ndarray
    return ndarray


def __getattr__(name):
    # arrayshare.ndarray needs NumPy: imported on first use.
    if name == "ndarray":
        if _numpy() is None:
            raise ImportError("arrayshare.ndarray needs NumPy, which is not "
                              "installed")
        return _ndarray_class()
    raise AttributeError("module 'arrayshare' has no attribute %r" % name)


def clear_cache() -> None:
    """Drops the mappings this process keeps of segments it no longer uses.

    When its last view of a segment goes, a process stops counting as an
    attacher at once (so an "auto" segment is removed when its last user
    leaves, even if other processes merely keep it mapped), but keeps the
    mapping of the eight most recent such segments so that using them again
    costs a lock instead of a mapping. clear_cache() returns that memory and
    address space now; views still alive keep working.
    """
    _core.ash_cache_clear()


# ---------------------------------------------------------------------------
# one-call API (docs/api-table.md: the same options in Python, Ruby, Lua)

def create(name, shape, dtype="float64", *, persist=False, mode=0o600,
           file=False, or_open=False) -> View:
    """Creates segment ``name`` holding one zero-filled array "data" and
    returns a view of it.

    shape: an int or a sequence of ints (0-d and empty arrays are allowed).
    dtype: 'float64' (default), '<f8', 'd', float, numpy.float64,
    numpy.dtype(...), ...
    persist: False (policy "auto": the segment is unlinked when its last
    attacher closes) or True (it lives until unlink()).
    mode: permission bits, applied exactly.
    name: a segment name ([A-Za-z0-9_.-], stored as /dev/shm/ash.NAME), or a
    file path: an os.PathLike, or a str with file=True.
    or_open: when the name exists, attach its first array instead, provided
    it has this dtype and shape (else ExistsError saying what it is).

    Raises ExistsError, InvalidNameError, DtypeError, ShapeError,
    NoSpaceError, PermissionDeniedError, ...
    """
    nm, flags = _location(name, file)
    flags |= _create_flags(persist, or_open)
    h = _core.ash_create(nm, _dtype_code(dtype), _shape(shape), flags,
                         _operator.index(mode))
    return View._adopt(h)


def attach(name_or_descriptor, *, readonly=False, noattach=False,
           file=False) -> View:
    """Attaches to an existing array and returns a view.

    Accepts a segment name ("frames": its first array), a descriptor
    ("ash://frames/labels", a View.descriptor, "frames/labels[1:3, ::-1]")
    or a file-backed segment's path (an os.PathLike, or a str with
    file=True). readonly=True maps it read-only; noattach=True inspects it
    without counting as an attacher (read-only). Raises NotFoundError,
    DescriptorError, PermissionDeniedError, ...
    """
    if type(name_or_descriptor) is str and not file:
        nm, flags = name_or_descriptor, 0
    elif isinstance(name_or_descriptor, _os.PathLike) or file:
        nm, flags = _location(name_or_descriptor, file)
    elif isinstance(name_or_descriptor, str):
        nm, flags = name_or_descriptor, 0
    else:
        raise TypeError("attach() takes a name or descriptor str (or an "
                        "os.PathLike), not %s"
                        % type(name_or_descriptor).__name__)
    flags |= _open_flags(readonly, noattach)
    return View._adopt(_core.ash_attach(nm, flags))


def unlink(name, *, missing_ok=False, file=False) -> bool:
    """Removes a segment's name (a path: the file). Processes that have it
    mapped keep using it. Returns True, or False when there was no such
    segment and missing_ok is true. Raises NotFoundError (unless
    missing_ok), CorruptError (not an arrayshare segment: left alone), ..."""
    nm, flags = _location(name, file)
    try:
        _core.ash_unlink(nm, flags)
    except NotFoundError:
        if not missing_ok:
            raise
        return False
    return True


def exists(name) -> bool:
    """Whether a segment of this library has this name now (as ls() sees
    it). Another process can change the answer at any time: use it for
    display, and or_open / missing_ok for logic."""
    if not isinstance(name, str):
        raise TypeError("exists() takes a segment name (str), not %s"
                        % type(name).__name__)
    return name in ls()


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


def arena_bytes(shape, dtype="float64") -> int:
    """Arena bytes one array of this shape and dtype takes in a segment
    (alignment included): sum them for Segment.create(arena_bytes=...)."""
    return _core.ash_arena_bytes_for(_dtype_code(dtype), _shape(shape), 0)


# ---------------------------------------------------------------------------
# Segment

def _segment_property(fn, doc):
    """A read-only Segment attribute: fn(the segment handle)."""
    return property(lambda self: fn(self._h), doc=doc)


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
    def create(cls, name, *, arrays=None, arena_bytes=0, max_arrays=None,
               max_attachers=128, persist=False, mode=0o600, file=False,
               or_open=False, size=None, capacity=None):
        """Creates a segment.

        arrays: None, a dict {name: (shape, dtype)} or an iterable of
        (name, shape, dtype); these arrays are created (zero-filled) now.
        arena_bytes: extra arena bytes for arrays added later with
        add_array() (see arena_bytes()). At least one of arrays and
        arena_bytes is needed.
        max_arrays: the directory's capacity (maximum number of arrays,
        fixed for the segment's life; default: the number of ``arrays``,
        plus 16 when arena_bytes is given; at least 1).
        max_attachers: the attach table's capacity (1 to 65536).
        or_open: when the name exists, open that segment instead and add
        only the arrays it lacks (it is then never removed on a failure).
        persist, mode, name, file: as for create(). Without or_open, a
        failure to add one of the arrays removes the new segment before the
        error is raised. (size= and capacity= are the old spellings of
        arena_bytes= and max_arrays=.)
        """
        if size is not None:
            arena_bytes = size
        if capacity is not None:
            max_arrays = capacity
        if arrays is None:
            specs = []
        elif isinstance(arrays, dict):
            specs = [(k, s, d) for k, (s, d) in arrays.items()]
        else:
            specs = [tuple(a) for a in arrays]
        extra = _operator.index(arena_bytes if arena_bytes is not None else 0)
        if not specs and extra <= 0:
            raise TypeError("Segment.create() needs arrays=... or "
                            "arena_bytes=...")
        prepared = []
        total = 0
        for spec in specs:
            if len(spec) != 3:
                raise TypeError("arrays entries are (name, shape, dtype)")
            aname, shape, dtype = spec
            code, shp = _dtype_code(dtype), _shape(shape)
            total = _core.ash_arena_bytes_for(code, shp, total)
            prepared.append((aname, shp, code))
        total += extra
        if max_arrays is None:
            max_arrays = len(prepared) + (16 if extra > 0 else 0)
        nm, flags = _location(name, file)
        flags |= _create_flags(persist, False)
        # Built without a name, named once every array is in: nothing is
        # visible half-made, and a failure leaves nothing behind.
        h = _core.ash_segment_create_ex(
            nm, total, max(1, _operator.index(max_arrays)),
            _operator.index(max_attachers), flags | _core.ASH_UNPUBLISHED,
            _operator.index(mode))
        try:
            for aname, shp, code in prepared:
                _core.ash_view_release(
                    _core.ash_segment_add_array(h, aname, code, shp))
            _core.ash_segment_publish(h)
        except ExistsError:
            h.close()
            if not or_open:
                raise
            return cls(_open_adding(nm, flags, prepared))
        except BaseException:
            h.close()
            raise
        return cls(h)

    @classmethod
    def open(cls, name, *, readonly=False, noattach=False, file=False):
        """Opens an existing segment (attaches). readonly=True maps its
        arrays read-only; noattach=True inspects it without counting as an
        attacher (read-only). Raises NotFoundError, PermissionDeniedError,
        CorruptError, VersionError, ..."""
        nm, flags = _location(name, file)
        flags |= _open_flags(readonly, noattach)
        return cls(_core.ash_segment_open(nm, flags))

    @property
    def handle(self):
        """The low-level SegmentHandle."""
        return self._h

    def add_array(self, name, shape, dtype="float64") -> View:
        """Adds a zero-filled array; returns a view of it. Raises
        ExistsError, FullError, InvalidNameError, ReadOnlyError, ..."""
        return View._adopt(_core.ash_segment_add_array(
            self._h, name, _dtype_code(dtype), _shape(shape)))

    def __getitem__(self, name) -> View:
        """A view of the whole array ``name`` (NotFoundError if missing)."""
        if not isinstance(name, str):
            raise TypeError("array names are str, not %s" % type(name).__name__)
        return View._adopt(_core.ash_segment_view(self._h, name))

    def view(self, name=None) -> View:
        """A view of the whole array ``name`` (None: the first array)."""
        if name is not None and not isinstance(name, str):
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

    name = _segment_property(
        _core.ash_segment_name,
        "The segment's name (or absolute path for file-backed ones).")
    size = _segment_property(_core.ash_segment_size,
                             "Mapped size in bytes, header included.")
    arena_free = _segment_property(_core.ash_segment_arena_free,
                                   "Arena bytes not yet given to arrays.")
    creator_pid = _segment_property(
        _core.ash_segment_creator_pid,
        "pid of the process that created the segment.")
    ctime = _segment_property(
        _core.ash_segment_ctime,
        "Creation time, nanoseconds since the Unix epoch.")
    format_minor = _segment_property(
        _core.ash_segment_format_minor,
        "The segment's on-memory format minor version.")
    attachers = _segment_property(
        _core.ash_segment_attachers,
        "(alive, dead): attach-table entries whose process runs / died.")

    @property
    def policy(self) -> str:
        """Lifetime policy: "auto" or "persist"."""
        p = _core.ash_segment_policy(self._h)
        return "persist" if p == _core.ASH_POLICY_PERSIST else "auto"

    @property
    def readonly(self) -> bool:
        """True when opened read-only."""
        return bool(_core.ash_segment_readonly(self._h))

    def attacher_list(self) -> list:
        """[(pid, alive), ...] for every attach-table entry (one snapshot)."""
        lst = _core.ash_segment_attacher_list(self._h)
        try:
            return [(_core.ash_list_value(lst, i), _core.ash_list_flag(lst, i))
                    for i in range(_core.ash_list_count(lst))]
        finally:
            lst.close()

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
                                _os.path.isabs(self.name)))

    def __repr__(self):
        if self._h.closed:
            return "Segment(<closed>)"
        return "Segment(%r, arrays=%r, policy=%r, size=%d)" % (
            self.name, self.arrays, self.policy, self.size)


# ---------------------------------------------------------------------------
# coordination: locks, versions, wait/notify, atomics, rings (_sync.py)

from . import _sync  # noqa: E402
from ._sync import (  # noqa: E402,F401  (re-exported)
    DeadlockError, Lock, NotOwnerError, NotRecoverableError, OverrunError,
    OwnerDeadError, Ring, TimeoutError, TornError, wait_any)

_sync.install(View, Segment)
__all__ += ["Ring", "Lock", "wait_any"]
