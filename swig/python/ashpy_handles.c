/* ashpy_handles.c - SegmentHandle and ListHandle, the module functions
 * written by hand (the releasing functions, which close the Python handle,
 * make_error and set_assign_fallback), and the module's initialisation. */
#include "ashpy.h"

PyObject *ashpy_segment_wrap(ash_segment *seg) {
  AshPySegment *o =
      (AshPySegment *)AshPySegment_Type.tp_alloc(&AshPySegment_Type, 0);
  if (o == NULL) {
    ash_segment_close(seg);
    return NULL;
  }
  o->seg = seg;
  return (PyObject *)o;
}

PyObject *ashpy_list_wrap(ash_list *l) {
  AshPyList *o = (AshPyList *)AshPyList_Type.tp_alloc(&AshPyList_Type, 0);
  if (o == NULL) {
    ash_list_free(l);
    return NULL;
  }
  o->l = l;
  return (PyObject *)o;
}

int ashpy_segment_arg(PyObject *o, ash_segment **out) {
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

int ashpy_list_arg(PyObject *o, ash_list **out) {
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

PyTypeObject AshPySegment_Type = {
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

PyTypeObject AshPyList_Type = {
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
  {"set_assign_fallback", ashpy_set_assign_fallback, METH_O,
   "set_assign_fallback(fn) -> None: fn(target, value) assigns what "
   "ViewHandle.__setitem__ does not handle itself (sequences, arrays of "
   "another dtype or shape); None removes it."},
  {NULL, NULL, 0, NULL}};

int ashpy_init_types(PyObject *d) {
  for (PyMethodDef *m = ashpy_native_methods; m->ml_name; m++) {
    PyObject *f = PyCFunction_New(m, NULL);
    if (f == NULL || PyDict_SetItemString(d, m->ml_name, f) < 0) {
      Py_XDECREF(f);
      return -1;
    }
    Py_DECREF(f);
  }
  if (PyType_Ready(&AshPyView_Type) < 0 || PyType_Ready(&AshPySegment_Type) < 0 ||
      PyType_Ready(&AshPyList_Type) < 0 || ashpy_index_ready() < 0)
    return -1;
  if (PyDict_SetItemString(d, "ViewHandle", (PyObject *)&AshPyView_Type) < 0 ||
      PyDict_SetItemString(d, "SegmentHandle", (PyObject *)&AshPySegment_Type) < 0 ||
      PyDict_SetItemString(d, "ListHandle", (PyObject *)&AshPyList_Type) < 0)
    return -1;
  return ashpy_create_errors(d);
}
