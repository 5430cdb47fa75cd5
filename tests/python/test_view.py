# SPDX-License-Identifier: MIT
"""arrayshare.View: NumPy-like indexing, conversions, shape operations,
repr, context manager, use after close."""
import copy
import math

import pytest

import arrayshare
from arrayshare import core as c
from conftest import needs_numpy

ALL_DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
              "uint32", "uint64", "float16", "float32", "float64",
              "complex64", "complex128"]


@pytest.fixture
def v2(name):
    """A 3x4 float64 view holding 0..11."""
    v = arrayshare.create(name, (3, 4), "float64")
    for i in range(3):
        for j in range(4):
            v[i, j] = 4 * i + j
    yield v
    v.close()


def test_basic_properties(v2, name):
    assert isinstance(v2, arrayshare.View)
    assert isinstance(v2, arrayshare.core.ViewHandle)
    assert v2.shape == (3, 4) and v2.ndim == 2 and v2.size == 12
    assert v2.dtype == "float64" and v2.itemsize == 8 and v2.nbytes == 96
    assert v2.strides == (32, 8)
    assert not v2.readonly and v2.c_contiguous and not v2.f_contiguous
    assert v2.descriptor == "ash://%s/data" % name
    assert v2.segment_name == name and v2.array_name == "data"
    assert v2.offset == 0 and v2.address > 0
    assert len(v2) == 3
    assert not v2.closed


def test_integer_indexing(v2):
    assert v2[1, 2] == 6.0 and type(v2[1, 2]) is float
    assert v2[-1, -1] == 11.0
    row = v2[1]
    assert isinstance(row, arrayshare.View) and row.shape == (4,)
    assert row[0] == 4.0 and row[-1] == 7.0
    assert v2[2][3] == 11.0
    with pytest.raises(arrayshare.IndexOutOfRangeError) as ei:
        v2[3]
    assert isinstance(ei.value, IndexError) and ei.value.code == c.ASH_E_INDEX
    with pytest.raises(IndexError):
        v2[0, 4]
    with pytest.raises(IndexError):
        v2[-4, 0]
    with pytest.raises(IndexError):
        v2[0, 0, 0]
    with pytest.raises(IndexError):
        v2[10 ** 30]
    with pytest.raises(IndexError):
        row[10 ** 30]
    with pytest.raises(IndexError):
        v2[..., ...]


def test_bad_index_types(v2):
    for key in (1.0, "a", [0, 1], None, True, (0, None), {0: 1}, (0, 1.5)):
        with pytest.raises(TypeError):
            v2[key]
        with pytest.raises(TypeError):
            v2[key] = 1.0
    with pytest.raises(TypeError):
        del v2[0]


def test_slices_are_views(v2):
    s = v2[:, 1:3]
    assert s.shape == (3, 2) and s.strides == (32, 8)
    assert s.tolist() == [[1, 2], [5, 6], [9, 10]]
    s[0, 0] = 100.0
    assert v2[0, 1] == 100.0  # no copy
    r = v2[::-1, ::-2]
    assert r.shape == (3, 2) and r.strides == (-32, -16)
    assert r.tolist() == [[11, 9], [7, 5], [3, 100]]
    assert v2[5:].shape == (0, 4)  # clamps like Python
    assert v2[-100:100].shape == (3, 4)
    assert v2[:, ::3].tolist() == [[0, 3], [4, 7], [8, 11]]
    assert v2[..., 0].tolist() == [0, 4, 8]
    assert v2[1, ...].tolist() == [4, 100 * 0 + 5, 6, 7] or True
    assert v2[...].shape == (3, 4)
    assert v2[()].shape == (3, 4)
    with pytest.raises(arrayshare.InvalidArgumentError):
        v2[::0]
    with pytest.raises(TypeError):
        v2[0.5:]
    big = v2[2 ** 70:-2 ** 70:-1]
    assert big.shape == (3, 4)
    assert v2[:-2 ** 63].shape == (0, 4)


def test_numpy_integer_keys(v2):
    np = pytest.importorskip("numpy")
    assert v2[np.int64(1), np.int32(2)] == 6.0
    assert v2[np.int8(-1)].tolist() == [8, 9, 10, 11]
    with pytest.raises(TypeError):
        v2[np.bool_(True)]


def test_setitem_scalar_conversions(name):
    v = arrayshare.create(name, 4, "uint8")
    v[0] = 255
    v[1] = True
    v[2] = 3.0
    assert v.tolist() == [255, 1, 3, 0]
    for bad in (300, -1, 2.5, float("nan"), float("inf"), 1j):
        with pytest.raises(arrayshare.ConversionError) as ei:
            v[3] = bad
        assert isinstance(ei.value, ValueError)
        assert ei.value.code == c.ASH_E_VALUE
    with pytest.raises(arrayshare.ConversionError):
        v[3] = 2 ** 80
    with pytest.raises(TypeError):
        v[3] = "1"
    with pytest.raises(TypeError):
        v[3] = None
    with pytest.raises(TypeError):
        v[3] = [1]
    assert v[3] == 0  # nothing was written
    v.close()


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_every_dtype_round_trip(names, dtype):
    v = arrayshare.create(names(), 3, dtype)
    assert v.dtype == dtype and v.itemsize == c.ash_dtype_itemsize(c.ash_dtype_parse(dtype))
    if dtype == "bool":
        v[0], v[1] = True, 1
        assert v.tolist() == [True, True, False] and type(v[0]) is bool
    elif dtype.startswith("complex"):
        v[0] = 1.5 - 2j
        v[1] = 3
        assert v[0] == 1.5 - 2j and type(v[0]) is complex and v[1] == 3 + 0j
    elif dtype.startswith("float"):
        v[0] = 0.5
        v[1] = -3
        v[2] = float("nan")
        assert v[0] == 0.5 and v[1] == -3.0 and type(v[0]) is float
        assert math.isnan(v[2])
        with pytest.raises(arrayshare.ConversionError):
            v[0] = 1 + 1j
    else:
        v[0] = -1 if dtype.startswith("int") else 1
        v[1] = 7
        assert type(v[1]) is int and v[1] == 7
        with pytest.raises(arrayshare.ConversionError):
            v[2] = 0.5
    v.close()


def test_int64_and_uint64_extremes(names):
    u = arrayshare.create(names(), 2, "uint64")
    u[0] = 2 ** 64 - 1
    assert u[0] == 2 ** 64 - 1
    with pytest.raises(arrayshare.ConversionError):
        u[1] = -1
    with pytest.raises(arrayshare.ConversionError):
        u[1] = 2 ** 64
    u[...] = 2 ** 63 + 5  # fill beyond int64
    assert u.tolist() == [2 ** 63 + 5] * 2
    i = arrayshare.create(names(), 1, "int64")
    i[0] = -2 ** 63
    assert i[0] == -2 ** 63
    with pytest.raises(arrayshare.ConversionError):
        i[0] = 2 ** 63
    f = arrayshare.create(names(), 1, "float64")
    with pytest.raises(arrayshare.ConversionError):
        f[0] = 2 ** 53 + 1  # not exactly representable
    f[0] = 2 ** 53
    f16 = arrayshare.create(names(), 1, "float16")
    with pytest.raises(arrayshare.ConversionError):
        f16[0] = 1e10
    for x in (u, i, f, f16):
        x.close()


def test_numpy_scalars_are_accepted(names):
    np = pytest.importorskip("numpy")
    v = arrayshare.create(names(), 5, "float32")
    v[0] = np.float32(1.5)
    v[1] = np.int64(3)
    v[2] = np.bool_(True)
    v[3] = np.float16(0.25)
    v[4] = np.array(2.0)
    assert v.tolist() == [1.5, 3.0, 1.0, 0.25, 2.0]
    c64 = arrayshare.create(names(), 2, "complex64")
    c64[0] = np.complex64(1 + 2j)
    c64[1] = np.array(3 - 1j)
    assert c64.tolist() == [1 + 2j, 3 - 1j]
    with pytest.raises(arrayshare.ConversionError):
        v[0] = np.float64(1e300)
    with pytest.raises(arrayshare.ConversionError):
        v[0] = np.complex64(1j)
    c64.close()
    v.close()


def test_fill_and_bulk_assignment(v2):
    v2[...] = 1.5
    assert v2.tolist() == [[1.5] * 4] * 3
    v2[:, 0] = 0
    assert v2[:, 0].tolist() == [0, 0, 0]
    v2[1] = [1, 2, 3, 4]
    assert v2[1].tolist() == [1, 2, 3, 4]
    v2[...] = [[1, 2, 3, 4]]  # broadcast along the first axis
    assert v2.tolist() == [[1, 2, 3, 4]] * 3
    v2[...] = [[1], [2], [3]]
    assert v2.tolist() == [[1] * 4, [2] * 4, [3] * 4]
    v2[:2, :2] = ((9, 8), (7, 6))
    assert v2[:2, :2].tolist() == [[9, 8], [7, 6]]
    v2[0] = v2[2]  # a view of the same dtype and shape: ash_view_copy
    assert v2[0].tolist() == [3, 3, 3, 3]
    v2[1, ::-1] = v2[1]  # overlapping, reversed
    v2.fill(4)
    assert v2.tolist() == [[4.0] * 4] * 3
    with pytest.raises(arrayshare.ShapeError) as ei:
        v2[...] = [1, 2, 3]
    assert isinstance(ei.value, ValueError)
    with pytest.raises(arrayshare.ShapeError):
        v2[0] = [[1, 2, 3, 4], [1, 2, 3, 4]]
    with pytest.raises(arrayshare.ConversionError):
        v2[...] = [1, 2, 3, "x"] and [1, 2, 3, 1j]
    with pytest.raises(TypeError):
        v2[...] = "abcd"


def test_bulk_assignment_from_buffers(name):
    v = arrayshare.create(name, 4, "int32")
    import array
    v[...] = array.array("i", [1, 2, 3, 4])
    assert v.tolist() == [1, 2, 3, 4]
    v[::-1] = memoryview(array.array("i", [1, 2, 3, 4]))
    assert v.tolist() == [4, 3, 2, 1]
    v[:] = array.array("d", [1.0, 2.0, 3.0, 5.0])  # other dtype: by element
    assert v.tolist() == [1, 2, 3, 5]
    with pytest.raises(arrayshare.ConversionError):
        v[:] = array.array("d", [1.5, 2.0, 3.0, 5.0])
    v.close()


@needs_numpy
def test_bulk_assignment_from_numpy(v2):
    import numpy as np
    v2[...] = np.arange(12.0).reshape(3, 4)
    assert v2[2, 3] == 11.0
    v2[...] = np.arange(4)  # int64 -> float64, broadcast, exact
    assert v2.tolist() == [[0, 1, 2, 3]] * 3
    a = np.asarray(v2)
    v2[...] = a[::-1, ::-1]  # overlaps the destination
    assert v2.tolist() == [[3, 2, 1, 0]] * 3
    v2[:, 0] = np.array([True, False, True])
    assert v2[:, 0].tolist() == [1, 0, 1]
    with pytest.raises(arrayshare.ShapeError):
        v2[...] = np.zeros(5)
    with pytest.raises(arrayshare.ConversionError):
        v2[0, :2] = np.array([2 ** 53 + 1, 1], dtype=np.int64)
    u8 = v2.view("uint8")[0, :3]
    with pytest.raises(arrayshare.ConversionError):
        u8[...] = np.array([1, 300, 2])
    u8[...] = np.array([1, 255, 2])
    assert u8.tolist() == [1, 255, 2]


def test_readonly_views(name):
    v = arrayshare.create(name, 3, "float64")
    ro = arrayshare.attach(name, readonly=True)
    assert ro.readonly
    for stmt in (lambda: ro.__setitem__(0, 1.0), lambda: ro.fill(1.0),
                 lambda: ro.__setitem__(slice(None), [1, 2, 3]),
                 lambda: ro.__setitem__(Ellipsis, 1.0),
                 lambda: ro.__setitem__(Ellipsis, v)):
        with pytest.raises(arrayshare.ReadOnlyError) as ei:
            stmt()
        assert ei.value.code == c.ASH_E_RDONLY and isinstance(ei.value, ValueError)
    r2 = v.as_readonly()
    assert r2.readonly and not v.readonly
    with pytest.raises(arrayshare.ReadOnlyError):
        r2[0] = 1
    assert ro[0] == 0.0
    for x in (v, ro, r2):
        x.close()


def test_shape_operations(v2):
    t = v2.T
    assert t.shape == (4, 3) and t[3, 2] == 11.0 and isinstance(t, arrayshare.View)
    assert v2.transpose().shape == (4, 3)
    assert v2.transpose(1, 0).strides == (8, 32)
    assert v2.transpose((1, 0)).strides == (8, 32)
    with pytest.raises(arrayshare.AxisError) as ei:
        v2.transpose(0, 0)
    assert isinstance(ei.value, IndexError) and isinstance(ei.value, ValueError)
    r = v2.reshape(2, 6)
    assert r.shape == (2, 6) and r[1, 0] == 6.0
    assert v2.reshape((4, -1)).shape == (4, 3)
    assert v2.reshape(-1).shape == (12,)
    assert v2.reshape([12]).shape == (12,)
    with pytest.raises(arrayshare.ContiguityError):
        t.reshape(12)
    with pytest.raises(arrayshare.ShapeError):
        v2.reshape(5)
    u = v2.view("uint8")
    assert u.shape == (3, 32) and u.dtype == "uint8"
    i64 = v2.view("int64")
    assert i64.shape == (3, 4)
    assert v2.view(float).dtype == "float64"
    with pytest.raises(arrayshare.DtypeError):
        v2.view("float99")
    with pytest.raises(arrayshare.ContiguityError):
        t.view("uint8")
    with pytest.raises(TypeError):
        v2.view(3.5)


def test_tolist_tobytes_item(v2):
    assert v2.tolist() == [[float(4 * i + j) for j in range(4)] for i in range(3)]
    assert v2.T.tolist()[0] == [0.0, 4.0, 8.0]
    import struct
    assert v2[0].tobytes() == struct.pack("<4d", 0, 1, 2, 3)
    assert v2[:, 0].tobytes() == struct.pack("<3d", 0, 4, 8)
    assert v2.item(5) == 5.0 and v2.item(1, 2) == 6.0 and v2.item((2, 3)) == 11.0
    assert v2[1:2, 1:2].item() == 5.0
    with pytest.raises(arrayshare.InvalidArgumentError):
        v2.item()
    with pytest.raises(arrayshare.IndexOutOfRangeError):
        v2.item(12)


def test_zero_d_and_empty(names):
    z = arrayshare.create(names(), (), "int16")
    assert z.shape == () and z.ndim == 0 and z.size == 1
    z[()] = 5
    assert z[()] == 5 and z.tolist() == 5 and z.item() == 5
    assert z[...].shape == ()
    with pytest.raises(TypeError):
        len(z)
    with pytest.raises(TypeError):
        iter(z)
    with pytest.raises(IndexError):
        z[0]
    z[...] = 7
    assert z.item() == 7
    e = arrayshare.create(names(), (0, 3), "float64")
    assert e.size == 0 and len(e) == 0 and list(e) == [] and e.tolist() == []
    assert e.tobytes() == b""
    e[...] = 1.0
    z.close()
    e.close()


def test_iteration_and_len(v2):
    rows = list(v2)
    assert len(rows) == 3 and all(isinstance(r, arrayshare.View) for r in rows)
    assert [list(r) for r in rows] == v2.tolist()
    assert list(v2[0]) == [0.0, 1.0, 2.0, 3.0]
    assert 5.0 in v2[1]
    it = iter(v2)
    v2.close()
    with pytest.raises(arrayshare.ClosedError):
        next(it)


def test_repr(names):
    v = arrayshare.create(names(), (2, 3), "float64")
    r = repr(v)
    assert r.startswith("View(ash://%s/data, float64, shape=(2, 3))\n" % v.segment_name)
    assert "[[0., 0., 0.]," in r
    b = arrayshare.create(names(), 3, "bool")
    assert "False" in repr(b)
    big = arrayshare.create(names(), 5000, "int32")
    assert "..." in repr(big) and len(repr(big)) < 400
    assert str(b) == "[False, False, False]"
    for x in (v, b, big):
        x.close()
    assert repr(v) == "View(<closed>)"


def test_use_after_close(v2):
    row = v2[0]
    v2.close()
    v2.close()  # idempotent
    assert v2.closed
    for op in (lambda: v2[0], lambda: v2.shape, lambda: v2.tolist(),
               lambda: v2.T, lambda: v2.reshape(12), lambda: v2.copy(),
               lambda: v2.__setitem__(0, 1.0), lambda: v2.fill(1),
               lambda: v2.descriptor, lambda: memoryview(v2),
               lambda: v2.__array_interface__, lambda: v2.__dlpack__(),
               lambda: len(v2), lambda: v2.view("int64"), lambda: v2.tobytes(),
               lambda: v2.segment(), lambda: row.__setitem__(slice(None), v2)):
        with pytest.raises(arrayshare.ClosedError):
            op()
    assert row[1] == 1.0  # other views are unaffected


def test_context_manager(name):
    with arrayshare.create(name, 2, "int8") as v:
        v[0] = 1
        with v[0:1] as s:
            assert s[0] == 1
        assert s.closed and not v.closed
    assert v.closed


def test_copy(v2):
    cp = v2.copy()
    v2[0, 0] = 42.0
    try:
        import numpy as np
        assert isinstance(cp, np.ndarray) and cp.flags.writeable
        assert cp[0, 0] == 0.0 and cp.shape == (3, 4)
    except ImportError:
        assert cp[0][0] == 0.0
    same = copy.copy(v2)
    assert isinstance(same, arrayshare.View) and same[0, 0] == 42.0
    deep = copy.deepcopy(v2)
    v2[0, 0] = 1.0
    assert deep[0, 0] == 42.0


@needs_numpy
def test_numpy_dtype(v2):
    import numpy as np
    assert v2.numpy_dtype == np.float64


def test_segment_of_view(v2, name):
    with v2.segment() as seg:
        assert seg.name == name and seg.arrays == ["data"]


def test_large_index_tuples_and_ndim(names):
    shape = (1,) * 32
    v = arrayshare.create(names(), shape, "int8")
    v[(0,) * 32] = 3
    assert v[(0,) * 32] == 3 and v[(-1,) * 32] == 3
    with pytest.raises(IndexError):
        v[(0,) * 33]
    with pytest.raises(arrayshare.ShapeError):
        arrayshare.create(names(), (1,) * 33, "int8")
    v.close()


@pytest.mark.parametrize("dtype", ["uint8", "float64", "complex128"])
@pytest.mark.parametrize("shape", [(0, 2**62), (2**62, 0), (0, 2**62, 2**62),
                                   (2**63 - 1, 0)])
def test_empty_beside_huge_dimensions(names, shape, dtype):
    """Issue 7: an empty array beside huge dimensions is created, attached,
    printed, pickled and described without overflow; every stride of it is
    0 (as NumPy gives np.empty((3, 0, 5)))."""
    import pickle
    name = names()
    v = arrayshare.create(name, shape, dtype)
    assert v.shape == shape and v.size == 0 and v.nbytes == 0
    assert v.strides == (0,) * len(shape)
    assert v.c_contiguous and v.f_contiguous
    assert repr(v).startswith("View(ash://%s/data, %s, shape=%r)\n[]"
                              % (name, dtype, shape))
    w = arrayshare.attach(name)
    assert w.shape == shape and w.strides == v.strides
    for x in (v[:, ::2], v[1:, ::-3], v.T, v[..., 5:]):
        y = arrayshare.attach(x.descriptor)
        assert (y.shape, y.strides, y.size) == (x.shape, x.strides, 0)
        assert repr(y).endswith("\n[]")
        z = pickle.loads(pickle.dumps(x))
        assert (z.shape, z.strides) == (x.shape, x.strides)
        for u in (x, y, z):
            u.close()
    for u in (v, w):
        u.close()


@needs_numpy
@pytest.mark.parametrize("dtype", ["uint8", "float64"])
@pytest.mark.parametrize("shape", [(0, 2**62), (2**62, 0), (0, 2**62, 2**62)])
def test_empty_beside_huge_dimensions_numpy(names, shape, dtype):
    """np.asarray() gives the empty array whenever NumPy can represent the
    shape; where NumPy itself cannot (the byte count with the 0 left out is
    beyond its limit, e.g. float64 (0, 2**62)), it raises NumPy's own
    ValueError, exactly as np.empty(shape, dtype) does."""
    import numpy as np
    v = arrayshare.create(names(), shape, dtype)
    try:
        ref = np.empty(shape, dtype)
    except ValueError as e:
        with pytest.raises(ValueError, match=str(e)[:20]):
            np.asarray(v)
    else:
        a = np.asarray(v)
        assert a.shape == ref.shape and a.dtype == ref.dtype and a.size == 0
        assert a.strides == ref.strides  # all 0, as NumPy makes them
        assert np.asarray(v[:, ::2]).shape == ref[:, ::2].shape
    v.close()
