# SPDX-License-Identifier: MIT
"""Differential test of views against NumPy (issue 7).

Random shapes (zero-size dimensions included) and dtypes; random chains of
basic indexing (integers, slices with negative steps, ``...``), transpose,
permute, reshape and reinterpret (``view(dtype)``), applied to an arrayshare
view and to the same NumPy array. After every step both must agree:

- on success or failure (an operation NumPy refuses, arrayshare refuses;
  the one documented exception: arrayshare's reshape needs a C-contiguous
  view where NumPy would copy, so a reshape is tried only on contiguous
  views and must raise ContiguityError otherwise);
- on shape, dtype, size and contiguity flags;
- on strides, on every axis of extent > 1 of a non-empty view (the only
  strides that address memory; docs/c-api.md says where arrayshare's differ
  on the others: kept on slices of extent 0 or 1, all 0 on fresh empty
  layouts);
- element by element, through NumPy's zero-copy view of ours (the layout)
  and through ``tolist()`` (the C element getters);
- and the descriptor of the result attaches to the same elements.

Budget: the "ci" Hypothesis profile (200 examples, no deadline) runs in
CTest; ASH_HYPOTHESIS_PROFILE=long runs 20000 examples (a few minutes):

    ASH_HYPOTHESIS_PROFILE=long PYTHONPATH=build/python:tests/python \\
        /usr/bin/python3 -m pytest tests/python/test_differential.py
"""
import contextlib
import math
import os

import pytest

from conftest import has_numpy, new_name

hypothesis = pytest.importorskip("hypothesis")
if not has_numpy():
    pytest.skip("needs NumPy", allow_module_level=True)

import numpy as np  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import arrayshare  # noqa: E402

settings.register_profile(
    "ci", max_examples=200, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "long", max_examples=20000, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow])
PROFILE = os.environ.get("ASH_HYPOTHESIS_PROFILE", "ci")

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
          "uint32", "uint64", "float16", "float32", "float64", "complex64",
          "complex128"]

shapes = st.lists(st.integers(0, 5), min_size=0, max_size=4).map(tuple)


@st.composite
def slice_for(draw, n):
    """A slice of an axis of extent n: bounds inside, outside or absent,
    steps of either sign."""
    bound = st.one_of(st.none(), st.integers(-n - 3, n + 3))
    step = st.one_of(st.none(), st.integers(-4, 4).filter(lambda s: s != 0))
    return slice(draw(bound), draw(bound), draw(step))


@st.composite
def index_key(draw, shape):
    """A basic-indexing key: per leading axis an integer (in range) or a
    slice, possibly ending with ``...``."""
    k = draw(st.integers(0, len(shape)))
    key = []
    for n in shape[:k]:
        if n > 0 and draw(st.booleans()):
            key.append(draw(st.integers(-n, n - 1)))
        else:
            key.append(draw(slice_for(n)))
    if draw(st.booleans()):
        key.append(Ellipsis)
    return tuple(key)


@st.composite
def operation(draw, shape, itemsize):
    kind = draw(st.sampled_from(
        ["index", "index", "index", "T", "permute", "reshape", "view"]))
    if kind == "index":
        return ("index", draw(index_key(shape)))
    if kind == "T":
        return ("T",)
    if kind == "permute":
        return ("permute", tuple(draw(st.permutations(range(len(shape))))))
    if kind == "reshape":
        size = math.prod(shape)
        if size == 0:
            dims = draw(st.lists(st.integers(0, 4), min_size=1, max_size=4))
            dims[draw(st.integers(0, len(dims) - 1))] = 0
        else:
            dims, rest = [], size
            for _ in range(draw(st.integers(0, 3))):
                d = draw(st.sampled_from(
                    [f for f in range(1, rest + 1) if rest % f == 0]))
                dims.append(d)
                rest //= d
            dims.append(rest)
            dims = draw(st.permutations(dims))
            if draw(st.booleans()):  # one dimension inferred
                dims = list(dims)
                dims[draw(st.integers(0, len(dims) - 1))] = -1
        return ("reshape", tuple(dims))
    return ("view", draw(st.sampled_from(DTYPES)))


def reference(shape, dtype):
    """The NumPy array both sides start from: distinct small values."""
    size = math.prod(shape)
    base = np.arange(size, dtype=np.int64)
    if dtype == "bool":
        a = (base % 2).astype(bool)
    elif dtype.startswith("complex"):
        a = (base % 50 + 1j * (base % 7)).astype(dtype)
    else:
        a = (base % 100).astype(dtype)
    return a.reshape(shape)


def apply(op, target):
    """Applies op to a NumPy array or an arrayshare view."""
    if op[0] == "index":
        return target[op[1]]
    if op[0] == "T":
        return target.T
    if op[0] == "permute":
        return target.transpose(op[1])
    if op[0] == "reshape":
        return target.reshape(op[1])
    return target.view(op[1])


@contextlib.contextmanager
def shared_copy(shape, dtype, tag):
    """A new arrayshare array holding reference(shape, dtype): yields
    (view, reference, list of views to close); removes it all after."""
    name = new_name(tag)
    ref = reference(shape, dtype)
    v = arrayshare.create(name, shape, dtype)
    views = [v]
    try:
        if ref.size:
            np.asarray(v)[...] = ref
        yield v, ref, views
    finally:
        for x in reversed(views):
            x.close()
        try:
            arrayshare.unlink(name)
        except arrayshare.NotFoundError:
            pass


def same_values(a, b):
    if a.dtype.kind in "fc":
        return np.array_equal(a, b, equal_nan=True)
    return np.array_equal(a, b)


def check_same(v, ref, what):
    assert isinstance(v, arrayshare.View), what
    assert v.shape == ref.shape, what
    assert v.dtype == ref.dtype.name, what
    assert v.size == ref.size and v.nbytes == ref.nbytes, what
    assert v.c_contiguous == ref.flags.c_contiguous, what
    assert v.f_contiguous == ref.flags.f_contiguous, what
    if ref.size > 0:
        for axis, n in enumerate(ref.shape):
            if n > 1:
                assert v.strides[axis] == ref.strides[axis], (what, axis)
    a = np.asarray(v)  # zero-copy: our layout over our memory
    assert a.shape == ref.shape and a.dtype == ref.dtype, what
    assert same_values(a, ref), what
    if ref.dtype.kind != "f" or not np.isnan(ref).any():
        assert v.tolist() == ref.tolist(), what  # the C element getters


@settings.get_profile(PROFILE)
@given(shape=shapes, dtype=st.sampled_from(DTYPES), data=st.data())
def test_views_match_numpy(shape, dtype, data):
    with shared_copy(shape, dtype, "hyp") as (v, ref, views):
        check_same(v, ref, "fresh %s %s" % (shape, dtype))
        steps = []
        for _ in range(data.draw(st.integers(1, 6), label="steps")):
            op = data.draw(operation(ref.shape, ref.itemsize), label="op")
            steps.append(op)
            what = "%s %s then %s" % (shape, dtype, steps)
            if op[0] == "reshape" and not v.c_contiguous:
                with pytest.raises(arrayshare.ContiguityError):
                    apply(op, v)
                continue
            try:
                new_ref = apply(op, ref)
            except (ValueError, TypeError, IndexError):
                with pytest.raises(arrayshare.Error):
                    apply(op, v)
                continue
            new_v = apply(op, v)
            if not isinstance(new_ref, np.ndarray):  # every axis indexed
                assert not isinstance(new_v, arrayshare.View), what
                assert new_v == new_ref.item(), what
                break
            views.append(new_v)
            check_same(new_v, new_ref, what)
            v, ref = new_v, new_ref
        # the descriptor names the same elements in any process
        w = arrayshare.attach(v.descriptor)
        views.append(w)
        check_same(w, ref, "attached %s" % v.descriptor)


@settings.get_profile(PROFILE)
@given(shape=st.lists(st.integers(0, 6), min_size=1, max_size=3).map(tuple),
       dtype=st.sampled_from(["uint8", "int32", "complex128"]),
       data=st.data())
def test_core_slice_matches_python(shape, dtype, data):
    """The C slice (one axis, Python's bounds) through the low-level
    module, including bounds far outside and huge steps."""
    with shared_copy(shape, dtype, "hyc") as (v, ref, views):
        axis = data.draw(st.integers(0, len(shape) - 1), label="axis")
        big = st.integers(-2**63 + 1, 2**63 - 1)
        small = st.integers(-10, 10)
        start = data.draw(st.one_of(st.none(), small, big), label="start")
        stop = data.draw(st.one_of(st.none(), small, big), label="stop")
        step = data.draw(st.one_of(small, big).filter(lambda s: s != 0),
                         label="step")
        core = arrayshare.core
        none = core.ASH_NONE
        s = core.ash_view_slice(v, axis, none if start is None else start,
                                none if stop is None else stop, step, 0)
        w = arrayshare.View._adopt(s)
        views.append(w)
        key = (slice(None),) * axis + (slice(start, stop, step),)
        check_same(w, ref[key], "slice %s of %s" % (key, shape))
