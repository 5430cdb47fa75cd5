# SPDX-License-Identifier: MIT
"""ash_view_format against NumPy itself: many arrays of every dtype, shape,
stride and print option, compared with numpy.array2string (the core's one
formatter serves repr(), the CLI's dump and the other bindings).

NumPy versions disagree on a few notations (see ash_view_format in
arrayshare.h): NumPy >= 2.3 switches float16 / float32 / complex64 to
scientific notation earlier, and NumPy 2 tests "smallest magnitude below
0.0001" in the element's precision. The formatter follows the newest NumPy.
Under it (python.numpy2) every case is compared with NumPy; under an older
NumPy (python.pytest, Debian's 1.24) the cases where the versions disagree
are compared by value and notation only, the others exactly."""
import math
import random
import re

import numpy as np
import pytest

import arrayshare
from arrayshare import core


DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
          "uint32", "uint64", "float16", "float32", "float64", "complex64",
          "complex128"]


def values(rng, dtype, n):
    """Values that exercise the formatter: signs, magnitudes, specials."""
    d = np.dtype(dtype)
    if d.kind == "b":
        return np.array([rng.random() < 0.5 for _ in range(n)], dtype=bool)
    if d.kind in "iu":
        info = np.iinfo(d)
        span = rng.choice([10, 1000, int(info.max)])
        lo = max(int(info.min), -span)
        return np.array([rng.randint(lo, min(span, int(info.max)))
                         for _ in range(n)], dtype=d)
    scale = 10.0 ** rng.choice([-6, -3, 0, 2, 5, 9])
    x = (np.array([rng.uniform(-1, 1) for _ in range(n)]) * scale)
    if rng.random() < 0.3:
        x = np.round(x)
    if n and rng.random() < 0.2:
        x[rng.randrange(n)] = rng.choice([np.nan, np.inf, -np.inf, 0.0])
    with np.errstate(all="ignore"):  # float16 overflows to inf: wanted
        if d.kind == "c":
            return (x + 1j * x[::-1]).astype(d)
        return x.astype(d)


# Does the installed NumPy have the rules ash_view_format follows (>= 2.3)?
NEWEST = np.array2string(np.array([1000.0], np.float16)) == "[1.e+03]"
# The reference is the installed NumPy's own default output: the newest
# NumPy prints as the library does; a NumPy between 2.2 and the newest rule
# is asked for the 1.x notation (legacy="2.1"), which the cases below then
# compare by value where the rules differ, as under NumPy 1.x.
LEGACY = ({"legacy": "2.1"}
          if not NEWEST and
          tuple(int(x) for x in np.__version__.split(".")[:2]) >= (2, 2)
          else {})
# Where NumPy >= 2.3 starts scientific notation (arrays and scalars).
SCI_FROM = {"float16": 1e3, "float32": 1e6, "complex64": 1e6}


def shown(a, edge, threshold):
    """The elements array2string formats: all, or the corners it shows."""
    if a.size <= threshold:
        return a
    for axis, n in enumerate(a.shape):
        if n > 2 * edge:
            keep = list(range(edge)) + list(range(n - edge, n))
            a = a.take(keep, axis=axis)
    return a


def notation_rules(a):
    """(cutoff, nep50): whether NumPy < 2.3 and >= 2.3 print the values of
    @a (what array2string formats; 0-d: the scalar) in different notations
    because of the scientific-notation cutoff, and, for the rest, because
    NumPy 1.x tests "min < 0.0001" in float64 and NumPy 2 in the dtype."""
    cutoff = nep50 = False
    sci_from = SCI_FROM.get(a.dtype.name)
    if sci_from is None:
        return cutoff, nep50
    parts = (a.real, a.imag) if a.dtype.kind == "c" else (a,)
    for p in parts:
        if a.ndim == 0:
            x = abs(float(p))
            cutoff |= math.isfinite(x) and sci_from <= x < 1e16
            continue
        finite = p[np.isfinite(p)]
        mags = np.abs(finite[finite != 0])
        if mags.size == 0:
            continue
        mx, mn = mags.max(), mags.min()
        with np.errstate(over="ignore"):
            ratio = bool(mx / mn > 1000.0)  # in the dtype, for every NumPy
        small_1x = float(mn) < 1e-4
        small_2x = bool(mn < mn.dtype.type(1e-4))
        newest = float(mx) >= sci_from or small_2x or ratio
        cutoff |= (float(mx) >= 1e8 or small_2x or ratio) != newest
        nep50 |= (float(mx) >= 1e8 or small_1x or ratio) != \
            (float(mx) >= 1e8 or small_2x or ratio)
    return cutoff, nep50


NUMBER = re.compile(r"[-+]?(?:nan|inf|\d+\.?\d*(?:e[-+]\d+)?)")


def numbers(text, dtype):
    """The numbers in a printed array, as values of @dtype (complex: of its
    parts' dtype), in order."""
    part = np.dtype(dtype).type(0).real.dtype
    return np.array([float(t) for t in NUMBER.findall(text)]).astype(part)


def test_matches_numpy_array2string(names):
    rng = random.Random(20261130)
    checked = differing = 0
    for dtype in DTYPES:
        for _ in range(12):
            ndim = rng.randint(0, 3)
            shape = tuple(rng.choice([0, 1, 2, 3, 7]) for _ in range(ndim))
            if rng.random() < 0.15:  # large enough to summarise
                shape = (rng.choice([40, 1200]),) + shape[1:]
            with arrayshare.create(names(), shape, dtype) as v:
                a = np.asarray(v)
                a[...] = values(rng, dtype, a.size).reshape(shape)
                key = tuple(slice(None, None, rng.choice([1, -1, 2]))
                            for _ in range(ndim))
                w = v[key] if ndim else v
                ref = np.asarray(w)
                for sep, flags in ((" ", 0), (", ", core.ASH_FORMAT_COMMA)):
                    edge = rng.choice([0, 1, 3])
                    threshold = rng.choice([-1, 5, 1000])
                    width = rng.choice([0, 40, 75])
                    got = core.ash_view_format(w, flags, threshold, edge,
                                               width, 0)
                    want = np.array2string(
                        ref, separator=sep,
                        threshold=1000 if threshold < 0 else threshold,
                        edgeitems=edge or 3, max_line_width=width or 75,
                        **LEGACY)
                    if ref.ndim == 0:
                        want = str(ref[()])
                    why = (dtype, shape, key, flags, edge, threshold, width,
                           got, want)
                    cutoff, nep50 = notation_rules(shown(
                        ref, edge or 3, 1000 if threshold < 0 else threshold))
                    if NEWEST:
                        with np.printoptions(legacy="2.2"):  # the old cutoff
                            old = (np.array2string(
                                ref, separator=sep,
                                threshold=1000 if threshold < 0 else threshold,
                                edgeitems=edge or 3,
                                max_line_width=width or 75)
                                if ref.ndim else str(ref[()]))
                        assert (old != want) == cutoff, why
                    if NEWEST or not (cutoff or nep50):
                        assert got == want, why
                        checked += 1
                    else:  # the same values, in the other notation
                        assert got != want, why
                        assert np.array_equal(numbers(got, dtype),
                                              numbers(want, dtype),
                                              equal_nan=True), why
                        differing += 1
                if w is not v:
                    w.close()
    assert checked > 300
    assert NEWEST or differing > 0  # the rule above was exercised


# Where NumPy versions print differently, the newest NumPy's text (and cases
# next to them where every version agrees): (dtype, value(s), text, whether
# NumPy < 2.3 prints the same).
NOTATION = [
    ("float16", [1000.0], "[1.e+03]", False),
    ("float16", [999.0, 1.0], "[999.   1.]", True),
    ("float16", [100.0, 0.1], "[100.    0.1]", True),   # 1000.24 is 1000.0
    ("float16", [65504.0, 65.5], "[6.55e+04 6.55e+01]", False),
    ("float32", [1e6], "[1.e+06]", False),
    ("float32", [999999.0], "[999999.]", True),
    ("float32", [1e-4, 2e-4], "[0.0001 0.0002]", False),   # NEP 50
    ("complex64", [1e6 + 1j], "[1.e+06+1.j]", False),
    ("float64", [1e7], "[10000000.]", True),
    ("float16", 1000.0, "1e+03", False),
    ("float16", 999.5, "999.5", True),
    ("float32", 1e6, "1e+06", False),
    ("complex64", 1e6 + 2e6j, "(1e+06+2e+06j)", False),
    ("float64", 1e6, "1000000.0", True),
]


@pytest.mark.parametrize("dtype, values, text, same_before", NOTATION)
def test_notation_follows_newest_numpy(names, dtype, values, text,
                                       same_before):
    a = np.array(values, dtype)
    with arrayshare.create(names(), a.shape, dtype) as v:
        np.asarray(v)[...] = a
        assert core.ash_view_format(v, 0, -1, 0, 0, 0) == text
        # ASH_FORMAT_PLAIN values switch at 1e16 whatever the dtype
        plain = core.ash_view_format(v, core.ASH_FORMAT_PLAIN, -1, 0, 0, 0)
        assert "e+" not in plain
    want = np.array2string(a) if a.ndim else str(a[()])
    assert (text == want) == (NEWEST or same_before)
    assert notation_rules(a) != (False, False) or same_before


@pytest.mark.parametrize("dtype", DTYPES)
def test_repr_is_numpy_repr_style(names, dtype):
    with arrayshare.create(names(), (2, 3), dtype) as v:
        np.asarray(v)[...] = np.arange(6).reshape(2, 3).astype(dtype)
        want = np.array2string(np.asarray(v), separator=", ")
        assert str(v) == want
        assert repr(v).endswith("\n" + want)
