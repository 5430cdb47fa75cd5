/* SPDX-License-Identifier: MIT */
/* ashpy_errors.c - arrayshare.Error and one subclass per code, made from
 * the one table (swig/common/ash_swig_errors.h). A raised instance carries
 * .code (the ASH_E_* value), .name ("NOENT") and .detail (ash_last_error()
 * or the binding's message). */
#include <stdarg.h>

#include "ashpy.h"

static PyObject *ashpy_Error;                     /* arrayshare.Error */
static PyObject *ashpy_ClosedError;               /* a closed handle used */
static PyObject *ashpy_classes[ASH_SWIG_NERRORS]; /* by table row */

static PyObject *ashpy_error_class(int code) {
  for (int i = 0; i < ASH_SWIG_NERRORS; i++)
    if (ash_swig_errors[i].code == code && ashpy_classes[i])
      return ashpy_classes[i];
  return ashpy_Error;
}

/* Sets code, name and detail on an exception instance. */
static int ashpy_error_fill(PyObject *exc, int code, const char *name,
                            const char *detail) {
  PyObject *c = PyLong_FromLong(code);
  PyObject *n = PyUnicode_FromString(name);
  PyObject *d =
      PyUnicode_DecodeUTF8(detail, (Py_ssize_t)strlen(detail), "replace");
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

PyObject *ashpy_error_new(int code, const char *detail) {
  return ashpy_error_make(ashpy_error_class(code), code, detail);
}

static PyObject *ashpy_raise_instance(PyObject *exc) {
  if (exc) {
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
  }
  return NULL;
}

PyObject *ashpy_raise_detail(int code, const char *detail) {
  return ashpy_raise_instance(ashpy_error_new(code, detail));
}

PyObject *ashpy_raise(int code) {
  char detail[1024];
  snprintf(detail, sizeof detail, "%s", ash_last_error());
  return ashpy_raise_detail(code, detail);
}

PyObject *ashpy_raisef(int code, const char *fmt, ...) {
  char detail[1024];
  va_list ap;
  va_start(ap, fmt);
  PyOS_vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  return ashpy_raise_detail(code, detail);
}

PyObject *ashpy_closed(const char *what) {
  char detail[128];
  snprintf(detail, sizeof detail, "%s is closed", what);
  return ashpy_raise_instance(
      ashpy_error_make(ashpy_ClosedError, ASH_E_INVAL, detail));
}

/* The built-in bases of a row (after Error), a new tuple. */
static PyObject *ashpy_bases(int which) {
  PyObject *b1 = NULL, *b2 = NULL;
  switch (which) {
  case ASH_PY_VALUE_TYPE:
    b2 = PyExc_TypeError;
    /* fall through */
  case ASH_PY_VALUE:
    b1 = PyExc_ValueError;
    break;
  case ASH_PY_EXISTS:
    b1 = PyExc_FileExistsError;
    break;
  case ASH_PY_NOTFOUND:
    b1 = PyExc_FileNotFoundError;
    break;
  case ASH_PY_PERM:
    b1 = PyExc_PermissionError;
    break;
  case ASH_PY_OS:
    b1 = PyExc_OSError;
    break;
  case ASH_PY_MEMORY:
    b1 = PyExc_MemoryError;
    break;
  case ASH_PY_OVERFLOW:
    b1 = PyExc_OverflowError;
    break;
  case ASH_PY_INDEX_VALUE:
    b2 = PyExc_ValueError;
    /* fall through */
  case ASH_PY_INDEX:
    b1 = PyExc_IndexError;
    break;
  case ASH_PY_TIMEOUT:
    b1 = PyExc_TimeoutError;
    break;
  case ASH_PY_RUNTIME:
    b1 = PyExc_RuntimeError;
    break;
  default:
    break;
  }
  return b2   ? PyTuple_Pack(3, ashpy_Error, b1, b2)
         : b1 ? PyTuple_Pack(2, ashpy_Error, b1)
              : PyTuple_Pack(1, ashpy_Error);
}

/* A class of module arrayshare: qualified name, bases, docstring and the
 * class attributes code and name. */
static PyObject *ashpy_new_class(const char *cls, PyObject *bases,
                                 const char *doc, int code, const char *name) {
  char qual[96];
  snprintf(qual, sizeof qual, "arrayshare.%s", cls);
  PyObject *cd = Py_BuildValue("{s:i,s:s}", "code", code, "name", name);
  PyObject *type = NULL;
  if (bases && cd)
    type = PyErr_NewExceptionWithDoc(qual, doc, bases, cd);
  Py_XDECREF(cd);
  return type;
}

int ashpy_create_errors(PyObject *d) {
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
  for (int i = 0; i < ASH_SWIG_NERRORS; i++) {
    const struct ash_swig_error *e = &ash_swig_errors[i];
    char doc[256];
    snprintf(doc, sizeof doc, "ASH_E_%s: %s%s%s%s.", e->name,
             ash_strerror(e->code), e->py_note ? " (" : "",
             e->py_note ? e->py_note : "", e->py_note ? ")" : "");
    PyObject *bases = ashpy_bases(e->py_bases);
    ashpy_classes[i] =
        ashpy_new_class(e->py_class, bases, doc, e->code, e->name);
    Py_XDECREF(bases);
    if (ashpy_classes[i] == NULL ||
        PyDict_SetItemString(d, e->py_class, ashpy_classes[i]) < 0 ||
        PyDict_SetItemString(classes, e->name, ashpy_classes[i]) < 0) {
      Py_DECREF(classes);
      return -1;
    }
  }
  /* Using a closed handle is passing NULL to the C library: INVAL. */
  PyObject *inval = PyTuple_Pack(1, ashpy_error_class(ASH_E_INVAL));
  ashpy_ClosedError = ashpy_new_class(
      "ClosedError", inval,
      "A closed view, segment or list handle was used (a subclass of "
      "InvalidArgumentError, hence of ValueError; code ASH_E_INVAL).",
      ASH_E_INVAL, "INVAL");
  Py_XDECREF(inval);
  int r =
      ashpy_ClosedError == NULL ||
              PyDict_SetItemString(d, "ClosedError", ashpy_ClosedError) < 0 ||
              PyDict_SetItemString(d, "error_classes", classes) < 0
          ? -1
          : 0;
  Py_DECREF(classes);
  return r;
}
