/* SPDX-License-Identifier: MIT */
/* ashpy_sync.c - the Python binding's fast paths of coordination (the
 * rest is bindings/python/arrayshare/_sync.py on the SWIG functions):
 *
 *   View.lock(timeout=None, repair=None) -> LockGuard (a context manager)
 *   View.atomic_load/_store/_exchange/_cas/_add/_sub/_and/_or/_xor
 *
 * They are method descriptors of ViewHandle made here and installed on
 * View by _sync.py (ViewHandle_lock, ViewHandle_atomic_add, ... in the
 * module): `with v.lock():` and `v.atomic_add(i)` cost one C call each,
 * no Python frame. The uncontended lock is taken with the GIL held
 * (ash_view_trylock: no system call can block); a held lock is waited for
 * by the chunked, GIL-free wait of swig/sync_swig.h. */
#include "ashpy.h"

#ifndef SWIGPYTHON
#define SWIGPYTHON 1 /* sync_swig.h: the Python flavour of its waits */
#endif
#include "sync_swig.h"

/* ---- LockGuard ------------------------------------------------------------ */

typedef struct {
  PyObject_HEAD PyObject *view; /* the ViewHandle whose lock this is */
  int held;
} AshPyLock;

static void ashpy_lock_dealloc(PyObject *self) {
  Py_XDECREF(((AshPyLock *)self)->view);
  Py_TYPE(self)->tp_free(self);
}

static PyObject *ashpy_lock_release(PyObject *self, PyObject *unused) {
  (void)unused;
  AshPyLock *l = (AshPyLock *)self;
  ASHPY_VIEW(l->view, v);
  int r = ash_view_unlock(v);
  if (r != ASH_OK)
    return ashpy_raise(r);
  l->held = 0;
  Py_RETURN_NONE;
}

static PyObject *ashpy_lock_consistent(PyObject *self, PyObject *unused) {
  (void)unused;
  ASHPY_VIEW(((AshPyLock *)self)->view, v);
  int r = ash_view_consistent(v);
  if (r != ASH_OK)
    return ashpy_raise(r);
  Py_RETURN_NONE;
}

static PyObject *ashpy_lock_exit(PyObject *self, PyObject *args) {
  (void)args;
  if (!((AshPyLock *)self)->held)
    Py_RETURN_NONE;
  return ashpy_lock_release(self, NULL);
}

static PyObject *ashpy_lock_held(PyObject *self, void *c) {
  (void)c;
  return PyBool_FromLong(((AshPyLock *)self)->held);
}

static PyObject *ashpy_lock_repr(PyObject *self) {
  return PyUnicode_FromFormat("<arrayshare.Lock %s>",
                              ((AshPyLock *)self)->held ? "held" : "released");
}

static PyMethodDef ashpy_lock_methods[] = {
    ASHPY_METH("release", ashpy_lock_release, METH_NOARGS,
               "release($self, /)\n--\n\n"
               "Releases the lock (NotOwnerError if this thread does not "
               "hold it). After OwnerDeadError without consistent() the lock "
               "becomes unrecoverable."),
    ASHPY_METH("consistent", ashpy_lock_consistent, METH_NOARGS,
               "consistent($self, /)\n--\n\n"
               "Marks the data consistent again after OwnerDeadError."),
    ASHPY_METH("__enter__", ashpy_enter, METH_NOARGS,
               "__enter__($self, /)\n--\n\nReturns the lock itself."),
    ASHPY_METH("__exit__", ashpy_lock_exit, METH_VARARGS,
               "__exit__($self, /, *exc_info)\n--\n\n"
               "Releases the lock if this object still holds it."),
    {NULL, NULL, 0, NULL}};

static PyGetSetDef ashpy_lock_getset[] = {
    ASHPY_GET("held", ashpy_lock_held,
              "True while this object holds the lock."),
    {NULL, NULL, NULL, NULL, NULL}};

static PyTypeObject AshPyLock_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "arrayshare.Lock",
    .tp_basicsize = sizeof(AshPyLock),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A lock held by this thread (View.lock()): a context manager "
              "that releases it. On OwnerDeadError it is the error's .lock: "
              "held; repair, consistent(), release().",
    .tp_dealloc = ashpy_lock_dealloc,
    .tp_repr = ashpy_lock_repr,
    .tp_methods = ashpy_lock_methods,
    .tp_getset = ashpy_lock_getset,
};

/* view.lock(timeout=None, repair=None) -> Lock */
static PyObject *ashpy_view_lock_m(PyObject *self, PyObject *args,
                                   PyObject *kw) {
  static char *names[] = {"timeout", "repair", NULL};
  PyObject *timeout = Py_None, *repair = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|OO:lock", names, &timeout,
                                   &repair))
    return NULL;
  ASHPY_VIEW(self, v);
  double t = -1.0;
  if (timeout != Py_None) {
    t = PyFloat_AsDouble(timeout);
    if (t == -1.0 && PyErr_Occurred())
      return NULL;
    if (t < 0)
      t = 0;
  }
  int r = ash_view_trylock(v); /* uncontended: no wait, keep the GIL */
  if (r == ASH_E_TIMEOUT && t != 0)
    r = ash_swig_view_lock(v, t);
  if (r == ASH_SWIG_INTERRUPTED)
    return NULL;
  if (r != ASH_OK && r != ASH_E_OWNERDEAD)
    return ashpy_raise(r);
  AshPyLock *l = PyObject_New(AshPyLock, &AshPyLock_Type);
  if (l == NULL) {
    ash_view_unlock(v);
    return NULL;
  }
  Py_INCREF(self);
  l->view = self;
  l->held = 1;
  if (r == ASH_OK)
    return (PyObject *)l;
  char detail[1024];
  snprintf(detail, sizeof detail, "%s", ash_last_error());
  if (repair == Py_None) { /* OwnerDeadError carrying the held lock */
    PyObject *exc = ashpy_error_new(r, detail);
    if (exc == NULL || PyObject_SetAttrString(exc, "lock", (PyObject *)l) < 0) {
      Py_XDECREF(exc);
      Py_DECREF(l);
      return NULL;
    }
    Py_DECREF(l);
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
    return NULL;
  }
  PyObject *res = PyObject_CallNoArgs(repair);
  if (res == NULL) { /* not consistent: the lock becomes unrecoverable */
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    ash_view_unlock(v);
    PyErr_Restore(et, ev, tb);
    Py_DECREF(l);
    return NULL;
  }
  Py_DECREF(res);
  if ((r = ash_view_consistent(v)) != ASH_OK) {
    Py_DECREF(l);
    return ashpy_raise(r);
  }
  return (PyObject *)l;
}

/* ---- atomics ------------------------------------------------------------------ */

/* One atomic operation: index an int (flat) or a tuple (multi-index). */
static PyObject *ashpy_atomic(PyObject *self, int op, PyObject *index,
                              PyObject *value, PyObject *expected) {
  ASHPY_VIEW(self, v);
  int64_t buf[ASHPY_STACK_IDX], *idx = buf, *heap = NULL;
  int n = 1;
  if (PyLong_Check(index)) {
    if (ashpy_as_i64(index, &buf[0]) < 0)
      return NULL;
  } else if (ashpy_i64_seq(index, "index", buf, ASHPY_STACK_IDX, &idx, &heap,
                           &n) < 0) {
    return NULL;
  }
  int r;
  PyObject *res = NULL;
  if (((AshPyView *)self)->dtype == ASH_UINT64) {
    uint64_t x = 0, e = 0, o = 0;
    if ((value && ashpy_as_u64(value, &x) < 0) ||
        (expected && ashpy_as_u64(expected, &e) < 0))
      goto out;
    if ((r = ash_view_atomic_u64(v, op, n, idx, x, e, &o)) != ASH_OK)
      ashpy_raise(r);
    else
      res = PyLong_FromUnsignedLongLong(o);
  } else {
    int64_t x = 0, e = 0, o = 0;
    if ((value && ashpy_as_i64(value, &x) < 0) ||
        (expected && ashpy_as_i64(expected, &e) < 0))
      goto out;
    if ((r = ash_view_atomic_i64(v, op, n, idx, x, e, &o)) != ASH_OK)
      ashpy_raise(r);
    else
      res = PyLong_FromLongLong(o);
  }
out:
  PyMem_Free(heap);
  return res;
}

static PyObject *ashpy_atomic_load(PyObject *self, PyObject *index) {
  return ashpy_atomic(self, ASH_ATOMIC_LOAD, index, NULL, NULL);
}

static PyObject *ashpy_atomic_2(PyObject *self, PyObject *args, int op,
                                const char *fmt, int dflt_one) {
  PyObject *index, *value = NULL;
  if (!PyArg_ParseTuple(args, fmt, &index, &value))
    return NULL;
  PyObject *one = NULL;
  if (value == NULL && dflt_one)
    value = one = PyLong_FromLong(1);
  PyObject *r = ashpy_atomic(self, op, index, value, NULL);
  Py_XDECREF(one);
  if (r && op == ASH_ATOMIC_STORE) {
    Py_DECREF(r);
    Py_RETURN_NONE;
  }
  return r;
}

#define ASHPY_FETCH(NAME, OP)                                                  \
  static PyObject *ashpy_atomic_##NAME(PyObject *self, PyObject *args) {       \
    return ashpy_atomic_2(self, args, OP, "O|O:atomic_" #NAME, 1);             \
  }
ASHPY_FETCH(add, ASH_ATOMIC_ADD)
ASHPY_FETCH(sub, ASH_ATOMIC_SUB)
ASHPY_FETCH(and, ASH_ATOMIC_AND)
ASHPY_FETCH(or, ASH_ATOMIC_OR)
ASHPY_FETCH(xor, ASH_ATOMIC_XOR)

static PyObject *ashpy_atomic_store(PyObject *self, PyObject *args) {
  return ashpy_atomic_2(self, args, ASH_ATOMIC_STORE, "OO:atomic_store", 0);
}

static PyObject *ashpy_atomic_exchange(PyObject *self, PyObject *args) {
  return ashpy_atomic_2(self, args, ASH_ATOMIC_EXCHANGE, "OO:atomic_exchange",
                        0);
}

static PyObject *ashpy_atomic_cas(PyObject *self, PyObject *args) {
  PyObject *index, *expected, *value;
  if (!PyArg_ParseTuple(args, "OOO:atomic_cas", &index, &expected, &value))
    return NULL;
  return ashpy_atomic(self, ASH_ATOMIC_CAS, index, value, expected);
}

#define ASHPY_ATOMIC_DOC                                                       \
  " Integer dtypes (int8 to uint64); index: an int (flat) or a tuple. "        \
  "Sequentially consistent."
static PyMethodDef ashpy_sync_methods[] = {
    ASHPY_METH("lock", ashpy_view_lock_m, METH_VARARGS | METH_KEYWORDS,
               "lock($self, /, timeout=None, repair=None)\n--\n\n"
               "lock(timeout=None, repair=None) -> Lock: takes the array's "
               "lock (waiting without the GIL; None: no limit). "
               "TimeoutError, DeadlockError (this thread holds it), "
               "OwnerDeadError (its .lock is held: repair, consistent(), "
               "release(); or pass repair=callable), NotRecoverableError."),
    ASHPY_METH("atomic_load", ashpy_atomic_load, METH_O,
               "atomic_load($self, index, /)\n--\n\n"
               "atomic_load(index) -> int: the element, read "
               "atomically." ASHPY_ATOMIC_DOC),
    ASHPY_METH("atomic_store", ashpy_atomic_store, METH_VARARGS,
               "atomic_store($self, index, value, /)\n--\n\n"
               "atomic_store(index, value) -> None: stores "
               "atomically." ASHPY_ATOMIC_DOC),
    ASHPY_METH("atomic_exchange", ashpy_atomic_exchange, METH_VARARGS,
               "atomic_exchange($self, index, value, /)\n--\n\n"
               "atomic_exchange(index, value) -> int: stores; the old "
               "value." ASHPY_ATOMIC_DOC),
    ASHPY_METH("atomic_cas", ashpy_atomic_cas, METH_VARARGS,
               "atomic_cas($self, index, expected, value, /)\n--\n\n"
               "atomic_cas(index, expected, value) -> int: stores value if the "
               "element equals expected; the old value (== expected: "
               "stored)." ASHPY_ATOMIC_DOC),
    ASHPY_METH("atomic_add", ashpy_atomic_add, METH_VARARGS,
               "atomic_add($self, index, value=1, /)\n--\n\n"
               "atomic_add(index, value=1) -> int: adds; the old value (wraps "
               "around at the dtype's width)." ASHPY_ATOMIC_DOC),
    ASHPY_METH("atomic_sub", ashpy_atomic_sub, METH_VARARGS,
               "atomic_sub($self, index, value=1, /)\n--\n\n"
               "atomic_sub(index, value=1) -> int: subtracts; the old "
               "value." ASHPY_ATOMIC_DOC),
    ASHPY_METH("atomic_and", ashpy_atomic_and, METH_VARARGS,
               "atomic_and($self, index, value=1, /)\n--\n\n"
               "atomic_and(index, value=1) -> int: bitwise and; the old "
               "value." ASHPY_ATOMIC_DOC),
    ASHPY_METH("atomic_or", ashpy_atomic_or, METH_VARARGS,
               "atomic_or($self, index, value=1, /)\n--\n\n"
               "atomic_or(index, value=1) -> int: bitwise or; the old "
               "value." ASHPY_ATOMIC_DOC),
    ASHPY_METH("atomic_xor", ashpy_atomic_xor, METH_VARARGS,
               "atomic_xor($self, index, value=1, /)\n--\n\n"
               "atomic_xor(index, value=1) -> int: bitwise xor; the old "
               "value." ASHPY_ATOMIC_DOC),
    {NULL, NULL, 0, NULL}};

/* Puts Lock and the ViewHandle_<name> method descriptors in module dict
 * @d. */
int ashpy_sync_init(PyObject *d) {
  if (PyType_Ready(&AshPyLock_Type) < 0 ||
      PyDict_SetItemString(d, "Lock", (PyObject *)&AshPyLock_Type) < 0)
    return -1;
  for (PyMethodDef *m = ashpy_sync_methods; m->ml_name; m++) {
    PyObject *f = PyDescr_NewMethod(&AshPyView_Type, m);
    char key[64];
    snprintf(key, sizeof key, "ViewHandle_%s", m->ml_name);
    int r = f ? PyDict_SetItemString(d, key, f) : -1;
    Py_XDECREF(f);
    if (r < 0)
      return -1;
  }
  return 0;
}
