/* SPDX-License-Identifier: MIT */
/* ashpy_handles.c - the three handle types (ViewHandle, SegmentHandle,
 * ListHandle) share one implementation of what a handle does: wrap a C
 * handle, hand it to the C functions, close it (also as the module
 * functions ash_view_release, ash_segment_close and ash_list_free) and free
 * it when garbage-collected. Also: the other hand-written module functions
 * (make_error, set_assign_fallback) and the module's initialisation. */
#include "ashpy.h"

static void ashpy_release_view(void *p) { ash_view_release(p); }
static void ashpy_release_segment(void *p) { ash_segment_close(p); }
static void ashpy_release_list(void *p) { ash_list_free(p); }

/* By ASHPY_K_*: the type, the word in messages, the release function. */
static const struct {
  PyTypeObject *type;
  const char *what;
  void (*release)(void *);
} ashpy_handle_kinds[] = {
    [ASHPY_K_VIEW] = {&AshPyView_Type, "view", ashpy_release_view},
    [ASHPY_K_SEGMENT] = {&AshPySegment_Type, "segment", ashpy_release_segment},
    [ASHPY_K_LIST] = {&AshPyList_Type, "list", ashpy_release_list},
};

static int ashpy_kind_of(PyObject *o) {
  return PyObject_TypeCheck(o, &AshPyView_Type)      ? ASHPY_K_VIEW
         : PyObject_TypeCheck(o, &AshPySegment_Type) ? ASHPY_K_SEGMENT
         : PyObject_TypeCheck(o, &AshPyList_Type)    ? ASHPY_K_LIST
                                                     : -1;
}

PyObject *ashpy_wrap(int kind, PyTypeObject *type, void *p) {
  AshPyHandle *o = (AshPyHandle *)type->tp_alloc(type, 0);
  if (o == NULL) {
    ashpy_handle_kinds[kind].release(p);
    return NULL;
  }
  o->h = p;
  return (PyObject *)o;
}

int ashpy_arg(PyObject *o, int kind, void **out) {
  if (ashpy_kind_of(o) != kind) {
    PyErr_Format(PyExc_TypeError,
                 "expected an arrayshare %s handle, got "
                 "%.100s",
                 ashpy_handle_kinds[kind].what, Py_TYPE(o)->tp_name);
    return -1;
  }
  if ((*out = ((AshPyHandle *)o)->h) == NULL) {
    ashpy_closed(ashpy_handle_kinds[kind].what);
    return -1;
  }
  return 0;
}

/* close(): releases the handle's reference now; idempotent. A view also
 * drops its root (ashpy_number.c), so that a closed view keeps nothing
 * attached. */
PyObject *ashpy_handle_close(PyObject *self, PyObject *unused) {
  (void)unused;
  AshPyHandle *o = (AshPyHandle *)self;
  void *p = o->h;
  int kind = ashpy_kind_of(self);
  o->h = NULL;
  if (p)
    ashpy_handle_kinds[kind].release(p);
  if (kind == ASHPY_K_VIEW)
    Py_CLEAR(((AshPyView *)self)->root);
  Py_RETURN_NONE;
}

void ashpy_handle_dealloc(PyObject *self) {
  if (((AshPyHandle *)self)->weakrefs)
    PyObject_ClearWeakRefs(self);
  Py_XDECREF(ashpy_handle_close(self, NULL));
  Py_TYPE(self)->tp_free(self);
}

PyObject *ashpy_enter(PyObject *self, PyObject *unused) {
  (void)unused;
  Py_INCREF(self);
  return self;
}

PyObject *ashpy_handle_exit(PyObject *self, PyObject *args) {
  (void)args;
  return ashpy_handle_close(self, NULL);
}

PyObject *ashpy_handle_get_closed(PyObject *self, void *c) {
  (void)c;
  return PyBool_FromLong(((AshPyHandle *)self)->h == NULL);
}

PyMethodDef ashpy_handle_methods[] = {
    ASHPY_METH("close", ashpy_handle_close, METH_NOARGS,
               "close($self, /)\n--\n\n"
               "Releases this object's reference on the C handle "
               "(idempotent). A view's exported buffers and DLPack capsules "
               "keep their own."),
    ASHPY_METH("__enter__", ashpy_enter, METH_NOARGS,
               "__enter__($self, /)\n--\n\nReturns the handle itself."),
    ASHPY_METH("__exit__", ashpy_handle_exit, METH_VARARGS,
               "__exit__($self, /, *exc_info)\n--\n\nCloses the handle."),
    {NULL, NULL, 0, NULL}};

static PyGetSetDef ashpy_handle_getset[] = {
    ASHPY_GET("closed", ashpy_handle_get_closed, "True once closed."),
    {NULL, NULL, NULL, NULL, NULL}};

#define ASHPY_HANDLE_TYPE(NAME, DOC)                                           \
  {                                                                            \
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "arrayshare_core." NAME,          \
                                .tp_basicsize = sizeof(AshPyHandle),           \
                                .tp_dealloc = ashpy_handle_dealloc,            \
                                .tp_flags = Py_TPFLAGS_DEFAULT, .tp_doc = DOC, \
                                .tp_weaklistoffset =                           \
                                    offsetof(AshPyHandle, weakrefs),           \
                                .tp_methods = ashpy_handle_methods,            \
                                .tp_getset = ashpy_handle_getset,              \
  }

PyTypeObject AshPySegment_Type = ASHPY_HANDLE_TYPE(
    "SegmentHandle", "An owned ash_segment handle; closed by close(), "
                     "ash_segment_close() or garbage collection.");
PyTypeObject AshPyList_Type = ASHPY_HANDLE_TYPE(
    "ListHandle", "An owned ash_list (from ash_list_segments).");

/* ---- hand-written module functions --------------------------------------- */

/* ash_view_release(v), ash_segment_close(seg), ash_list_free(l): closes
 * the handle object (None is accepted, as C accepts NULL). @self holds the
 * ASHPY_K_* of the function. */
static PyObject *ashpy_native_release(PyObject *self, PyObject *o) {
  int kind = (int)PyLong_AsLong(self);
  void *p;
  if (o == Py_None)
    Py_RETURN_NONE;
  if (((AshPyHandle *)o)->h == NULL && ashpy_kind_of(o) == kind)
    Py_RETURN_NONE; /* closed already: idempotent */
  if (ashpy_arg(o, kind, &p) < 0)
    return NULL;
  return ashpy_handle_close(o, NULL);
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
    {"ash_view_release", ashpy_native_release, METH_O,
     "ash_view_release(v, /)\n--\n\nash_view_release(v) -> None: closes the "
     "handle v (releases its "
     "reference); None is accepted."},
    {"ash_segment_close", ashpy_native_release, METH_O,
     "ash_segment_close(seg, /)\n--\n\nash_segment_close(seg) -> None: closes "
     "the handle seg; None is "
     "accepted."},
    {"ash_list_free", ashpy_native_release, METH_O,
     "ash_list_free(l, /)\n--\n\nash_list_free(l) -> None: frees the list "
     "handle l; None is accepted."},
    {"make_error", ashpy_native_make_error, METH_VARARGS,
     "make_error(code, detail=None, /)\n--\n\n"
     "make_error(code, detail=None) -> the arrayshare.Error instance for an "
     "ASH_E_* code (not raised)."},
    {"set_dtype_objects", ashpy_set_dtype_objects, METH_O,
     "set_dtype_objects(objs, /)\n--\n\n"
     "objs[d], for every ASH_* dtype code d (objs[0] is ignored), is what "
     "ViewHandle.dtype returns: a str equal to the dtype's canonical name "
     "(arrayshare.DType); None restores plain str names."},
    {"set_assign_fallback", ashpy_set_assign_fallback, METH_O,
     "set_assign_fallback(fn, /)\n--\n\n"
     "set_assign_fallback(fn) -> None: fn(target, value) assigns what "
     "ViewHandle.__setitem__ does not handle itself (sequences, arrays of "
     "another dtype or shape); None removes it."},
    {"_root_view", ashpy_root_view, METH_O,
     "_root_view(x, /)\n--\n\n"
     "The ViewHandle whose buffer the memory of x (an ndarray or a "
     "memoryview) comes from, following ndarray.base and memoryview.obj; "
     "None when there is none."},
    {"_pickle_args", ashpy_pickle_args, METH_O,
     "_pickle_args(x, /)\n--\n\n"
     "What arrayshare.ndarray x pickles with: (whole-array view, geometry), "
     "(descriptor,), or None when its memory is not on a segment."},
    {NULL, NULL, 0, NULL}};

int ashpy_init_types(PyObject *d) {
  for (int i = 0; ashpy_native_methods[i].ml_name; i++) {
    PyObject *kind = i < 3 ? PyLong_FromLong(i) : NULL; /* by ASHPY_K_* */
    PyObject *f = PyCFunction_New(&ashpy_native_methods[i], kind);
    Py_XDECREF(kind);
    if (f == NULL ||
        PyDict_SetItemString(d, ashpy_native_methods[i].ml_name, f) < 0) {
      Py_XDECREF(f);
      return -1;
    }
    Py_DECREF(f);
  }
  static const char *const names[] = {"ViewHandle", "SegmentHandle",
                                      "ListHandle"};
  for (int k = 0; k < 3; k++)
    if (PyType_Ready(ashpy_handle_kinds[k].type) < 0 ||
        PyDict_SetItemString(d, names[k],
                             (PyObject *)ashpy_handle_kinds[k].type) < 0)
      return -1;
  if (ashpy_index_ready() < 0)
    return -1;
  return ashpy_create_errors(d);
}

void ashpy_fix_docs(PyMethodDef *defs) {
  for (PyMethodDef *m = defs; m->ml_name; m++) {
    size_t n = strlen(m->ml_name);
    if (m->ml_doc && m->ml_doc[0] == '\n' &&
        strncmp(m->ml_doc + 1, m->ml_name, n) == 0 && m->ml_doc[n + 1] == '(')
      m->ml_doc++;
  }
}
