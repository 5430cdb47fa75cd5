# SPDX-License-Identifier: MIT
"""arrayshare.ndarray: a numpy.ndarray on a shared array.

It is a plain ndarray subclass, so the whole NumPy API works on it, in
place, on the shared memory. What it adds is pickling: an arrayshare.ndarray
whose memory lies on a segment (it, and every slice, transpose, reshape or
dtype view NumPy makes of it) pickles as a descriptor of exactly those
elements, never as data, so

    a = arrayshare.create("big", (1000, 64)).ndarray()
    pool.map(work, [a[i:i + 10] for i in range(0, 1000, 10)])

writes into the shared array from the workers. Results that own new memory
(ufunc results, reductions, copies) come back as plain numpy.ndarray (or
scalars), as numpy.memmap does; an arrayshare.ndarray NumPy made on new
memory (astype, fancy indexing) pickles as data, like any ndarray.

Why a subclass and not a wrapper: NumPy functions, operators and C
extensions accept it as an ndarray, and NumPy keeps the subclass through
slicing and views, which is what carries the pickling behaviour to
``a[i:i + 1]``. It holds no state of its own: the view it lives on is found
through ``.base`` (arrayshare.view_of), so NumPy's view machinery is never
slowed down.
"""

import numpy as _np

from . import View, _core, _root_view, attach, view_of

_pickle_args = _core._pickle_args


class ndarray(_np.ndarray):
    """A numpy.ndarray on a shared array; its slices and views stay shared
    and pickle as descriptors (see arrayshare._ndarray).

    ``arrayshare.ndarray(source, *, readonly=False)``: source is a View, a
    segment name, a descriptor, a file-backed segment's os.PathLike, or an
    ndarray that lives on a segment (made from a view). ``View.ndarray()``
    is the same. ``arrayshare.view_of(a)`` gives the View back.
    """

    __slots__ = ()

    def __new__(cls, source, geometry=None, *, readonly=False):
        if geometry is not None:  # unpickling: (root view, geometry)
            v = View(source, geometry)
        elif isinstance(source, View):
            v = source
        elif isinstance(source, str) and not readonly:
            v = View(source)  # a name or descriptor (what unpickling passes)
        elif isinstance(source, (_np.ndarray, memoryview)):
            v = view_of(source)  # InvalidArgumentError when not shared
        else:
            v = attach(source, readonly=readonly)
        if readonly and not v.readonly:
            v = v.as_readonly()
        return _np.asarray(v).view(cls)

    def __reduce_ex__(self, protocol):
        # As a view does: its whole-array view (one object, so a pickle of
        # many slices holds it once) and a few integers, else a descriptor
        # (one C call: _core._pickle_args).
        args = _pickle_args(self)
        if args is None:  # memory NumPy allocated: pickled as data
            return self.view(_np.ndarray).__reduce_ex__(protocol)
        return (ndarray, args)

    def __reduce__(self):
        return self.__reduce_ex__(2)

    def __array_wrap__(self, arr, *args, **kwargs):
        out = super().__array_wrap__(arr, *args, **kwargs)
        if isinstance(out, ndarray) and _root_view(out) is None:
            # A result in new memory: a plain ndarray, or a scalar for 0-d
            # (a.sum()), as numpy.memmap does.
            return out[()] if out.ndim == 0 else out.view(_np.ndarray)
        return out

    def copy(self, order="C"):
        """A private copy: a plain numpy.ndarray."""
        return _np.array(self, order=order, subok=False)

    def __copy__(self):
        return _np.array(self, order="K", subok=False)

    def __deepcopy__(self, memo):
        return self.__copy__()


ndarray.__module__ = "arrayshare"
