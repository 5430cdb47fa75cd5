# SPDX-License-Identifier: MIT
"""Module-level API: create, attach, unlink, ls, gc, arena_bytes,
dtype_name; segments (Segment); file-backed segments; bad inputs."""
import os
import pathlib
import stat

import pytest

import arrayshare
from arrayshare import core as c


def test_create_attach_unlink(name):
    v = arrayshare.create(name, (2, 3), "int32")
    assert name in arrayshare.ls()
    v[1, 2] = 5
    w = arrayshare.attach(name)
    assert w.shape == (2, 3) and w[1, 2] == 5 and not w.readonly
    assert arrayshare.attach("ash://%s" % name)[1, 2] == 5
    assert arrayshare.attach("ash://%s/data" % name)[1, 2] == 5
    sub = arrayshare.attach("%s/data[1, ::-1]" % name)
    assert sub.tolist() == [5, 0, 0]
    assert arrayshare.attach(v[1, 1:].descriptor).tolist() == [0, 5]
    ro = arrayshare.attach(name, readonly=True)
    assert ro.readonly
    with pytest.raises(arrayshare.ExistsError) as ei:
        arrayshare.create(name, 1, "int8")
    assert isinstance(ei.value, FileExistsError)
    arrayshare.unlink(name)
    assert name not in arrayshare.ls()
    assert w[1, 2] == 5  # still mapped
    with pytest.raises(arrayshare.NotFoundError) as ei:
        arrayshare.attach(name)
    assert isinstance(ei.value, FileNotFoundError)
    with pytest.raises(arrayshare.NotFoundError):
        arrayshare.unlink(name)
    for x in (v, w, sub, ro):
        x.close()


def test_shapes_and_dtype_spellings(names):
    np = None
    try:
        import numpy as np
    except ImportError:
        pass
    spellings = ["float64", "<f8", "d", "double", float, "f4", "u1", "?",
                 bool, int, complex, "i8", "=i2", "|b1", "complex64"]
    if np is not None:
        spellings += [np.float32, np.dtype("<u2"), np.int8, np.dtype(bool),
                      np.complex128, np.dtype("float16")]
    for dt in spellings:
        v = arrayshare.create(names(), 2, dt)
        assert v.dtype == arrayshare.dtype_name(dt)
        if np is not None:
            assert v.numpy_dtype == np.dtype(dt if dt is not int else np.int64)
        v.close()
    assert arrayshare.dtype_name(float) == "float64"
    assert arrayshare.dtype_name(int) == "int64"
    for shape, expect in [(5, (5,)), ((), ()), ([2, 3], (2, 3)), ((0,), (0,))]:
        v = arrayshare.create(names(), shape, "uint8")
        assert v.shape == expect
        v.close()


def test_bad_dtypes(name):
    for bad in ["float99", ">f8", "!i4", "U5", "object", "", "f8\0"]:
        with pytest.raises(arrayshare.DtypeError) as ei:
            arrayshare.create(name, 1, bad)
        assert isinstance(ei.value, ValueError) and isinstance(ei.value, TypeError)
        assert ei.value.code == c.ASH_E_DTYPE
    for bad in [None, 3, 2.5, b"f8", object()]:
        with pytest.raises(TypeError):
            arrayshare.create(name, 1, bad)
    try:
        import numpy as np
    except ImportError:
        return
    for bad in [np.dtype(">f8"), np.dtype("U3"), np.dtype([("a", "f8")]),
                np.dtype("datetime64[ns]"), np.object_, np.dtype(("f8", 3))]:
        with pytest.raises(arrayshare.DtypeError):
            arrayshare.create(name, 1, bad)
    assert name not in arrayshare.ls()


def test_bad_shapes(name):
    for bad in [-1, (2, -3), (1,) * 33, (2 ** 62, 2 ** 62)]:
        with pytest.raises((arrayshare.ShapeError, arrayshare.SizeOverflowError)):
            arrayshare.create(name, bad, "float64")
    for bad in [2.0, "3", (2, 3.0), (True,), None, [[2]]]:
        with pytest.raises(TypeError):
            arrayshare.create(name, bad, "float64")
    with pytest.raises(OverflowError):
        arrayshare.create(name, 2 ** 64, "uint8")
    assert name not in arrayshare.ls()


def test_bad_names(name):
    for bad in ["", "a/b", "-x", "x" * 201, "sp ace", "a\0b", "ü"]:
        with pytest.raises(arrayshare.Error) as ei:
            arrayshare.create(bad, 1, "uint8")
        assert ei.value.name in ("NAME", "INVAL"), bad
        assert isinstance(ei.value, ValueError)
        with pytest.raises(arrayshare.Error):
            arrayshare.attach(bad)
    for bad in [None, 5, b"name"]:
        with pytest.raises(TypeError):
            arrayshare.create(bad, 1, "uint8")
        with pytest.raises(TypeError):
            arrayshare.attach(bad)
    with pytest.raises(arrayshare.DescriptorError):
        arrayshare.attach("ash://%s/data[1:" % name)
    with pytest.raises(arrayshare.InvalidNameError):
        arrayshare.unlink("a/b")


def test_persist_and_auto_policies(names):
    auto, keep = names(), names()
    v = arrayshare.create(auto, 4, "float32")
    with v.segment() as s:
        assert s.policy == "auto"
    v.close()
    assert auto not in arrayshare.ls()  # last attacher left: unlinked
    p = arrayshare.create(keep, 4, "float32", persist=True)
    with p.segment() as s:
        assert s.policy == "persist"
    p.close()
    assert keep in arrayshare.ls()
    w = arrayshare.attach(keep)
    assert w.shape == (4,)
    w.close()
    arrayshare.unlink(keep)


def test_mode(name):
    v = arrayshare.create(name, 1, "uint8", mode=0o640)
    st = os.stat("/dev/shm/ash." + name)
    assert stat.S_IMODE(st.st_mode) == 0o640
    with pytest.raises(arrayshare.InvalidArgumentError):
        arrayshare.create(name + "x", 1, "uint8", mode=0o10000)
    v.close()


def test_gc_and_ls(name):
    v = arrayshare.create(name, 1, "uint8")
    assert isinstance(arrayshare.gc(), int)
    assert name in arrayshare.ls()  # alive attacher: kept
    assert all(isinstance(n, str) for n in arrayshare.ls())
    v.close()


def test_arena_bytes():
    assert arrayshare.arena_bytes(10, "float64") == 128
    assert arrayshare.arena_bytes((100, 100), "float64") >= 80000
    with pytest.raises(arrayshare.DtypeError):
        arrayshare.arena_bytes(1, "nope")


def test_file_backed_segments(tmp_path, names):
    path = tmp_path / "frames.ash"
    v = arrayshare.create(path, (2, 2), "float64", persist=True)
    v[0, 1] = 3.0
    assert path.exists()
    assert v.segment_name == str(path)
    assert v.descriptor.startswith("ash+file://")
    w = arrayshare.attach(pathlib.Path(path))
    assert w[0, 1] == 3.0
    d = arrayshare.attach(v[0].descriptor)
    assert d.tolist() == [0.0, 3.0]
    with arrayshare.Segment.open(path) as seg:
        assert seg.name == str(path) and seg.arrays == ["data"]
    for x in (v, w, d):
        x.close()
    arrayshare.unlink(path)
    assert not path.exists()
    with pytest.raises(arrayshare.NotFoundError):
        arrayshare.attach(path)
    seg = arrayshare.Segment.create(tmp_path / "multi.ash",
                                    arrays={"a": (3, "int8")})
    assert seg["a"].shape == (3,)
    seg.unlink()
    seg.close()


def test_not_an_arrayshare_file(tmp_path):
    p = tmp_path / "junk"
    p.write_bytes(b"x" * 8192)
    with pytest.raises(arrayshare.CorruptError):
        arrayshare.attach(p)
    with pytest.raises(arrayshare.CorruptError):
        arrayshare.unlink(p)
    assert p.exists()


def test_segment_create_and_arrays(name):
    seg = arrayshare.Segment.create(
        name, arrays={"img": ((4, 5), "uint8"), "labels": (4, "int64")},
        size=arrayshare.arena_bytes(10, "float32"), capacity=3)
    assert isinstance(seg, arrayshare.Segment)
    assert seg.arrays == ["img", "labels"] and list(seg) == ["img", "labels"]
    assert len(seg) == 2 and "img" in seg and "nope" not in seg
    assert seg.keys() == seg.arrays
    img = seg["img"]
    assert isinstance(img, arrayshare.View) and img.shape == (4, 5)
    assert img.dtype == "uint8" and img.array_name == "img"
    extra = seg.add_array("extra", 10, "float32")
    assert extra.shape == (10,) and seg.arrays[-1] == "extra"
    with pytest.raises(arrayshare.FullError):
        seg.add_array("more", 1, "int8")  # capacity 3 reached
    with pytest.raises(arrayshare.ExistsError):
        seg.add_array("img", 1, "int8")
    with pytest.raises(arrayshare.NotFoundError):
        seg["nope"]
    assert seg.get("nope") is None and seg.get("img").shape == (4, 5)
    with pytest.raises(TypeError):
        seg[0]
    assert seg.name == name and seg.policy == "auto" and not seg.readonly
    assert seg.size > 4096 and seg.arena_free >= 0
    assert seg.creator_pid == os.getpid() and seg.ctime > 0
    assert seg.format_minor == c.ASH_FORMAT_MINOR
    assert seg.attachers == (1, 0)
    assert seg.attacher_list() == [(os.getpid(), 1)]
    assert "img" in repr(seg)
    assert seg.handle is not None
    other = arrayshare.Segment.open(name, readonly=True)
    assert other.readonly and other["labels"].readonly
    with pytest.raises(arrayshare.ReadOnlyError):
        other.add_array("x", 1, "int8")
    other.close()
    seg.unlink()
    seg.close()
    assert seg.closed and repr(seg) == "Segment(<closed>)"
    with pytest.raises(arrayshare.ClosedError):
        seg.arrays
    img[0, 0] = 1  # views outlive the segment handle
    assert img[0, 0] == 1
    img.close()
    extra.close()


def test_segment_create_variants(names):
    with arrayshare.Segment.create(names(), arrays=[("a", 3, float),
                                                    ("b", (2, 2), "i4")]) as s:
        assert s.arrays == ["a", "b"] and s.policy == "auto"
        s.unlink()
    with arrayshare.Segment.create(names(), size=4096, persist=True) as s:
        assert s.arrays == [] and s.policy == "persist"
        s.add_array("late", 100, "uint8")
        assert s["late"].shape == (100,)
        s.unlink()
    with pytest.raises(TypeError):
        arrayshare.Segment.create(names())
    with pytest.raises(TypeError):
        arrayshare.Segment.create(names(), arrays=[("a", 3)])
    n = names()
    with pytest.raises(arrayshare.InvalidNameError):
        arrayshare.Segment.create(n, arrays={"bad/name": (1, "int8")})
    assert n not in arrayshare.ls()  # a failed create leaves nothing
    with pytest.raises(arrayshare.DtypeError):
        arrayshare.Segment.create(n, arrays={"a": (1, "int99")})
    with pytest.raises(arrayshare.NotFoundError):
        arrayshare.Segment.open(n)
    with pytest.raises(TypeError):
        arrayshare.Segment("not a handle")


def test_segment_pickles_by_name(name):
    import pickle
    with arrayshare.Segment.create(name, arrays={"a": (2, "int8")},
                                   persist=True) as s:
        t = pickle.loads(pickle.dumps(s))
        assert t.name == name and t.arrays == ["a"]
        t.close()
        s.unlink()
