# SPDX-License-Identifier: MIT
"""Kernels: compiled code called on shared views (docs/kernels.md).

    >>> import arrayshare
    >>> daxpy = arrayshare.kernel(
    ...     "libopenblas.so.0",
    ...     "void cblas_daxpy(int n, double a, const double *x, int incx,"
    ...     " double *y, int incy)",
    ...     bind="n=size(x)=size(y), a=a, x=x, incx=inc(x), y=y, incy=inc(y)")
    >>> daxpy(x, y, a=2.0)          # y += 2 x, without the GIL

Everything is checked and done by the C library (ash_kernel_*): this layer
only maps Python arguments to the operand names the library reports.
"""

from . import arrayshare_core as _core

_INT_DTYPES = frozenset(
    getattr(_core, n) for n in ("ASH_INT8", "ASH_INT16", "ASH_INT32",
                                "ASH_INT64", "ASH_UINT8", "ASH_UINT16",
                                "ASH_UINT32", "ASH_UINT64"))

_KINDS = {_core.ASH_KERNEL_PLAIN: "plain", _core.ASH_KERNEL_MAP: "map",
          _core.ASH_KERNEL_LOOP: "loop"}


class Kernel:
    """A kernel: call it with its views, then its scalars, positionally or
    by name (``k(x, y, a=2.0)``). ``threads=`` (default: the kernel's
    ``threads``, 1) splits the call where that is correct. Returns the
    result of a plain C function (None for void, map and loop kernels).

    A context manager; ``close()`` closes now, else collection does.
    """

    __slots__ = ("_h", "views", "scalars", "threads", "_result", "_nv", "_n",
                 "__weakref__")

    def __init__(self, handle, threads=1):
        self._h = handle
        n = _core.ash_kernel_nviews(handle)
        self.views = tuple(_core.ash_kernel_view_name(handle, i)
                           for i in range(n))
        n = _core.ash_kernel_nscalars(handle)
        self.scalars = tuple(_core.ash_kernel_scalar_name(handle, i)
                             for i in range(n))
        self.threads = threads
        self._result = _core.ash_kernel_result_dtype(handle)
        self._nv = len(self.views)
        self._n = self._nv + len(self.scalars)

    @property
    def signature(self):
        """The signature in canonical form."""
        return _core.ash_kernel_signature(self._h)

    @property
    def kind(self):
        """'plain', 'map' or 'loop' (None once closed)."""
        return _KINDS.get(_core.ash_kernel_kind(self._h))

    @property
    def writes(self):
        """The names of the views the kernel may write."""
        return tuple(n for i, n in enumerate(self.views)
                     if _core.ash_kernel_view_writes(self._h, i) == 1)

    @property
    def handle(self):
        """The low-level handle (arrayshare.core)."""
        return self._h

    def __call__(self, *args, threads=None, **named):
        if threads is None:
            threads = self.threads
        if not named and len(args) == self._n:  # the common case, fast
            nv = self._nv
            out = _core.ash_kernel_call(self._h, args[:nv], args[nv:], threads)
        else:
            out = _core.ash_kernel_call(self._h, *self._arrange(args, named),
                                        threads)
        if not self._result:
            return None
        if self._result == _core.ASH_BOOL:
            return bool(out)
        return int(out) if self._result in _INT_DTYPES else out

    def _arrange(self, args, named):
        """(views, scalars) from positional and named arguments."""
        names = self.views + self.scalars
        if len(args) > len(names):
            raise TypeError(f"{self!r} takes {len(names)} arguments "
                            f"({', '.join(names)}), got {len(args)}")
        values = dict(zip(names, args))
        for key, value in named.items():
            if key not in names:
                raise TypeError(f"{self!r} has no operand {key!r} "
                                f"(operands: {', '.join(names)})")
            if key in values:
                raise TypeError(f"operand {key!r} given twice")
            values[key] = value
        missing = [n for n in names if n not in values]
        if missing:
            raise TypeError(f"{self!r} is missing {', '.join(missing)}")
        return ([values[n] for n in self.views],
                [values[n] for n in self.scalars])

    def close(self):
        """Closes the kernel (a call in progress keeps it until it returns);
        closing again does nothing."""
        _core.ash_kernel_close(self._h)

    @property
    def closed(self):
        return _core.ash_kernel_kind(self._h) == 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        sig = self.signature
        return f"<arrayshare.Kernel {sig}>" if sig else "<arrayshare.Kernel closed>"


def kernel(library, signature, bind=None, *, threads=1):
    """Opens a kernel: a function of ``library`` (a path or soname, or None
    for the program and what it loaded), or at an address (an int: a ctypes
    function pointer, a numba cfunc's ``.address``). ``signature`` is a C
    prototype, ``"map"`` and a prototype, or a ``"loop"`` gufunc signature;
    ``bind`` says where each parameter of a plain C function comes from.
    Raises SignatureError, LibraryError, SizeOverflowError.
    """
    if isinstance(library, int) and not isinstance(library, bool):
        h = _core.ash_kernel_from_address(library, signature, bind)
    else:
        h = _core.ash_kernel_open(library, signature, bind)
    return Kernel(h, threads)


def max_threads():
    """The size of the kernel thread pool (ASH_NUM_THREADS, or the CPUs this
    process may run on)."""
    return _core.ash_kernel_max_threads()
