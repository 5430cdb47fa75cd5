"""ash_view_format against NumPy itself: many arrays of every dtype, shape,
stride and print option, compared with numpy.array2string (the core's one
formatter serves repr(), the CLI's dump and the other bindings)."""
import random

import numpy as np
import pytest

import arrayshare
from arrayshare import core

# NumPy 2.2 prints float16 magnitudes from 1e3 and float32 from 1e6 in
# scientific notation (before: from 1e8 for every float); the library prints
# as NumPy 1.x to 2.1 do, which NumPy >= 2.2 gives with legacy="2.1".
LEGACY = ({"legacy": "2.1"}
          if tuple(int(x) for x in np.__version__.split(".")[:2]) >= (2, 2)
          else {})

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


def test_matches_numpy_array2string(names):
    rng = random.Random(20261130)
    checked = 0
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
                    assert got == want, (dtype, shape, key, flags, edge,
                                         threshold, width, got, want)
                    checked += 1
                if w is not v:
                    w.close()
    assert checked > 300


@pytest.mark.parametrize("dtype", DTYPES)
def test_repr_is_numpy_repr_style(names, dtype):
    with arrayshare.create(names(), (2, 3), dtype) as v:
        np.asarray(v)[...] = np.arange(6).reshape(2, 3).astype(dtype)
        want = np.array2string(np.asarray(v), separator=", ")
        assert str(v) == want
        assert repr(v).endswith("\n" + want)
