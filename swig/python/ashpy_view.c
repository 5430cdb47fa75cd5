/* SPDX-License-Identifier: MIT */
/* ashpy_view.c - the ViewHandle type: an owned reference on an ash_view,
 * with its attributes and methods written in C. Buffer protocol, DLPack and
 * the array interface are in ashpy_export.c, indexing in ashpy_index.c. The
 * idiomatic arrayshare.View subclasses it; C code that makes a derived view
 * makes one of the caller's class. */
#include "ashpy.h"

_Static_assert(sizeof(Py_ssize_t) == sizeof(int64_t),
               "the buffer protocol exports ash_view shapes and strides as "
               "Py_ssize_t arrays; this needs a 64-bit Py_ssize_t");

/* Wraps @v (taking over one reference) in a new object of @type. */
PyObject *ashpy_view_wrap(PyTypeObject *type, ash_view *v) {
  if (v == NULL)
    return ashpy_raisef(ASH_E_INVAL, "no view");
  AshPyView *o = (AshPyView *)ashpy_wrap(ASHPY_K_VIEW, type, v);
  if (o != NULL) {
    o->dtype = ash_view_dtype(v);
    o->ndim = ash_view_ndim(v);
    o->kind = ash_dtype_kind(o->dtype);
    o->whole = -1;
    o->root = NULL;
  }
  return (PyObject *)o;
}

/* cls._adopt(handle): a new view of class cls taking over handle's
 * reference; handle is closed. */
static PyObject *ashpy_view_adopt(PyObject *cls, PyObject *arg) {
  if (!PyType_Check(cls) ||
      !PyType_IsSubtype((PyTypeObject *)cls, &AshPyView_Type))
    return PyErr_Format(PyExc_TypeError, "_adopt needs a view class");
  void *v;
  if (ashpy_arg(arg, ASHPY_K_VIEW, &v) < 0)
    return NULL;
  if (Py_TYPE(arg) == (PyTypeObject *)cls) {
    Py_INCREF(arg);
    return arg;
  }
  ((AshPyHandle *)arg)->h = NULL;
  return ashpy_view_wrap((PyTypeObject *)cls, v);
}

/* A view derived from @self's by a call that returned @r and *@t: a new
 * object of @self's class, or the error raised. */
static PyObject *ashpy_derived(PyObject *self, int r, ash_view *t) {
  if (r)
    return ashpy_raise(r);
  return ashpy_view_child(self, t);
}

/* ---- attributes ---------------------------------------------------------- */

enum {
  A_SHAPE,
  A_STRIDES,
  A_NDIM,
  A_SIZE,
  A_DTYPE,
  A_ITEMSIZE,
  A_NBYTES,
  A_READONLY,
  A_C_CONTIGUOUS,
  A_F_CONTIGUOUS,
  A_DESCRIPTOR,
  A_SEGMENT_NAME,
  A_ARRAY_NAME,
  A_OFFSET,
  A_ADDRESS,
  A_T
};

/* The getter of every attribute but closed: @which is its A_* (the
 * getset closure). */
static PyObject *ashpy_view_attr(PyObject *self, void *which) {
  ASHPY_VIEW(self, v);
  unsigned f = ash_view_flags(v);
  const char *s;
  ash_view *t;
  int r;
  switch ((int)(intptr_t)which) {
  case A_SHAPE:
    return ashpy_i64_tuple(ash_view_shape(v), ash_view_ndim(v));
  case A_STRIDES:
    return ashpy_i64_tuple(ash_view_strides(v), ash_view_ndim(v));
  case A_NDIM:
    return PyLong_FromLong(ash_view_ndim(v));
  case A_SIZE:
    return PyLong_FromLongLong(ash_view_size(v));
  case A_DTYPE:
    return ashpy_dtype_object(ash_view_dtype(v));
  case A_ITEMSIZE:
    return PyLong_FromSize_t(ash_view_itemsize(v));
  case A_NBYTES:
    return PyLong_FromUnsignedLongLong(ash_view_nbytes(v));
  case A_READONLY:
    return PyBool_FromLong((f & ASH_VIEW_READONLY) != 0);
  case A_C_CONTIGUOUS:
    return PyBool_FromLong((f & ASH_VIEW_C_CONTIGUOUS) != 0);
  case A_F_CONTIGUOUS:
    return PyBool_FromLong((f & ASH_VIEW_F_CONTIGUOUS) != 0);
  case A_DESCRIPTOR:
    if ((s = ash_view_descriptor(v)) == NULL)
      return PyErr_NoMemory();
    return PyUnicode_FromString(s);
  case A_SEGMENT_NAME:
    return PyUnicode_FromString(ash_view_segment_name(v));
  case A_ARRAY_NAME:
    return PyUnicode_FromString(ash_view_array_name(v));
  case A_OFFSET:
    return PyLong_FromLongLong(ash_view_offset(v));
  case A_ADDRESS:
    return PyLong_FromVoidPtr(ash_view_data(v));
  default: /* A_T */
    r = ash_view_transpose(v, &t);
    return ashpy_derived(self, r, t);
  }
}

/* ---- methods ------------------------------------------------------------- */

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

/* transpose(*axes) and reshape(*shape) take integers, or one sequence of
 * them: calls @fn (ash_view_permute or ash_view_reshape) with the list. */
static PyObject *ashpy_view_list_m(PyObject *self, PyObject *args,
                                   const char *what,
                                   int (*fn)(const ash_view *, int,
                                             const int64_t *, ash_view **)) {
  ASHPY_VIEW(self, v);
  PyObject *list = args, *first = PyTuple_GET_SIZE(args) == 1
                                      ? PyTuple_GET_ITEM(args, 0)
                                      : NULL;
  if (first && !PyLong_Check(first) && !PyIndex_Check(first))
    list = first;
  int64_t buf[ASHPY_STACK_IDX], *a, *heap;
  int n;
  if (ashpy_i64_seq(list, what, buf, ASHPY_STACK_IDX, &a, &heap, &n) < 0)
    return NULL;
  ash_view *t = NULL;
  int r = fn(v, n, a, &t);
  PyMem_Free(heap);
  return ashpy_derived(self, r, t);
}

static PyObject *ashpy_view_transpose_m(PyObject *self, PyObject *args) {
  Py_ssize_t n = PyTuple_GET_SIZE(args);
  if (n == 0 || (n == 1 && PyTuple_GET_ITEM(args, 0) == Py_None)) {
    ASHPY_VIEW(self, v);
    ash_view *t = NULL;
    int r = ash_view_transpose(v, &t);
    return ashpy_derived(self, r, t);
  }
  return ashpy_view_list_m(self, args, "axes", ash_view_permute);
}

static PyObject *ashpy_view_reshape_m(PyObject *self, PyObject *args) {
  return ashpy_view_list_m(self, args, "shape", ash_view_reshape);
}

/* dtype: a spelling (str) or an ash_dtype code (int). */
static PyObject *ashpy_view_view_m(PyObject *self, PyObject *arg) {
  ASHPY_VIEW(self, v);
  int dtype;
  if (ashpy_dtype_arg(arg, &dtype) < 0)
    return NULL;
  ash_view *t;
  int r = ash_view_reinterpret(v, dtype, &t);
  return ashpy_derived(self, r, t);
}

static PyObject *ashpy_view_as_readonly(PyObject *self, PyObject *unused) {
  (void)unused;
  ASHPY_VIEW(self, v);
  ash_view *t;
  int r = ash_view_readonly(v, &t);
  return ashpy_derived(self, r, t);
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
      return ashpy_raisef(ASH_E_INVAL,
                          "item() without an index needs a view "
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

#define ASHPY_ATTR(name, which, doc)                                           \
  {                                                                            \
    (char *)name, ashpy_view_attr, NULL, (char *)doc,                          \
        (void *)(intptr_t)(which)                                              \
  }

static PyGetSetDef ashpy_view_getset[] = {
    ASHPY_ATTR("shape", A_SHAPE, "Dimensions, a tuple of ints."),
    ASHPY_ATTR("strides", A_STRIDES,
               "Strides in bytes, a tuple of ints (may be negative or 0)."),
    ASHPY_ATTR("ndim", A_NDIM, "Number of dimensions."),
    ASHPY_ATTR("size", A_SIZE, "Number of elements."),
    ASHPY_ATTR("dtype", A_DTYPE,
               "The dtype's canonical NumPy name, e.g. 'float64'."),
    ASHPY_ATTR("itemsize", A_ITEMSIZE, "Bytes per element."),
    ASHPY_ATTR("nbytes", A_NBYTES, "size * itemsize."),
    ASHPY_ATTR("readonly", A_READONLY, "True for read-only views."),
    ASHPY_ATTR("c_contiguous", A_C_CONTIGUOUS,
               "True when the elements are C-contiguous."),
    ASHPY_ATTR("f_contiguous", A_F_CONTIGUOUS,
               "True when the elements are Fortran-contiguous."),
    ASHPY_ATTR("descriptor", A_DESCRIPTOR,
               "The short string naming this view (ash_view_descriptor)."),
    ASHPY_ATTR("segment_name", A_SEGMENT_NAME,
               "Name (or path) of the segment."),
    ASHPY_ATTR("array_name", A_ARRAY_NAME, "Name of the array."),
    ASHPY_ATTR("offset", A_OFFSET,
               "Byte offset of element (0, ..., 0) from the array's start."),
    ASHPY_ATTR("address", A_ADDRESS,
               "Address of element (0, ..., 0) in this process, an int."),
    ASHPY_ATTR("T", A_T, "The transposed view (axes reversed)."),
    ASHPY_GET("closed", ashpy_handle_get_closed,
              "True once close() was called."),
    ASHPY_GET("__array_interface__", ashpy_view_get_array_interface,
              "NumPy's array interface, version 3. The pointer is valid while "
              "this object is open; numpy.asarray() uses the buffer protocol, "
              "which also survives close()."),
    {NULL, NULL, NULL, NULL, NULL}};

/* Docstrings begin with a text signature ("name($self, ...)\n--\n\n") so
 * that inspect.signature() and help() show the parameters. */
static PyMethodDef ashpy_view_methods[] = {
    ASHPY_METH("close", ashpy_handle_close, METH_NOARGS,
               "close($self, /)\n--\n\n"
               "Releases this object's reference on the view (idempotent). "
               "Exported buffers and DLPack capsules keep their own."),
    ASHPY_METH("__enter__", ashpy_enter, METH_NOARGS,
               "__enter__($self, /)\n--\n\nReturns the view itself."),
    ASHPY_METH("__exit__", ashpy_handle_exit, METH_VARARGS,
               "__exit__($self, /, *exc_info)\n--\n\nCloses the view."),
    ASHPY_METH("_adopt", ashpy_view_adopt, METH_O | METH_CLASS,
               "_adopt($cls, handle, /)\n--\n\n"
               "A view of class cls taking over handle's reference (handle is "
               "closed)."),
    ASHPY_METH("tobytes", ashpy_view_tobytes, METH_NOARGS,
               "tobytes($self, /)\n--\n\n"
               "The elements in C order, packed, as bytes."),
    ASHPY_METH("tolist", ashpy_view_tolist, METH_NOARGS,
               "tolist($self, /)\n--\n\n"
               "The elements as nested lists of Python scalars (a scalar for a "
               "0-d view)."),
    ASHPY_METH("transpose", ashpy_view_transpose_m, METH_VARARGS,
               "transpose($self, /, *axes)\n--\n\n"
               "A view with the axes permuted (reversed when no axes are "
               "given); axes may also be one sequence."),
    ASHPY_METH("reshape", ashpy_view_reshape_m, METH_VARARGS,
               "reshape($self, /, *shape)\n--\n\n"
               "A view of a C-contiguous view with a new shape (one dimension "
               "may be -1); the shape may also be one sequence."),
    ASHPY_METH("view", ashpy_view_view_m, METH_O,
               "view($self, dtype, /)\n--\n\n"
               "The same bytes read as another dtype."),
    ASHPY_METH("as_readonly", ashpy_view_as_readonly, METH_NOARGS,
               "as_readonly($self, /)\n--\n\n"
               "A read-only view of the same elements."),
    ASHPY_METH("fill", ashpy_view_fill_m, METH_O,
               "fill($self, value, /)\n--\n\n"
               "Sets every element to one number."),
    ASHPY_METH("item", ashpy_view_item, METH_VARARGS,
               "item($self, /, *index)\n--\n\n"
               "One element as a Python scalar; a single index is a flat index "
               "in C order; no index: the only element."),
    ASHPY_METH("__complex__", ashpy_view_complex, METH_NOARGS,
               "__complex__($self, /)\n--\n\n"
               "complex(v): the only element of a one-element view."),
    ASHPY_METH("__reduce__", ashpy_view_reduce, METH_NOARGS,
               "__reduce__($self, /)\n--\n\n"
               "(type(self), (descriptor,)): a view pickles as its descriptor "
               "pinned to this segment by gen=, never its data."),
    ASHPY_METH("__reduce_ex__", ashpy_view_reduce_ex, METH_O,
               "__reduce_ex__($self, protocol, /)\n--\n\n"
               "The same as __reduce__() for every protocol."),
    ASHPY_METH("_whole", ashpy_view_whole, METH_NOARGS,
               "_whole($self, /)\n--\n\n"
               "The view of this view's whole array (self when it is one)."),
    ASHPY_METH("_descriptor_for", ashpy_view_descriptor_for, METH_O,
               "_descriptor_for($self, obj, /)\n--\n\n"
               "The descriptor (pinned by gen=) of the elements of obj, a "
               "strided buffer (an ndarray) lying inside this view's array."),
    ASHPY_METH(
        "_geometry_for", ashpy_view_geometry_for, METH_O,
        "_geometry_for($self, obj, /)\n--\n\n"
        "The geometry of obj, a strided buffer lying on this whole-array "
        "view, for View(self, geometry); None when it has none."),
    ASHPY_METH("__dlpack__", ashpy_view_dlpack, METH_VARARGS | METH_KEYWORDS,
               "__dlpack__($self, /, *, stream=None)\n--\n\n"
               "A 'dltensor' capsule (kDLCPU) that holds its own reference on "
               "the view."),
    ASHPY_METH("__dlpack_device__", ashpy_view_dlpack_device, METH_NOARGS,
               "__dlpack_device__($self, /)\n--\n\n(kDLCPU, 0) = (1, 0)."),
    {NULL, NULL, 0, NULL}};

PyTypeObject AshPyView_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "arrayshare_core.ViewHandle",
    .tp_basicsize = sizeof(AshPyView),
    .tp_dealloc = ashpy_handle_dealloc, /* closes: drops the root too */
    .tp_as_number = &ashpy_view_as_number,
    .tp_as_sequence = &ashpy_view_as_sequence,
    .tp_as_mapping = &ashpy_view_as_mapping,
    .tp_as_buffer = &ashpy_view_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "ViewHandle(descriptor)\n--\n\n"
              "An owned reference on an ash_view (what the ash_* functions "
              "take and return); the constructor attaches a descriptor. Buffer "
              "protocol, indexing, numbers, pickling, DLPack and the array "
              "interface are implemented in C; arrayshare.View adds the "
              "idiomatic rest.",
    .tp_weaklistoffset = offsetof(AshPyHandle, weakrefs),
    .tp_iter = ashpy_view_iter,
    .tp_methods = ashpy_view_methods,
    .tp_getset = ashpy_view_getset,
    .tp_new = ashpy_view_new,
};

/* ---- SegmentHandle and ListHandle -------------------------------------- */
