# SPDX-License-Identifier: MIT
"""Run by test_nonumpy.py in a fresh interpreter, with NumPy unavailable.
argv[1]: a unique segment name prefix; argv[2]: "block" to block numpy."""
import sys

if sys.argv[2] == "block":
    sys.modules["numpy"] = None  # "import numpy" now raises ImportError

import pickle  # noqa: E402

import arrayshare  # noqa: E402

try:
    import numpy  # noqa: F401
    raise SystemExit("numpy is importable")
except ImportError:
    pass

name = sys.argv[1]
v = arrayshare.create(name, (2, 3), float)
try:
    v[...] = [[1, 2, 3], [4, 5, 6]]
    v[0] = [7, 8, 9]
    v[1, ::2] = 0
    assert v.tolist() == [[7.0, 8.0, 9.0], [0.0, 5.0, 0.0]]
    assert v.copy() == v.tolist()
    assert repr(v).startswith("View(ash://%s/data, float64, shape=(2, 3))\n"
                              "[[7., 8., 9.]," % name), repr(v)
    m = memoryview(v)
    assert m.tolist() == v.tolist() and m.format == "d"
    w = pickle.loads(pickle.dumps(v[1]))
    assert w.tolist() == [0.0, 5.0, 0.0]
    assert v.view("uint8").shape == (2, 24)
    try:
        v.numpy_dtype
        raise SystemExit("numpy_dtype without numpy")
    except ImportError:
        pass
    try:
        arrayshare.create(name + "x", 1, object)
        raise SystemExit("object dtype accepted")
    except TypeError:
        pass
    b = arrayshare.create(name + "b", 3, "bool")
    b[...] = [True, 0, 1]
    assert b.tolist() == [True, False, True]
    import array
    b2 = arrayshare.create(name + "c", 3, "int16")
    b2[...] = array.array("h", [1, 2, 3])
    b2[::-1] = array.array("d", [1.0, 2.0, 3.0])
    assert b2.tolist() == [3, 2, 1]
    b.close()
    b2.close()
    # Numbers and dtypes need no NumPy; arithmetic and comparisons say that
    # they do (never a silent identity comparison).
    assert float(v[0, 1:2]) == 8.0 and int(v[0, 0:1]) == 7
    assert v.dtype == "float64" and v.dtype == "<f8" and v.dtype == float
    assert v.dtype != "int64" and v.dtype.itemsize == 8
    for op in (lambda: v + 1, lambda: v == 1, lambda: v < 1, lambda: -v,
               lambda: v.sum()):
        try:
            op()
            raise SystemExit("an operator worked without NumPy")
        except TypeError as exc:
            assert "needs NumPy" in str(exc), exc
    try:
        v += 1
        raise SystemExit("+= worked without NumPy")
    except TypeError as exc:
        assert "needs NumPy" in str(exc), exc
    try:
        arrayshare.ndarray
        raise SystemExit("arrayshare.ndarray without NumPy")
    except ImportError:
        pass
    assert "ndarray" not in arrayshare.__all__
    ns = {}
    exec("from arrayshare import *", ns)
    assert "View" in ns and "ndarray" not in ns
    print("ok")
finally:
    arrayshare.unlink(name)
    v.close()
