/* SPDX-License-Identifier: MIT */
/* ashpy_index.c - NumPy basic indexing on views: __getitem__ and
 * __setitem__ with fast paths for integer indices (v[i], v[i, j]), slices,
 * Ellipsis; assignment of numbers, views and buffers; len and iteration over
 * the first axis. */
#include "ashpy.h"

/* What __setitem__ calls for values it does not handle (sequences, arrays
 * of another dtype or shape, broadcasting): installed by the idiomatic
 * layer (arrayshare.View), never looked up by name. */
static PyObject *ashpy_assign_fallback;

PyObject *ashpy_set_assign_fallback(PyObject *self, PyObject *fn) {
  (void)self;
  if (fn != Py_None && !PyCallable_Check(fn))
    return PyErr_Format(PyExc_TypeError,
                        "set_assign_fallback needs a "
                        "callable or None, not %.100s",
                        Py_TYPE(fn)->tp_name);
  PyObject *old = ashpy_assign_fallback;
  if (fn == Py_None) {
    ashpy_assign_fallback = NULL;
  } else {
    Py_INCREF(fn);
    ashpy_assign_fallback = fn;
  }
  Py_XDECREF(old);
  Py_RETURN_NONE;
}

static int ashpy_is_index(PyObject *o) {
  return !PyBool_Check(o) && !ashpy_is_numpy_bool(o) &&
         (PyLong_Check(o) || PyIndex_Check(o));
}

/* __index__ of @o as int64: *@overflow is 1 or -1 (and the result 0) when
 * it does not fit. */
static int ashpy_index_i64(PyObject *o, int64_t *out, int *overflow) {
  PyObject *i = PyNumber_Index(o);
  if (i == NULL)
    return -1;
  long long x = PyLong_AsLongLongAndOverflow(i, overflow);
  Py_DECREF(i);
  if (x == -1 && PyErr_Occurred())
    return -1;
  *out = x;
  return 0;
}

static int ashpy_index_value(PyObject *o, int64_t *out) {
  int overflow;
  if (ashpy_index_i64(o, out, &overflow) < 0)
    return -1;
  if (overflow) {
    ashpy_raisef(ASH_E_INDEX, "index is out of range (does not fit in 64 "
                              "bits)");
    return -1;
  }
  return 0;
}

/* A slice bound: None is ASH_NONE; huge values clamp (never to ASH_NONE). */
static int ashpy_slice_bound(PyObject *o, int64_t *out) {
  int overflow;
  if (o == Py_None) {
    *out = ASH_NONE;
    return 0;
  }
  if (!PyIndex_Check(o)) {
    PyErr_SetString(PyExc_TypeError, "slice indices must be integers or None");
    return -1;
  }
  if (ashpy_index_i64(o, out, &overflow) < 0)
    return -1;
  if (overflow > 0)
    *out = INT64_MAX;
  else if (overflow < 0 || *out == INT64_MIN)
    *out = INT64_MIN + 1;
  return 0;
}

/* The fast path of v[i, j, ...]: @key a tuple of exactly ndim ints. 1 with
 * the indices in @idx, 0 when @key is anything else, -1 on an error. */
static int ashpy_int_tuple(const AshPyView *o, PyObject *key, int64_t *idx) {
  if (!PyTuple_CheckExact(key) || PyTuple_GET_SIZE(key) != o->ndim)
    return 0;
  for (int k = 0; k < o->ndim; k++) {
    PyObject *it = PyTuple_GET_ITEM(key, k);
    if (!PyLong_CheckExact(it))
      return 0;
    if (ashpy_index_value(it, &idx[k]) < 0)
      return -1;
  }
  return 1;
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
    ashpy_raisef(ASH_E_INDEX,
                 "too many indices for a %d-d view: %d were "
                 "given",
                 ndim, nreal);
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
  ash_view *v = ASHPY_V(o);
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
      return ashpy_view_child(self, t);
    }
  } else {
    int64_t idx[ASH_MAX_NDIM];
    int r = ashpy_int_tuple(o, key, idx);
    if (r > 0)
      return ashpy_get(v, o->kind, o->ndim, idx);
    if (r < 0)
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
  return ashpy_view_child(self, t);
}

static int ashpy_same_shape(const ash_view *a, int ndim, const int64_t *shape) {
  return ash_view_ndim(a) == ndim &&
         (ndim == 0 || memcmp(ash_view_shape(a), shape,
                              sizeof(int64_t) * (size_t)ndim) == 0);
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
static int ashpy_assign(PyTypeObject *type, const ash_view *t,
                        PyObject *value) {
  if (PyObject_TypeCheck(value, &AshPyView_Type)) {
    ash_view *src = ASHPY_V(value);
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
  /* Sequences, other dtypes or shapes (broadcasting): the function the
   * idiomatic layer installed with set_assign_fallback(). */
  if (ash_view_flags(t) & ASH_VIEW_READONLY) {
    ashpy_raisef(ASH_E_RDONLY, "view of \"%s/%s\" is read-only",
                 ash_view_segment_name(t), ash_view_array_name(t));
    return -1;
  }
  if (ashpy_assign_fallback != NULL) {
    PyObject *tv =
        ashpy_view_wrap(type, ash_view_retain((ash_view *)(uintptr_t)t));
    PyObject *res = tv ? PyObject_CallFunctionObjArgs(ashpy_assign_fallback, tv,
                                                      value, NULL)
                       : NULL;
    if (tv)
      Py_XDECREF(ashpy_handle_close(tv, NULL));
    Py_XDECREF(tv);
    Py_XDECREF(res);
    return res ? 0 : -1;
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
  ash_view *v = ASHPY_V(o);
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
  int64_t idx[ASH_MAX_NDIM];
  int fast = o->ndim > 0 ? ashpy_int_tuple(o, key, idx) : 0;
  if (fast > 0)
    return ashpy_set(v, o->dtype, o->ndim, idx, value);
  if (fast < 0)
    return -1;
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
  if (ASHPY_V(o) == NULL) {
    ashpy_closed("view");
    return -1;
  }
  if (o->ndim == 0) {
    PyErr_SetString(PyExc_TypeError, "len() of a 0-d view");
    return -1;
  }
  return (Py_ssize_t)ash_view_shape(ASHPY_V(o))[0];
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
static PyTypeObject AshPyViewIter_Type;

typedef struct {
  PyObject_HEAD PyObject *view;
  int64_t i, n;
} AshPyViewIter;

PyObject *ashpy_view_iter(PyObject *self) {
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
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "arrayshare_core.ViewIterator",
    .tp_basicsize = sizeof(AshPyViewIter),
    .tp_dealloc = ashpy_iter_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = ashpy_iter_next,
};

PyMappingMethods ashpy_view_as_mapping = {
    ashpy_view_length, ashpy_view_subscript, ashpy_view_ass_subscript};

PySequenceMethods ashpy_view_as_sequence = {
    .sq_length = ashpy_view_length,
    .sq_item = ashpy_view_sq_item,
};

int ashpy_index_ready(void) { return PyType_Ready(&AshPyViewIter_Type); }
