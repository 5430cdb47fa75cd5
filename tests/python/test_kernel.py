# SPDX-License-Identifier: MIT
"""arrayshare.kernel: compiled code on views from Python (the C behaviour is
tested in tests/c/test-kernel.c and the conformance cases; here: the Python
shape of it, the GIL, closing)."""
import ctypes
import os
import threading
import time

import pytest

import arrayshare

LIB = os.environ.get("ASH_TEST_KERNELS")
pytestmark = pytest.mark.skipif(LIB is None, reason="ASH_TEST_KERNELS is not set")

AXPY = ("void tk_axpy(int n, double a, const double *x, int incx, double *y,"
        " int incy)")
AXPY_BIND = "n=size(x)=size(y), a=a, x=x, incx=inc(x), y=y, incy=inc(y), split(n)"


def vec(name, values, dtype="float64"):
    v = arrayshare.create(name, (len(values),), dtype)
    for i, x in enumerate(values):
        v[i] = x
    return v


def test_call_by_position_and_name(names):
    x = vec(names(), [1, 2, 3, 4])
    y = vec(names(), [10, 20, 30, 40])
    with arrayshare.kernel(LIB, AXPY, bind=AXPY_BIND) as k:
        assert k.kind == "plain"
        assert k.views == ("x", "y") and k.scalars == ("a",)
        assert k.writes == ("y",)
        assert k.signature.startswith("void tk_axpy(int32_t n")
        assert k(x, y, 2.0) is None
        assert y.tolist() == [12, 24, 36, 48]
        k(y=y, x=x, a=-1, threads=2)
        assert y.tolist() == [11, 22, 33, 44]
        k(x[::-1], y[::-1], a=1)  # BLAS's negative increments
        assert y.tolist() == [12, 24, 36, 48]
        with pytest.raises(TypeError, match="missing a"):
            k(x, y)
        with pytest.raises(TypeError, match="given twice"):
            k(x, y, 1, a=2)
        with pytest.raises(TypeError, match="no operand 'b'"):
            k(x, y, b=1)
        with pytest.raises(TypeError, match="takes 3 arguments"):
            k(x, y, 1, 2)
        with pytest.raises(arrayshare.ShapeError, match="size"):
            k(x[:2], y, a=1)
        with pytest.raises(arrayshare.ReadOnlyError):
            k(x, arrayshare.attach(y.descriptor, readonly=True), a=1)
    assert k.closed and repr(k) == "<arrayshare.Kernel closed>"
    k.close()  # again: nothing
    with pytest.raises(arrayshare.InvalidArgumentError, match="closed"):
        k(x, y, a=1)
    x.close()
    y.close()


def test_results_in_their_type(names):
    x = vec(names(), [1.5, 2.5])
    s = arrayshare.kernel(LIB, "double tk_sum(int64_t n, const double *x, "
                          "int64_t inc)", "n=size(x), x=x, inc=stride(x)")
    assert s(x) == 4.0 and isinstance(s(x), float)
    big = arrayshare.kernel(LIB, "int64_t tk_big(void)")
    assert big() == 2**53 and isinstance(big(), int)
    minus = arrayshare.kernel(LIB, "int8_t tk_minus(int8_t x)", "x=v")
    assert minus(v=5) == -5
    labs = arrayshare.kernel(None, "long labs(long x)", "x=x")
    assert labs(-7) == 7
    with pytest.raises(arrayshare.ConversionError):
        minus(2.5)
    x.close()


def test_map_loop_and_address(names):
    x = vec(names(), [0, 1, 4, 9])
    y = vec(names(), [0, 0, 0, 0])
    sqrt = arrayshare.kernel("libm.so.6", "map double sqrt(double)")
    assert sqrt.kind == "map" and sqrt.views == ("in0", "out")
    assert sqrt(x, y) is None
    assert y.tolist() == [0, 1, 2, 3]
    add = arrayshare.kernel(LIB, "loop tk_add(f8 a, f8 b -> f8 out)")
    add(x, y, out=y, threads=0)
    assert y.tolist() == [0, 2, 6, 12]
    fn = ctypes.CDLL(LIB).tk_poly
    poly = arrayshare.kernel(ctypes.cast(fn, ctypes.c_void_p).value,
                             "map double p(double)")
    poly(x, y)
    assert y.tolist() == [1, 6, 57, 262]
    with pytest.raises(arrayshare.DtypeError):
        poly(vec(names(), [1], "int32"), y)
    x.close()
    y.close()


def test_errors_when_opening():
    with pytest.raises(arrayshare.LibraryError, match="cannot open"):
        arrayshare.kernel("libash-nope.so.1", "map double f(double)")
    with pytest.raises(arrayshare.SignatureError, match="column 8"):
        arrayshare.kernel(LIB, "void f(struct s x)")
    with pytest.raises(arrayshare.SignatureError, match="not bound"):
        arrayshare.kernel(LIB, AXPY, "n=size(x)")
    with pytest.raises(arrayshare.SizeOverflowError):
        arrayshare.kernel(LIB, "int8_t tk_minus(int8_t x)", "x=300")
    assert arrayshare.max_threads() >= 1


def test_overlap_is_refused_when_split(names):
    v = vec(names(), [1] * 5)
    k = arrayshare.kernel(LIB, AXPY, bind=AXPY_BIND)
    if arrayshare.max_threads() > 1:
        with pytest.raises(arrayshare.OverlapError):
            k(v[:4], v[1:], a=1, threads=2)
    k(v[:4], v[1:], a=1)
    assert v.tolist() == [1, 2, 3, 4, 5]
    v.close()


def test_the_gil_is_released_during_a_call(names):
    """Two Python threads in a kernel at once: each waits (up to 5 s) for
    the other to enter, which a held GIL would prevent."""
    t = vec(names(), [0, 0], "int64")
    reset = ctypes.CDLL(LIB).tk_record_reset
    rec = arrayshare.kernel(LIB, "void tk_record(int64_t n, int64_t *tid)",
                            "n=size(tid), tid=tid")
    reset(2)
    other = threading.Thread(target=rec, args=(t[1:],))
    start = time.monotonic()
    other.start()
    rec(t[:1])
    other.join()
    assert time.monotonic() - start < 4
    assert t[0] != t[1]  # two threads, two thread ids
    t.close()


def test_a_view_closed_during_a_call_stays_mapped(names):
    seg = names()
    t = vec(seg, [0] * 1000, "int64")
    reset = ctypes.CDLL(LIB).tk_record_reset
    record = ctypes.CDLL(LIB).tk_record
    rec = arrayshare.kernel(LIB, "void tk_record(int64_t n, int64_t *tid)",
                            "n=size(tid), tid=tid")
    reset(2)
    done = []

    def close_meanwhile():
        time.sleep(0.05)
        t.close()
        arrayshare.unlink(seg)
        done.append(not os.path.exists("/dev/shm/ash." + seg))
        record(ctypes.c_int64(0), None)  # the second entry

    other = threading.Thread(target=close_meanwhile)
    start = time.monotonic()
    other.start()
    rec(t)  # writes 1000 elements after the view was closed and unlinked
    other.join()
    assert done == [True] and t.closed
    assert time.monotonic() - start < 4
