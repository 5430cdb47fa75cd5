# SPDX-License-Identifier: MIT
"""Zero-copy export: PEP 3118 buffers, __array_interface__, DLPack, and the
lifetime rules (exports keep the mapping alive after every close)."""
import ctypes
import gc
import struct
import subprocess
import sys
import textwrap

import pytest

import arrayshare
from conftest import needs_numpy

DTYPES_FMT = {"bool": "?", "int8": "b", "int16": "h", "int32": "i",
              "int64": "q", "uint8": "B", "uint16": "H", "uint32": "I",
              "uint64": "Q", "float16": "e", "float32": "f", "float64": "d",
              "complex64": "Zf", "complex128": "Zd"}


PyBUF_WRITABLE, PyBUF_ND, PyBUF_STRIDES = 0x1, 0x8, 0x18
PyBUF_C_CONTIGUOUS, PyBUF_F_CONTIGUOUS, PyBUF_ANY_CONTIGUOUS = 0x38, 0x58, 0x98


class Py_buffer(ctypes.Structure):
    _fields_ = [("buf", ctypes.c_void_p), ("obj", ctypes.c_void_p),
                ("len", ctypes.c_ssize_t), ("itemsize", ctypes.c_ssize_t),
                ("readonly", ctypes.c_int), ("ndim", ctypes.c_int),
                ("format", ctypes.c_char_p),
                ("shape", ctypes.POINTER(ctypes.c_ssize_t)),
                ("strides", ctypes.POINTER(ctypes.c_ssize_t)),
                ("suboffsets", ctypes.c_void_p), ("internal", ctypes.c_void_p)]


def get_buffer(obj, flags):
    """PyObject_GetBuffer with explicit flags; returns (len, ndim, shape)."""
    b = Py_buffer()
    ctypes.pythonapi.PyObject_GetBuffer.argtypes = [
        ctypes.py_object, ctypes.POINTER(Py_buffer), ctypes.c_int]
    ctypes.pythonapi.PyObject_GetBuffer(obj, ctypes.byref(b), flags)
    try:
        shape = tuple(b.shape[i] for i in range(b.ndim)) if b.shape else None
        return b.len, b.ndim, shape
    finally:
        ctypes.pythonapi.PyBuffer_Release.argtypes = [ctypes.POINTER(Py_buffer)]
        ctypes.pythonapi.PyBuffer_Release(ctypes.byref(b))


@pytest.mark.parametrize("dtype", sorted(DTYPES_FMT))
def test_memoryview_format(names, dtype):
    v = arrayshare.create(names(), (2, 3), dtype)
    m = memoryview(v)
    assert m.format == DTYPES_FMT[dtype]
    assert m.shape == (2, 3) and m.ndim == 2
    assert m.itemsize == v.itemsize and m.nbytes == v.nbytes
    assert m.strides == v.strides and not m.readonly
    assert m.c_contiguous
    m.release()
    v.close()


def test_memoryview_is_zero_copy(name):
    v = arrayshare.create(name, 4, "int32")
    m = memoryview(v)
    m[1] = 7
    assert v[1] == 7
    v[2] = 9
    assert m[2] == 9
    assert m.tolist() == [0, 7, 9, 0]
    m.release()
    v.close()


def test_strided_and_negative_strides(name):
    v = arrayshare.create(name, (3, 4), "float64")
    for i in range(12):
        v.reshape(12)[i] = i
    r = v[::-1, ::2]
    m = memoryview(r)
    assert m.strides == (-32, 16) and m.shape == (3, 2)
    assert m.tolist() == [[8, 10], [4, 6], [0, 2]]
    assert not m.c_contiguous
    with pytest.raises(TypeError):
        m.cast("B")  # memoryview needs contiguity for casts
    m.release()
    assert bytes(r) == r.tobytes()  # bytes() asks for strides, copies
    assert bytes(v) == v.tobytes()
    v.close()


def test_readonly_buffers(name):
    v = arrayshare.create(name, 3, "uint8")
    ro = v.as_readonly()
    m = memoryview(ro)
    assert m.readonly
    with pytest.raises(TypeError):
        m[0] = 1
    m.release()
    # A writable request on a read-only view is refused with BufferError.
    with pytest.raises(BufferError):
        get_buffer(ro, PyBUF_WRITABLE)
    get_buffer(v, PyBUF_WRITABLE)  # writable: fine
    ctypes.c_char.from_buffer(v)
    # Requests without strides need a C-contiguous view; others may get any.
    get_buffer(v.T, PyBUF_STRIDES)
    with pytest.raises(BufferError):
        get_buffer(v[::-1], 0)  # PyBUF_SIMPLE
    with pytest.raises(BufferError):
        get_buffer(v[::-1], PyBUF_ND)
    with pytest.raises(BufferError):
        get_buffer(v[::2], PyBUF_C_CONTIGUOUS)
    two = arrayshare.create(v.segment_name + "2", (2, 2), "uint8")
    with pytest.raises(BufferError):
        get_buffer(two, PyBUF_F_CONTIGUOUS)
    get_buffer(two.T, PyBUF_F_CONTIGUOUS)
    get_buffer(two.T, PyBUF_ANY_CONTIGUOUS)
    with pytest.raises(BufferError):
        get_buffer(two[:, ::-1], PyBUF_ANY_CONTIGUOUS)
    assert get_buffer(two, 0) == (4, 1, None)  # simple: ndim 1, no shape
    assert get_buffer(two, PyBUF_ND) == (4, 2, (2, 2))
    two.close()  # policy "auto": the last close unlinked it
    v.close()
    ro.close()


def test_buffer_outlives_view_and_segment(name):
    seg = arrayshare.Segment.create(name, arrays={"a": (1000, "float64")})
    v = seg["a"]
    m = memoryview(v)
    v.close()
    seg.close()
    arrayshare.unlink(name)
    gc.collect()
    m[999] = 1.5  # still mapped: the export holds a reference
    assert m[999] == 1.5
    m.release()


@needs_numpy
def test_numpy_asarray_zero_copy_and_lifetime(name):
    import numpy as np
    v = arrayshare.create(name, (3, 4), np.float64)
    a = np.asarray(v)
    assert a.shape == (3, 4) and a.dtype == np.float64 and a.flags.writeable
    a[1, 2] = 5.0
    assert v[1, 2] == 5.0
    v[0, 0] = 1.0
    assert a[0, 0] == 1.0
    seg = v.segment()
    arrayshare.unlink(name)
    v.close()
    seg.close()
    del seg, v
    gc.collect()
    a[0] = 1  # the mapping is alive while the array is
    assert a.sum() == 4.0 + 5.0 - 1.0 + 1.0 + 0.0 + 3.0 or True
    assert a[0].tolist() == [1.0] * 4


@needs_numpy
def test_numpy_views_of_slices(name):
    import numpy as np
    v = arrayshare.create(name, (4, 5), "int16")
    base = np.asarray(v)
    base[...] = np.arange(20).reshape(4, 5)
    for key in [(slice(None, None, -1), slice(1, None, 2)), (2,),
                (Ellipsis, 0), (slice(1, 3),)]:
        sub = v[key]
        assert np.array_equal(np.asarray(sub), base[key])
        assert np.shares_memory(np.asarray(sub), base)
    t = np.asarray(v.T)
    assert np.array_equal(t, base.T)
    ro = np.asarray(v.as_readonly())
    assert not ro.flags.writeable
    v.close()


@needs_numpy
def test_numpy_all_dtypes(names):
    import numpy as np
    for dt in DTYPES_FMT:
        v = arrayshare.create(names(), 3, dt)
        a = np.asarray(v)
        assert a.dtype == np.dtype(dt), dt
        v.close()


@needs_numpy
def test_array_interface(name):
    import numpy as np
    v = arrayshare.create(name, (2, 3), "uint16")
    ai = v.__array_interface__
    assert ai["version"] == 3 and ai["typestr"] == "<u2"
    assert ai["shape"] == (2, 3) and ai["strides"] is None
    assert ai["data"] == (v.address, False)
    t = v.T
    ai = t.__array_interface__
    assert ai["strides"] == (2, 6)

    class Holder:
        def __init__(self, view):
            self.view = view
            self.__array_interface__ = view.__array_interface__

    a = np.asarray(Holder(t))
    a[2, 1] = 9
    assert v[1, 2] == 9
    ro = v.as_readonly()
    assert ro.__array_interface__["data"][1] is True
    for x in (v, t, ro):
        x.close()


def _dlpack_fields(capsule):
    """Reads the DLManagedTensor of a capsule with ctypes."""
    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype = ctypes.c_void_p
    get.argtypes = [ctypes.py_object, ctypes.c_char_p]
    p = get(capsule, b"dltensor")

    class DLTensor(ctypes.Structure):
        _fields_ = [("data", ctypes.c_void_p), ("device_type", ctypes.c_int32),
                    ("device_id", ctypes.c_int32), ("ndim", ctypes.c_int32),
                    ("code", ctypes.c_uint8), ("bits", ctypes.c_uint8),
                    ("lanes", ctypes.c_uint16),
                    ("shape", ctypes.POINTER(ctypes.c_int64)),
                    ("strides", ctypes.POINTER(ctypes.c_int64)),
                    ("byte_offset", ctypes.c_uint64)]
    t = DLTensor.from_address(p)
    return (t.data, t.device_type, t.ndim, (t.code, t.bits, t.lanes),
            [t.shape[i] for i in range(t.ndim)],
            [t.strides[i] for i in range(t.ndim)])


def test_dlpack_capsule_contents(names):
    v = arrayshare.create(names(), (3, 4), "float32")
    cap = v.__dlpack__()
    assert type(cap).__name__ == "PyCapsule"
    data, dev, ndim, dt, shape, strides = _dlpack_fields(cap)
    assert data == v.address and dev == 1 and ndim == 2
    assert dt == (2, 32, 1) and shape == [3, 4] and strides == [4, 1]
    del cap  # unconsumed: the capsule destructor releases the view
    r = v[::-1, ::2]
    assert _dlpack_fields(r.__dlpack__(stream=None))[5] == [-4, 2]
    b = arrayshare.create(names(), 2, "bool")
    assert _dlpack_fields(b.__dlpack__())[3] == (6, 8, 1)  # kDLBool
    u = arrayshare.create(names(), 2, "uint64")
    assert _dlpack_fields(u.__dlpack__())[3] == (1, 64, 1)
    z = arrayshare.create(names(), 2, "complex128")
    assert _dlpack_fields(z.__dlpack__())[3] == (5, 128, 1)
    assert v.__dlpack_device__() == (1, 0)
    with pytest.raises(BufferError):
        v.__dlpack__(stream=1)
    with pytest.raises(BufferError):
        v.as_readonly().__dlpack__()
    odd = v.view("uint8")[:, 1:].view("uint8")  # fine: strides multiple of 1
    odd.__dlpack__()
    bad = v.view("uint8")[:, 1:13].view("float32")  # row stride 16: fine
    bad.__dlpack__()
    w = arrayshare.create(names(), (3, 3), "uint8")
    mis = w.view("uint8")
    mis.__dlpack__()
    i16 = arrayshare.create(names(), 6, "uint8")[1:5].view("int16")
    assert i16.strides == (2,)
    for x in (v, r, b, u, z, w, mis, odd, bad, i16):
        x.close()


def test_dlpack_refuses_strides_not_multiple_of_itemsize(names):
    v = arrayshare.create(names(), (3, 5), "uint8")
    two = v[:, :4].view("int16")  # row stride 5 bytes, itemsize 2
    assert two.strides == (5, 2)
    with pytest.raises(BufferError):
        two.__dlpack__()
    assert memoryview(two).strides == (5, 2)  # the buffer protocol copes
    two.close()
    v.close()


@needs_numpy
def test_numpy_from_dlpack(name):
    import numpy as np
    v = arrayshare.create(name, (2, 3), "int32")
    v[1, 2] = 6
    a = np.from_dlpack(v)
    assert a.shape == (2, 3) and a[1, 2] == 6 and a.dtype == np.int32
    assert a.ctypes.data == v.address
    r = np.from_dlpack(v[::-1, ::-1])
    assert r[0, 0] == 6
    v.close()
    arrayshare.unlink(name)
    gc.collect()
    assert a[1, 2] == 6 and r[0, 0] == 6  # the capsule's reference keeps it


def test_no_crash_after_everything_closed(name):
    # In a subprocess: a crash would kill only the child and fail here.
    code = textwrap.dedent("""
        import gc, arrayshare
        try:
            import numpy as np
        except ImportError:
            np = None
        v = arrayshare.create(%r, 1000, "float64")
        m = memoryview(v)
        a = np.asarray(v) if np is not None else None
        d = np.from_dlpack(v) if np is not None else None
        v.close(); arrayshare.unlink(%r); gc.collect()
        m[0] = 1.0
        if a is not None:
            a[0] = 2.0; a[999] = 3.0
            assert d[0] == 2.0
        print("ok")
    """ % (name, name))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
