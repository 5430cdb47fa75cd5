/* SPDX-License-Identifier: MIT */
/* rbash.h - the Ruby binding's hand-written C, shared by its files and by
 * the typemaps of arrayshare_lang.i (which the generated wrapper includes).
 *
 * By role:
 *  rbash_values.c   errors (raising the class of a code) and Ruby values to
 *                   and from integers, lists, strings and elements;
 *  rbash_view.c     ArrayShare::View: the handle, indexing ([] and []=,
 *                   ranges as views), to_a, fill and the other C methods;
 *  rbash_memview.c  the Ruby MemoryView exporter;
 *  rbash_init.c     ArrayShare::Segment and Arrayshare_core::List handles,
 *                   the releasing module functions, the error classes (from
 *                   the one table) and the module's setup.
 *
 * Handles: ash_view, ash_segment and ash_list are wrapped by TypedData
 * classes ArrayShare::View, ArrayShare::Segment and Arrayshare_core::List
 * (not SWIG's generic pointer classes), so that the idiomatic layer
 * (bindings/ruby/lib) can reopen them. A handle object owns one reference:
 * garbage collection or an explicit close releases it; after an explicit
 * close every use raises ArrayShare::ClosedError.
 */
#ifndef RBASH_H
#define RBASH_H

#include <stdbool.h>

#include <ruby.h>

#include "ash_swig.h"

/* An rb_data_type_t freed immediately by @FREE. */
#define RBASH_DATA_TYPE(NAME, FREE, SIZE)                                      \
  {                                                                            \
    NAME, {NULL, FREE, SIZE, NULL, {NULL}}, NULL, NULL,                        \
        RUBY_TYPED_FREE_IMMEDIATELY                                            \
  }

/* Classes (rbash_init.c). */
extern VALUE rbash_cView, rbash_cSegment, rbash_cList, rbash_eClosed;
extern const rb_data_type_t rbash_view_type, rbash_segment_type,
    rbash_list_type;

/* ---- errors and values (rbash_values.c) -------------------------------- */

/* The exception class of a code (UnknownError if none). */
VALUE rbash_error_class(int code);
/* Raise the class of @code: with the detail of the failed library call, or
 * a message made here (rb_sprintf formats, PRIsVALUE included). */
NORETURN(void rbash_raise(int code));
NORETURN(void rbash_raisef(int code, const char *fmt, ...));

#define RBASH_CHECK(expr)                                                      \
  do {                                                                         \
    int rbash_r_ = (expr);                                                     \
    if (rbash_r_ != ASH_OK)                                                    \
      rbash_raise(rbash_r_);                                                   \
  } while (0)

int64_t rbash_i64(VALUE x, const char *what);
uint64_t rbash_u64(VALUE x, const char *what);
uint64_t rbash_u64_code(VALUE x, const char *what, int code);
unsigned rbash_uint(VALUE x, const char *what);
int64_t *rbash_i64_list(VALUE list, int *n, int64_t *buf, int cap,
                        volatile VALUE *keep, const char *what);
VALUE rbash_i64_array(const int64_t *p, int n);
const char *rbash_cstr(VALUE *s, const char *what);

/* Elements: a decoded element as a Ruby value; a Ruby value classified for
 * the setters (TypeError for values no dtype holds). */
/* A decoded element as a Ruby value: true/false, Integer, Float, Complex.
 * Every dtype converts losslessly. (Inline: the v[i] fast path.) */
static inline VALUE rbash_elem_value(const ash_elem *e) {
  switch (e->kind) {
  case ASH_KIND_BOOL:
    return e->i ? Qtrue : Qfalse;
  case ASH_KIND_INT:
    return LL2NUM(e->i);
  case ASH_KIND_UINT:
    return ULL2NUM(e->u);
  case ASH_KIND_FLOAT:
    return DBL2NUM(e->re);
  case ASH_KIND_COMPLEX:
    return rb_dbl_complex_new(e->re, e->im);
  default:
    return Qnil;
  }
}

/* The element of @dtype at @p (a mapped address the caller checked). */
static inline VALUE rbash_load(int dtype, const uint8_t *p) {
  ash_elem e;
  ash_elem_load(dtype, p, &e);
  return rbash_elem_value(&e);
}
VALUE rbash_get(const ash_view *v, int nidx, const int64_t *idx);
void rbash_elem_of(VALUE x, int dtype, ash_elem *e);
void rbash_set(const ash_view *v, int nidx, const int64_t *idx, VALUE x);
void rbash_fill(const ash_view *v, VALUE x);

/* ---- views (rbash_view.c) ----------------------------------------------- */

/* The view plus a cache of its immutable layout (views never change once
 * made), so the element fast path needs no library call. */
typedef struct rbash_view {
  ash_view *v; /* NULL once closed */
  uint8_t *data;
  int64_t n0, s0; /* axis 0 extent and stride (1 and 0 for 0-d views) */
  int64_t n1, s1; /* axis 1 extent and stride (2-d views and more) */
  int dtype, ndim;
  bool readonly;
} rbash_view;

VALUE rbash_view_alloc(VALUE klass);
/* Wraps @v, taking over its reference. */
VALUE rbash_view_wrap(ash_view *v);
/* The open view of @obj (TypeError for another type, ClosedError). */
rbash_view *rbash_view_get(VALUE obj);
/* Releases the view of @obj now (explicit close); idempotent. */
void rbash_view_close_obj(VALUE obj);
void rbash_view_define(VALUE cView);

/* ---- MemoryView (rbash_memview.c) ---------------------------------------- */

void rbash_memview_register(VALUE cView);

/* ---- handles and setup (rbash_init.c) ----------------------------------- */

VALUE rbash_handle_wrap(VALUE klass, const rb_data_type_t *type, void *p);
ash_segment *rbash_segment_get(VALUE obj);
ash_list *rbash_list_get(VALUE obj);
void rbash_init(VALUE core);

#endif
