# SPDX-License-Identifier: MIT
"""The Python column of docs/api-table.md: the same options under the same
names and defaults as the Ruby and Lua layers (exists, missing_ok, or_open,
readonly, noattach, file, arena_bytes, max_arrays, max_attachers), and a
clean public namespace with signatures for every C function."""
import inspect
import os
import subprocess
import sys

import pytest

import arrayshare
from arrayshare import core


def _attachers(name):
    with arrayshare.Segment.open(name, noattach=True) as s:
        return s.attachers[0]


def test_create_defaults_and_options(names, tmp_path):
    n = names()
    v = arrayshare.create(n, 3)
    assert v.dtype == "float64"  # NumPy's default dtype
    with v.segment() as s:
        assert s.policy == "auto"
    assert oct(os.stat("/dev/shm/ash." + n).st_mode & 0o777) == "0o600"
    path = str(tmp_path / "seg")
    with arrayshare.create(path, 2, "int8", file=True, persist=True) as f:
        assert f.segment_name == path and os.path.exists(path)
    assert arrayshare.unlink(path, file=True) is True
    assert not os.path.exists(path)
    with pytest.raises(TypeError):
        arrayshare.create(names(), 3, nonsense=True)  # unknown option
    v.close()


def test_create_or_open(names):
    n = names()
    v = arrayshare.create(n, (2, 3), "int32")
    v[1, 1] = 5
    try:
        w = arrayshare.create(n, (2, 3), "int32", or_open=True)
    except arrayshare.InvalidArgumentError as exc:
        # The rule lives in the C library (ash_create with ASH_OR_OPEN).
        pytest.skip("this libarrayshare's ash_create refuses ASH_OR_OPEN: %s"
                    % exc.detail)
    assert w[1, 1] == 5
    with pytest.raises(arrayshare.ExistsError):
        arrayshare.create(n, (3, 2), "int32", or_open=True)
    with pytest.raises(arrayshare.ExistsError):
        arrayshare.create(n, (2, 3), "float64", or_open=True)
    with arrayshare.create(names(), 4, or_open=True) as fresh:
        assert fresh.shape == (4,)
    w.close()
    v.close()


def test_attach_options(names, tmp_path):
    n = names()
    v = arrayshare.create(n, 4, "uint8")
    ro = arrayshare.attach(n, readonly=True)
    assert ro.readonly and not v.readonly
    na = arrayshare.attach(n, noattach=True)
    assert na.readonly and na.shape == (4,)
    path = tmp_path / "f"
    with arrayshare.create(path, 2, "int16", persist=True) as f:
        f[1] = 3
    assert arrayshare.attach(str(path), file=True)[1] == 3
    assert arrayshare.attach(path)[1] == 3  # an os.PathLike is a path
    with pytest.raises(arrayshare.DescriptorError):
        arrayshare.attach(str(path))  # a str is a segment name
    arrayshare.unlink(path)
    with pytest.raises(TypeError):
        arrayshare.attach(n, read_only=True)
    for x in (v, ro, na):
        x.close()


def test_noattach_does_not_count(names):
    n = names()
    with arrayshare.Segment.create(n, arrays={"a": (1, "int8")},
                                   persist=True) as seg:
        before = seg.attachers[0]
        script = ("import arrayshare, sys; v = arrayshare.attach(%r, "
                  "noattach=True); s = arrayshare.Segment.open(%r, "
                  "noattach=True); print(s.attachers[0], v.readonly)"
                  % (n, n))
        env = dict(os.environ)
        out = subprocess.run([sys.executable, "-c", script], env=env,
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout.split() == [str(before), "True"]
        seg.unlink()


def test_unlink_missing_ok_and_exists(names):
    n = names()
    assert arrayshare.exists(n) is False
    v = arrayshare.create(n, 1, persist=True)
    assert arrayshare.exists(n) is True
    assert arrayshare.unlink(n) is True
    assert arrayshare.exists(n) is False
    with pytest.raises(arrayshare.NotFoundError):
        arrayshare.unlink(n)
    assert arrayshare.unlink(n, missing_ok=True) is False
    with pytest.raises(arrayshare.InvalidNameError):
        arrayshare.unlink("bad/name", missing_ok=True)  # only NOENT is ok
    with pytest.raises(TypeError):
        arrayshare.exists(3)
    v.close()


def test_arena_bytes_default_dtype():
    assert arrayshare.arena_bytes(10) == arrayshare.arena_bytes(10, "float64")
    assert arrayshare.arena_bytes(10) >= 80


def test_segment_create_options(names):
    n = names()
    with arrayshare.Segment.create(n, arena_bytes=4096) as s:
        # no arrays: max_arrays defaults to 0 + 16 (room for arrays added)
        for i in range(16):
            s.add_array("a%d" % i, 1)
        with pytest.raises(arrayshare.FullError):
            s.add_array("one-more", 1)
        assert s["a0"].dtype == "float64"  # add_array's default dtype
        assert s.view().array_name == "a0" and s.view("a3").array_name == "a3"
    n = names()
    with arrayshare.Segment.create(n, arrays={"x": (2, "int8")}) as s:
        with pytest.raises(arrayshare.FullError):  # exactly the arrays
            s.add_array("y", 1, "int8")
    n = names()
    with arrayshare.Segment.create(n, arrays={"x": (2, "int8")},
                                   arena_bytes=1024, max_arrays=3) as s:
        s.add_array("y", 1, "int8")
        s.add_array("z", 1, "int8")
        with pytest.raises(arrayshare.FullError):
            s.add_array("w", 1, "int8")
    # the old spellings
    n = names()
    with arrayshare.Segment.create(n, size=1024, capacity=1) as s:
        s.add_array("only", 4, "int8")
        with pytest.raises(arrayshare.FullError):
            s.add_array("two", 1, "int8")
    with pytest.raises(TypeError):
        arrayshare.Segment.create(names())
    with pytest.raises(TypeError):
        arrayshare.Segment.create(names(), arena_bytes=0)
    with pytest.raises(TypeError):
        arrayshare.Segment.create(names(), arena_bytes=64, max_array=2)


def test_segment_create_or_open_adds_only_what_is_missing(names):
    n = names()
    a = arrayshare.Segment.create(n, arrays={"x": (2, "int8")},
                                  arena_bytes=4096, persist=True)
    a["x"][0] = 9
    b = arrayshare.Segment.create(n, arrays={"x": (2, "int8"),
                                             "y": (3, "float32")},
                                  or_open=True)
    assert b.arrays == ["x", "y"] and b["x"][0] == 9
    with pytest.raises(arrayshare.DtypeError):
        arrayshare.Segment.create(n, arrays={"z": (1, "int99")}, or_open=True)
    with pytest.raises(arrayshare.ExistsError):
        arrayshare.Segment.create(n, arrays={"x": (2, "int8")})
    assert arrayshare.exists(n)  # an or_open failure removes nothing
    b.close()
    a.unlink()
    a.close()


def test_segment_max_attachers(names):
    n = names()
    with arrayshare.Segment.create(n, arrays={"x": (1, "int8")},
                                   max_attachers=1) as s:
        script = ("import arrayshare\ntry:\n arrayshare.attach(%r)\n"
                  "except arrayshare.FullError:\n print('full')\n" % n)
        out = subprocess.run([sys.executable, "-c", script],
                             capture_output=True, text=True, timeout=60,
                             env=dict(os.environ))
        assert out.stdout.strip() == "full", out.stderr
        s.unlink()


def test_segment_open_options(names, tmp_path):
    n = names()
    with arrayshare.Segment.create(n, arrays={"x": (1, "int8")}) as s:
        with arrayshare.Segment.open(n, readonly=True) as r:
            assert r.readonly
        with arrayshare.Segment.open(n, noattach=True) as r:
            assert r.readonly and r.arrays == ["x"]
        with pytest.raises(TypeError):
            arrayshare.Segment.open(n, bogus=1)
        s.unlink()
    path = str(tmp_path / "seg")
    with arrayshare.Segment.create(path, arrays={"x": (1, "f8")}, file=True,
                                   persist=True):
        pass
    with arrayshare.Segment.open(path, file=True) as s:
        assert s.arrays == ["x"]
    arrayshare.unlink(path, file=True)


# ---- namespace and signatures ------------------------------------------------

def test_public_namespace_is_all():
    public = {n for n in dir(arrayshare) if not n.startswith("_")}
    submodules = {"arrayshare_core", "mpi"}  # documented modules
    assert public - submodules == set(arrayshare.__all__) - {"ndarray"}
    for leaked in ("os", "sys", "threading", "operator", "annotations"):
        assert leaked not in public
    for n in arrayshare.__all__:
        assert getattr(arrayshare, n) is not None
    ns = {}
    exec("from arrayshare import *", ns)
    assert {"View", "Segment", "ndarray", "view_of", "DType"} <= set(ns)
    with pytest.raises(AttributeError):
        arrayshare.no_such_thing


def test_text_signatures():
    missing = []
    for n in dir(core):
        f = getattr(core, n)
        # ViewHandle_*: View's methods written in C (ashpy_sync.c)
        if n.startswith(("ash_", "ViewHandle_")) and callable(f) and \
                not isinstance(f, type):
            try:
                inspect.signature(f)
            except ValueError:
                missing.append(n)
    for cls in (core.ViewHandle, core.SegmentHandle, core.Lock):
        for n, f in vars(cls).items():
            if callable(f) and not n.startswith("__") or n in (
                    "__enter__", "__exit__", "__reduce_ex__"):
                try:
                    inspect.signature(f)
                except (ValueError, TypeError):
                    missing.append("%s.%s" % (cls.__name__, n))
    assert missing == []
    sig = inspect.signature(core.ash_view_slice)
    assert list(sig.parameters) == ["v", "axis", "start", "stop", "step",
                                    "flags"]
    assert str(inspect.signature(arrayshare.View.transpose)) == "(self, /, *axes)"
    assert str(inspect.signature(core.set_dtype_objects)) == "(objs, /)"
    assert str(inspect.signature(arrayshare.View.lock)) == \
        "(self, /, timeout=None, repair=None)"
    assert str(inspect.signature(arrayshare.View.atomic_add)) == \
        "(self, index, value=1, /)"
    assert list(inspect.signature(core.ash_view_wait_any).parameters) == [
        "views", "versions", "timeout"]
