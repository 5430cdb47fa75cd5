# SPDX-License-Identifier: MIT
"""The generated low-level module arrayshare_core: every function of
arrayshare.h, close to C (out-parameters returned, sequences for arrays,
exceptions carrying the code)."""
import os
import re

import pytest

import arrayshare
from arrayshare import core as c

HEADER = os.path.join(os.path.dirname(__file__), "..", "..", "core",
                      "include", "arrayshare.h")


def header_functions():
    with open(HEADER) as f:
        text = f.read()
    return sorted(set(re.findall(r"ASH_EXTERN\s+[^;(]*?\b(ash_\w+)\s*\(", text)))


def header_enums():
    with open(HEADER) as f:
        text = f.read()
    names = set(re.findall(r"^\s+(ASH_[A-Z0-9_]+)\s*=", text, re.M))
    names |= set(re.findall(r"XX\((\w+),", text))
    return names


def test_every_header_function_is_exposed():
    fns = header_functions()
    assert len(fns) >= 70
    missing = [f for f in fns if not callable(getattr(c, f, None))]
    assert missing == []


def test_every_function_has_a_docstring():
    for f in header_functions():
        assert getattr(c, f).__doc__, f


def test_constants():
    for n in header_enums():
        if n.endswith("_") or n in ("ASH__ERR_ENUM", "suffix"):
            continue
        full = n if n.startswith("ASH_") else "ASH_E_" + n
        assert hasattr(c, full), full
    assert c.ASH_OK == 0
    assert c.ASH_E_NOENT == -1004
    assert c.ASH_FLOAT64 == 12 and c.ASH_BOOL == 1 and c.ASH_COMPLEX128 == 14
    assert c.ASH_NONE == -2 ** 63
    assert c.ASH_MAX_NDIM == 32
    assert c.ASH_SHM_PREFIX == "ash."
    assert c.ASH_PERSIST == 1 and c.ASH_RDONLY == 4 and c.ASH_FILE == 8
    assert c.ASH_POLICY_AUTO == 0 and c.ASH_POLICY_PERSIST == 1
    assert c.ASH_VIEW_READONLY == 1
    assert c.ASH_VERSION_HEX == c.ash_version()
    assert c.ash_version_string() == arrayshare.__version__
    assert c.ASH_FORMAT_MAJOR == 1
    assert not hasattr(c, "ASH_E_FIRST_")


def test_error_functions():
    assert c.ash_strerror(0) == "success"
    assert c.ash_strerror(c.ASH_E_NOENT) == "no such segment or array"
    assert c.ash_strerror(12345) == "unknown error"
    assert c.ash_err_name(c.ASH_E_INDEX) == "INDEX"
    assert c.ash_err_name(0) == "OK"
    assert c.ash_err_name(7) == "UNKNOWN"
    with pytest.raises(c.NotFoundError):
        c.ash_segment_open("pyt-no-such-%d" % os.getpid(), 0)
    assert c.ash_last_error_code() == c.ASH_E_NOENT
    assert "no such segment" in c.ash_last_error()


def test_exception_carries_code_name_detail():
    with pytest.raises(arrayshare.Error) as ei:
        c.ash_attach("pyt-missing-%d" % os.getpid(), 0)
    e = ei.value
    assert type(e) is arrayshare.NotFoundError
    assert e.code == c.ASH_E_NOENT == -1004
    assert e.name == "NOENT"
    assert "no such segment" in e.detail
    assert e.detail in str(e) and "[NOENT]" in str(e)
    assert isinstance(e, FileNotFoundError)


def test_name_check():
    assert c.ash_name_check("good_name-1.x", 0) is None
    with pytest.raises(arrayshare.InvalidNameError) as ei:
        c.ash_name_check("a/b", 0)
    assert ei.value.code == c.ASH_E_NAME
    with pytest.raises(arrayshare.InvalidNameError):
        c.ash_name_check("x" * 64, 1)
    with pytest.raises(arrayshare.InvalidArgumentError):
        c.ash_name_check(None, 0)
    with pytest.raises(arrayshare.InvalidArgumentError) as ei:
        c.ash_name_check("a\0b", 0)  # embedded NUL is refused, not cut
    assert '"name" contains a NUL byte at position 1' in ei.value.detail
    with pytest.raises(arrayshare.InvalidArgumentError) as ei:
        c.ash_attach("x\0", 0)
    assert '"name_or_descriptor"' in ei.value.detail
    with pytest.raises(TypeError):
        c.ash_name_check(b"bytes", 0)
    with pytest.raises(TypeError):
        c.ash_name_check("x", "0")


def test_dtype_functions():
    assert c.ash_dtype_parse("float64") == c.ASH_FLOAT64
    assert c.ash_dtype_parse("<f8") == c.ASH_FLOAT64
    assert c.ash_dtype_parse("?") == c.ASH_BOOL
    with pytest.raises(arrayshare.DtypeError) as ei:
        c.ash_dtype_parse(">f8")
    assert ei.value.code == c.ASH_E_DTYPE
    with pytest.raises(ValueError):
        c.ash_dtype_parse("float99")
    assert c.ash_dtype_name(c.ASH_UINT8) == "uint8"
    assert c.ash_dtype_name(0) is None and c.ash_dtype_name(99) is None
    assert c.ash_dtype_itemsize(c.ASH_COMPLEX128) == 16
    assert c.ash_dtype_itemsize(0) == 0
    assert c.ash_dtype_format(c.ASH_COMPLEX64) == "Zf"
    assert c.ash_dtype_str(c.ASH_BOOL) == "|b1"
    assert c.ash_dtype_str(-5) is None


def test_segment_functions(name):
    total = c.ash_arena_bytes_for(c.ASH_FLOAT64, [10], 0)
    assert total >= 80
    total2 = c.ash_arena_bytes_for(c.ASH_INT32, (3, 4), total)
    assert total2 > total
    seg = c.ash_segment_create(name, total2, 4, 0, 0o600)
    assert isinstance(seg, c.SegmentHandle)
    assert c.ash_segment_name(seg) == name
    assert c.ash_segment_size(seg) > total2
    assert c.ash_segment_arena_free(seg) >= total2
    assert c.ash_segment_policy(seg) == c.ASH_POLICY_AUTO
    assert c.ash_segment_readonly(seg) == 0
    assert c.ash_segment_creator_pid(seg) == os.getpid()
    assert c.ash_segment_ctime(seg) > 10 ** 18
    assert c.ash_segment_format_minor(seg) == c.ASH_FORMAT_MINOR
    assert c.ash_segment_attachers(seg) == (1, 0)
    assert c.ash_segment_attacher(seg, 0) == (os.getpid(), 1)
    with pytest.raises(arrayshare.IndexOutOfRangeError):
        c.ash_segment_attacher(seg, 5)
    assert c.ash_segment_array_count(seg) == 0
    a = c.ash_segment_add_array(seg, "a", c.ASH_FLOAT64, [10])
    b = c.ash_segment_add_array(seg, "b", c.ASH_INT32, (3, 4))
    assert isinstance(a, c.ViewHandle)
    assert c.ash_segment_array_count(seg) == 2
    assert c.ash_segment_array_name(seg, 1) == "b"
    assert c.ash_segment_array_name(seg, 2) is None
    with pytest.raises(arrayshare.ExistsError):
        c.ash_segment_add_array(seg, "a", c.ASH_FLOAT64, [1])
    with pytest.raises(arrayshare.FullError):
        c.ash_segment_add_array(seg, "c", c.ASH_FLOAT64, [1000])
    first = c.ash_segment_view(seg, None)
    assert c.ash_view_array_name(first) == "a"
    bb = c.ash_segment_view(seg, "b")
    assert c.ash_view_shape(bb) == [3, 4]
    with pytest.raises(arrayshare.NotFoundError):
        c.ash_segment_view(seg, "zz")
    s2 = c.ash_view_segment(b)
    assert c.ash_segment_name(s2) == name
    c.ash_segment_close(s2)
    c.ash_segment_unlink(seg)
    with pytest.raises(arrayshare.NotFoundError):
        c.ash_segment_unlink(seg)
    for h in (a, b, first, bb):
        c.ash_view_release(h)
    c.ash_segment_close(seg)
    c.ash_segment_close(None)
    c.ash_view_release(None)
    c.ash_list_free(None)


def test_create_attach_and_view_accessors(name):
    v = c.ash_create(name, c.ASH_FLOAT64, [3, 4], 0, 0)
    assert c.ash_view_dtype(v) == c.ASH_FLOAT64
    assert c.ash_view_ndim(v) == 2
    assert c.ash_view_shape(v) == [3, 4]
    assert c.ash_view_strides(v) == [32, 8]
    assert c.ash_view_dim(v, -1) == 4 and c.ash_view_dim(v, 7) == 0
    assert c.ash_view_stride(v, 0) == 32
    assert c.ash_view_size(v) == 12
    assert c.ash_view_itemsize(v) == 8
    assert c.ash_view_nbytes(v) == 96
    assert isinstance(c.ash_view_data(v), int) and c.ash_view_data(v) > 0
    assert c.ash_view_offset(v) == 0
    assert c.ash_view_flags(v) == c.ASH_VIEW_C_CONTIGUOUS
    assert c.ash_view_array_name(v) == "data"
    assert c.ash_view_segment_name(v) == name
    assert c.ash_view_descriptor(v) == "ash://%s/data" % name
    w = c.ash_attach(name, c.ASH_RDONLY)
    assert c.ash_view_flags(w) & c.ASH_VIEW_READONLY
    d = c.ash_view_from_descriptor("ash://%s/data[1, ::-1]" % name, 0)
    assert c.ash_view_shape(d) == [4] and c.ash_view_strides(d) == [-8]
    with pytest.raises(arrayshare.DescriptorError):
        c.ash_view_from_descriptor("ash://%s/data[1," % name, 0)
    with pytest.raises(arrayshare.ExistsError):
        c.ash_create(name, c.ASH_FLOAT64, [1], 0, 0)
    r = c.ash_view_retain(v)
    assert r is not v and c.ash_view_data(r) == c.ash_view_data(v)
    c.ash_view_release(v)
    assert c.ash_view_size(r) == 12  # the retained reference keeps it
    for h in (r, w, d):
        c.ash_view_release(h)


def test_view_operations(name):
    v = c.ash_create(name, c.ASH_INT32, (2, 3), c.ASH_PERSIST, 0o600)
    c.ash_view_write(v, bytes(range(24)))
    assert c.ash_view_read(v, 24) == bytes(range(24))
    with pytest.raises(arrayshare.InvalidArgumentError):
        c.ash_view_read(v, 23)
    with pytest.raises(arrayshare.InvalidArgumentError):
        c.ash_view_read(v, 2 ** 62)
    with pytest.raises(arrayshare.InvalidArgumentError):
        c.ash_view_write(v, b"abc")
    with pytest.raises(TypeError):
        c.ash_view_write(v, "text")
    c.ash_view_fill_i64(v, 0)
    for i in range(6):
        c.ash_view_set_i64(v, [i], i)
    assert c.ash_view_get_i64(v, (1, 2)) == 5
    assert c.ash_view_get_i64(v, [-1]) == 5
    assert c.ash_view_get_f64(v, [0, 1]) == 1.0
    assert c.ash_view_get_u64(v, [4]) == 4
    assert c.ash_view_get_c128(v, [3]) == (3.0, 0.0)
    c.ash_view_set_f64(v, [0], 7.0)
    c.ash_view_set_u64(v, [1], 8)
    c.ash_view_set_c128(v, [2], 9.0, 0.0)
    assert c.ash_view_read(v, 24)[:12] == bytes([7, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0])
    with pytest.raises(arrayshare.ConversionError):
        c.ash_view_set_f64(v, [0], 2.5)
    with pytest.raises(arrayshare.ConversionError):
        c.ash_view_set_c128(v, [0], 1.0, 1.0)
    with pytest.raises(arrayshare.ConversionError):
        c.ash_view_set_i64(v, [0], 2 ** 40)
    with pytest.raises(arrayshare.IndexOutOfRangeError):
        c.ash_view_get_i64(v, [2, 0])
    with pytest.raises(arrayshare.IndexOutOfRangeError):
        c.ash_view_get_i64(v, [0, 0, 0])
    with pytest.raises(TypeError):
        c.ash_view_get_i64(v, 0)  # a sequence is needed
    with pytest.raises(TypeError):
        c.ash_view_get_i64(v, [0.5])
    with pytest.raises(OverflowError):
        c.ash_view_set_i64(v, [0], 2 ** 64)
    s = c.ash_view_slice(v, 1, None, None, -1, 0)
    assert c.ash_view_strides(s) == [12, -4]
    s2 = c.ash_view_slice(v, 1, c.ASH_NONE, 1, 1, 0)
    assert c.ash_view_shape(s2) == [2, 1]
    with pytest.raises(arrayshare.IndexOutOfRangeError):
        c.ash_view_slice(v, 1, 0, 10, 1, c.ASH_SLICE_STRICT)
    with pytest.raises(arrayshare.InvalidArgumentError):
        c.ash_view_slice(v, 1, 0, 1, 0, 0)
    with pytest.raises(arrayshare.AxisError):
        c.ash_view_slice(v, 2, 0, 1, 1, 0)
    row = c.ash_view_index(v, 0, -1)
    assert c.ash_view_shape(row) == [3]
    t = c.ash_view_transpose(v)
    assert c.ash_view_shape(t) == [3, 2]
    p = c.ash_view_permute(v, [1, 0])
    assert c.ash_view_strides(p) == c.ash_view_strides(t)
    with pytest.raises(arrayshare.AxisError):
        c.ash_view_permute(v, [0, 0])
    r = c.ash_view_reshape(v, [-1])
    assert c.ash_view_shape(r) == [6]
    with pytest.raises(arrayshare.ContiguityError):
        c.ash_view_reshape(t, [6])
    with pytest.raises(arrayshare.ShapeError):
        c.ash_view_reshape(v, [4])
    u8 = c.ash_view_reinterpret(v, c.ASH_UINT8)
    assert c.ash_view_shape(u8) == [2, 12]
    ro = c.ash_view_readonly(v)
    with pytest.raises(arrayshare.ReadOnlyError):
        c.ash_view_set_i64(ro, [0], 1)
    with pytest.raises(arrayshare.ReadOnlyError):
        c.ash_view_fill_f64(ro, 1.0)
    with pytest.raises(arrayshare.ReadOnlyError):
        c.ash_view_write(ro, bytes(24))
    dst = c.ash_view_index(v, 0, 0)
    src = c.ash_view_index(v, 0, 1)
    c.ash_view_copy(dst, src)
    assert c.ash_view_get_i64(v, [0, 2]) == c.ash_view_get_i64(v, [1, 2])
    with pytest.raises(arrayshare.ShapeError):
        c.ash_view_copy(dst, v)
    with pytest.raises(arrayshare.DtypeError):
        c.ash_view_copy(dst, c.ash_view_index(u8, 0, 0))
    c.ash_view_fill_f64(v, 3.0)
    assert set(c.ash_view_read(v, 24)[::4]) == {3}
    c.ash_unlink(name, 0)


def test_list_and_gc(name):
    v = c.ash_create(name, c.ASH_UINT8, [1], 0, 0)
    lst = c.ash_list_segments()
    assert isinstance(lst, c.ListHandle)
    names = [c.ash_list_name(lst, i) for i in range(c.ash_list_count(lst))]
    assert name in names and names == sorted(names)
    assert c.ash_list_name(lst, 10 ** 6) is None
    c.ash_list_free(lst)
    with pytest.raises(arrayshare.ClosedError):
        c.ash_list_count(lst)
    assert isinstance(c.ash_gc(), int)
    c.ash_view_release(v)


def test_closed_handles_raise_not_crash(name):
    v = c.ash_create(name, c.ASH_FLOAT64, [4], 0, 0)
    seg = c.ash_view_segment(v)
    c.ash_view_release(v)
    c.ash_view_release(v)  # idempotent
    for fn, args in [(c.ash_view_ndim, ()), (c.ash_view_shape, ()),
                     (c.ash_view_get_f64, ([0],)),
                     (c.ash_view_read, (32,)), (c.ash_view_descriptor, ()),
                     (c.ash_view_transpose, ()), (c.ash_view_retain, ())]:
        with pytest.raises(arrayshare.ClosedError) as ei:
            fn(v, *args)
        assert ei.value.code == c.ASH_E_INVAL and ei.value.name == "INVAL"
        assert isinstance(ei.value, ValueError)
    with pytest.raises(arrayshare.ClosedError):
        v[0]
    with pytest.raises(arrayshare.ClosedError):
        len(v)
    with pytest.raises(arrayshare.ClosedError):
        memoryview(v)
    assert v.closed
    seg.close()
    with pytest.raises(arrayshare.ClosedError):
        c.ash_segment_size(seg)
    assert seg.closed
    c.ash_segment_close(seg)


def test_wrong_handle_types():
    with pytest.raises(TypeError):
        c.ash_view_ndim(None)
    with pytest.raises(TypeError):
        c.ash_view_ndim("x")
    with pytest.raises(TypeError):
        c.ash_segment_size(object())
    with pytest.raises(TypeError):
        c.ash_view_release("x")
    with pytest.raises(TypeError):
        c.ash_segment_close(1)
    with pytest.raises(TypeError):
        c.ash_create("x", c.ASH_FLOAT64, "34", 0, 0)
    with pytest.raises(TypeError):
        c.ash_create("x", c.ASH_FLOAT64, [True], 0, 0)
    with pytest.raises(TypeError):
        c.ash_create("x", 1.5, [1], 0, 0)
    with pytest.raises(TypeError):
        c.ViewHandle()


def test_errors_are_in_one_table():
    table = c.error_classes
    assert set(table) == {c.ash_err_name(code) for code in range(-1001, -1033, -1)}
    for code in range(-1001, -1033, -1):
        e = c.make_error(code, "x")
        assert type(e) is table[c.ash_err_name(code)]
        assert e.code == code and e.name == c.ash_err_name(code)
        assert type(e).code == code
        assert isinstance(e, arrayshare.Error)
    assert type(c.make_error(-1999)) is arrayshare.Error
