/* SPDX-License-Identifier: MIT */
/* ashpy_values.c - Python values to and from what the C library takes:
 * integers, index and shape lists, dtypes, and elements (through the
 * shared ash_elem of swig/common/ash_swig.h: the setter, fill and getter a
 * value goes through are decided there). */
#include "ashpy.h"

/* ---- integers and lists ------------------------------------------------ */

/* An exact Python integer (or __index__) as int64; OverflowError when out
 * of range, TypeError for non-integers. */
int ashpy_as_i64(PyObject *o, int64_t *out) {
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

int ashpy_as_u64(PyObject *o, uint64_t *out) {
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
int ashpy_i64_seq(PyObject *o, const char *what, int64_t *buf, int cap,
                  int64_t **out, int64_t **heap, int *n) {
  *heap = NULL;
  if (PyUnicode_Check(o) || PyBytes_Check(o) || !PySequence_Check(o)) {
    PyErr_Format(PyExc_TypeError,
                 "%s must be a sequence of integers, not "
                 "%.100s",
                 what, Py_TYPE(o)->tp_name);
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

/* @n integers as a new tuple (@tuple) or list. */
static PyObject *ashpy_i64_seq_new(const int64_t *a, int n, int tuple) {
  PyObject *t = tuple ? PyTuple_New(n) : PyList_New(n);
  for (int i = 0; t != NULL && i < n; i++) {
    PyObject *x = PyLong_FromLongLong(a[i]);
    if (x == NULL)
      Py_CLEAR(t);
    else if (tuple)
      PyTuple_SET_ITEM(t, i, x);
    else
      PyList_SET_ITEM(t, i, x);
  }
  return t;
}

PyObject *ashpy_i64_tuple(const int64_t *a, int n) {
  return ashpy_i64_seq_new(a, n, 1);
}

PyObject *ashpy_i64_list(const int64_t *a, int n) {
  return ashpy_i64_seq_new(a, n, 0);
}

/* ---- elements ---------------------------------------------------------- */

/* One element as a Python scalar: bool, int, float or complex. */
PyObject *ashpy_get(const ash_view *v, int kind, int nidx, const int64_t *idx) {
  ash_elem e;
  int r = ash_elem_get(v, kind, nidx, idx, &e);
  if (r)
    return ashpy_raise(r);
  switch (kind) {
  case ASH_KIND_BOOL:
    return PyBool_FromLong(e.i != 0);
  case ASH_KIND_INT:
    return PyLong_FromLongLong(e.i);
  case ASH_KIND_UINT:
    return PyLong_FromUnsignedLongLong(e.u);
  case ASH_KIND_FLOAT:
    return PyFloat_FromDouble(e.re);
  default:
    return PyComplex_FromDoubles(e.re, e.im);
  }
}

/* A Python int as INT (int64) or UINT (above INT64_MAX); VALUE beyond. */
static int ashpy_elem_int(PyObject *o, ash_elem *e) {
  int overflow = 0;
  long long x = PyLong_AsLongLongAndOverflow(o, &overflow);
  if (x == -1 && PyErr_Occurred())
    return -1;
  if (!overflow) {
    e->kind = ASH_KIND_INT;
    e->i = x;
    return 0;
  }
  if (overflow > 0) {
    unsigned long long u = PyLong_AsUnsignedLongLong(o);
    if (!(u == (unsigned long long)-1 && PyErr_Occurred())) {
      e->kind = ASH_KIND_UINT;
      e->u = u;
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

int ashpy_is_numpy_bool(PyObject *o) {
  return strcmp(Py_TYPE(o)->tp_name, "numpy.bool_") == 0;
}

static int ashpy_elem_complex(PyObject *o, ash_elem *e) {
  Py_complex c = PyComplex_AsCComplex(o);
  if (c.real == -1.0 && PyErr_Occurred())
    return -1;
  e->kind = ASH_KIND_COMPLEX;
  e->re = c.real;
  e->im = c.imag;
  return 0;
}

static int ashpy_elem_float(PyObject *o, ash_elem *e) {
  e->kind = ASH_KIND_FLOAT;
  e->re = PyFloat_AsDouble(o);
  return e->re == -1.0 && PyErr_Occurred() ? -1 : 0;
}

/* Classifies a Python number for the C setters (ash_elem_set). TypeError
 * for non-numbers. @dtype only names the target in messages. */
static int ashpy_to_elem(PyObject *o, ash_elem *e, int dtype) {
  *e = (ash_elem){0, 0, 0, 0, 0};
  if (ashpy_is_view(o)) {
    /* A 0-d view is its element (exactly, whatever its dtype); a view with
     * axes is a sequence, as NumPy refuses an array in one element. */
    AshPyView *w = (AshPyView *)o;
    if (ASHPY_V(w) == NULL) {
      ashpy_closed("view");
      return -1;
    }
    if (w->ndim != 0) {
      PyErr_Format(PyExc_TypeError,
                   "cannot store a %d-d view in one "
                   "element of a %s view (assign to a slice: v[i:j] = w)",
                   w->ndim, ash_dtype_name(dtype));
      return -1;
    }
    PyObject *x = ashpy_get(ASHPY_V(w), w->kind, 0, NULL);
    if (x == NULL)
      return -1;
    int r = ashpy_to_elem(x, e, dtype);
    Py_DECREF(x);
    return r;
  }
  if (PyFloat_CheckExact(o)) {
    e->kind = ASH_KIND_FLOAT;
    e->re = PyFloat_AS_DOUBLE(o);
    return 0;
  }
  if (PyLong_CheckExact(o))
    return ashpy_elem_int(o, e);
  if (PyBool_Check(o) || ashpy_is_numpy_bool(o)) {
    int t = PyObject_IsTrue(o);
    if (t < 0)
      return -1;
    e->kind = ASH_KIND_BOOL;
    e->i = t;
    return 0;
  }
  if (PyFloat_Check(o))
    return ashpy_elem_float(o, e);
  if (PyComplex_Check(o))
    return ashpy_elem_complex(o, e);
  if (PyLong_Check(o))
    return ashpy_elem_int(o, e);
  if (!PyUnicode_Check(o) && !PyBytes_Check(o)) {
    if (PyIndex_Check(o)) {
      PyObject *i = PyNumber_Index(o);
      if (i != NULL) {
        int r = ashpy_elem_int(i, e);
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
    PyObject *meth =
        PyObject_GetAttrString((PyObject *)Py_TYPE(o), "__complex__");
    if (meth) {
      Py_DECREF(meth);
      return ashpy_elem_complex(o, e);
    }
    PyErr_Clear();
    PyNumberMethods *nb = Py_TYPE(o)->tp_as_number;
    if (nb && nb->nb_float)
      return ashpy_elem_float(o, e);
  }
  PyErr_Format(PyExc_TypeError,
               "cannot store a %.100s in an element of a %s view (expected "
               "a number)",
               Py_TYPE(o)->tp_name, ash_dtype_name(dtype));
  return -1;
}

int ashpy_is_scalar(PyObject *o) {
  if (PyFloat_Check(o) || PyLong_Check(o) || PyComplex_Check(o))
    return 1;
  if (PyUnicode_Check(o) || PyBytes_Check(o) || PySequence_Check(o))
    return 0;
  if (ashpy_is_numpy_bool(o))
    return 1;
  PyNumberMethods *nb = Py_TYPE(o)->tp_as_number;
  return nb && (nb->nb_index || nb->nb_float);
}

int ashpy_set(const ash_view *v, int dtype, int nidx, const int64_t *idx,
              PyObject *value) {
  ash_elem e;
  int r;
  if (PyFloat_CheckExact(value)) /* the hot path */
    r = ash_view_set_f64(v, nidx, idx, PyFloat_AS_DOUBLE(value));
  else if (ashpy_to_elem(value, &e, dtype) < 0)
    return -1;
  else
    r = ash_elem_set(v, nidx, idx, &e);
  if (r) {
    ashpy_raise(r);
    return -1;
  }
  return 0;
}

int ashpy_fill(const ash_view *v, PyObject *value) {
  ash_elem e;
  if (ashpy_to_elem(value, &e, ash_view_dtype(v)) < 0)
    return -1;
  int r = ash_elem_fill(v, &e);
  if (r) {
    ashpy_raise(r);
    return -1;
  }
  return 0;
}

/* ---- dtypes ------------------------------------------------------------- */

/* The PEP 3118 format of a buffer as an ash_dtype, or 0. */
int ashpy_format_dtype(const char *fmt, Py_ssize_t itemsize) {
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

/* The byte range [*@lo, *@hi) the elements of a strided array touch
 * (empty at @data when a dimension is 0). */
void ashpy_span(const char *data, int ndim, const int64_t *shape,
                const int64_t *strides, size_t itemsize, uintptr_t *lo,
                uintptr_t *hi) {
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

int ashpy_dtype_arg(PyObject *o, int *dtype) {
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
  PyErr_Format(PyExc_TypeError,
               "dtype must be a str or an int code, not "
               "%.100s",
               Py_TYPE(o)->tp_name);
  return -1;
}

/* What View.dtype returns, by ash_dtype (index 0 unused): installed by the
 * idiomatic layer (arrayshare.DType, a str subclass that compares equal to
 * NumPy's dtypes), never looked up by name. */
static PyObject *ashpy_dtype_objs[ASH_COMPLEX128 + 1];

PyObject *ashpy_dtype_object(int dtype) {
  if (dtype > 0 && dtype <= ASH_COMPLEX128 && ashpy_dtype_objs[dtype]) {
    Py_INCREF(ashpy_dtype_objs[dtype]);
    return ashpy_dtype_objs[dtype];
  }
  return PyUnicode_FromString(ash_dtype_name(dtype));
}

/* set_dtype_objects(seq): seq[d] for every ash_dtype d is a str equal to
 * its canonical name (seq[0] is ignored); None restores plain names. */
PyObject *ashpy_set_dtype_objects(PyObject *self, PyObject *seq) {
  (void)self;
  PyObject *objs[ASH_COMPLEX128 + 1] = {0};
  if (seq != Py_None) {
    PyObject *fast = PySequence_Fast(seq, "set_dtype_objects needs a sequence");
    if (fast == NULL)
      return NULL;
    if (PySequence_Fast_GET_SIZE(fast) != ASH_COMPLEX128 + 1) {
      Py_DECREF(fast);
      return PyErr_Format(PyExc_ValueError,
                          "set_dtype_objects needs %d "
                          "entries (index = ash_dtype)",
                          ASH_COMPLEX128 + 1);
    }
    for (int d = 1; d <= ASH_COMPLEX128; d++) {
      PyObject *o = PySequence_Fast_GET_ITEM(fast, d);
      const char *s = PyUnicode_Check(o) ? PyUnicode_AsUTF8(o) : NULL;
      if (s == NULL || strcmp(s, ash_dtype_name(d)) != 0) {
        Py_DECREF(fast);
        PyErr_Clear();
        return PyErr_Format(PyExc_ValueError,
                            "set_dtype_objects: entry %d "
                            "must be a str equal to \"%s\"",
                            d, ash_dtype_name(d));
      }
      objs[d] = o;
    }
    for (int d = 1; d <= ASH_COMPLEX128; d++)
      Py_INCREF(objs[d]);
    Py_DECREF(fast);
  }
  for (int d = 1; d <= ASH_COMPLEX128; d++) {
    PyObject *old = ashpy_dtype_objs[d];
    ashpy_dtype_objs[d] = objs[d];
    Py_XDECREF(old);
  }
  Py_RETURN_NONE;
}
