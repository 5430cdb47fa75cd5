/* SPDX-License-Identifier: MIT */
/* ashpy.h - the Python binding's hand-written C, shared by its files and by
 * the typemaps of arrayshare_lang.i (which the generated wrapper includes).
 *
 * By role:
 *  ashpy_errors.c   the arrayshare.Error classes (from the one table) and
 *                   raising them;
 *  ashpy_values.c   Python values <-> integers, index lists, elements;
 *  ashpy_view.c     the ViewHandle type: attributes and methods;
 *  ashpy_number.c   a view as a number (float(), int(), bool(), index)
 *                   and pickling (__reduce_ex__ and the constructor it
 *                   names; descriptors of buffers lying on a view's array);
 *  ashpy_index.c    __getitem__ / __setitem__, len, iteration;
 *  ashpy_export.c   the buffer protocol, __array_interface__ and DLPack;
 *  ashpy_handles.c  SegmentHandle, ListHandle, the hand-written module
 *                   functions and the module's initialisation.
 *
 * Handles: ash_view, ash_segment and ash_list are not SWIG pointer objects
 * but three small C types, ViewHandle, SegmentHandle and ListHandle. Each
 * owns one reference on its C object, released by close() / the matching C
 * function (ash_view_release, ash_segment_close, ash_list_free, all of which
 * accept None) or when garbage-collected. After a close, every use raises
 * ClosedError: no dangling pointer can reach the C library.
 */
#ifndef ASHPY_H
#define ASHPY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "ash_swig.h"

#define ASHPY_STACK_IDX 32

/* What every handle object starts with: the owned C handle (ash_view,
 * ash_segment or ash_list; NULL once released). */
typedef struct {
  PyObject_HEAD void *h;
  PyObject *weakrefs;
} AshPyHandle;

/* A ViewHandle: a handle plus what views never change, and its root: a
 * view of its whole array (NULL: not known) that views derived in C
 * inherit, so that pickling can send the root once and each derived view
 * as a few integers relative to it (ashpy_number.c). */
typedef struct {
  AshPyHandle base;
  int dtype, ndim, kind; /* kind: ash_dtype_kind(dtype) */
  int whole;             /* is it its whole array? -1: not asked yet */
  PyObject *root;        /* a whole-array view (strong), or NULL */
} AshPyView;

#define ASHPY_V(o) ((ash_view *)((AshPyHandle *)(o))->h)

enum { ASHPY_K_VIEW, ASHPY_K_SEGMENT, ASHPY_K_LIST };

extern PyTypeObject AshPyView_Type, AshPySegment_Type, AshPyList_Type;

#define ASHPY_GET(name, fn, doc)                                               \
  { (char *)name, fn, NULL, (char *)doc, NULL }
#define ASHPY_METH(name, fn, flags, doc)                                       \
  { name, (PyCFunction)(void (*)(void))(fn), flags, doc }

/* The open view of a ViewHandle method, or return ClosedError. */
#define ASHPY_VIEW(self, v)                                                    \
  ash_view *v = ASHPY_V(self);                                                 \
  if (v == NULL)                                                               \
  return ashpy_closed("view")

/* ---- errors (ashpy_errors.c) -------------------------------------------- */

/* Raise the arrayshare.Error subclass of @code and return NULL: with the
 * detail of the failed call (ash_last_error()), an explicit one, or a
 * formatted one. */
PyObject *ashpy_raise(int code);
PyObject *ashpy_raise_detail(int code, const char *detail);
PyObject *ashpy_raisef(int code, const char *fmt, ...);
/* ClosedError for a closed "view", "segment" or "list". */
PyObject *ashpy_closed(const char *what);
/* The exception instance for @code (not raised). */
PyObject *ashpy_error_new(int code, const char *detail);
/* Makes Error, the classes of the table and ClosedError in module dict @d. */
int ashpy_create_errors(PyObject *d);

/* ---- values (ashpy_values.c) -------------------------------------------- */

/* An exact integer (or __index__): TypeError for other types, OverflowError
 * out of range. */
int ashpy_as_i64(PyObject *o, int64_t *out);
int ashpy_as_u64(PyObject *o, uint64_t *out);
/* A sequence of integers into @buf (capacity @cap) or a PyMem_Malloc'ed
 * array returned in *@heap (free it); *@out and *@n receive the result. */
int ashpy_i64_seq(PyObject *o, const char *what, int64_t *buf, int cap,
                  int64_t **out, int64_t **heap, int *n);
PyObject *ashpy_i64_tuple(const int64_t *a, int n);
PyObject *ashpy_i64_list(const int64_t *a, int n);
int ashpy_is_numpy_bool(PyObject *o);
/* Is @o a single number (not a sequence or array)? */
int ashpy_is_scalar(PyObject *o);
/* Element (nidx, idx) of @v (of ash_kind @kind) as a Python scalar. */
PyObject *ashpy_get(const ash_view *v, int kind, int nidx, const int64_t *idx);
/* Stores / fills with a Python number through the library's rules. */
int ashpy_set(const ash_view *v, int dtype, int nidx, const int64_t *idx,
              PyObject *value);
int ashpy_fill(const ash_view *v, PyObject *value);
/* A dtype argument: a spelling (str) or an ash_dtype code (int). */
int ashpy_dtype_arg(PyObject *o, int *dtype);
/* The ash_dtype of a PEP 3118 buffer format and itemsize, or 0. */
int ashpy_format_dtype(const char *fmt, Py_ssize_t itemsize);
/* The byte range [*@lo, *@hi) the elements of a strided array touch. */
void ashpy_span(const char *data, int ndim, const int64_t *shape,
                const int64_t *strides, size_t itemsize, uintptr_t *lo,
                uintptr_t *hi);
/* The object View.dtype returns for @dtype: what the idiomatic layer
 * installed with set_dtype_objects(), else the canonical name (a str). */
PyObject *ashpy_dtype_object(int dtype);
PyObject *ashpy_set_dtype_objects(PyObject *self, PyObject *seq);

/* ---- handles (ashpy_handles.c, ashpy_view.c) ---------------------------- */

/* Wraps C handle @p of ASHPY_K_* @kind (taking over its reference, which is
 * released on failure) in a new object of @type. */
PyObject *ashpy_wrap(int kind, PyTypeObject *type, void *p);
/* The C handle of argument @o: TypeError for another type, ClosedError. */
int ashpy_arg(PyObject *o, int kind, void **out);
/* A handle's close(), __exit__, tp_dealloc, and closed getter. */
PyObject *ashpy_handle_close(PyObject *self, PyObject *unused);
PyObject *ashpy_handle_exit(PyObject *self, PyObject *args);
PyObject *ashpy_handle_get_closed(PyObject *self, void *c);
void ashpy_handle_dealloc(PyObject *self);
PyObject *ashpy_enter(PyObject *self, PyObject *unused);
/* A view of class @type (ViewHandle or a subclass) taking over @v. */
PyObject *ashpy_view_wrap(PyTypeObject *type, ash_view *v);
/* A view derived from view @parent (slicing, T, reshape, ...): a new
 * object of @parent's class taking over @t, sharing @parent's root. */
PyObject *ashpy_view_child(PyObject *parent, ash_view *t);
/* Is @o a ViewHandle (or a subclass)? */
#define ashpy_is_view(o) PyObject_TypeCheck((o), &AshPyView_Type)
/* Readies the types and fills module dict @d (from %init). */
int ashpy_init_types(PyObject *d);
/* SWIG starts a docstring of several lines with a newline, which hides its
 * text signature from CPython: drops that newline in method table @defs
 * (read again at each __doc__ / __text_signature__ access). */
void ashpy_fix_docs(PyMethodDef *defs);

/* ---- indexing (ashpy_index.c) ------------------------------------------- */

extern PyMappingMethods ashpy_view_as_mapping;
extern PySequenceMethods ashpy_view_as_sequence;
PyObject *ashpy_view_iter(PyObject *self);
/* set_assign_fallback(fn): what __setitem__ calls for values it does not
 * handle itself (sequences, arrays of another dtype or shape), installed
 * by the idiomatic layer. */
PyObject *ashpy_set_assign_fallback(PyObject *self, PyObject *fn);
int ashpy_index_ready(void);

/* ---- export (ashpy_export.c) -------------------------------------------- */

extern PyBufferProcs ashpy_view_as_buffer;

/* ---- numbers and pickling (ashpy_number.c) ------------------------------ */

extern PyNumberMethods ashpy_view_as_number;
PyObject *ashpy_view_new(PyTypeObject *type, PyObject *args, PyObject *kwds);
PyObject *ashpy_view_complex(PyObject *self, PyObject *unused);
PyObject *ashpy_view_reduce(PyObject *self, PyObject *unused);
PyObject *ashpy_view_reduce_ex(PyObject *self, PyObject *protocol);
PyObject *ashpy_view_whole(PyObject *self, PyObject *unused);
PyObject *ashpy_view_descriptor_for(PyObject *self, PyObject *obj);
PyObject *ashpy_view_geometry_for(PyObject *self, PyObject *obj);
PyObject *ashpy_root_view(PyObject *mod, PyObject *x);
PyObject *ashpy_pickle_args(PyObject *mod, PyObject *x);
PyObject *ashpy_view_get_array_interface(PyObject *self, void *c);
PyObject *ashpy_view_dlpack(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *ashpy_view_dlpack_device(PyObject *self, PyObject *unused);

#endif
