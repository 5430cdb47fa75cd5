/* SPDX-License-Identifier: MIT */
/* swig/python/arrayshare_lang.i - the Python side of the shared interface.
 *
 * Included by swig/arrayshare.i before arrayshare.h. It makes the generated
 * module arrayshare_core:
 *
 *  - Handles. ash_view, ash_segment and ash_list are not SWIG pointer
 *    objects but three small hand-written C types, ViewHandle, SegmentHandle
 *    and ListHandle. Each owns one reference on its C object, released by
 *    close() / the matching C function (ash_view_release, ash_segment_close,
 *    ash_list_free, all of which accept None) or when garbage-collected.
 *    After a close, every use raises ClosedError: no dangling pointer can
 *    reach the C library.
 *  - ViewHandle implements, in C: the buffer protocol (PEP 3118, read-only
 *    honoured, negative strides), __getitem__/__setitem__ with fast paths for
 *    integer indices, slices, Ellipsis, len, iteration, tolist, tobytes,
 *    __array_interface__, __dlpack__ and __dlpack_device__. The idiomatic
 *    arrayshare.View subclasses it; C code that makes a derived view makes
 *    one of the caller's class.
 *  - Errors. A nonzero ash_status raises a subclass of arrayshare.Error
 *    chosen by ash_err_name() in ONE table (ashpy_errors below); the instance
 *    carries .code (the ASH_E_* value), .name ("NOENT") and .detail
 *    (ash_last_error()).
 *  - Out-parameters become return values; (ndim, shape), (nidx, idx) and
 *    (naxes, axes) take one Python sequence; ash_view_shape/strides return
 *    lists; (dst, nbytes) returns bytes; (src, nbytes) takes any contiguous
 *    buffer.
 *
 * Everything hand-written here is -Wall -Wextra clean.
 */

/* ---------------------------------------------------------------------- */
/* C support code                                                          */
/* ---------------------------------------------------------------------- */

%{
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define ASHPY_STACK_IDX 32

_Static_assert(sizeof(Py_ssize_t) == sizeof(int64_t),
               "the buffer protocol exports ash_view shapes and strides as "
               "Py_ssize_t arrays; this needs a 64-bit Py_ssize_t");

/* ---- errors: the one table ------------------------------------------- */

struct ashpy_errdef {
  const char *err;   /* ash_err_name() of the code                  */
  const char *cls;   /* class name in arrayshare                    */
  PyObject **base1;  /* built-in bases, after Error (may be NULL)   */
  PyObject **base2;
  const char *doc;
  PyObject *type;    /* created at module init                      */
};

static struct ashpy_errdef ashpy_errors[] = {
  {"INVAL", "InvalidArgumentError", &PyExc_ValueError, NULL,
   "ASH_E_INVAL: invalid argument.", NULL},
  {"NAME", "InvalidNameError", &PyExc_ValueError, NULL,
   "ASH_E_NAME: invalid segment or array name.", NULL},
  {"EXIST", "ExistsError", &PyExc_FileExistsError, NULL,
   "ASH_E_EXIST: the segment or array already exists.", NULL},
  {"NOENT", "NotFoundError", &PyExc_FileNotFoundError, NULL,
   "ASH_E_NOENT: no such segment or array.", NULL},
  {"PERM", "PermissionDeniedError", &PyExc_PermissionError, NULL,
   "ASH_E_PERM: permission denied.", NULL},
  {"NOSPC", "NoSpaceError", &PyExc_OSError, NULL,
   "ASH_E_NOSPC: no space left for the segment (/dev/shm or disk full).",
   NULL},
  {"NOMEM", "OutOfMemoryError", &PyExc_MemoryError, NULL,
   "ASH_E_NOMEM: out of memory.", NULL},
  {"DTYPE", "DtypeError", &PyExc_ValueError, &PyExc_TypeError,
   "ASH_E_DTYPE: invalid or unsupported dtype (also a TypeError, as NumPy "
   "raises for dtypes it does not understand).", NULL},
  {"SHAPE", "ShapeError", &PyExc_ValueError, NULL,
   "ASH_E_SHAPE: invalid shape, or shapes that do not match.", NULL},
  {"OVERFLOW", "SizeOverflowError", &PyExc_OverflowError, NULL,
   "ASH_E_OVERFLOW: a size overflows.", NULL},
  {"INDEX", "IndexOutOfRangeError", &PyExc_IndexError, NULL,
   "ASH_E_INDEX: index out of range.", NULL},
  {"RDONLY", "ReadOnlyError", &PyExc_ValueError, NULL,
   "ASH_E_RDONLY: write to a read-only view or segment (a ValueError, as "
   "NumPy raises for read-only arrays).", NULL},
  {"CORRUPT", "CorruptError", NULL, NULL,
   "ASH_E_CORRUPT: not an arrayshare segment, or its header is corrupted.",
   NULL},
  {"VERSION", "VersionError", NULL, NULL,
   "ASH_E_VERSION: unsupported segment format version.", NULL},
  {"TRUNC", "TruncatedError", NULL, NULL,
   "ASH_E_TRUNC: the segment is smaller than its header says.", NULL},
  {"VALUE", "ConversionError", &PyExc_ValueError, NULL,
   "ASH_E_VALUE: value not representable in the target dtype (300 into "
   "uint8, 2.5 into an integer, ...).", NULL},
  {"FULL", "FullError", NULL, NULL,
   "ASH_E_FULL: segment full (arena, directory or attach table).", NULL},
  {"DESC", "DescriptorError", &PyExc_ValueError, NULL,
   "ASH_E_DESC: invalid descriptor.", NULL},
  {"CONTIG", "ContiguityError", &PyExc_ValueError, NULL,
   "ASH_E_CONTIG: the operation needs a contiguous view.", NULL},
  {"BUSY", "BusyError", NULL, NULL,
   "ASH_E_BUSY: the segment is being created or removed; retry.", NULL},
  {"SYS", "SysError", &PyExc_OSError, NULL,
   "ASH_E_SYS: unexpected system error.", NULL},
  {"AXIS", "AxisError", &PyExc_IndexError, &PyExc_ValueError,
   "ASH_E_AXIS: axis out of range (an IndexError and a ValueError, like "
   "numpy.AxisError).", NULL},
};

#define ASHPY_NERR ((int)(sizeof ashpy_errors / sizeof ashpy_errors[0]))

static PyObject *ashpy_Error;        /* arrayshare.Error */
static PyObject *ashpy_ClosedError;  /* use of a closed handle */

static PyObject *ashpy_error_class(const char *err) {
  for (int i = 0; i < ASHPY_NERR; i++)
    if (strcmp(ashpy_errors[i].err, err) == 0 && ashpy_errors[i].type)
      return ashpy_errors[i].type;
  return ashpy_Error;
}

/* Sets code, name and detail on an exception instance. */
static int ashpy_error_fill(PyObject *exc, int code, const char *name,
                            const char *detail) {
  PyObject *c = PyLong_FromLong(code);
  PyObject *n = PyUnicode_FromString(name);
  PyObject *d = PyUnicode_DecodeUTF8(detail, (Py_ssize_t)strlen(detail),
                                     "replace");
  int r = -1;
  if (c && n && d && PyObject_SetAttrString(exc, "code", c) == 0 &&
      PyObject_SetAttrString(exc, "name", n) == 0 &&
      PyObject_SetAttrString(exc, "detail", d) == 0)
    r = 0;
  Py_XDECREF(c);
  Py_XDECREF(n);
  Py_XDECREF(d);
  return r;
}

/* A new exception instance of class @cls for @code with @detail. */
static PyObject *ashpy_error_make(PyObject *cls, int code, const char *detail) {
  const char *name = ash_err_name(code);
  if (detail == NULL || detail[0] == '\0')
    detail = ash_strerror(code);
  PyObject *msg = PyUnicode_FromFormat("%s [%s]", detail, name);
  if (msg == NULL) {
    PyErr_Clear();
    msg = PyUnicode_FromString(ash_strerror(code));
    if (msg == NULL)
      return NULL;
  }
  PyObject *exc = PyObject_CallOneArg(cls, msg);
  Py_DECREF(msg);
  if (exc == NULL)
    return NULL;
  if (ashpy_error_fill(exc, code, name, detail) < 0) {
    Py_DECREF(exc);
    return NULL;
  }
  return exc;
}

static PyObject *ashpy_error_new(int code, const char *detail) {
  return ashpy_error_make(ashpy_error_class(ash_err_name(code)), code, detail);
}

/* Raises the exception for @code with an explicit detail; returns NULL. */
static PyObject *ashpy_raise_detail(int code, const char *detail) {
  PyObject *exc = ashpy_error_new(code, detail);
  if (exc) {
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
  }
  return NULL;
}

/* Raises the exception for a failed call (detail: ash_last_error()). */
static PyObject *ashpy_raise(int code) {
  char detail[1024];
  snprintf(detail, sizeof detail, "%s", ash_last_error());
  return ashpy_raise_detail(code, detail);
}

static PyObject *ashpy_raisef(int code, const char *fmt, ...) {
  char detail[1024];
  va_list ap;
  va_start(ap, fmt);
  PyOS_vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  return ashpy_raise_detail(code, detail);
}

static PyObject *ashpy_closed(const char *what) {
  char detail[128];
  snprintf(detail, sizeof detail, "%s is closed", what);
  PyObject *exc = ashpy_error_make(ashpy_ClosedError, ASH_E_INVAL, detail);
  if (exc) {
    PyErr_SetObject(ashpy_ClosedError, exc);
    Py_DECREF(exc);
  }
  return NULL;
}

static int ashpy_create_errors(PyObject *d) {
  PyObject *dict = Py_BuildValue("{s:O,s:O,s:O}", "code", Py_None, "name",
                                 Py_None, "detail", Py_None);
  if (dict == NULL)
    return -1;
  ashpy_Error = PyErr_NewExceptionWithDoc(
      "arrayshare.Error",
      "Base class of every arrayshare error.\n\n"
      "Attributes: code (the ASH_E_* value, an int), name (its symbolic name "
      "such as 'NOENT'), detail (the library's message, ash_last_error()).",
      PyExc_Exception, dict);
  Py_DECREF(dict);
  if (ashpy_Error == NULL || PyDict_SetItemString(d, "Error", ashpy_Error) < 0)
    return -1;
  PyObject *classes = PyDict_New();
  if (classes == NULL)
    return -1;
  for (int i = 0; i < ASHPY_NERR; i++) {
    struct ashpy_errdef *e = &ashpy_errors[i];
    int code = 0;
    for (int c = -1001; c >= -1999; c--)
      if (strcmp(ash_err_name(c), e->err) == 0) {
        code = c;
        break;
      }
    PyObject *bases;
    if (e->base2)
      bases = PyTuple_Pack(3, ashpy_Error, *e->base1, *e->base2);
    else if (e->base1)
      bases = PyTuple_Pack(2, ashpy_Error, *e->base1);
    else
      bases = PyTuple_Pack(1, ashpy_Error);
    PyObject *cd = Py_BuildValue("{s:i,s:s}", "code", code, "name", e->err);
    char qual[96];
    snprintf(qual, sizeof qual, "arrayshare.%s", e->cls);
    if (bases && cd)
      e->type = PyErr_NewExceptionWithDoc(qual, e->doc, bases, cd);
    Py_XDECREF(bases);
    Py_XDECREF(cd);
    if (e->type == NULL || PyDict_SetItemString(d, e->cls, e->type) < 0 ||
        PyDict_SetItemString(classes, e->err, e->type) < 0) {
      Py_DECREF(classes);
      return -1;
    }
  }
  /* Using a closed handle is passing NULL to the C library: INVAL. */
  PyObject *inval = ashpy_error_class("INVAL");
  PyObject *cd = Py_BuildValue("{s:i,s:s}", "code", (int)ASH_E_INVAL, "name",
                               "INVAL");
  if (cd)
    ashpy_ClosedError = PyErr_NewExceptionWithDoc(
        "arrayshare.ClosedError",
        "A closed view, segment or list handle was used (a subclass of "
        "InvalidArgumentError, hence of ValueError; code ASH_E_INVAL).",
        inval, cd);
  Py_XDECREF(cd);
  if (ashpy_ClosedError == NULL ||
      PyDict_SetItemString(d, "ClosedError", ashpy_ClosedError) < 0 ||
      PyDict_SetItemString(d, "error_classes", classes) < 0) {
    Py_DECREF(classes);
    return -1;
  }
  Py_DECREF(classes);
  return 0;
}

/* ---- integer helpers ------------------------------------------------- */

/* An exact Python integer (or __index__) as int64; OverflowError when out
 * of range, TypeError for non-integers. */
static int ashpy_as_i64(PyObject *o, int64_t *out) {
  if (PyLong_CheckExact(o)) {
    long long x = PyLong_AsLongLong(o);
    if (x == -1 && PyErr_Occurred())
      return -1;
    *out = x;
    return 0;
  }
  if (PyFloat_Check(o) || !PyIndex_Check(o)) {
    PyErr_Format(PyExc_TypeError, "expected an integer, got %.100s",
                 Py_TYPE(o)->tp_name);
    return -1;
  }
  PyObject *i = PyNumber_Index(o);
  if (i == NULL)
    return -1;
  long long x = PyLong_AsLongLong(i);
  Py_DECREF(i);
  if (x == -1 && PyErr_Occurred())
    return -1;
  *out = x;
  return 0;
}

static int ashpy_as_u64(PyObject *o, uint64_t *out) {
  PyObject *i;
  if (PyFloat_Check(o) || !PyIndex_Check(o)) {
    PyErr_Format(PyExc_TypeError, "expected an integer, got %.100s",
                 Py_TYPE(o)->tp_name);
    return -1;
  }
  if ((i = PyNumber_Index(o)) == NULL)
    return -1;
  unsigned long long x = PyLong_AsUnsignedLongLong(i);
  Py_DECREF(i);
  if (x == (unsigned long long)-1 && PyErr_Occurred())
    return -1;
  *out = x;
  return 0;
}

/* A Python sequence of integers as an int64 array: @buf when it has room,
 * else a PyMem_Malloc'ed array returned in *@heap (free it). */
static int ashpy_i64_seq(PyObject *o, const char *what, int64_t *buf, int cap,
                         int64_t **out, int64_t **heap, int *n) {
  *heap = NULL;
  if (PyUnicode_Check(o) || PyBytes_Check(o) || !PySequence_Check(o)) {
    PyErr_Format(PyExc_TypeError, "%s must be a sequence of integers, not "
                 "%.100s", what, Py_TYPE(o)->tp_name);
    return -1;
  }
  PyObject *seq = PySequence_Fast(o, what);
  if (seq == NULL)
    return -1;
  Py_ssize_t len = PySequence_Fast_GET_SIZE(seq);
  if (len > 1000000) {
    Py_DECREF(seq);
    PyErr_Format(PyExc_ValueError, "%s has too many entries", what);
    return -1;
  }
  int64_t *dst = buf;
  if (len > cap) {
    dst = PyMem_Malloc(sizeof(int64_t) * (size_t)len);
    if (dst == NULL) {
      Py_DECREF(seq);
      PyErr_NoMemory();
      return -1;
    }
    *heap = dst;
  }
  PyObject **items = PySequence_Fast_ITEMS(seq);
  for (Py_ssize_t i = 0; i < len; i++) {
    if (PyBool_Check(items[i])) {
      PyErr_Format(PyExc_TypeError, "%s: entries must be integers, not bool",
                   what);
      goto fail;
    }
    if (ashpy_as_i64(items[i], &dst[i]) < 0)
      goto fail;
  }
  Py_DECREF(seq);
  *out = dst;
  *n = (int)len;
  return 0;
fail:
  Py_DECREF(seq);
  PyMem_Free(*heap);
  *heap = NULL;
  return -1;
}

/* ---- scalars: Python object <-> element ------------------------------ */

enum { ASHPY_FLOAT, ASHPY_INT, ASHPY_U64, ASHPY_BOOL, ASHPY_COMPLEX };

static int ashpy_kind(int dtype) {
  switch (dtype) {
  case ASH_BOOL:
    return ASHPY_BOOL;
  case ASH_UINT64:
    return ASHPY_U64;
  case ASH_FLOAT16:
  case ASH_FLOAT32:
  case ASH_FLOAT64:
    return ASHPY_FLOAT;
  case ASH_COMPLEX64:
  case ASH_COMPLEX128:
    return ASHPY_COMPLEX;
  default:
    return ASHPY_INT;
  }
}

/* One element as a Python scalar: float, int, bool or complex. */
static PyObject *ashpy_get(const ash_view *v, int kind, int nidx,
                           const int64_t *idx) {
  int r;
  switch (kind) {
  case ASHPY_FLOAT: {
    double d;
    if ((r = ash_view_get_f64(v, nidx, idx, &d)))
      return ashpy_raise(r);
    return PyFloat_FromDouble(d);
  }
  case ASHPY_U64: {
    uint64_t u;
    if ((r = ash_view_get_u64(v, nidx, idx, &u)))
      return ashpy_raise(r);
    return PyLong_FromUnsignedLongLong(u);
  }
  case ASHPY_BOOL: {
    int64_t b;
    if ((r = ash_view_get_i64(v, nidx, idx, &b)))
      return ashpy_raise(r);
    return PyBool_FromLong(b != 0);
  }
  case ASHPY_COMPLEX: {
    double re, im;
    if ((r = ash_view_get_c128(v, nidx, idx, &re, &im)))
      return ashpy_raise(r);
    return PyComplex_FromDoubles(re, im);
  }
  default: {
    int64_t x;
    if ((r = ash_view_get_i64(v, nidx, idx, &x)))
      return ashpy_raise(r);
    return PyLong_FromLongLong(x);
  }
  }
}

enum { ASHPY_S_F64, ASHPY_S_I64, ASHPY_S_U64, ASHPY_S_C128 };

struct ashpy_scalar {
  int type;
  double re, im;
  int64_t i;
  uint64_t u;
};

static int ashpy_scalar_int(PyObject *o, struct ashpy_scalar *s) {
  int overflow = 0;
  long long x = PyLong_AsLongLongAndOverflow(o, &overflow);
  if (x == -1 && PyErr_Occurred())
    return -1;
  if (!overflow) {
    s->type = ASHPY_S_I64;
    s->i = x;
    return 0;
  }
  if (overflow > 0) {
    unsigned long long u = PyLong_AsUnsignedLongLong(o);
    if (!(u == (unsigned long long)-1 && PyErr_Occurred())) {
      s->type = ASHPY_S_U64;
      s->u = u;
      return 0;
    }
    PyErr_Clear();
  }
  PyObject *rep = PyObject_Repr(o);
  const char *txt = rep ? PyUnicode_AsUTF8(rep) : NULL;
  ashpy_raisef(ASH_E_VALUE, "integer %.60s%s does not fit in 64 bits",
               txt ? txt : "?", txt && strlen(txt) > 60 ? "..." : "");
  Py_XDECREF(rep);
  return -1;
}

static int ashpy_is_numpy_bool(PyObject *o) {
  return strcmp(Py_TYPE(o)->tp_name, "numpy.bool_") == 0;
}

/* Classifies a Python number for the C setters. TypeError for non-numbers.
 * @dtype only names the target in messages. */
static int ashpy_to_scalar(PyObject *o, struct ashpy_scalar *s, int dtype) {
  if (PyFloat_CheckExact(o)) {
    s->type = ASHPY_S_F64;
    s->re = PyFloat_AS_DOUBLE(o);
    return 0;
  }
  if (PyLong_CheckExact(o))
    return ashpy_scalar_int(o, s);
  if (PyBool_Check(o) || ashpy_is_numpy_bool(o)) {
    int t = PyObject_IsTrue(o);
    if (t < 0)
      return -1;
    s->type = ASHPY_S_I64;
    s->i = t;
    return 0;
  }
  if (PyFloat_Check(o)) {
    s->type = ASHPY_S_F64;
    s->re = PyFloat_AsDouble(o);
    return s->re == -1.0 && PyErr_Occurred() ? -1 : 0;
  }
  if (PyComplex_Check(o)) {
    Py_complex c = PyComplex_AsCComplex(o);
    if (c.real == -1.0 && PyErr_Occurred())
      return -1;
    s->type = ASHPY_S_C128;
    s->re = c.real;
    s->im = c.imag;
    return 0;
  }
  if (PyLong_Check(o))
    return ashpy_scalar_int(o, s);
  if (!PyUnicode_Check(o) && !PyBytes_Check(o)) {
    if (PyIndex_Check(o)) {
      PyObject *i = PyNumber_Index(o);
      if (i != NULL) {
        int r = ashpy_scalar_int(i, s);
        Py_DECREF(i);
        return r;
      }
      /* e.g. a 0-d float array: __index__ refuses, __float__ works. */
      if (!PyErr_ExceptionMatches(PyExc_TypeError))
        return -1;
      PyErr_Clear();
    }
    /* __complex__ before __float__: numpy.complex64 has both, and
     * __float__ would drop the imaginary part. */
    PyObject *meth = PyObject_GetAttrString((PyObject *)Py_TYPE(o), "__complex__");
    if (meth) {
      Py_DECREF(meth);
      Py_complex c = PyComplex_AsCComplex(o);
      if (c.real == -1.0 && PyErr_Occurred())
        return -1;
      s->type = ASHPY_S_C128;
      s->re = c.real;
      s->im = c.imag;
      return 0;
    }
    PyErr_Clear();
    PyNumberMethods *nb = Py_TYPE(o)->tp_as_number;
    if (nb && nb->nb_float) {
      s->type = ASHPY_S_F64;
      s->re = PyFloat_AsDouble(o);
      return s->re == -1.0 && PyErr_Occurred() ? -1 : 0;
    }
  }
  PyErr_Format(PyExc_TypeError,
               "cannot store a %.100s in an element of a %s view (expected "
               "a number)",
               Py_TYPE(o)->tp_name, ash_dtype_name(dtype));
  return -1;
}

/* Is @o a single number (not a sequence or array)? */
static int ashpy_is_scalar(PyObject *o) {
  if (PyFloat_Check(o) || PyLong_Check(o) || PyComplex_Check(o))
    return 1;
  if (PyUnicode_Check(o) || PyBytes_Check(o) || PySequence_Check(o))
    return 0;
  if (ashpy_is_numpy_bool(o))
    return 1;
  PyNumberMethods *nb = Py_TYPE(o)->tp_as_number;
  return nb && (nb->nb_index || nb->nb_float);
}

static int ashpy_set_scalar(const ash_view *v, int nidx, const int64_t *idx,
                            const struct ashpy_scalar *s) {
  int r;
  switch (s->type) {
  case ASHPY_S_F64:
    r = ash_view_set_f64(v, nidx, idx, s->re);
    break;
  case ASHPY_S_I64:
    r = ash_view_set_i64(v, nidx, idx, s->i);
    break;
  case ASHPY_S_U64:
    r = ash_view_set_u64(v, nidx, idx, s->u);
    break;
  default:
    r = ash_view_set_c128(v, nidx, idx, s->re, s->im);
    break;
  }
  if (r) {
    ashpy_raise(r);
    return -1;
  }
  return 0;
}

static int ashpy_set(const ash_view *v, int dtype, int nidx, const int64_t *idx,
                     PyObject *value) {
  struct ashpy_scalar s;
  if (PyFloat_CheckExact(value)) { /* the hot path */
    int r = ash_view_set_f64(v, nidx, idx, PyFloat_AS_DOUBLE(value));
    if (r) {
      ashpy_raise(r);
      return -1;
    }
    return 0;
  }
  if (ashpy_to_scalar(value, &s, dtype) < 0)
    return -1;
  return ashpy_set_scalar(v, nidx, idx, &s);
}

/* Sets every element of @v to one number (the C fill functions where they
 * apply, checked once before anything is written). */
static int ashpy_fill(const ash_view *v, PyObject *value) {
  struct ashpy_scalar s;
  int dtype = ash_view_dtype(v), r = 0;
  if (ashpy_to_scalar(value, &s, dtype) < 0)
    return -1;
  if (s.type == ASHPY_S_F64)
    r = ash_view_fill_f64(v, s.re);
  else if (s.type == ASHPY_S_I64)
    r = ash_view_fill_i64(v, s.i);
  else if (s.type == ASHPY_S_C128 && s.im == 0.0 &&
           ashpy_kind(dtype) != ASHPY_COMPLEX)
    r = ash_view_fill_f64(v, s.re);
  else {
    /* uint64 beyond int64, complex: element by element (the first element
     * checks the value before anything is written). */
    int64_t n = ash_view_size(v);
    for (int64_t i = 0; i < n; i++)
      if (ashpy_set_scalar(v, 1, &i, &s) < 0)
        return -1;
    return 0;
  }
  if (r) {
    ashpy_raise(r);
    return -1;
  }
  return 0;
}

/* ---- the ViewHandle type --------------------------------------------- */

typedef struct {
  PyObject_HEAD
  ash_view *v;        /* NULL once closed */
  PyObject *weakrefs;
  int dtype, ndim, kind; /* cached: views are immutable */
} AshPyView;

typedef struct {
  PyObject_HEAD
  ash_segment *seg;
  PyObject *weakrefs;
} AshPySegment;

typedef struct {
  PyObject_HEAD
  ash_list *l;
} AshPyList;

static PyTypeObject AshPyView_Type;
static PyTypeObject AshPySegment_Type;
static PyTypeObject AshPyList_Type;
static PyTypeObject AshPyViewIter_Type;

/* Wraps @v (taking over one reference) in a new object of @type. */
static PyObject *ashpy_view_wrap(PyTypeObject *type, ash_view *v) {
  if (v == NULL)
    return ashpy_raisef(ASH_E_INVAL, "no view");
  AshPyView *o = (AshPyView *)type->tp_alloc(type, 0);
  if (o == NULL) {
    ash_view_release(v);
    return NULL;
  }
  o->v = v;
  o->dtype = ash_view_dtype(v);
  o->ndim = ash_view_ndim(v);
  o->kind = ashpy_kind(o->dtype);
  return (PyObject *)o;
}

static PyObject *ashpy_segment_wrap(ash_segment *seg) {
  AshPySegment *o =
      (AshPySegment *)AshPySegment_Type.tp_alloc(&AshPySegment_Type, 0);
  if (o == NULL) {
    ash_segment_close(seg);
    return NULL;
  }
  o->seg = seg;
  return (PyObject *)o;
}

static PyObject *ashpy_list_wrap(ash_list *l) {
  AshPyList *o = (AshPyList *)AshPyList_Type.tp_alloc(&AshPyList_Type, 0);
  if (o == NULL) {
    ash_list_free(l);
    return NULL;
  }
  o->l = l;
  return (PyObject *)o;
}

/* Argument conversion for the generated wrappers. */
static int ashpy_view_arg(PyObject *o, ash_view **out) {
  if (!PyObject_TypeCheck(o, &AshPyView_Type)) {
    PyErr_Format(PyExc_TypeError, "expected an arrayshare view, got %.100s",
                 Py_TYPE(o)->tp_name);
    return -1;
  }
  if ((*out = ((AshPyView *)o)->v) == NULL) {
    ashpy_closed("view");
    return -1;
  }
  return 0;
}

static int ashpy_segment_arg(PyObject *o, ash_segment **out) {
  if (!PyObject_TypeCheck(o, &AshPySegment_Type)) {
    PyErr_Format(PyExc_TypeError, "expected an arrayshare segment handle, got "
                 "%.100s", Py_TYPE(o)->tp_name);
    return -1;
  }
  if ((*out = ((AshPySegment *)o)->seg) == NULL) {
    ashpy_closed("segment");
    return -1;
  }
  return 0;
}

static int ashpy_list_arg(PyObject *o, ash_list **out) {
  if (!PyObject_TypeCheck(o, &AshPyList_Type)) {
    PyErr_Format(PyExc_TypeError, "expected an arrayshare list handle, got "
                 "%.100s", Py_TYPE(o)->tp_name);
    return -1;
  }
  if ((*out = ((AshPyList *)o)->l) == NULL) {
    ashpy_closed("list");
    return -1;
  }
  return 0;
}

#define ASHPY_VIEW(self, v)                        \
  ash_view *v = ((AshPyView *)(self))->v;          \
  if (v == NULL)                                   \
    return ashpy_closed("view")

static void ashpy_view_dealloc(PyObject *self) {
  AshPyView *o = (AshPyView *)self;
  if (o->weakrefs)
    PyObject_ClearWeakRefs(self);
  ash_view_release(o->v);
  o->v = NULL;
  Py_TYPE(self)->tp_free(self);
}

static PyObject *ashpy_view_close(PyObject *self, PyObject *unused) {
  (void)unused;
  AshPyView *o = (AshPyView *)self;
  ash_view *v = o->v;
  o->v = NULL;
  ash_view_release(v);
  Py_RETURN_NONE;
}

static PyObject *ashpy_enter(PyObject *self, PyObject *unused) {
  (void)unused;
  Py_INCREF(self);
  return self;
}

static PyObject *ashpy_view_exit(PyObject *self, PyObject *args) {
  (void)args;
  return ashpy_view_close(self, NULL);
}

/* cls._adopt(handle): a new view of class cls taking over handle's
 * reference; handle is closed. */
static PyObject *ashpy_view_adopt(PyObject *cls, PyObject *arg) {
  if (!PyType_Check(cls) ||
      !PyType_IsSubtype((PyTypeObject *)cls, &AshPyView_Type))
    return PyErr_Format(PyExc_TypeError, "_adopt needs a view class");
  ash_view *v;
  if (ashpy_view_arg(arg, &v) < 0)
    return NULL;
  if (Py_TYPE(arg) == (PyTypeObject *)cls) {
    Py_INCREF(arg);
    return arg;
  }
  ((AshPyView *)arg)->v = NULL;
  return ashpy_view_wrap((PyTypeObject *)cls, v);
}

static PyObject *ashpy_i64_tuple(const int64_t *a, int n) {
  PyObject *t = PyTuple_New(n);
  if (t == NULL)
    return NULL;
  for (int i = 0; i < n; i++) {
    PyObject *x = PyLong_FromLongLong(a[i]);
    if (x == NULL) {
      Py_DECREF(t);
      return NULL;
    }
    PyTuple_SET_ITEM(t, i, x);
  }
  return t;
}

static PyObject *ashpy_i64_list(const int64_t *a, int n) {
  PyObject *t = PyList_New(n);
  if (t == NULL)
    return NULL;
  for (int i = 0; i < n; i++) {
    PyObject *x = PyLong_FromLongLong(a[i]);
    if (x == NULL) {
      Py_DECREF(t);
      return NULL;
    }
    PyList_SET_ITEM(t, i, x);
  }
  return t;
}

/* getters */
static PyObject *ashpy_view_get_shape(PyObject *self, void *c) {
  (void)c;
  ASHPY_VIEW(self, v);
  return ashpy_i64_tuple(ash_view_shape(v), ash_view_ndim(v));
}
static PyObject *ashpy_view_get_strides(PyObject *self, void *c) {
  (void)c;
  ASHPY_VIEW(self, v);
  return ashpy_i64_tuple(ash_view_strides(v), ash_view_ndim(v));
}
static PyObject *ashpy_view_get_ndim(PyObject *self, void *c) {
  (void)c;
  ASHPY_VIEW(self, v);
  return PyLong_FromLong(ash_view_ndim(v));
}
static PyObject *ashpy_view_get_size(PyObject *self, void *c) {
  (void)c;
  ASHPY_VIEW(self, v);
  return PyLong_FromLongLong(ash_view_size(v));
}
static PyObject *ashpy_view_get_dtype(PyObject *self, void *c) {
  (void)c;
  ASHPY_VIEW(self, v);
  return PyUnicode_FromString(ash_dtype_name(ash_view_dtype(v)));
}
static PyObject *ashpy_view_get_itemsize(PyObject *self, void *c) {
  (void)c;
  ASHPY_VIEW(self, v);
  return PyLong_FromSize_t(ash_view_itemsize(v));
}
static PyObject *ashpy_view_get_nbytes(PyObject *self, void *c) {
  (void)c;
  ASHPY_VIEW(self, v);
  return PyLong_FromUnsignedLongLong(ash_view_nbytes(v));
}
static PyObject *ashpy_view_get_readonly(PyObject *self, void *c) {
  (void)c;
  ASHPY_VIEW(self, v);
  return PyBool_FromLong((ash_view_flags(v) & ASH_VIEW_READONLY) != 0);
}
static PyObject *ashpy_view_get_c_contiguous(PyObject *self, void *c) {
  (void)c;
  ASHPY_VIEW(self, v);
  return PyBool_FromLong((ash_view_flags(v) & ASH_VIEW_C_CONTIGUOUS) != 0);
}
static PyObject *ashpy_view_get_f_contiguous(PyObject *self, void *c) {
  (void)c;
  ASHPY_VIEW(self, v);
  return PyBool_FromLong((ash_view_flags(v) & ASH_VIEW_F_CONTIGUOUS) != 0);
}
static PyObject *ashpy_view_get_descriptor(PyObject *self, void *c) {
  (void)c;
  ASHPY_VIEW(self, v);
  const char *d = ash_view_descriptor(v);
  if (d == NULL)
    return PyErr_NoMemory();
  return PyUnicode_FromString(d);
}
static PyObject *ashpy_view_get_segment_name(PyObject *self, void *c) {
  (void)c;
  ASHPY_VIEW(self, v);
  return PyUnicode_FromString(ash_view_segment_name(v));
}
static PyObject *ashpy_view_get_array_name(PyObject *self, void *c) {
  (void)c;
  ASHPY_VIEW(self, v);
  return PyUnicode_FromString(ash_view_array_name(v));
}
static PyObject *ashpy_view_get_offset(PyObject *self, void *c) {
  (void)c;
  ASHPY_VIEW(self, v);
  return PyLong_FromLongLong(ash_view_offset(v));
}
static PyObject *ashpy_view_get_address(PyObject *self, void *c) {
  (void)c;
  ASHPY_VIEW(self, v);
  return PyLong_FromVoidPtr(ash_view_data(v));
}
static PyObject *ashpy_view_get_closed(PyObject *self, void *c) {
  (void)c;
  return PyBool_FromLong(((AshPyView *)self)->v == NULL);
}
static PyObject *ashpy_view_get_T(PyObject *self, void *c) {
  (void)c;
  ASHPY_VIEW(self, v);
  ash_view *t;
  int r = ash_view_transpose(v, &t);
  if (r)
    return ashpy_raise(r);
  return ashpy_view_wrap(Py_TYPE(self), t);
}

static PyObject *ashpy_view_get_array_interface(PyObject *self, void *c) {
  (void)c;
  ASHPY_VIEW(self, v);
  int ndim = ash_view_ndim(v);
  unsigned f = ash_view_flags(v);
  PyObject *shape = ashpy_i64_tuple(ash_view_shape(v), ndim);
  PyObject *strides;
  if (f & ASH_VIEW_C_CONTIGUOUS) {
    strides = Py_None;
    Py_INCREF(strides);
  } else {
    strides = ashpy_i64_tuple(ash_view_strides(v), ndim);
  }
  const char *ts = ash_dtype_str(ash_view_dtype(v));
  PyObject *res = NULL;
  if (shape && strides)
    res = Py_BuildValue("{s:i,s:O,s:s,s:[(s,s)],s:(N,O),s:O}", "version", 3,
                        "shape", shape, "typestr", ts, "descr", "", ts, "data",
                        PyLong_FromVoidPtr(ash_view_data(v)),
                        (f & ASH_VIEW_READONLY) ? Py_True : Py_False,
                        "strides", strides);
  Py_XDECREF(shape);
  Py_XDECREF(strides);
  return res;
}

static PyObject *ashpy_view_tobytes(PyObject *self, PyObject *unused) {
  (void)unused;
  ASHPY_VIEW(self, v);
  uint64_t n = ash_view_nbytes(v);
  if (n > (uint64_t)PY_SSIZE_T_MAX)
    return PyErr_NoMemory();
  PyObject *b = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)n);
  if (b == NULL)
    return NULL;
  int r = ash_view_read(v, PyBytes_AS_STRING(b), n);
  if (r) {
    Py_DECREF(b);
    return ashpy_raise(r);
  }
  return b;
}

static PyObject *ashpy_tolist_rec(const ash_view *v, int kind, int ndim,
                                  const int64_t *shape, int64_t *idx,
                                  int axis) {
  if (axis == ndim)
    return ashpy_get(v, kind, ndim, idx);
  PyObject *list = PyList_New((Py_ssize_t)shape[axis]);
  if (list == NULL)
    return NULL;
  for (int64_t i = 0; i < shape[axis]; i++) {
    idx[axis] = i;
    PyObject *x = ashpy_tolist_rec(v, kind, ndim, shape, idx, axis + 1);
    if (x == NULL) {
      Py_DECREF(list);
      return NULL;
    }
    PyList_SET_ITEM(list, (Py_ssize_t)i, x);
  }
  return list;
}

static PyObject *ashpy_view_tolist(PyObject *self, PyObject *unused) {
  (void)unused;
  ASHPY_VIEW(self, v);
  int64_t idx[ASH_MAX_NDIM];
  return ashpy_tolist_rec(v, ((AshPyView *)self)->kind, ash_view_ndim(v),
                          ash_view_shape(v), idx, 0);
}

static PyObject *ashpy_view_transpose_m(PyObject *self, PyObject *args) {
  ASHPY_VIEW(self, v);
  ash_view *t = NULL;
  int r;
  Py_ssize_t n = PyTuple_GET_SIZE(args);
  if (n == 0 || (n == 1 && PyTuple_GET_ITEM(args, 0) == Py_None)) {
    r = ash_view_transpose(v, &t);
  } else {
    PyObject *axes = args;
    if (n == 1 && !PyLong_Check(PyTuple_GET_ITEM(args, 0)) &&
        !PyIndex_Check(PyTuple_GET_ITEM(args, 0)))
      axes = PyTuple_GET_ITEM(args, 0);
    int64_t buf[ASHPY_STACK_IDX], *a, *heap;
    int na;
    if (ashpy_i64_seq(axes, "axes", buf, ASHPY_STACK_IDX, &a, &heap, &na) < 0)
      return NULL;
    r = ash_view_permute(v, na, a, &t);
    PyMem_Free(heap);
  }
  if (r)
    return ashpy_raise(r);
  return ashpy_view_wrap(Py_TYPE(self), t);
}

static PyObject *ashpy_view_reshape_m(PyObject *self, PyObject *args) {
  ASHPY_VIEW(self, v);
  PyObject *shape = args;
  if (PyTuple_GET_SIZE(args) == 1 && !PyLong_Check(PyTuple_GET_ITEM(args, 0)) &&
      !PyIndex_Check(PyTuple_GET_ITEM(args, 0)))
    shape = PyTuple_GET_ITEM(args, 0);
  int64_t buf[ASHPY_STACK_IDX], *s, *heap;
  int n;
  if (ashpy_i64_seq(shape, "shape", buf, ASHPY_STACK_IDX, &s, &heap, &n) < 0)
    return NULL;
  ash_view *t;
  int r = ash_view_reshape(v, n, s, &t);
  PyMem_Free(heap);
  if (r)
    return ashpy_raise(r);
  return ashpy_view_wrap(Py_TYPE(self), t);
}

/* dtype: a spelling (str) or an ash_dtype code (int). */
static int ashpy_dtype_arg(PyObject *o, int *dtype) {
  if (PyUnicode_Check(o)) {
    const char *s = PyUnicode_AsUTF8(o);
    if (s == NULL)
      return -1;
    if (strlen(s) != (size_t)PyUnicode_GET_LENGTH(o)) {
      ashpy_raisef(ASH_E_DTYPE, "dtype string contains a NUL character");
      return -1;
    }
    int r = ash_dtype_parse(s, dtype);
    if (r) {
      ashpy_raise(r);
      return -1;
    }
    return 0;
  }
  if (PyLong_Check(o) && !PyBool_Check(o)) {
    long d = PyLong_AsLong(o);
    if (d == -1 && PyErr_Occurred())
      return -1;
    if (ash_dtype_name((int)d) == NULL || d != (int)d) {
      ashpy_raisef(ASH_E_DTYPE, "dtype code %ld is not valid", d);
      return -1;
    }
    *dtype = (int)d;
    return 0;
  }
  PyErr_Format(PyExc_TypeError, "dtype must be a str or an int code, not "
               "%.100s", Py_TYPE(o)->tp_name);
  return -1;
}

static PyObject *ashpy_view_view_m(PyObject *self, PyObject *arg) {
  ASHPY_VIEW(self, v);
  int dtype;
  if (ashpy_dtype_arg(arg, &dtype) < 0)
    return NULL;
  ash_view *t;
  int r = ash_view_reinterpret(v, dtype, &t);
  if (r)
    return ashpy_raise(r);
  return ashpy_view_wrap(Py_TYPE(self), t);
}

static PyObject *ashpy_view_as_readonly(PyObject *self, PyObject *unused) {
  (void)unused;
  ASHPY_VIEW(self, v);
  ash_view *t;
  int r = ash_view_readonly(v, &t);
  if (r)
    return ashpy_raise(r);
  return ashpy_view_wrap(Py_TYPE(self), t);
}

static PyObject *ashpy_view_fill_m(PyObject *self, PyObject *value) {
  ASHPY_VIEW(self, v);
  if (ashpy_fill(v, value) < 0)
    return NULL;
  Py_RETURN_NONE;
}

static PyObject *ashpy_view_item(PyObject *self, PyObject *args) {
  ASHPY_VIEW(self, v);
  int64_t buf[ASHPY_STACK_IDX], *idx, *heap;
  int n;
  PyObject *key = args;
  if (PyTuple_GET_SIZE(args) == 1 && PyTuple_Check(PyTuple_GET_ITEM(args, 0)))
    key = PyTuple_GET_ITEM(args, 0);
  if (ashpy_i64_seq(key, "index", buf, ASHPY_STACK_IDX, &idx, &heap, &n) < 0)
    return NULL;
  if (n == 0 && ash_view_ndim(v) > 0) {
    /* item() without an index: the only element, as NumPy does. */
    if (ash_view_size(v) != 1)
      return ashpy_raisef(ASH_E_INVAL, "item() without an index needs a view "
                          "of exactly one element, not %lld",
                          (long long)ash_view_size(v));
    buf[0] = 0;
    idx = buf;
    n = 1;
  }
  PyObject *res = ashpy_get(v, ((AshPyView *)self)->kind, n, idx);
  PyMem_Free(heap);
  return res;
}

/* ---- DLPack ------------------------------------------------------------ */

/* The DLPack ABI (dlpack.h, v0.8), declared here: no build dependency. */
typedef struct {
  int32_t device_type;
  int32_t device_id;
} ashpy_DLDevice;
typedef struct {
  uint8_t code;
  uint8_t bits;
  uint16_t lanes;
} ashpy_DLDataType;
typedef struct {
  void *data;
  ashpy_DLDevice device;
  int32_t ndim;
  ashpy_DLDataType dtype;
  int64_t *shape;
  int64_t *strides;
  uint64_t byte_offset;
} ashpy_DLTensor;
typedef struct ashpy_DLManagedTensor {
  ashpy_DLTensor dl_tensor;
  void *manager_ctx;
  void (*deleter)(struct ashpy_DLManagedTensor *self);
} ashpy_DLManagedTensor;

enum { ASHPY_kDLCPU = 1, ASHPY_kDLInt = 0, ASHPY_kDLUInt = 1,
       ASHPY_kDLFloat = 2, ASHPY_kDLComplex = 5, ASHPY_kDLBool = 6 };

struct ashpy_dlpack {
  ashpy_DLManagedTensor mt;
  ash_view *view; /* one reference, released by the deleter */
  int64_t shape[ASH_MAX_NDIM];
  int64_t strides[ASH_MAX_NDIM];
};

/* May run without the GIL, in any thread: plain C only. */
static void ashpy_dlpack_deleter(ashpy_DLManagedTensor *mt) {
  struct ashpy_dlpack *p = mt->manager_ctx;
  ash_view_release(p->view);
  free(p);
}

static void ashpy_dlpack_capsule_destructor(PyObject *cap) {
  /* Consumed capsules are renamed "used_dltensor": the consumer owns them. */
  if (PyCapsule_IsValid(cap, "dltensor")) {
    ashpy_DLManagedTensor *mt = PyCapsule_GetPointer(cap, "dltensor");
    if (mt && mt->deleter)
      mt->deleter(mt);
  }
}

static PyObject *ashpy_view_dlpack(PyObject *self, PyObject *args,
                                   PyObject *kwargs) {
  static char *kwlist[] = {"stream", NULL};
  PyObject *stream = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|$O:__dlpack__", kwlist,
                                   &stream))
    return NULL;
  ASHPY_VIEW(self, v);
  if (stream != Py_None) {
    PyErr_SetString(PyExc_BufferError,
                    "__dlpack__: stream must be None for CPU memory");
    return NULL;
  }
  unsigned f = ash_view_flags(v);
  if (f & ASH_VIEW_READONLY) {
    PyErr_SetString(PyExc_BufferError,
                    "cannot export a read-only view through DLPack (it has no "
                    "read-only flag); use the buffer protocol (memoryview, "
                    "numpy.asarray)");
    return NULL;
  }
  int dtype = ash_view_dtype(v), ndim = ash_view_ndim(v);
  size_t itemsize = ash_view_itemsize(v);
  ashpy_DLDataType dt = {0, (uint8_t)(itemsize * 8), 1};
  switch (ashpy_kind(dtype)) {
  case ASHPY_FLOAT:
    dt.code = ASHPY_kDLFloat;
    break;
  case ASHPY_COMPLEX:
    dt.code = ASHPY_kDLComplex;
    break;
  case ASHPY_BOOL:
    dt.code = ASHPY_kDLBool;
    break;
  default:
    dt.code = (dtype == ASH_UINT8 || dtype == ASH_UINT16 ||
               dtype == ASH_UINT32 || dtype == ASH_UINT64)
                  ? ASHPY_kDLUInt
                  : ASHPY_kDLInt;
    break;
  }
  const int64_t *shape = ash_view_shape(v), *strides = ash_view_strides(v);
  struct ashpy_dlpack *p = calloc(1, sizeof *p);
  if (p == NULL)
    return PyErr_NoMemory();
  for (int i = 0; i < ndim; i++) {
    if (strides[i] % (int64_t)itemsize != 0) {
      free(p);
      PyErr_Format(PyExc_BufferError,
                   "cannot export through DLPack: stride %lld of axis %d is "
                   "not a multiple of the itemsize %zu",
                   (long long)strides[i], i, itemsize);
      return NULL;
    }
    p->shape[i] = shape[i];
    p->strides[i] = strides[i] / (int64_t)itemsize;
  }
  p->view = ash_view_retain(v);
  p->mt.manager_ctx = p;
  p->mt.deleter = ashpy_dlpack_deleter;
  p->mt.dl_tensor.data = ash_view_data(v);
  p->mt.dl_tensor.device.device_type = ASHPY_kDLCPU;
  p->mt.dl_tensor.device.device_id = 0;
  p->mt.dl_tensor.ndim = ndim;
  p->mt.dl_tensor.dtype = dt;
  p->mt.dl_tensor.shape = p->shape;
  p->mt.dl_tensor.strides = p->strides;
  p->mt.dl_tensor.byte_offset = 0;
  PyObject *cap = PyCapsule_New(&p->mt, "dltensor",
                                ashpy_dlpack_capsule_destructor);
  if (cap == NULL)
    ashpy_dlpack_deleter(&p->mt);
  return cap;
}

static PyObject *ashpy_view_dlpack_device(PyObject *self, PyObject *unused) {
  (void)unused;
  ASHPY_VIEW(self, v);
  (void)v;
  return Py_BuildValue("(ii)", ASHPY_kDLCPU, 0);
}

/* ---- buffer protocol ------------------------------------------------- */

static int ashpy_view_getbuffer(PyObject *self, Py_buffer *view, int flags) {
  ash_view *v = ((AshPyView *)self)->v;
  view->obj = NULL;
  if (v == NULL) {
    ashpy_closed("view");
    return -1;
  }
  unsigned f = ash_view_flags(v);
  int ro = (f & ASH_VIEW_READONLY) != 0;
  if ((flags & PyBUF_WRITABLE) && ro) {
    PyErr_SetString(PyExc_BufferError, "the view is read-only");
    return -1;
  }
  int want_strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES;
  int want_shape = (flags & PyBUF_ND) == PyBUF_ND;
  if (!want_strides && !(f & ASH_VIEW_C_CONTIGUOUS)) {
    PyErr_SetString(PyExc_BufferError,
                    "the view is not C-contiguous: request strides "
                    "(PyBUF_STRIDES)");
    return -1;
  }
  if ((flags & PyBUF_C_CONTIGUOUS) == PyBUF_C_CONTIGUOUS &&
      !(f & ASH_VIEW_C_CONTIGUOUS)) {
    PyErr_SetString(PyExc_BufferError, "the view is not C-contiguous");
    return -1;
  }
  if ((flags & PyBUF_F_CONTIGUOUS) == PyBUF_F_CONTIGUOUS &&
      !(f & ASH_VIEW_F_CONTIGUOUS)) {
    PyErr_SetString(PyExc_BufferError, "the view is not Fortran-contiguous");
    return -1;
  }
  if ((flags & PyBUF_ANY_CONTIGUOUS) == PyBUF_ANY_CONTIGUOUS &&
      !(f & (ASH_VIEW_C_CONTIGUOUS | ASH_VIEW_F_CONTIGUOUS))) {
    PyErr_SetString(PyExc_BufferError, "the view is not contiguous");
    return -1;
  }
  /* The exported buffer holds its own reference on the C view (hence on the
   * mapping): closing the view object does not invalidate it. */
  view->internal = ash_view_retain(v);
  view->buf = ash_view_data(v);
  view->len = (Py_ssize_t)ash_view_nbytes(v);
  view->readonly = ro;
  view->itemsize = (Py_ssize_t)ash_view_itemsize(v);
  view->format = (flags & PyBUF_FORMAT)
                     ? (char *)ash_dtype_format(ash_view_dtype(v))
                     : NULL;
  if (want_shape) {
    view->ndim = ash_view_ndim(v);
    view->shape = (Py_ssize_t *)(uintptr_t)ash_view_shape(v);
  } else {
    view->ndim = 1;
    view->shape = NULL;
  }
  view->strides = want_strides ? (Py_ssize_t *)(uintptr_t)ash_view_strides(v)
                               : NULL;
  view->suboffsets = NULL;
  Py_INCREF(self);
  view->obj = self;
  return 0;
}

static void ashpy_view_releasebuffer(PyObject *self, Py_buffer *view) {
  (void)self;
  ash_view_release((ash_view *)view->internal);
  view->internal = NULL;
}

/* ---- indexing ------------------------------------------------------- */

static int ashpy_is_index(PyObject *o) {
  return !PyBool_Check(o) && !ashpy_is_numpy_bool(o) &&
         (PyLong_Check(o) || PyIndex_Check(o));
}

static int ashpy_index_value(PyObject *o, int64_t *out) {
  PyObject *i = PyNumber_Index(o);
  if (i == NULL)
    return -1;
  int overflow;
  long long x = PyLong_AsLongLongAndOverflow(i, &overflow);
  Py_DECREF(i);
  if (x == -1 && PyErr_Occurred())
    return -1;
  if (overflow) {
    ashpy_raisef(ASH_E_INDEX, "index is out of range (does not fit in 64 "
                 "bits)");
    return -1;
  }
  *out = x;
  return 0;
}

/* A slice bound: None is ASH_NONE; huge values clamp (never to ASH_NONE). */
static int ashpy_slice_bound(PyObject *o, int64_t *out) {
  if (o == Py_None) {
    *out = ASH_NONE;
    return 0;
  }
  if (!PyIndex_Check(o)) {
    PyErr_SetString(PyExc_TypeError,
                    "slice indices must be integers or None");
    return -1;
  }
  PyObject *i = PyNumber_Index(o);
  if (i == NULL)
    return -1;
  int overflow;
  long long x = PyLong_AsLongLongAndOverflow(i, &overflow);
  Py_DECREF(i);
  if (x == -1 && PyErr_Occurred())
    return -1;
  if (overflow > 0)
    x = INT64_MAX;
  else if (overflow < 0 || x == INT64_MIN)
    x = INT64_MIN + 1;
  *out = x;
  return 0;
}

/* Applies a NumPy basic index (ints, slices, one Ellipsis, or a tuple of
 * them) to @v. *@out gets a new reference; *@scalar is 1 when the key was
 * integers only and selected one element (the result is 0-d). */
static int ashpy_apply_key(const ash_view *v, PyObject *key, ash_view **out,
                           int *scalar) {
  PyObject *one[1];
  PyObject **items;
  Py_ssize_t nitems;
  if (PyTuple_Check(key)) {
    items = &PyTuple_GET_ITEM(key, 0);
    nitems = PyTuple_GET_SIZE(key);
  } else {
    one[0] = key;
    items = one;
    nitems = 1;
  }
  int ndim = ash_view_ndim(v), nreal = 0, nell = 0;
  for (Py_ssize_t k = 0; k < nitems; k++) {
    PyObject *it = items[k];
    if (it == Py_Ellipsis)
      nell++;
    else if (PySlice_Check(it) || ashpy_is_index(it))
      nreal++;
    else if (it == Py_None) {
      PyErr_SetString(PyExc_TypeError,
                      "numpy.newaxis (None) is not supported in a view index");
      return -1;
    } else if (PyBool_Check(it) || ashpy_is_numpy_bool(it)) {
      PyErr_SetString(PyExc_TypeError,
                      "boolean indices are not supported (only integers, "
                      "slices and ...)");
      return -1;
    } else {
      PyErr_Format(PyExc_TypeError,
                   "only integers, slices (`:`) and ellipsis (`...`) are valid "
                   "view indices, not %.100s",
                   Py_TYPE(it)->tp_name);
      return -1;
    }
  }
  if (nell > 1) {
    ashpy_raisef(ASH_E_INDEX, "an index can only have a single ellipsis "
                 "('...')");
    return -1;
  }
  if (nreal > ndim) {
    ashpy_raisef(ASH_E_INDEX, "too many indices for a %d-d view: %d were "
                 "given", ndim, nreal);
    return -1;
  }
  ash_view *cur = ash_view_retain((ash_view *)(uintptr_t)v);
  int axis = 0, only_ints = nell == 0;
  for (Py_ssize_t k = 0; k < nitems; k++) {
    PyObject *it = items[k];
    ash_view *nv = NULL;
    int r;
    if (it == Py_Ellipsis) {
      axis += ndim - nreal;
      continue;
    }
    if (PySlice_Check(it)) {
      PySliceObject *s = (PySliceObject *)it;
      int64_t start, stop, step = 1;
      if (ashpy_slice_bound(s->start, &start) < 0 ||
          ashpy_slice_bound(s->stop, &stop) < 0 ||
          (s->step != Py_None && ashpy_slice_bound(s->step, &step) < 0))
        goto fail;
      if (step == INT64_MIN + 1)
        step = -INT64_MAX;
      only_ints = 0;
      r = ash_view_slice(cur, axis, start, stop, step, 0, &nv);
      axis++;
    } else {
      int64_t i;
      if (ashpy_index_value(it, &i) < 0)
        goto fail;
      r = ash_view_index(cur, axis, i, &nv);
    }
    if (r) {
      ashpy_raise(r);
      goto fail;
    }
    ash_view_release(cur);
    cur = nv;
  }
  *out = cur;
  *scalar = only_ints && nreal == ndim;
  return 0;
fail:
  ash_view_release(cur);
  return -1;
}

static PyObject *ashpy_view_subscript(PyObject *self, PyObject *key) {
  AshPyView *o = (AshPyView *)self;
  ash_view *v = o->v;
  if (v == NULL)
    return ashpy_closed("view");
  if (PyLong_CheckExact(key)) {
    int64_t i;
    if (ashpy_index_value(key, &i) < 0)
      return NULL;
    if (o->ndim == 1) /* the hot path: v[i] on a 1-d view */
      return ashpy_get(v, o->kind, 1, &i);
    if (o->ndim > 1) {
      ash_view *t;
      int r = ash_view_index(v, 0, i, &t);
      if (r)
        return ashpy_raise(r);
      return ashpy_view_wrap(Py_TYPE(self), t);
    }
  } else if (PyTuple_CheckExact(key) && PyTuple_GET_SIZE(key) == o->ndim) {
    int64_t idx[ASH_MAX_NDIM];
    int n = o->ndim, k = 0;
    for (; k < n; k++) {
      PyObject *it = PyTuple_GET_ITEM(key, k);
      if (!PyLong_CheckExact(it) || ashpy_index_value(it, &idx[k]) < 0)
        break;
    }
    if (k == n)
      return ashpy_get(v, o->kind, n, idx);
    if (PyErr_Occurred())
      return NULL;
  }
  ash_view *t;
  int scalar;
  if (ashpy_apply_key(v, key, &t, &scalar) < 0)
    return NULL;
  if (scalar) {
    PyObject *res = ashpy_get(t, o->kind, 0, NULL);
    ash_view_release(t);
    return res;
  }
  return ashpy_view_wrap(Py_TYPE(self), t);
}

static int ashpy_same_shape(const ash_view *a, int ndim, const int64_t *shape) {
  return ash_view_ndim(a) == ndim &&
         (ndim == 0 ||
          memcmp(ash_view_shape(a), shape, sizeof(int64_t) * (size_t)ndim) == 0);
}

/* The PEP 3118 format of a buffer as an ash_dtype, or 0. */
static int ashpy_format_dtype(const char *fmt, Py_ssize_t itemsize) {
  if (fmt == NULL)
    fmt = "B";
  if (fmt[0] == '@' || fmt[0] == '=' || fmt[0] == '<' || fmt[0] == '|')
    fmt++;
  int d = 0;
  if (strcmp(fmt, "Zf") == 0)
    d = ASH_COMPLEX64;
  else if (strcmp(fmt, "Zd") == 0)
    d = ASH_COMPLEX128;
  else if (fmt[0] != '>' && fmt[0] != '!' && ash_dtype_parse(fmt, &d) != ASH_OK)
    d = 0;
  if (d && (Py_ssize_t)ash_dtype_itemsize(d) != itemsize)
    d = 0;
  return d;
}

static void ashpy_span(const char *data, int ndim, const int64_t *shape,
                       const int64_t *strides, size_t itemsize,
                       uintptr_t *lo, uintptr_t *hi) {
  intptr_t l = 0, h = 0;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] == 0) {
      *lo = *hi = (uintptr_t)data;
      return;
    }
    intptr_t s = (intptr_t)(strides[i] * (shape[i] - 1));
    if (s < 0)
      l += s;
    else
      h += s;
  }
  *lo = (uintptr_t)data + (uintptr_t)l;
  *hi = (uintptr_t)data + (uintptr_t)h + itemsize;
}

/* Writes a same-dtype, same-shape buffer into @t. 1 done, 0 not applicable,
 * -1 error. */
static int ashpy_assign_buffer(const ash_view *t, PyObject *value) {
  Py_buffer b;
  if (PyObject_GetBuffer(value, &b, PyBUF_RECORDS_RO) < 0) {
    PyErr_Clear();
    return 0;
  }
  int done = 0;
  int dtype = ash_view_dtype(t), ndim = ash_view_ndim(t);
  if (ashpy_format_dtype(b.format, b.itemsize) == dtype && b.ndim == ndim &&
      (ndim == 0 || memcmp(b.shape, ash_view_shape(t),
                           sizeof(int64_t) * (size_t)ndim) == 0)) {
    uint64_t n = ash_view_nbytes(t);
    uintptr_t tlo, thi, slo = (uintptr_t)b.buf, shi = slo + (uintptr_t)b.len;
    ashpy_span(ash_view_data(t), ndim, ash_view_shape(t), ash_view_strides(t),
               ash_view_itemsize(t), &tlo, &thi);
    int r;
    if (PyBuffer_IsContiguous(&b, 'C') && (shi <= tlo || thi <= slo)) {
      r = ash_view_write(t, b.buf, n);
    } else {
      void *tmp = PyMem_Malloc(n ? n : 1);
      if (tmp == NULL) {
        PyBuffer_Release(&b);
        PyErr_NoMemory();
        return -1;
      }
      if (PyBuffer_ToContiguous(tmp, &b, (Py_ssize_t)n, 'C') < 0) {
        PyMem_Free(tmp);
        PyBuffer_Release(&b);
        return -1;
      }
      r = ash_view_write(t, tmp, n);
      PyMem_Free(tmp);
    }
    if (r) {
      PyBuffer_Release(&b);
      ashpy_raise(r);
      return -1;
    }
    done = 1;
  }
  PyBuffer_Release(&b);
  return done;
}

/* t[...] = value for a sub-view @t of a view of class @type. */
static int ashpy_assign(PyTypeObject *type, const ash_view *t, PyObject *value) {
  if (PyObject_TypeCheck(value, &AshPyView_Type)) {
    ash_view *src = ((AshPyView *)value)->v;
    if (src == NULL) {
      ashpy_closed("view");
      return -1;
    }
    if (ash_view_dtype(src) == ash_view_dtype(t) &&
        ashpy_same_shape(src, ash_view_ndim(t), ash_view_shape(t))) {
      int r = ash_view_copy(t, src);
      if (r) {
        ashpy_raise(r);
        return -1;
      }
      return 0;
    }
  } else if (ashpy_is_scalar(value)) {
    return ashpy_fill(t, value);
  } else if (PyObject_CheckBuffer(value) && !PyUnicode_Check(value)) {
    int r = ashpy_assign_buffer(t, value);
    if (r != 0)
      return r < 0 ? -1 : 0;
  }
  /* Sequences, other dtypes or shapes (broadcasting): the Python layer. */
  if (!(ash_view_flags(t) & ASH_VIEW_READONLY)) {
    PyObject *hook = PyObject_GetAttrString((PyObject *)type,
                                            "_assign_fallback");
    if (hook) {
      PyObject *tv = ashpy_view_wrap(type, ash_view_retain((ash_view *)(uintptr_t)t));
      PyObject *res = tv ? PyObject_CallFunctionObjArgs(hook, tv, value, NULL)
                         : NULL;
      Py_DECREF(hook);
      if (tv)
        ashpy_view_close(tv, NULL);
      Py_XDECREF(tv);
      Py_XDECREF(res);
      return res ? 0 : -1;
    }
    PyErr_Clear();
  } else {
    ashpy_raisef(ASH_E_RDONLY, "view of \"%s/%s\" is read-only",
                 ash_view_segment_name(t), ash_view_array_name(t));
    return -1;
  }
  PyErr_Format(PyExc_TypeError,
               "cannot assign a %.100s to a %s view: give a number, a view or "
               "a buffer of the same dtype and shape (arrayshare.View also "
               "takes sequences and broadcasts)",
               Py_TYPE(value)->tp_name, ash_dtype_name(ash_view_dtype(t)));
  return -1;
}

static int ashpy_view_ass_subscript(PyObject *self, PyObject *key,
                                    PyObject *value) {
  AshPyView *o = (AshPyView *)self;
  ash_view *v = o->v;
  if (v == NULL) {
    ashpy_closed("view");
    return -1;
  }
  if (value == NULL) {
    PyErr_SetString(PyExc_TypeError, "cannot delete view elements");
    return -1;
  }
  if (PyLong_CheckExact(key) && o->ndim == 1) { /* the hot path */
    int64_t i;
    if (ashpy_index_value(key, &i) < 0)
      return -1;
    return ashpy_set(v, o->dtype, 1, &i, value);
  }
  if (PyTuple_CheckExact(key) && PyTuple_GET_SIZE(key) == o->ndim &&
      o->ndim > 0) {
    int64_t idx[ASH_MAX_NDIM];
    int n = o->ndim, k = 0;
    for (; k < n; k++) {
      PyObject *it = PyTuple_GET_ITEM(key, k);
      if (!PyLong_CheckExact(it) || ashpy_index_value(it, &idx[k]) < 0)
        break;
    }
    if (k == n)
      return ashpy_set(v, o->dtype, n, idx, value);
    if (PyErr_Occurred())
      return -1;
  }
  ash_view *t;
  int scalar, r;
  if (ashpy_apply_key(v, key, &t, &scalar) < 0)
    return -1;
  if (scalar)
    r = ashpy_set(t, o->dtype, 0, NULL, value);
  else
    r = ashpy_assign(Py_TYPE(self), t, value);
  ash_view_release(t);
  return r;
}

static Py_ssize_t ashpy_view_length(PyObject *self) {
  AshPyView *o = (AshPyView *)self;
  if (o->v == NULL) {
    ashpy_closed("view");
    return -1;
  }
  if (o->ndim == 0) {
    PyErr_SetString(PyExc_TypeError, "len() of a 0-d view");
    return -1;
  }
  return (Py_ssize_t)ash_view_shape(o->v)[0];
}

static PyObject *ashpy_view_sq_item(PyObject *self, Py_ssize_t i) {
  PyObject *k = PyLong_FromSsize_t(i);
  if (k == NULL)
    return NULL;
  PyObject *r = ashpy_view_subscript(self, k);
  Py_DECREF(k);
  return r;
}

/* Iteration over the first axis. */
typedef struct {
  PyObject_HEAD
  PyObject *view;
  int64_t i, n;
} AshPyViewIter;

static PyObject *ashpy_view_iter(PyObject *self) {
  Py_ssize_t n = ashpy_view_length(self);
  if (n < 0)
    return NULL;
  AshPyViewIter *it = PyObject_New(AshPyViewIter, &AshPyViewIter_Type);
  if (it == NULL)
    return NULL;
  Py_INCREF(self);
  it->view = self;
  it->i = 0;
  it->n = n;
  return (PyObject *)it;
}

static void ashpy_iter_dealloc(PyObject *self) {
  Py_XDECREF(((AshPyViewIter *)self)->view);
  PyObject_Free(self);
}

static PyObject *ashpy_iter_next(PyObject *self) {
  AshPyViewIter *it = (AshPyViewIter *)self;
  if (it->i >= it->n)
    return NULL;
  return ashpy_view_sq_item(it->view, (Py_ssize_t)it->i++);
}

static PyTypeObject AshPyViewIter_Type = {
  PyVarObject_HEAD_INIT(NULL, 0)
  .tp_name = "arrayshare_core.ViewIterator",
  .tp_basicsize = sizeof(AshPyViewIter),
  .tp_dealloc = ashpy_iter_dealloc,
  .tp_flags = Py_TPFLAGS_DEFAULT,
  .tp_iter = PyObject_SelfIter,
  .tp_iternext = ashpy_iter_next,
};

#define ASHPY_GET(name, fn, doc) {(char *)name, fn, NULL, (char *)doc, NULL}

static PyGetSetDef ashpy_view_getset[] = {
  ASHPY_GET("shape", ashpy_view_get_shape, "Dimensions, a tuple of ints."),
  ASHPY_GET("strides", ashpy_view_get_strides,
            "Strides in bytes, a tuple of ints (may be negative or 0)."),
  ASHPY_GET("ndim", ashpy_view_get_ndim, "Number of dimensions."),
  ASHPY_GET("size", ashpy_view_get_size, "Number of elements."),
  ASHPY_GET("dtype", ashpy_view_get_dtype,
            "The dtype's canonical NumPy name, e.g. 'float64'."),
  ASHPY_GET("itemsize", ashpy_view_get_itemsize, "Bytes per element."),
  ASHPY_GET("nbytes", ashpy_view_get_nbytes, "size * itemsize."),
  ASHPY_GET("readonly", ashpy_view_get_readonly, "True for read-only views."),
  ASHPY_GET("c_contiguous", ashpy_view_get_c_contiguous,
            "True when the elements are C-contiguous."),
  ASHPY_GET("f_contiguous", ashpy_view_get_f_contiguous,
            "True when the elements are Fortran-contiguous."),
  ASHPY_GET("descriptor", ashpy_view_get_descriptor,
            "The short string naming this view (ash_view_descriptor)."),
  ASHPY_GET("segment_name", ashpy_view_get_segment_name,
            "Name (or path) of the segment."),
  ASHPY_GET("array_name", ashpy_view_get_array_name, "Name of the array."),
  ASHPY_GET("offset", ashpy_view_get_offset,
            "Byte offset of element (0, ..., 0) from the array's start."),
  ASHPY_GET("address", ashpy_view_get_address,
            "Address of element (0, ..., 0) in this process, an int."),
  ASHPY_GET("closed", ashpy_view_get_closed, "True once close() was called."),
  ASHPY_GET("T", ashpy_view_get_T, "The transposed view (axes reversed)."),
  ASHPY_GET("__array_interface__", ashpy_view_get_array_interface,
            "NumPy's array interface, version 3. The pointer is valid while "
            "this object is open; numpy.asarray() uses the buffer protocol, "
            "which also survives close()."),
  {NULL, NULL, NULL, NULL, NULL}};

#define ASHPY_METH(name, fn, flags, doc) \
  {name, (PyCFunction)(void (*)(void))(fn), flags, doc}

static PyMethodDef ashpy_view_methods[] = {
  ASHPY_METH("close", ashpy_view_close, METH_NOARGS,
             "Releases this object's reference on the view (idempotent). "
             "Exported buffers and DLPack capsules keep their own."),
  ASHPY_METH("__enter__", ashpy_enter, METH_NOARGS, NULL),
  ASHPY_METH("__exit__", ashpy_view_exit, METH_VARARGS, NULL),
  ASHPY_METH("_adopt", ashpy_view_adopt, METH_O | METH_CLASS,
             "cls._adopt(handle): a view of class cls taking over handle's "
             "reference (handle is closed)."),
  ASHPY_METH("tobytes", ashpy_view_tobytes, METH_NOARGS,
             "The elements in C order, packed, as bytes."),
  ASHPY_METH("tolist", ashpy_view_tolist, METH_NOARGS,
             "The elements as nested lists of Python scalars (a scalar for a "
             "0-d view)."),
  ASHPY_METH("transpose", ashpy_view_transpose_m, METH_VARARGS,
             "transpose(*axes): a view with the axes permuted (reversed when "
             "no axes are given)."),
  ASHPY_METH("reshape", ashpy_view_reshape_m, METH_VARARGS,
             "reshape(*shape): a view of a C-contiguous view with a new shape "
             "(one dimension may be -1)."),
  ASHPY_METH("view", ashpy_view_view_m, METH_O,
             "view(dtype): the same bytes read as another dtype."),
  ASHPY_METH("as_readonly", ashpy_view_as_readonly, METH_NOARGS,
             "A read-only view of the same elements."),
  ASHPY_METH("fill", ashpy_view_fill_m, METH_O,
             "fill(value): sets every element to one number."),
  ASHPY_METH("item", ashpy_view_item, METH_VARARGS,
             "item(*index): one element as a Python scalar; a single index "
             "is a flat index in C order."),
  ASHPY_METH("__dlpack__", ashpy_view_dlpack, METH_VARARGS | METH_KEYWORDS,
             "__dlpack__(*, stream=None): a 'dltensor' capsule (kDLCPU) that "
             "holds its own reference on the view."),
  ASHPY_METH("__dlpack_device__", ashpy_view_dlpack_device, METH_NOARGS,
             "(kDLCPU, 0) = (1, 0)."),
  {NULL, NULL, 0, NULL}};

static PyMappingMethods ashpy_view_as_mapping = {
  ashpy_view_length, ashpy_view_subscript, ashpy_view_ass_subscript};

static PySequenceMethods ashpy_view_as_sequence = {
  .sq_length = ashpy_view_length,
  .sq_item = ashpy_view_sq_item,
};

static PyBufferProcs ashpy_view_as_buffer = {ashpy_view_getbuffer,
                                             ashpy_view_releasebuffer};

static PyTypeObject AshPyView_Type = {
  PyVarObject_HEAD_INIT(NULL, 0)
  .tp_name = "arrayshare_core.ViewHandle",
  .tp_basicsize = sizeof(AshPyView),
  .tp_dealloc = ashpy_view_dealloc,
  .tp_as_sequence = &ashpy_view_as_sequence,
  .tp_as_mapping = &ashpy_view_as_mapping,
  .tp_as_buffer = &ashpy_view_as_buffer,
  .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
  .tp_doc = "An owned reference on an ash_view (what the ash_* functions "
            "take and return). Buffer protocol, indexing, DLPack and the "
            "array interface are implemented in C; arrayshare.View adds the "
            "idiomatic rest.",
  .tp_weaklistoffset = offsetof(AshPyView, weakrefs),
  .tp_iter = ashpy_view_iter,
  .tp_methods = ashpy_view_methods,
  .tp_getset = ashpy_view_getset,
};

/* ---- SegmentHandle and ListHandle -------------------------------------- */

static void ashpy_segment_dealloc(PyObject *self) {
  AshPySegment *o = (AshPySegment *)self;
  if (o->weakrefs)
    PyObject_ClearWeakRefs(self);
  ash_segment_close(o->seg);
  o->seg = NULL;
  Py_TYPE(self)->tp_free(self);
}

static PyObject *ashpy_segment_close_m(PyObject *self, PyObject *unused) {
  (void)unused;
  AshPySegment *o = (AshPySegment *)self;
  ash_segment *s = o->seg;
  o->seg = NULL;
  ash_segment_close(s);
  Py_RETURN_NONE;
}

static PyObject *ashpy_segment_exit(PyObject *self, PyObject *args) {
  (void)args;
  return ashpy_segment_close_m(self, NULL);
}

static PyObject *ashpy_segment_get_closed(PyObject *self, void *c) {
  (void)c;
  return PyBool_FromLong(((AshPySegment *)self)->seg == NULL);
}

static PyMethodDef ashpy_segment_methods[] = {
  ASHPY_METH("close", ashpy_segment_close_m, METH_NOARGS,
             "Closes the handle (ash_segment_close); idempotent."),
  ASHPY_METH("__enter__", ashpy_enter, METH_NOARGS, NULL),
  ASHPY_METH("__exit__", ashpy_segment_exit, METH_VARARGS, NULL),
  {NULL, NULL, 0, NULL}};

static PyGetSetDef ashpy_segment_getset[] = {
  ASHPY_GET("closed", ashpy_segment_get_closed, "True once closed."),
  {NULL, NULL, NULL, NULL, NULL}};

static PyTypeObject AshPySegment_Type = {
  PyVarObject_HEAD_INIT(NULL, 0)
  .tp_name = "arrayshare_core.SegmentHandle",
  .tp_basicsize = sizeof(AshPySegment),
  .tp_dealloc = ashpy_segment_dealloc,
  .tp_flags = Py_TPFLAGS_DEFAULT,
  .tp_doc = "An owned ash_segment handle; closed by close(), "
            "ash_segment_close() or garbage collection.",
  .tp_weaklistoffset = offsetof(AshPySegment, weakrefs),
  .tp_methods = ashpy_segment_methods,
  .tp_getset = ashpy_segment_getset,
};

static void ashpy_list_dealloc(PyObject *self) {
  AshPyList *o = (AshPyList *)self;
  ash_list_free(o->l);
  o->l = NULL;
  Py_TYPE(self)->tp_free(self);
}

static PyObject *ashpy_list_close_m(PyObject *self, PyObject *unused) {
  (void)unused;
  AshPyList *o = (AshPyList *)self;
  ash_list *l = o->l;
  o->l = NULL;
  ash_list_free(l);
  Py_RETURN_NONE;
}

static PyMethodDef ashpy_list_methods[] = {
  ASHPY_METH("close", ashpy_list_close_m, METH_NOARGS,
             "Frees the list (ash_list_free); idempotent."),
  {NULL, NULL, 0, NULL}};

static PyTypeObject AshPyList_Type = {
  PyVarObject_HEAD_INIT(NULL, 0)
  .tp_name = "arrayshare_core.ListHandle",
  .tp_basicsize = sizeof(AshPyList),
  .tp_dealloc = ashpy_list_dealloc,
  .tp_flags = Py_TPFLAGS_DEFAULT,
  .tp_doc = "An owned ash_list (from ash_list_segments).",
  .tp_methods = ashpy_list_methods,
};

/* ---- hand-written functions (%native) ------------------------------------ */

static PyObject *ashpy_native_view_release(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *o;
  if (!PyArg_ParseTuple(args, "O:ash_view_release", &o))
    return NULL;
  if (o == Py_None)
    Py_RETURN_NONE;
  if (!PyObject_TypeCheck(o, &AshPyView_Type))
    return PyErr_Format(PyExc_TypeError, "expected an arrayshare view, got "
                        "%.100s", Py_TYPE(o)->tp_name);
  return ashpy_view_close(o, NULL);
}

static PyObject *ashpy_native_segment_close(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *o;
  if (!PyArg_ParseTuple(args, "O:ash_segment_close", &o))
    return NULL;
  if (o == Py_None)
    Py_RETURN_NONE;
  if (!PyObject_TypeCheck(o, &AshPySegment_Type))
    return PyErr_Format(PyExc_TypeError, "expected an arrayshare segment "
                        "handle, got %.100s", Py_TYPE(o)->tp_name);
  return ashpy_segment_close_m(o, NULL);
}

static PyObject *ashpy_native_list_free(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *o;
  if (!PyArg_ParseTuple(args, "O:ash_list_free", &o))
    return NULL;
  if (o == Py_None)
    Py_RETURN_NONE;
  if (!PyObject_TypeCheck(o, &AshPyList_Type))
    return PyErr_Format(PyExc_TypeError, "expected an arrayshare list handle, "
                        "got %.100s", Py_TYPE(o)->tp_name);
  return ashpy_list_close_m(o, NULL);
}

/* make_error(code, detail=None): the exception instance for @code. */
static PyObject *ashpy_native_make_error(PyObject *self, PyObject *args) {
  (void)self;
  int code;
  const char *detail = NULL;
  if (!PyArg_ParseTuple(args, "i|z:make_error", &code, &detail))
    return NULL;
  return ashpy_error_new(code, detail);
}

static PyMethodDef ashpy_native_methods[] = {
  {"ash_view_release", ashpy_native_view_release, METH_VARARGS,
   "ash_view_release(v) -> None: closes the handle v (releases its "
   "reference); None is accepted."},
  {"ash_segment_close", ashpy_native_segment_close, METH_VARARGS,
   "ash_segment_close(seg) -> None: closes the handle seg; None is "
   "accepted."},
  {"ash_list_free", ashpy_native_list_free, METH_VARARGS,
   "ash_list_free(l) -> None: frees the list handle l; None is accepted."},
  {"make_error", ashpy_native_make_error, METH_VARARGS,
   "make_error(code, detail=None) -> the arrayshare.Error instance for an "
   "ASH_E_* code (not raised)."},
  {NULL, NULL, 0, NULL}};

static int ashpy_init_types(PyObject *d) {
  for (PyMethodDef *m = ashpy_native_methods; m->ml_name; m++) {
    PyObject *f = PyCFunction_New(m, NULL);
    if (f == NULL || PyDict_SetItemString(d, m->ml_name, f) < 0) {
      Py_XDECREF(f);
      return -1;
    }
    Py_DECREF(f);
  }
  if (PyType_Ready(&AshPyView_Type) < 0 || PyType_Ready(&AshPySegment_Type) < 0 ||
      PyType_Ready(&AshPyList_Type) < 0 || PyType_Ready(&AshPyViewIter_Type) < 0)
    return -1;
  if (PyDict_SetItemString(d, "ViewHandle", (PyObject *)&AshPyView_Type) < 0 ||
      PyDict_SetItemString(d, "SegmentHandle", (PyObject *)&AshPySegment_Type) < 0 ||
      PyDict_SetItemString(d, "ListHandle", (PyObject *)&AshPyList_Type) < 0)
    return -1;
  return ashpy_create_errors(d);
}
%}

%init %{
  if (ashpy_init_types(d) < 0)
    return NULL;
%}

%include "docstrings.i"

/* ---------------------------------------------------------------------- */
/* Typemaps                                                                */
/* ---------------------------------------------------------------------- */

/* A nonzero status raises; success returns None (or the out-parameters). */
%typemap(out) ash_status {
  if ($1 != ASH_OK) {
    ashpy_raise($1);
    SWIG_fail;
  }
  $result = Py_None;
  Py_INCREF(Py_None);
}

/* Handles in. */
%typemap(in) const ash_view *, ash_view * {
  if (ashpy_view_arg($input, &$1) < 0)
    SWIG_fail;
}
%typemap(in) const ash_segment *, ash_segment * {
  if (ashpy_segment_arg($input, &$1) < 0)
    SWIG_fail;
}
%typemap(in) const ash_list *, ash_list * {
  if (ashpy_list_arg($input, &$1) < 0)
    SWIG_fail;
}

/* Handles out. */
%typemap(in, numinputs=0) ash_view **out (ash_view *tmp = NULL) {
  $1 = &tmp;
}
%typemap(argout) ash_view **out {
  PyObject *o = ashpy_view_wrap(&AshPyView_Type, tmp$argnum);
  tmp$argnum = NULL;
  if (o == NULL)
    SWIG_fail;
  $result = SWIG_Python_AppendOutput($result, o);
}
%typemap(freearg) ash_view **out {
  ash_view_release(tmp$argnum);
}
%typemap(in, numinputs=0) ash_segment **out (ash_segment *tmp = NULL) {
  $1 = &tmp;
}
%typemap(argout) ash_segment **out {
  PyObject *o = ashpy_segment_wrap(tmp$argnum);
  tmp$argnum = NULL;
  if (o == NULL)
    SWIG_fail;
  $result = SWIG_Python_AppendOutput($result, o);
}
%typemap(freearg) ash_segment **out {
  ash_segment_close(tmp$argnum);
}
%typemap(in, numinputs=0) ash_list **out (ash_list *tmp = NULL) {
  $1 = &tmp;
}
%typemap(argout) ash_list **out {
  PyObject *o = ashpy_list_wrap(tmp$argnum);
  tmp$argnum = NULL;
  if (o == NULL)
    SWIG_fail;
  $result = SWIG_Python_AppendOutput($result, o);
}
%typemap(freearg) ash_list **out {
  ash_list_free(tmp$argnum);
}

/* ash_view_retain returns a new handle owning the added reference. */
%typemap(out) ash_view *ash_view_retain {
  $result = ashpy_view_wrap(&AshPyView_Type, $1);
  if ($result == NULL)
    SWIG_fail;
}

/* Scalar out-parameters. */
%typemap(in, numinputs=0) int *out (int tmp = 0), int *reaped (int tmp = 0) {
  $1 = &tmp;
}
%typemap(argout) int *out, int *reaped {
  $result = SWIG_Python_AppendOutput($result, PyLong_FromLong(tmp$argnum));
}
%typemap(in, numinputs=0) double *out (double tmp = 0) {
  $1 = &tmp;
}
%typemap(argout) double *out {
  $result = SWIG_Python_AppendOutput($result, PyFloat_FromDouble(tmp$argnum));
}
%typemap(in, numinputs=0) int64_t *out (int64_t tmp = 0) {
  $1 = &tmp;
}
%typemap(argout) int64_t *out {
  $result = SWIG_Python_AppendOutput($result, PyLong_FromLongLong(tmp$argnum));
}
%typemap(in, numinputs=0) uint64_t *out (uint64_t tmp = 0) {
  $1 = &tmp;
}
%typemap(argout) uint64_t *out {
  $result = SWIG_Python_AppendOutput($result,
                                     PyLong_FromUnsignedLongLong(tmp$argnum));
}
/* In-out: ash_arena_bytes_for(dtype, shape, total) returns the new total. */
%typemap(in) uint64_t *total (uint64_t tmp = 0) {
  if (ashpy_as_u64($input, &tmp) < 0)
    SWIG_fail;
  $1 = &tmp;
}
%typemap(argout) uint64_t *total {
  $result = SWIG_Python_AppendOutput($result,
                                     PyLong_FromUnsignedLongLong(tmp$argnum));
}
/* Pairs become tuples. */
%typemap(in, numinputs=0) (int *alive, int *dead) (int a = 0, int b = 0) {
  $1 = &a;
  $2 = &b;
}
%typemap(argout) (int *alive, int *dead) {
  $result = SWIG_Python_AppendOutput($result, Py_BuildValue("(ii)", a$argnum,
                                                            b$argnum));
}
%typemap(in, numinputs=0) (int64_t *pid, int *alive) (int64_t a = 0, int b = 0) {
  $1 = &a;
  $2 = &b;
}
%typemap(argout) (int64_t *pid, int *alive) {
  $result = SWIG_Python_AppendOutput($result,
                                     Py_BuildValue("(Li)", (long long)a$argnum,
                                                   b$argnum));
}
%typemap(in, numinputs=0) (double *re, double *im) (double a = 0, double b = 0) {
  $1 = &a;
  $2 = &b;
}
%typemap(argout) (double *re, double *im) {
  $result = SWIG_Python_AppendOutput($result, Py_BuildValue("(dd)", a$argnum,
                                                            b$argnum));
}

/* (count, array) pairs take one Python sequence of integers. */
%define ASHPY_SEQ(COUNT, ARRAY, WHAT)
%typemap(in) (int COUNT, const int64_t *ARRAY)
    (int64_t buf[ASHPY_STACK_IDX], int64_t *heap = NULL, int64_t *arr = NULL, int n = 0) {
  if (ashpy_i64_seq($input, WHAT, buf, ASHPY_STACK_IDX, &arr, &heap, &n) < 0)
    SWIG_fail;
  $1 = n;
  $2 = arr;
}
%typemap(freearg) (int COUNT, const int64_t *ARRAY) {
  PyMem_Free(heap$argnum);
}
%enddef
ASHPY_SEQ(ndim, shape, "shape")
ASHPY_SEQ(nidx, idx, "index")
ASHPY_SEQ(naxes, axes, "axes")

/* Slice bounds: an int, or None for ASH_NONE. */
%typemap(in) int64_t start, int64_t stop {
  if ($input == Py_None)
    $1 = ASH_NONE;
  else if (ashpy_as_i64($input, &$1) < 0)
    SWIG_fail;
}

/* Other 64-bit integers: exact ints only (no floats), OverflowError outside
 * the C type's range. */
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

/* ash_view_read(v, nbytes) -> bytes. */
%typemap(in, numinputs=1) (void *dst, uint64_t nbytes)
    (PyObject *bytes = NULL, char dummy[16], uint64_t n = 0) {
  if (ashpy_as_u64($input, &n) < 0)
    SWIG_fail;
  /* The library checks nbytes against the view; only allocate a buffer of
   * the size it will accept. */
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
%typemap(argout) (void *dst, uint64_t nbytes) {
  $result = SWIG_Python_AppendOutput($result, bytes$argnum);
  bytes$argnum = NULL;
}
%typemap(freearg) (void *dst, uint64_t nbytes) {
  Py_XDECREF(bytes$argnum);
}

/* ash_view_write(v, data): any C-contiguous buffer (bytes, bytearray,
 * memoryview, array.array, NumPy arrays, views). */
%typemap(in, numinputs=1) (const void *src, uint64_t nbytes)
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
%typemap(freearg) (const void *src, uint64_t nbytes) {
  if (have$argnum)
    PyBuffer_Release(&view$argnum);
}

/* Accessors returning arrays or pointers. */
%typemap(out) const int64_t *ash_view_shape, const int64_t *ash_view_strides {
  $result = ashpy_i64_list($1, ash_view_ndim(arg1));
  if ($result == NULL)
    SWIG_fail;
}
%typemap(out) void *ash_view_data {
  $result = PyLong_FromVoidPtr($1);
}

/* Names: a str with an embedded NUL would be cut short silently by C;
 * refuse it. None passes NULL (the library answers ASH_E_INVAL). */
%typemap(in) const char * {
  if ($input == Py_None) {
    $1 = NULL;
  } else if (PyUnicode_Check($input)) {
    Py_ssize_t len;
    $1 = (char *)PyUnicode_AsUTF8AndSize($input, &len);
    if ($1 == NULL)
      SWIG_fail;
    if ((size_t)len != strlen($1)) {
      ashpy_raisef(ASH_E_INVAL, "string argument contains a NUL character");
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
 * added to the module by ashpy_init_types(), with make_error. */
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
for _n, _c in error_classes.items():
    globals()[_c.__name__] = _c
del _n, _c
%}

/* ASH_NONE is INT64_MIN, which SWIG's preprocessor cannot evaluate. */
%constant long long ASH_NONE = INT64_MIN;
