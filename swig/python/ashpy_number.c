/* SPDX-License-Identifier: MIT */
/* ashpy_number.c - a view as a Python number, and pickling.
 *
 * Numbers follow NumPy's rules for arrays: float(v), int(v), complex(v)
 * and bool(v) need exactly one element (any ndim); operator.index(v) (and
 * so v used as an index or a slice bound) needs a 0-d integer view; bool()
 * of an empty view or of more than one element is refused, never guessed.
 *
 * Pickling: a view reduces in one C call to (its class, args), and the
 * class's constructor, ViewHandle.__new__, rebuilds it:
 *  - args (descriptor,): the descriptor pinned to this very segment by
 *    "gen=" (ash_view_descriptor_ex with ASH_DESC_GEN), attached through
 *    ash_view_from_descriptor (which finds a segment this process already
 *    maps without a system call);
 *  - args (root, geometry) for a view derived in C (slices, rows) from a
 *    view of its whole array, its root: the root object is the same for
 *    every view derived from it, so one pickle (a Pool's chunk of tasks)
 *    holds it once (pickle's memo) and each view as a few integers, which
 *    the receiver applies to the root with ash_view_index and
 *    ash_view_slice (strict bounds). Used only when the integers give
 *    exactly the view (same dtype, its axes a slice of the root's last
 *    axes, every offset and stride reproduced); else the descriptor.
 * Also here: the descriptor of any buffer (an ndarray) lying on a view's
 * array, which is how NumPy arrays on a segment pickle and find their view
 * (arrayshare.view_of). */
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

/* ---- roots and geometry ------------------------------------------------ */

static int ashpy_is_whole(const ash_view *v);
static int ashpy_whole_of(const ash_view *v, ash_view **out);

/* The root of view object @o (borrowed; NULL when none can be had): its
 * inherited root, itself when it is a whole array, else the whole-array
 * view made now (once per object). A root need not be whole for pickling
 * (the receiver rebuilds it from its own descriptor, then applies the
 * geometry to it): views unpickled against a root keep that root. */
static PyObject *ashpy_root_of(AshPyView *o) {
  ash_view *v = ASHPY_V(o);
  if (o->root != NULL || v == NULL)
    return o->root;
  if (o->whole < 0)
    o->whole = ashpy_is_whole(v);
  if (o->whole)
    return (PyObject *)o;
  ash_view *w;
  if (ashpy_whole_of(v, &w) != ASH_OK)
    return NULL;
  o->root = ashpy_view_wrap(Py_TYPE(o), w);
  if (o->root == NULL)
    PyErr_Clear(); /* no root: pickling sends the descriptor */
  else
    ((AshPyView *)o->root)->whole = 1;
  return o->root;
}

PyObject *ashpy_view_child(PyObject *parent, ash_view *t) {
  PyObject *c = ashpy_view_wrap(Py_TYPE(parent), t);
  if (c != NULL) {
    PyObject *root = ashpy_root_of((AshPyView *)parent);
    Py_XINCREF(root);
    ((AshPyView *)c)->root = root;
  }
  return c;
}

/* Geometry of view @c relative to its whole-array view @w: g[0] is
 * read-only (1) | k << 1, k being the number of leading axes of @w indexed
 * (dropped), then their k indices, then (start, length, step) for @c's
 * axes (@w's axes k...) up to the last one that is not all of @w's axis
 * (the others are). The count in *@ng. 0, or -1 when @c is not such a view
 * of @w (another dtype, axes permuted or reshaped).
 * An axis of length 0 is (0, 0, 1): slicing it keeps the offset and the
 * strides (ash_view_slice), so the result is @c only if @c's offset and
 * strides are those slicing gives; ashpy_geometry_of checks that by
 * applying the geometry. */
static int ashpy_geometry_raw(const ash_view *w, int dtype, int cn,
                              const int64_t *cs, const int64_t *ct, int64_t o,
                              int readonly, int64_t *g, int *ng) {
  int wn = ash_view_ndim(w), k = wn - cn;
  if (dtype != ash_view_dtype(w) || k < 0 || ash_view_size(w) == 0 ||
      !(ash_view_flags(w) & ASH_VIEW_C_CONTIGUOUS) || ash_view_offset(w) != 0)
    return -1;
  const int64_t *S = ash_view_shape(w), *W = ash_view_strides(w);
  int64_t start[ASH_MAX_NDIM];
  for (int i = 0; i < wn; i++) { /* W is C-contiguous: decreasing */
    if (W[i] <= 0)
      return -1;
    start[i] = o / W[i];
    o -= start[i] * W[i];
    if (start[i] < 0 || start[i] >= S[i])
      return -1;
  }
  if (o != 0)
    return -1;
  int n = 0, used;
  g[n++] = (readonly ? 1 : 0) | (int64_t)k << 1;
  for (int i = 0; i < k; i++)
    g[n++] = start[i];
  for (int j = 0; j < cn; j++) {
    int i = j + k;
    int64_t step, last;
    if (cs[j] == 0) { /* checked by the caller (ashpy_geometry_of) */
      g[n++] = 0;
      g[n++] = 0;
      g[n++] = 1;
      continue;
    }
    /* (a length-1 axis must have the root's stride: slicing gives it) */
    if (cs[j] < 0 || ct[j] % W[i] != 0 || (step = ct[j] / W[i]) == 0 ||
        (cs[j] == 1 && step != 1) ||
        __builtin_mul_overflow(step, cs[j] - 1, &last) ||
        __builtin_add_overflow(last, start[i], &last) || last < 0 ||
        last >= S[i])
      return -1;
    g[n++] = start[i];
    g[n++] = cs[j];
    g[n++] = step;
  }
  for (used = cn; used > 0; used--) { /* trailing whole axes: implied */
    const int64_t *t = g + n - 3 * (cn - used + 1);
    if (!(t[0] == 0 && t[1] == S[k + used - 1] && t[2] == 1))
      break;
  }
  *ng = 1 + k + 3 * used;
  return 0;
}

static int ashpy_apply_geometry(const ash_view *root, const int64_t *g, int ng,
                                ash_view **out);

static int ashpy_geometry_of(const ash_view *w, int dtype, int cn,
                             const int64_t *cs, const int64_t *ct, int64_t o,
                             int readonly, int64_t *g, int *ng) {
  if (ashpy_geometry_raw(w, dtype, cn, cs, ct, o, readonly, g, ng) < 0)
    return -1;
  int empty = 0;
  for (int j = 0; j < cn; j++)
    empty |= cs[j] == 0;
  if (!empty)
    return 0;
  /* Without elements: exact only if applying gives @c's very layout. */
  ash_view *e;
  if (ashpy_apply_geometry(w, g, *ng, &e) < 0) {
    PyErr_Clear();
    return -1;
  }
  int same = ash_view_ndim(e) == cn && ash_view_offset(e) == o;
  for (int j = 0; same && j < cn; j++)
    same = ash_view_shape(e)[j] == cs[j] && ash_view_strides(e)[j] == ct[j];
  ash_view_release(e);
  return same ? 0 : -1;
}

static int ashpy_geometry(const ash_view *w, const ash_view *c, int64_t *g,
                          int *ng) {
  return ashpy_geometry_of(w, ash_view_dtype(c), ash_view_ndim(c),
                           ash_view_shape(c), ash_view_strides(c),
                           ash_view_offset(c),
                           (ash_view_flags(c) & ASH_VIEW_READONLY) != 0, g, ng);
}

/* The geometry as a new tuple of ints. */
static PyObject *ashpy_geometry_tuple(const int64_t *g, int ng) {
  PyObject *t = PyTuple_New(ng);
  for (int i = 0; t != NULL && i < ng; i++) {
    PyObject *x = PyLong_FromLongLong(g[i]);
    if (x == NULL)
      Py_CLEAR(t);
    else
      PyTuple_SET_ITEM(t, i, x);
  }
  return t;
}

/* The view @root indexed and sliced by geometry @g (ashpy_geometry), in a
 * new reference *@out. Bounds are the library's (strict). */
static int ashpy_apply_geometry(const ash_view *root, const int64_t *g, int ng,
                                ash_view **out) {
  int wn = ash_view_ndim(root);
  int k = ng >= 1 && g[0] >= 0 && g[0] <= 2 * ASH_MAX_NDIM + 1
              ? (int)(g[0] >> 1)
              : -1;
  int m = k >= 0 ? (ng - 1 - k) / 3 : -1; /* axes given */
  if (k < 0 || k > wn || m < 0 || m > wn - k || ng != 1 + k + 3 * m) {
    ashpy_raisef(ASH_E_DESC,
                 "a pickled view's geometry does not fit its "
                 "%d-d root",
                 wn);
    return -1;
  }
  ash_view *cur = ash_view_retain((ash_view *)(uintptr_t)root), *nv;
  int r = ASH_OK;
  for (int i = 0; i < k && r == ASH_OK; i++) {
    if ((r = ash_view_index(cur, 0, g[1 + i], &nv)) == ASH_OK) {
      ash_view_release(cur);
      cur = nv;
    }
  }
  const int64_t *p = g + 1 + k;
  for (int j = 0; j < m && r == ASH_OK; j++, p += 3) {
    int64_t start = p[0], len = p[1], step = p[2], stop;
    if (start == 0 && step == 1 && len == ash_view_shape(cur)[j])
      continue;
    if (len < 0 || step == 0 ||
        (len > 0 &&
         (__builtin_mul_overflow(step, len - 1, &stop) ||
          __builtin_add_overflow(stop, start + (step > 0 ? 1 : -1), &stop)))) {
      r = ASH_E_DESC;
      break;
    }
    if (len == 0)
      stop = start; /* an empty axis */
    else if (stop < 0)
      stop = ASH_NONE; /* a negative step down to index 0 */
    if ((r = ash_view_slice(cur, j, start, stop, step, ASH_SLICE_STRICT,
                            &nv)) == ASH_OK) {
      ash_view_release(cur);
      cur = nv;
      if (ash_view_shape(cur)[j] != len)
        r = ASH_E_DESC;
    }
  }
  if (r == ASH_OK && (g[0] & 1)) {
    if ((r = ash_view_readonly(cur, &nv)) == ASH_OK) {
      ash_view_release(cur);
      cur = nv;
    }
  }
  if (r != ASH_OK) {
    ash_view_release(cur);
    if (r == ASH_E_DESC)
      ashpy_raisef(r,
                   "a pickled view's geometry is not valid for its root "
                   "%s",
                   ash_view_descriptor(root));
    else
      ashpy_raise(r);
    return -1;
  }
  *out = cur;
  return 0;
}

/* ---- pickling ----------------------------------------------------------- */

/* ViewHandle(descriptor) and its subclasses (arrayshare.View): attaches
 * the view a descriptor names, as ash_view_from_descriptor. What a pickled
 * view is rebuilt with; also ViewHandle(root, geometry) (ashpy_geometry),
 * for views pickled relative to their root. */
PyObject *ashpy_view_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  Py_ssize_t nargs = PyTuple_GET_SIZE(args);
  PyObject *d = nargs ? PyTuple_GET_ITEM(args, 0) : NULL;
  if (nargs == 2 && !(kwds && PyDict_GET_SIZE(kwds)) && ashpy_is_view(d) &&
      PyTuple_Check(PyTuple_GET_ITEM(args, 1))) {
    ash_view *root = ASHPY_V(d), *v;
    if (root == NULL)
      return ashpy_closed("view");
    int64_t g[1 + 3 * ASH_MAX_NDIM], *gp, *heap;
    int ng;
    if (ashpy_i64_seq(PyTuple_GET_ITEM(args, 1), "geometry", g,
                      1 + 3 * ASH_MAX_NDIM, &gp, &heap, &ng) < 0)
      return NULL;
    int r = ashpy_apply_geometry(root, gp, ng, &v);
    PyMem_Free(heap);
    if (r < 0)
      return NULL;
    PyObject *o = ashpy_view_wrap(type, v);
    if (o != NULL) { /* its root is the one it was pickled against */
      Py_INCREF(d);
      ((AshPyView *)o)->root = d;
    }
    return o;
  }
  if ((kwds && PyDict_GET_SIZE(kwds)) || nargs != 1 || !PyUnicode_Check(d))
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
    return ashpy_raisef(ASH_E_INVAL,
                        "descriptor contains a NUL byte at "
                        "position %zu",
                        strlen(desc));
  ash_view *v = NULL;
  int r;
  Py_BEGIN_ALLOW_THREADS r = ash_view_from_descriptor(desc, 0, &v);
  Py_END_ALLOW_THREADS if (r) return ashpy_raise(r);
  return ashpy_view_wrap(type, v);
}

/* (type(@self), @args), @args stolen (NULL: an error is set). Not
 * Py_BuildValue: its format parsing was a fifth of a chunked task's
 * pickling. */
static PyObject *ashpy_reduced(PyObject *self, PyObject *args) {
  PyObject *res = NULL;
  if (args != NULL)
    res = PyTuple_Pack(2, (PyObject *)Py_TYPE(self), args);
  Py_XDECREF(args);
  return res;
}

/* __reduce__(): (type(self), (root, geometry)) for a view derived from its
 * root, else (type(self), (descriptor pinned by gen=,)). A bare ViewHandle
 * (the low-level module's) does not pickle. */
PyObject *ashpy_view_reduce(PyObject *self, PyObject *unused) {
  (void)unused;
  if (Py_TYPE(self) == &AshPyView_Type)
    return PyErr_Format(PyExc_TypeError,
                        "cannot pickle a low-level ViewHandle: pickle an "
                        "arrayshare.View (View._adopt(handle))");
  ASHPY_VIEW(self, v);
  PyObject *root = ((AshPyView *)self)->root;
  if (root != NULL && root != self && ASHPY_V(root) != NULL &&
      Py_TYPE(root) == Py_TYPE(self)) {
    int64_t g[1 + 3 * ASH_MAX_NDIM];
    int ng;
    if (ashpy_geometry(ASHPY_V(root), v, g, &ng) == 0) {
      PyObject *t = ashpy_geometry_tuple(g, ng);
      if (t == NULL)
        return NULL;
      PyObject *args = PyTuple_Pack(2, root, t);
      Py_DECREF(t);
      return ashpy_reduced(self, args);
    }
  }
  const char *d = ash_view_descriptor_ex(v, ASH_DESC_GEN);
  if (d == NULL)
    return ashpy_raise(ASH_E_NOMEM);
  PyObject *ds = PyUnicode_FromString(d), *args = NULL;
  if (ds != NULL)
    args = PyTuple_Pack(1, ds);
  Py_XDECREF(ds);
  return ashpy_reduced(self, args);
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
  AshPyView *root = (AshPyView *)ashpy_root_of((AshPyView *)self);
  if (root != NULL && ASHPY_V(root) != NULL) {
    if (root->whole < 0)
      root->whole = ashpy_is_whole(ASHPY_V(root));
    if (root->whole) {
      Py_INCREF(root);
      return (PyObject *)root;
    }
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
    ashpy_raisef(ASH_E_DTYPE,
                 "a buffer of format '%s' (itemsize %zd) has no "
                 "arrayshare dtype",
                 b.format ? b.format : "B", b.itemsize);
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
    ashpy_raisef(ASH_E_INVAL,
                 "the buffer's memory (%#lx-%#lx) is not inside "
                 "the array \"%s/%s\" (%#lx-%#lx): it is a copy, not the "
                 "shared memory",
                 (unsigned long)lo, (unsigned long)hi, ash_view_segment_name(w),
                 ash_view_array_name(w), (unsigned long)start,
                 (unsigned long)end);
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
  char *s =
      text + sprintf(text, "%s&dtype=%s&shape=", base, ash_dtype_str(dtype));
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

/* _geometry_for(obj): the geometry (a tuple of ints, for View(self,
 * geometry)) of the elements of @obj, a strided buffer lying on this
 * whole-array view, or None when it cannot express them (then use
 * _descriptor_for). */
PyObject *ashpy_view_geometry_for(PyObject *self, PyObject *obj) {
  ASHPY_VIEW(self, v);
  if (((AshPyView *)self)->whole < 0)
    ((AshPyView *)self)->whole = ashpy_is_whole(v);
  Py_buffer b;
  if (PyObject_GetBuffer(obj, &b, PyBUF_RECORDS_RO) < 0)
    return NULL;
  PyObject *res = NULL;
  int dtype = ashpy_format_dtype(b.format, b.itemsize);
  int64_t g[1 + 3 * ASH_MAX_NDIM];
  int ng;
  if (((AshPyView *)self)->whole && dtype && b.ndim <= ASH_MAX_NDIM &&
      b.strides != NULL) {
    int64_t shape[ASH_MAX_NDIM], strides[ASH_MAX_NDIM];
    for (int i = 0; i < b.ndim; i++) {
      shape[i] = b.shape[i];
      strides[i] = b.strides[i];
    }
    intptr_t off = (intptr_t)((uintptr_t)b.buf - (uintptr_t)ash_view_data(v));
    if (ashpy_geometry_of(v, dtype, b.ndim, shape, strides, off,
                          b.readonly &&
                              !(ash_view_flags(v) & ASH_VIEW_READONLY),
                          g, &ng) == 0)
      res = ashpy_geometry_tuple(g, ng);
  }
  PyBuffer_Release(&b);
  if (res == NULL && !PyErr_Occurred()) {
    res = Py_None;
    Py_INCREF(res);
  }
  return res;
}

/* ---- the view behind a buffer, and an ndarray's pickle ----------------- */

/* numpy.ndarray once NumPy is imported (no ndarray exists before), else
 * NULL with no error set; looked up once, kept for the process's life. */
static PyTypeObject *ashpy_ndarray_type(void) {
  static PyTypeObject *t;
  if (t != NULL)
    return t;
  PyObject *name = PyUnicode_FromString("numpy"), *np = NULL, *o = NULL;
  if (name != NULL)
    np = PyImport_GetModule(name);
  Py_XDECREF(name);
  if (np != NULL)
    o = PyObject_GetAttrString(np, "ndarray");
  Py_XDECREF(np);
  if (o != NULL && PyType_Check(o))
    t = (PyTypeObject *)o;
  else
    Py_XDECREF(o);
  PyErr_Clear();
  return t;
}

/* The view whose exported buffer @x's memory comes from, following
 * ndarray.base and memoryview.obj (at most 64 steps): a new reference, or
 * NULL with no error set when there is none (a released memoryview on the
 * way included), NULL with an error set on another failure. */
static PyObject *ashpy_root_view_of(PyObject *x) {
  static PyObject *s_base, *s_obj;
  if (s_base == NULL && (s_base = PyUnicode_InternFromString("base")) == NULL)
    return NULL;
  if (s_obj == NULL && (s_obj = PyUnicode_InternFromString("obj")) == NULL)
    return NULL;
  PyTypeObject *nd = NULL;
  PyObject *b = x;
  Py_INCREF(b);
  for (int i = 0; i < 64; i++) {
    PyObject *next;
    if (ashpy_is_view(b))
      return b;
    if (PyMemoryView_Check(b)) {
      next = PyObject_GetAttr(b, s_obj);
      if (next == NULL && PyErr_ExceptionMatches(PyExc_ValueError))
        PyErr_Clear(); /* released */
    } else {
      if (nd == NULL)
        nd = ashpy_ndarray_type();
      if (nd == NULL || !PyObject_TypeCheck(b, nd))
        break;
      next = PyObject_GetAttr(b, s_base);
    }
    Py_DECREF(b);
    if (next == NULL)
      return NULL;
    b = next;
  }
  Py_DECREF(b);
  return NULL;
}

/* _root_view(x): the view behind @x (an ndarray or memoryview on a
 * segment), or None. */
PyObject *ashpy_root_view(PyObject *mod, PyObject *x) {
  (void)mod;
  PyObject *r = ashpy_root_view_of(x);
  if (r == NULL && !PyErr_Occurred())
    Py_RETURN_NONE;
  return r;
}

/* _pickle_args(x): the arguments arrayshare.ndarray @x pickles with, as
 * a view does: (whole-array view, geometry) when the geometry gives its
 * elements exactly, else (descriptor,); None when its memory is not on a
 * segment (it then pickles as data). */
PyObject *ashpy_pickle_args(PyObject *mod, PyObject *x) {
  (void)mod;
  PyObject *root = ashpy_root_view_of(x), *res = NULL;
  if (root == NULL) {
    if (PyErr_Occurred())
      return NULL;
    Py_RETURN_NONE;
  }
  PyObject *whole = ashpy_view_whole(root, NULL);
  Py_DECREF(root);
  if (whole == NULL)
    return NULL;
  PyObject *g = ashpy_view_geometry_for(whole, x);
  if (g == Py_None) {
    PyObject *d = ashpy_view_descriptor_for(whole, x);
    if (d != NULL)
      res = PyTuple_Pack(1, d);
    Py_XDECREF(d);
  } else if (g != NULL) {
    res = PyTuple_Pack(2, whole, g);
  }
  Py_XDECREF(g);
  Py_DECREF(whole);
  return res;
}
