/* ashpy_number.c - a view as a Python number, and pickling.
 *
 * Numbers follow NumPy's rules for arrays: float(v), int(v), complex(v)
 * and bool(v) need exactly one element (any ndim); operator.index(v) (and
 * so v used as an index or a slice bound) needs a 0-d integer view; bool()
 * of an empty view or of more than one element is refused, never guessed.
 *
 * Pickling: a view reduces in one C call to (its class, (descriptor,)),
 * the descriptor pinned to this very segment by "gen=" (ash_view_descriptor
 * _ex with ASH_DESC_GEN), and the class's constructor, ViewHandle.__new__,
 * attaches it through ash_view_from_descriptor (which finds a segment this
 * process already maps without a system call). Also here: the descriptor of
 * any buffer (an ndarray) lying on a view's array, which is how NumPy
 * arrays on a segment pickle and find their view (arrayshare.view_of). */
#include "ashpy.h"

/* ---- numbers ------------------------------------------------------------ */

/* The only element of @self, as a Python scalar, for @what ("float()",
 * ...): TypeError unless the view has exactly one element. */
static PyObject *ashpy_view_only(PyObject *self, const char *what) {
  ASHPY_VIEW(self, v);
  if (ash_view_size(v) != 1)
    return PyErr_Format(PyExc_TypeError,
                        "only size-1 views can be converted to Python "
                        "scalars (%s of a view of %lld elements): index an "
                        "element, e.g. v[i], or use v.item(i)",
                        what, (long long)ash_view_size(v));
  int64_t zero = 0;
  AshPyView *o = (AshPyView *)self;
  return ashpy_get(v, o->kind, o->ndim ? 1 : 0, &zero);
}

static PyObject *ashpy_view_float(PyObject *self) {
  PyObject *x = ashpy_view_only(self, "float()");
  if (x == NULL)
    return NULL;
  PyObject *r = PyNumber_Float(x); /* complex: TypeError, as NumPy */
  Py_DECREF(x);
  return r;
}

static PyObject *ashpy_view_int(PyObject *self) {
  PyObject *x = ashpy_view_only(self, "int()");
  if (x == NULL)
    return NULL;
  PyObject *r = PyNumber_Long(x); /* floats truncate; NaN, inf, complex raise */
  Py_DECREF(x);
  return r;
}

PyObject *ashpy_view_complex(PyObject *self, PyObject *unused) {
  (void)unused;
  PyObject *x = ashpy_view_only(self, "complex()");
  if (x == NULL)
    return NULL;
  Py_complex c = PyComplex_AsCComplex(x);
  Py_DECREF(x);
  if (c.real == -1.0 && PyErr_Occurred())
    return NULL;
  return PyComplex_FromCComplex(c);
}

static PyObject *ashpy_view_index(PyObject *self) {
  ASHPY_VIEW(self, v);
  AshPyView *o = (AshPyView *)self;
  if (o->ndim != 0 || (o->kind != ASH_KIND_INT && o->kind != ASH_KIND_UINT))
    return PyErr_Format(PyExc_TypeError,
                        "only 0-d integer views can be used as an index "
                        "(this one is %d-d %s); index an element: v[i]",
                        o->ndim, ash_dtype_name(o->dtype));
  return ashpy_get(v, o->kind, 0, NULL);
}

static int ashpy_view_bool(PyObject *self) {
  ash_view *v = ASHPY_V(self);
  if (v == NULL) {
    ashpy_closed("view");
    return -1;
  }
  int64_t n = ash_view_size(v);
  if (n != 1) {
    PyErr_Format(PyExc_ValueError,
                 n == 0 ? "the truth value of an empty view is ambiguous: use "
                          "v.size > 0"
                        : "the truth value of a view with more than one "
                          "element is ambiguous: use v.any() or v.all()");
    return -1;
  }
  PyObject *x = ashpy_view_only(self, "bool()");
  if (x == NULL)
    return -1;
  int r = PyObject_IsTrue(x);
  Py_DECREF(x);
  return r;
}

PyNumberMethods ashpy_view_as_number = {
    .nb_bool = ashpy_view_bool,
    .nb_int = ashpy_view_int,
    .nb_float = ashpy_view_float,
    .nb_index = ashpy_view_index,
};

/* ---- pickling ----------------------------------------------------------- */

/* ViewHandle(descriptor) and its subclasses (arrayshare.View): attaches
 * the view a descriptor names, as ash_view_from_descriptor. What a pickled
 * view is rebuilt with. */
PyObject *ashpy_view_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  PyObject *d;
  if ((kwds && PyDict_GET_SIZE(kwds)) || PyTuple_GET_SIZE(args) != 1 ||
      !PyUnicode_Check(d = PyTuple_GET_ITEM(args, 0)))
    return PyErr_Format(PyExc_TypeError,
                        "%.100s(descriptor) takes one descriptor string "
                        "(views are made by arrayshare.create(), attach(), "
                        "Segment[...] and indexing)",
                        type->tp_name);
  Py_ssize_t len;
  const char *desc = PyUnicode_AsUTF8AndSize(d, &len);
  if (desc == NULL)
    return NULL;
  if ((size_t)len != strlen(desc))
    return ashpy_raisef(ASH_E_INVAL, "descriptor contains a NUL byte at "
                        "position %zu", strlen(desc));
  ash_view *v = NULL;
  int r;
  Py_BEGIN_ALLOW_THREADS
  r = ash_view_from_descriptor(desc, 0, &v);
  Py_END_ALLOW_THREADS
  if (r)
    return ashpy_raise(r);
  return ashpy_view_wrap(type, v);
}

/* __reduce__(): (type(self), (descriptor pinned by gen=,)). A bare
 * ViewHandle (the low-level module's) does not pickle. */
PyObject *ashpy_view_reduce(PyObject *self, PyObject *unused) {
  (void)unused;
  if (Py_TYPE(self) == &AshPyView_Type)
    return PyErr_Format(PyExc_TypeError,
                        "cannot pickle a low-level ViewHandle: pickle an "
                        "arrayshare.View (View._adopt(handle))");
  ASHPY_VIEW(self, v);
  const char *d = ash_view_descriptor_ex(v, ASH_DESC_GEN);
  if (d == NULL)
    return ashpy_raise(ASH_E_NOMEM);
  return Py_BuildValue("(O(s))", (PyObject *)Py_TYPE(self), d);
}

PyObject *ashpy_view_reduce_ex(PyObject *self, PyObject *protocol) {
  (void)protocol; /* the same for every protocol */
  return ashpy_view_reduce(self, NULL);
}

/* ---- the view of a buffer lying on an array ---------------------------- */

/* Is @v a view of its whole array? Its descriptor then names only the
 * array: the layout keys (dtype=, shape=, strides=, offset=) are written for
 * every other view (ash_view_descriptor), and no name or encoded path
 * contains '='. */
static int ashpy_is_whole(const ash_view *v) {
  const char *d = ash_view_descriptor_ex(v, ASH_DESC_NO_RO);
  return d != NULL && strstr(d, "dtype=") == NULL;
}

/* A new reference on the view of @v's whole array (read-only if @v is). */
static int ashpy_whole_of(const ash_view *v, ash_view **out) {
  if (ashpy_is_whole(v)) {
    *out = ash_view_retain((ash_view *)(uintptr_t)v);
    return ASH_OK;
  }
  ash_segment *seg;
  int r = ash_view_segment(v, &seg);
  if (r == ASH_OK) {
    r = ash_segment_view(seg, ash_view_array_name(v), out);
    ash_segment_close(seg);
  }
  return r;
}

/* _whole(): the view of this view's whole array (self when it is one). */
PyObject *ashpy_view_whole(PyObject *self, PyObject *unused) {
  (void)unused;
  ASHPY_VIEW(self, v);
  if (ashpy_is_whole(v)) {
    Py_INCREF(self);
    return self;
  }
  ash_view *w;
  int r = ashpy_whole_of(v, &w);
  if (r)
    return ashpy_raise(r);
  return ashpy_view_wrap(Py_TYPE(self), w);
}

/* Appends @n integers, comma-separated, to @s (the caller makes room: 21
 * bytes each). */
static char *ashpy_put_list(char *s, const int64_t *a, int n) {
  for (int i = 0; i < n; i++)
    s += sprintf(s, i ? ",%lld" : "%lld", (long long)a[i]);
  return s;
}

/* _descriptor_for(obj): the descriptor (pinned by gen=) of the elements of
 * @obj, any object exporting a strided buffer (an ndarray) whose memory
 * lies inside this view's array: its dtype, shape, strides and offset from
 * the array's start, and ro=1 when the buffer is read-only. Raises
 * InvalidArgumentError when the memory is not inside the array, DtypeError
 * for a format the library has no dtype for (big-endian, structured). */
PyObject *ashpy_view_descriptor_for(PyObject *self, PyObject *obj) {
  ASHPY_VIEW(self, v);
  Py_buffer b;
  if (PyObject_GetBuffer(obj, &b, PyBUF_RECORDS_RO) < 0)
    return NULL;
  PyObject *res = NULL;
  ash_view *w = NULL;
  char *text = NULL;
  int dtype = ashpy_format_dtype(b.format, b.itemsize);
  if (dtype == 0) {
    ashpy_raisef(ASH_E_DTYPE, "a buffer of format '%s' (itemsize %zd) has no "
                 "arrayshare dtype", b.format ? b.format : "B", b.itemsize);
    goto done;
  }
  if (b.ndim > ASH_MAX_NDIM) {
    ashpy_raisef(ASH_E_SHAPE, "%d dimensions (at most %d)", b.ndim,
                 ASH_MAX_NDIM);
    goto done;
  }
  int r = ashpy_whole_of(v, &w);
  if (r) {
    ashpy_raise(r);
    goto done;
  }
  int64_t shape[ASH_MAX_NDIM], strides[ASH_MAX_NDIM];
  int empty = 0;
  for (int i = 0; i < b.ndim; i++) {
    shape[i] = b.shape[i];
    empty |= shape[i] == 0;
  }
  if (b.strides) {
    for (int i = 0; i < b.ndim; i++)
      strides[i] = b.strides[i];
  } else { /* C-contiguous */
    int64_t st = b.itemsize;
    for (int i = b.ndim - 1; i >= 0; i--) {
      strides[i] = st;
      st *= shape[i] ? shape[i] : 1;
    }
  }
  uintptr_t lo, hi;
  ashpy_span(b.buf, b.ndim, shape, strides, (size_t)b.itemsize, &lo, &hi);
  uintptr_t start = (uintptr_t)ash_view_data(w);
  uintptr_t end = start + (uintptr_t)ash_view_nbytes(w);
  if (!empty && (lo < start || hi > end)) {
    ashpy_raisef(ASH_E_INVAL, "the buffer's memory (%#lx-%#lx) is not inside "
                 "the array \"%s/%s\" (%#lx-%#lx): it is a copy, not the "
                 "shared memory", (unsigned long)lo, (unsigned long)hi,
                 ash_view_segment_name(w), ash_view_array_name(w),
                 (unsigned long)start, (unsigned long)end);
    goto done;
  }
  const char *base = ash_view_descriptor_ex(w, ASH_DESC_GEN);
  if (base == NULL) {
    ashpy_raise(ASH_E_NOMEM);
    goto done;
  }
  int ro = b.readonly && !(ash_view_flags(w) & ASH_VIEW_READONLY);
  size_t cap = strlen(base) + 96 + (size_t)b.ndim * 44;
  if ((text = PyMem_Malloc(cap)) == NULL) {
    PyErr_NoMemory();
    goto done;
  }
  /* The whole array's descriptor always has a query (gen= at least); an
   * empty view's offset is 0 (it has no element to place). */
  char *s = text + sprintf(text, "%s&dtype=%s&shape=", base,
                           ash_dtype_str(dtype));
  s = ashpy_put_list(s, shape, b.ndim);
  s += sprintf(s, "&strides=");
  s = ashpy_put_list(s, strides, b.ndim);
  s += sprintf(s, "&offset=%lld%s",
               empty ? 0LL : (long long)((uintptr_t)b.buf - start),
               ro ? "&ro=1" : "");
  res = PyUnicode_FromStringAndSize(text, s - text);
done:
  PyMem_Free(text);
  ash_view_release(w);
  PyBuffer_Release(&b);
  return res;
}
