/* SPDX-License-Identifier: MIT */
/* swig/python/arrayshare_lang.i - how the shared interface maps to Python.
 *
 * Included by swig/arrayshare.i before the header; it defines the named
 * typemaps that file applies, and the type-wide ones. The C behind them is
 * in swig/python/ashpy_*.c (see ashpy.h): handles are three C types
 * (ViewHandle, SegmentHandle, ListHandle), not SWIG pointer objects; a
 * nonzero ash_status raises the arrayshare.Error subclass of its code, made
 * from the one error table (swig/common/ash_swig_errors.h).
 *
 * Python calling convention: out-parameters become return values (a pair
 * as a tuple); (ndim, shape), (nidx, idx) and (naxes, axes) take one
 * sequence; ash_view_shape/strides return lists; (dst, nbytes) returns
 * bytes; (src, nbytes) takes any contiguous buffer; None is ASH_NONE for
 * slice bounds and NULL for strings.
 */

%{
#include "ashpy.h"
%}

%init %{
  if (ashpy_init_types(d) < 0)
    return NULL;
  ashpy_fix_docs(SwigMethods);
  ashpy_fix_docs(SwigMethods_proxydocs);
%}

%include "docstrings.i"

/* A nonzero status raises; success returns None (or the out-parameters). */
%typemap(out) ash_status {
  if ($1 != ASH_OK) {
    if ($1 != ASH_SWIG_INTERRUPTED) /* else a signal's exception is set */
      ashpy_raise($1);
    SWIG_fail;
  }
  $result = Py_None;
  Py_INCREF(Py_None);
}

/* Handles in. */
%define ASHPY_IN(T, KIND)
%typemap(in) const T * (void *h = NULL), T * (void *h = NULL) {
  if (ashpy_arg($input, KIND, &h) < 0)
    SWIG_fail;
  $1 = ($1_ltype)h;
}
%enddef
ASHPY_IN(ash_view, ASHPY_K_VIEW)
ASHPY_IN(ash_segment, ASHPY_K_SEGMENT)
ASHPY_IN(ash_list, ASHPY_K_LIST)

/* ASH_NEW: a new handle object owning the reference. */
%define ASHPY_NEW(T, WRAP, RELEASE)
%typemap(in, numinputs=0) T **ASH_NEW (T *tmp = NULL) {
  $1 = &tmp;
}
%typemap(argout) T **ASH_NEW {
  PyObject *o = WRAP;
  tmp$argnum = NULL;
  if (o == NULL)
    SWIG_fail;
  $result = SWIG_Python_AppendOutput($result, o);
}
%typemap(freearg) T **ASH_NEW {
  RELEASE(tmp$argnum);
}
%enddef
ASHPY_NEW(ash_view, ashpy_view_wrap(&AshPyView_Type, tmp$argnum), ash_view_release)
ASHPY_NEW(ash_segment, ashpy_wrap(ASHPY_K_SEGMENT, &AshPySegment_Type, tmp$argnum), ash_segment_close)
ASHPY_NEW(ash_list, ashpy_wrap(ASHPY_K_LIST, &AshPyList_Type, tmp$argnum), ash_list_free)

/* ash_view_retain returns a new handle owning the added reference. */
%typemap(out) ash_view *ash_view_retain {
  $result = ashpy_view_wrap(&AshPyView_Type, $1);
  if ($result == NULL)
    SWIG_fail;
}

/* Pairs of out-parameters are tuples (SWIG's OUTPUT would make a list). */
%define ASHPY_PAIR(T1, N1, T2, N2, FMT, C1, C2)
%typemap(in, numinputs=0) (T1 *N1, T2 *N2) (T1 a = 0, T2 b = 0) {
  $1 = &a;
  $2 = &b;
}
%typemap(argout) (T1 *N1, T2 *N2) {
  $result = SWIG_Python_AppendOutput(
      $result, Py_BuildValue(FMT, (C1)a$argnum, (C2)b$argnum));
}
%enddef
ASHPY_PAIR(int, alive, int, dead, "(ii)", int, int)
ASHPY_PAIR(int64_t, pid, int, alive, "(Li)", long long, int)
ASHPY_PAIR(double, re, double, im, "(dd)", double, double)

/* Integers: exact ints only (no floats: SWIG's would take 2.0 for a
 * pointer-size integer), OverflowError outside the C type's range. */
%typemap(in) int64_t (int64_t tmp) {
  if (ashpy_as_i64($input, &tmp) < 0)
    SWIG_fail;
  $1 = tmp;
}
%typemap(in) uint64_t (uint64_t tmp) {
  if (ashpy_as_u64($input, &tmp) < 0)
    SWIG_fail;
  $1 = tmp;
}

/* ASH_OPTIONAL: an int, or None for ASH_NONE. */
%typemap(in) int64_t ASH_OPTIONAL {
  if ($input == Py_None)
    $1 = ASH_NONE;
  else if (ashpy_as_i64($input, &$1) < 0)
    SWIG_fail;
}

/* ASH_COUNT/ASH_LIST: one Python sequence of integers. */
%typemap(in) (int ASH_COUNT, const int64_t *ASH_LIST)
    (int64_t buf[ASHPY_STACK_IDX], int64_t *heap = NULL, int64_t *arr = NULL, int n = 0) {
  if (ashpy_i64_seq($input, "$2_name", buf, ASHPY_STACK_IDX, &arr, &heap, &n) < 0)
    SWIG_fail;
  $1 = n;
  $2 = arr;
}
%typemap(freearg) (int ASH_COUNT, const int64_t *ASH_LIST) {
  PyMem_Free(heap$argnum);
}

/* ASH_READ_*: ash_view_read(v, nbytes) -> bytes. The library checks nbytes
 * against the view: a buffer is only allocated for the size it accepts. */
%typemap(in, numinputs=1) (void *ASH_READ_BUF, uint64_t ASH_READ_LEN)
    (PyObject *bytes = NULL, char dummy[16], uint64_t n = 0) {
  if (ashpy_as_u64($input, &n) < 0)
    SWIG_fail;
  if (n == ash_view_nbytes(arg1) && n <= (uint64_t)PY_SSIZE_T_MAX) {
    bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)n);
    if (bytes == NULL)
      SWIG_fail;
    $1 = PyBytes_AS_STRING(bytes);
  } else {
    $1 = dummy;
  }
  $2 = n;
}
%typemap(argout) (void *ASH_READ_BUF, uint64_t ASH_READ_LEN) {
  $result = SWIG_Python_AppendOutput($result, bytes$argnum);
  bytes$argnum = NULL;
}
%typemap(freearg) (void *ASH_READ_BUF, uint64_t ASH_READ_LEN) {
  Py_XDECREF(bytes$argnum);
}

/* ASH_WRITE_*: any C-contiguous buffer (bytes, bytearray, memoryview,
 * array.array, NumPy arrays, views). */
%typemap(in, numinputs=1) (const void *ASH_WRITE_BUF, uint64_t ASH_WRITE_LEN)
    (Py_buffer view, int have = 0) {
  if (PyUnicode_Check($input)) {
    PyErr_SetString(PyExc_TypeError, "expected a bytes-like object, not str");
    SWIG_fail;
  }
  if (PyObject_GetBuffer($input, &view, PyBUF_SIMPLE) < 0)
    SWIG_fail;
  have = 1;
  $1 = view.buf;
  $2 = (uint64_t)view.len;
}
%typemap(freearg) (const void *ASH_WRITE_BUF, uint64_t ASH_WRITE_LEN) {
  if (have$argnum)
    PyBuffer_Release(&view$argnum);
}

/* ASH_NDIM_LIST: a list of the view's ndim integers; ASH_ADDRESS: an int. */
%typemap(out) const int64_t *ASH_NDIM_LIST {
  $result = ashpy_i64_list($1, ash_view_ndim(arg1));
  if ($result == NULL)
    SWIG_fail;
}
%typemap(out) void *ASH_ADDRESS {
  $result = PyLong_FromVoidPtr($1);
}

/* ASH_TEXT: a malloc'ed string returned as str (and freed). */
%typemap(in, numinputs=0) char **ASH_TEXT (char *text = NULL) {
  $1 = &text;
}
%typemap(argout) char **ASH_TEXT {
  PyObject *s = PyUnicode_FromString(text$argnum);
  if (s == NULL)
    SWIG_fail;
  $result = SWIG_Python_AppendOutput($result, s);
}
%typemap(freearg) char **ASH_TEXT {
  free(text$argnum);
}

/* Strings: a str with an embedded NUL would be cut short by C: INVAL
 * naming the argument. None passes NULL (the library answers ASH_E_INVAL). */
%typemap(in) const char * {
  if ($input == Py_None) {
    $1 = NULL;
  } else if (PyUnicode_Check($input)) {
    Py_ssize_t len;
    char msg[160];
    $1 = (char *)PyUnicode_AsUTF8AndSize($input, &len);
    if ($1 == NULL)
      SWIG_fail;
    if ((size_t)len != strlen($1)) {
      ashpy_raise_detail(ASH_E_INVAL, ash_swig_nul_message(msg, sizeof msg,
                         "$1_name", strlen($1)));
      SWIG_fail;
    }
  } else {
    PyErr_Format(PyExc_TypeError, "expected a str, got %.100s",
                 Py_TYPE($input)->tp_name);
    SWIG_fail;
  }
}
%typemap(freearg) const char * ""

/* Calls that may block (file system, allocation of the whole segment, gc)
 * run without the GIL. They take no handle that another thread could close
 * meanwhile. */
%define ASHPY_NOGIL(FN)
%exception FN {
  Py_BEGIN_ALLOW_THREADS
  $action
  Py_END_ALLOW_THREADS
}
%enddef
ASHPY_NOGIL(ash_segment_create)
ASHPY_NOGIL(ash_segment_open)
ASHPY_NOGIL(ash_create)
ASHPY_NOGIL(ash_attach)
ASHPY_NOGIL(ash_view_from_descriptor)
ASHPY_NOGIL(ash_unlink)
ASHPY_NOGIL(ash_gc)
ASHPY_NOGIL(ash_list_segments)

/* Releasing functions are hand-written (they close the Python handle) and
 * added to the module by ashpy_init_types(), with make_error,
 * set_assign_fallback, _root_view and _pickle_args. */
%ignore ash_view_release;
%ignore ash_segment_close;
%ignore ash_list_free;

/* The generated arrayshare_core.py re-exports what the C module adds. */
%pythoncode %{
ViewHandle = _arrayshare_core.ViewHandle
SegmentHandle = _arrayshare_core.SegmentHandle
ListHandle = _arrayshare_core.ListHandle
Error = _arrayshare_core.Error
ClosedError = _arrayshare_core.ClosedError
error_classes = _arrayshare_core.error_classes
ash_view_release = _arrayshare_core.ash_view_release
ash_segment_close = _arrayshare_core.ash_segment_close
ash_list_free = _arrayshare_core.ash_list_free
make_error = _arrayshare_core.make_error
set_assign_fallback = _arrayshare_core.set_assign_fallback
set_dtype_objects = _arrayshare_core.set_dtype_objects
_root_view = _arrayshare_core._root_view
_pickle_args = _arrayshare_core._pickle_args
for _n, _c in error_classes.items():
    globals()[_c.__name__] = _c
del _n, _c
%}
