/* SPDX-License-Identifier: MIT */
/* ashpy_export.c - a view's memory handed to other Python code without a
 * copy: the buffer protocol (PEP 3118, read-only honoured, negative
 * strides), __array_interface__ and DLPack (__dlpack__ and
 * __dlpack_device__). The buffer and the DLPack capsule each hold their own
 * reference on the C view, hence on the mapping. */
#include "ashpy.h"

/* ---- __array_interface__ ---------------------------------------------- */

PyObject *ashpy_view_get_array_interface(PyObject *self, void *c) {
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
                        (f & ASH_VIEW_READONLY) ? Py_True : Py_False, "strides",
                        strides);
  Py_XDECREF(shape);
  Py_XDECREF(strides);
  return res;
}

/* ---- DLPack ------------------------------------------------------------ */

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

enum {
  ASHPY_kDLCPU = 1,
  ASHPY_kDLInt = 0,
  ASHPY_kDLUInt = 1,
  ASHPY_kDLFloat = 2,
  ASHPY_kDLComplex = 5,
  ASHPY_kDLBool = 6
};

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

PyObject *ashpy_view_dlpack(PyObject *self, PyObject *args, PyObject *kwargs) {
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
  static const uint8_t codes[] = {[ASH_KIND_BOOL] = ASHPY_kDLBool,
                                  [ASH_KIND_INT] = ASHPY_kDLInt,
                                  [ASH_KIND_UINT] = ASHPY_kDLUInt,
                                  [ASH_KIND_FLOAT] = ASHPY_kDLFloat,
                                  [ASH_KIND_COMPLEX] = ASHPY_kDLComplex};
  dt.code = codes[ash_dtype_kind(dtype)];
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
  PyObject *cap =
      PyCapsule_New(&p->mt, "dltensor", ashpy_dlpack_capsule_destructor);
  if (cap == NULL)
    ashpy_dlpack_deleter(&p->mt);
  return cap;
}

PyObject *ashpy_view_dlpack_device(PyObject *self, PyObject *unused) {
  (void)unused;
  ASHPY_VIEW(self, v);
  (void)v;
  return Py_BuildValue("(ii)", ASHPY_kDLCPU, 0);
}

/* ---- buffer protocol ------------------------------------------------- */

static int ashpy_view_getbuffer(PyObject *self, Py_buffer *view, int flags) {
  ash_view *v = ASHPY_V(self);
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
  view->strides =
      want_strides ? (Py_ssize_t *)(uintptr_t)ash_view_strides(v) : NULL;
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

PyBufferProcs ashpy_view_as_buffer = {ashpy_view_getbuffer,
                                      ashpy_view_releasebuffer};
