# SPDX-License-Identifier: MIT
"""Views as NumPy users expect them: numbers (float/int/bool/index), dtypes
comparable with NumPy's, arithmetic and comparisons through ufuncs, ndarray
methods; arrayshare.ndarray (slices that stay shared and pickle as
descriptors, also through a Pool and joblib) and view_of."""
import copy
import multiprocessing as mp
import operator
import pickle

import numpy as np
import pytest

import arrayshare
import ash_workers

METHODS = [m for m in ("fork", "spawn") if m in mp.get_all_start_methods()]


# ---- numbers ----------------------------------------------------------------

def test_one_element_views_are_numbers(names):
    v = arrayshare.create(names(), (2, 3), "uint8")
    v[1, 2] = 55
    one = v[1, 2:3]
    # CPython used to parse a buffer's bytes as text: float() gave 7.0.
    assert float(one) == 55.0 and type(float(one)) is float
    assert int(one) == 55 and complex(one) == 55 + 0j
    assert bool(one) is True and bool(v[0, 0:1]) is False
    assert float(v[1:2, 2:3]) == 55.0  # any ndim, as NumPy
    zero_d = v[1:2, 2:3].reshape()
    assert zero_d.ndim == 0 and operator.index(zero_d) == 55
    assert list(range(100))[zero_d] == 55  # a 0-d integer view is an index
    w = arrayshare.create(names(), 3, "float64")
    w[0] = 2.75
    assert int(w[0:1]) == 2 and float(w[0:1]) == 2.75
    w[0] = float("nan")
    with pytest.raises(ValueError):
        int(w[0:1])
    with pytest.raises(TypeError, match="0-d integer"):
        operator.index(w[0:1].reshape())  # float: not an index (NumPy too)
    with pytest.raises(TypeError, match="0-d integer"):
        operator.index(v[1, 2:3])  # 1-d: not an index (NumPy too)
    for big in (v, w, v[0]):
        with pytest.raises(TypeError, match="size-1"):
            float(big)
        with pytest.raises(TypeError, match="size-1"):
            int(big)
    with pytest.raises(ValueError, match="ambiguous"):
        bool(v)
    with pytest.raises(ValueError, match="empty"):
        bool(v[0, 3:])
    c = arrayshare.create(names(), 1, "complex128")
    c[0] = 1 + 2j
    assert complex(c) == 1 + 2j
    with pytest.raises(TypeError):
        float(c)  # NumPy raises too (it would drop the imaginary part)
    one.close()
    with pytest.raises(arrayshare.ClosedError):
        float(one)
    with pytest.raises(arrayshare.ClosedError):
        bool(one)
    for x in (v, w, c):
        x.close()


def test_views_in_elements(name):
    v = arrayshare.create(name, 4, "int32")
    v[0] = 7
    v[1] = v[0:1].reshape()  # a 0-d view is its element
    assert v[1] == 7
    with pytest.raises(TypeError, match="1-d view"):
        v[2] = v[0:1]  # NumPy: setting an array element with a sequence
    v[2:4] = v[0:2]  # slices copy
    assert v.tolist() == [7, 7, 7, 7]
    v.close()


# ---- dtypes ------------------------------------------------------------------

def test_dtype_compares_with_numpy(name):
    v = arrayshare.create(name, 2, "float32")
    d = v.dtype
    assert isinstance(d, arrayshare.DType) and isinstance(d, str)
    for same in ("float32", "<f4", "f4", np.float32, np.dtype("float32"),
                 arrayshare.DType("f4")):
        assert d == same and same == d and not d != same
    for other in ("float64", np.float64, float, np.dtype("i4"), "nonsense",
                  None, 3):
        assert d != other and not d == other
    assert np.dtype(d) == np.float32 and v.numpy_dtype == np.float32
    assert d.numpy == np.dtype("float32")
    assert str(d) == "float32" and repr(d) == "dtype('float32')"
    assert "%s" % d == "float32" and d.name == "float32"
    assert (d.itemsize, d.kind, d.str) == (4, "f", "<f4")
    assert hash(d) == hash("float32") and {d: 1}["float32"] == 1
    assert pickle.loads(pickle.dumps(d)) == d
    assert np.zeros(2, dtype=d).dtype == np.float32
    assert [x.kind for x in arrayshare.DTYPES] == list("biiiiuuuufffcc")
    assert v.view("uint8").dtype == np.uint8
    assert arrayshare.DType() == np.float64
    with pytest.raises(arrayshare.DtypeError):
        arrayshare.DType("int99")
    v.close()


# ---- arithmetic and comparisons ------------------------------------------------

def test_operators_go_through_numpy(names):
    v = arrayshare.create(names(), (2, 3), "float64")
    v[...] = [[1, 2, 3], [4, 5, 6]]
    a = np.asarray(v)
    for got, want in ((v + 1, a + 1), (1 + v, 1 + a), (v - v, a - a),
                      (2 * v, 2 * a), (v / 2, a / 2), (v // 2, a // 2),
                      (v % 4, a % 4), (v ** 2, a ** 2), (-v, -a), (+v, +a),
                      (abs(-v), a), (v @ v.T, a @ a.T), (a + v, a + a)):
        assert type(got) is np.ndarray
        assert np.array_equal(got, want)
    assert np.array_equal(v == 2, a == 2) and (v == 2).dtype == bool
    assert np.array_equal(v != 2, a != 2) and np.array_equal(v < 3, a < 3)
    assert np.array_equal(v <= 3, a <= 3) and np.array_equal(v > 3, a > 3)
    assert np.array_equal(v >= 3, a >= 3)
    q, r = divmod(v, 4)
    assert np.array_equal(q, a // 4) and np.array_equal(r, a % 4)
    # in place: the shared memory changes, the name keeps the view
    w = v
    v += 1
    assert v is w and isinstance(v, arrayshare.View)
    assert v.tolist() == [[2, 3, 4], [5, 6, 7]]
    v[0] *= 10
    assert v.tolist() == [[20, 30, 40], [5, 6, 7]]
    assert np.add(v, 1, out=v) is v
    assert v[1, 2] == 8
    ref = np.asarray(v).copy()
    out = np.subtract(v, 1, out=v[::-1])  # overlapping out, as NumPy
    assert isinstance(out, arrayshare.View)
    assert v.tolist() == (ref - 1)[::-1].tolist()
    assert np.multiply.at(v, (0, 0), 2) is None
    assert v[0, 0] == 2 * (ref[1, 0] - 1)
    ref = np.asarray(v).copy()
    q, r = np.divmod(v[0], 3, out=(v[0], v[1]))
    assert isinstance(q, arrayshare.View) and isinstance(r, arrayshare.View)
    assert v.tolist() == [(ref[0] // 3).tolist(), (ref[0] % 3).tolist()]
    i = arrayshare.create(names(), 4, "int64")
    i[...] = [1, 2, 3, 4]
    assert np.array_equal(i & 1, [1, 0, 1, 0]) and np.array_equal(i << 1, [2, 4, 6, 8])
    assert np.array_equal(~i, [-2, -3, -4, -5]) and np.array_equal(i ^ i, [0] * 4)
    i |= 8
    assert i.tolist() == [9, 10, 11, 12]
    with pytest.raises(TypeError):
        hash(v)  # == is elementwise: unhashable, like ndarrays
    ro = v.as_readonly()
    with pytest.raises(arrayshare.ReadOnlyError):
        ro += 1
    with pytest.raises(arrayshare.ReadOnlyError):
        np.add(v, 1, out=ro)
    assert np.array_equal(ro + 0, np.asarray(v))  # reading is fine
    for x in (v, i, ro):
        x.close()


def test_operator_defers_to_array_ufunc_none(name):
    class Other:
        __array_ufunc__ = None

        def __radd__(self, other):
            return "radd"

    with arrayshare.create(name, 2) as v:
        assert v + Other() == "radd"


def test_ndarray_methods(names):
    with arrayshare.create(names(), (2, 3), "int32") as v:
        v[...] = [[3, 1, 2], [6, 5, 4]]
        a = np.asarray(v).copy()
        assert v.sum() == 21 and v.sum(axis=0).tolist() == [9, 6, 6]
        assert v.mean() == 3.5 and v.min() == 1 and v.max() == 6
        assert v.argmax() == 3 and v.argmin() == 1 and v.prod() == 720
        assert v.std() == a.std() and v.var() == a.var()
        assert v.any() and v.all() and not (v - v).any()
        assert v.astype("float32").dtype == np.float32
        assert v.cumsum().tolist() == a.cumsum().tolist()
        assert v.clip(2, 5).tolist() == a.clip(2, 5).tolist()
        assert v.nonzero()[0].tolist() == a.nonzero()[0].tolist()
        assert v.dot(v.T).tolist() == a.dot(a.T).tolist()
        assert v.round().tolist() == a.tolist()
        with arrayshare.create(names(), 2, "int64") as o:
            assert v.sum(axis=1, out=o) is o
            assert o.tolist() == [6, 15]
        assert arrayshare.View.sum.__doc__.startswith("numpy.ndarray.sum")


# ---- arrayshare.ndarray ----------------------------------------------------------

def test_ndarray_is_a_shared_ndarray(name):
    v = arrayshare.create(name, (4, 3), "float64")
    a = v.ndarray()
    assert isinstance(a, np.ndarray) and type(a) is arrayshare.ndarray
    assert a.shape == (4, 3) and a.dtype == np.float64
    a[1:3] = 5  # the whole NumPy API, on the shared memory
    np.add(a, 1, out=a)
    assert v.tolist() == [[1] * 3, [6] * 3, [6] * 3, [1] * 3]
    for b in (arrayshare.ndarray(v), arrayshare.ndarray(name),
              arrayshare.ndarray(v.descriptor), arrayshare.ndarray(np.asarray(v))):
        assert type(b) is arrayshare.ndarray
        assert np.shares_memory(b, a)
    # views stay shared ndarrays; results in new memory are plain
    for s in (a[1:3], a[::-1, 1], a.T, a.reshape(12), a[..., None],
              a.view(np.int64), a.ravel(), a[2]):
        assert type(s) is arrayshare.ndarray and np.shares_memory(s, a)
    for r in (a + 1, a * a, np.sin(a), a[[0, 2]] + 0, a.copy(), copy.copy(a),
              copy.deepcopy(a), np.array(a, subok=False)):
        assert type(r) is np.ndarray and not np.shares_memory(r, a)
    s = a.sum()
    assert s == 42 and not isinstance(s, np.ndarray)  # scalars, not 0-d arrays
    assert type(a.sum(axis=0)) is np.ndarray
    ro = arrayshare.ndarray(name, readonly=True)
    assert not ro.flags.writeable
    with pytest.raises(ValueError):
        ro[0, 0] = 1
    with pytest.raises(arrayshare.InvalidArgumentError):
        arrayshare.ndarray(np.zeros(3))
    with pytest.raises(arrayshare.NotFoundError):
        arrayshare.ndarray(name + "-none")
    v.close()


def test_ndarray_slices_pickle_as_descriptors(name):
    v = arrayshare.create(name, (1000, 64), "float64")
    a = v.ndarray()
    for s in (a[10:11], a[::-7, 3], a[5:9].T, a.view(np.int64)[2, ::3],
              a.reshape(64000)[7:99:5], a[0, 0:0], a[3:4, ...]):
        data = pickle.dumps(s)
        assert len(data) < 200  # never the data
        t = pickle.loads(data)
        assert type(t) is arrayshare.ndarray
        assert t.shape == s.shape and t.strides == s.strides
        assert t.dtype == s.dtype
        if t.size:
            assert np.shares_memory(t, a)
            t.flat[0] = 7
            assert s.flat[0] == 7
    # slices pickle against the same whole-array view: a Pool chunk holds
    # it once and each slice as a few integers
    assert a[1:2].__reduce_ex__(5)[1][0] is a[7:9].__reduce_ex__(5)[1][0]
    one = len(pickle.dumps([a[1:2]], 5))
    many = len(pickle.dumps([a[i:i + 1] for i in range(9)], 5))
    assert many - one < 8 * 40
    assert arrayshare.core._root_view(a[3:4].T) is v
    assert arrayshare.core._root_view(np.zeros(2)) is None
    assert arrayshare.core._root_view("not a buffer") is None
    ro = a[2:3]
    ro.flags.writeable = False
    back = pickle.loads(pickle.dumps(ro))
    assert not back.flags.writeable  # read-only travels
    # memory NumPy allocated pickles as data and loads as a plain ndarray
    fancy = a[[1, 2]]
    assert type(fancy) is arrayshare.ndarray
    f = pickle.loads(pickle.dumps(fancy))
    assert type(f) is np.ndarray and not np.shares_memory(f, a)
    for proto in range(2, pickle.HIGHEST_PROTOCOL + 1):
        t = pickle.loads(pickle.dumps(a[4:5], proto))
        assert np.shares_memory(t, a)
    be = a.view(">f8")
    with pytest.raises(arrayshare.DtypeError):
        pickle.dumps(be)  # no silent copy: the library has no big-endian
    v.close()


@pytest.mark.parametrize("method", METHODS)
def test_pool_map_of_ndarray_slices_writes_back(name, method):
    v = arrayshare.create(name, (64, 8), "float64")
    a = v.ndarray()
    a[...] = -1
    with mp.get_context(method).Pool(2) as pool:
        got = pool.map(ash_workers.nd_row_number,
                       [a[i:i + 1] for i in range(64)])
    assert got == ["ndarray"] * 64
    assert np.array_equal(a, np.repeat(np.arange(64.0), 8).reshape(64, 8))
    v.close()


@pytest.mark.parametrize("method", METHODS)
def test_operators_in_workers(name, method):
    v = arrayshare.create(name, (4, 2), "int64")
    with mp.get_context(method).Pool(2) as pool:
        got = pool.map(ash_workers.add_one, [v[0], v[1:3], v.ndarray()[3]])
    assert got == ["View", "View", "ndarray"]
    assert v.tolist() == [[1, 1], [1, 1], [1, 1], [1, 1]]
    v.close()


# ---- view_of ------------------------------------------------------------------

def test_view_of(name):
    v = arrayshare.create(name, (5, 4), "int16")
    a = np.asarray(v)
    a[...] = np.arange(20).reshape(5, 4)
    for x in (a, a[1:3], a[::-2, ::3], a.T, a.reshape(20)[3:], a[2, 1, ...],
              a.view(np.uint8)[1:, 2:], v.ndarray()[4], memoryview(v)[1:]):
        w = arrayshare.view_of(x)
        assert isinstance(w, arrayshare.View)
        y = np.asarray(x)
        assert w.shape == y.shape and w.strides == y.strides
        assert w.dtype == y.dtype and w.address == y.__array_interface__["data"][0]
        assert np.array_equal(np.asarray(w), y)
        assert w.segment_name == name and w.array_name == "data"
    assert arrayshare.view_of(v) is v
    ro = np.asarray(v.as_readonly())[1:]
    assert arrayshare.view_of(ro).readonly
    a2 = a[2:]
    a2.flags.writeable = False
    assert arrayshare.view_of(a2).readonly
    assert arrayshare.view_of(a[1:2]).descriptor == v[1:2].descriptor
    for bad in (np.zeros(3), a.copy(), a + 1, a[[0, 1]], np.from_dlpack(v)):
        with pytest.raises(arrayshare.InvalidArgumentError,
                           match="does not live on an arrayshare segment"):
            arrayshare.view_of(bad)
    with pytest.raises(arrayshare.DtypeError):
        arrayshare.view_of(a.view(">i2"))
    v.close()


# ---- joblib ------------------------------------------------------------------

@pytest.mark.parametrize("backend", ["loky", "multiprocessing"])
def test_joblib_parallel_writes_back(name, backend):
    joblib = pytest.importorskip("joblib")
    # 2 MB: above joblib's max_nbytes (1 MB), where a plain ndarray would be
    # turned into a read-only memmap (and below it, silently copied).
    v = arrayshare.create(name, (64, 4096), "float64")
    a = v.ndarray()
    with joblib.Parallel(n_jobs=2, backend=backend) as parallel:
        got = parallel(joblib.delayed(ash_workers.nd_row_number)(a[i:i + 1])
                       for i in range(0, 64, 2))
        assert got == ["ndarray"] * 32
        parallel(joblib.delayed(ash_workers.row_number)(v[i:i + 1])
                 for i in range(1, 64, 2))
        parallel(joblib.delayed(ash_workers.add_one)(x) for x in (v, a))
    assert np.array_equal(a[:, 0], np.arange(64.0) + 2)
    assert np.all(a == a[:, :1])
    v.close()
