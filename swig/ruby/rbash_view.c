/* SPDX-License-Identifier: MIT */
/* rbash_view.c - ArrayShare::View in C: the handle (an owned reference
 * plus a cache of the immutable layout), indexing with the fast path for
 * v[i] / v[i] = x on 1-d views, ranges as views, assignment of Arrays and
 * views, to_a, fill and the small accessors. The idiomatic layer
 * (bindings/ruby/lib/arrayshare/view.rb) reopens the class. */
#include <string.h>

#include "rbash.h"

/* ---------------------------------------------------------------------- */
/* The handle                                                               */
/* ---------------------------------------------------------------------- */

static void rbash_view_free(void *p) {
  rbash_view *w = p;
  ash_view_release(w->v);
  w->v = NULL;
  xfree(w);
}

static size_t rbash_view_memsize(const void *p) {
  (void)p;
  return sizeof(rbash_view);
}

const rb_data_type_t rbash_view_type =
    RBASH_DATA_TYPE("ArrayShare::View", rbash_view_free, rbash_view_memsize);

static void rbash_view_cache(rbash_view *w) {
  ash_view *v = w->v;
  w->ndim = ash_view_ndim(v);
  w->dtype = ash_view_dtype(v);
  w->data = ash_view_data(v);
  w->n0 = w->ndim ? ash_view_shape(v)[0] : 1;
  w->s0 = w->ndim ? ash_view_strides(v)[0] : 0;
  w->n1 = w->ndim > 1 ? ash_view_shape(v)[1] : 0;
  w->s1 = w->ndim > 1 ? ash_view_strides(v)[1] : 0;
  w->readonly = (ash_view_flags(v) & ASH_VIEW_READONLY) != 0;
}

VALUE rbash_view_alloc(VALUE klass) {
  rbash_view *w;
  return TypedData_Make_Struct(klass, rbash_view, &rbash_view_type, w);
}

/* Wraps @v, taking over its reference. The object is made first so that a
 * failed allocation cannot leak the view. */
VALUE rbash_view_wrap(ash_view *v) {
  VALUE obj = rbash_view_alloc(rbash_cView);
  rbash_view *w = RTYPEDDATA_DATA(obj);
  w->v = v;
  rbash_view_cache(w);
  return obj;
}

/* For methods of View itself: self is always a typed View (instances come
 * only from rbash_view_alloc, and methods bind only to kind_of? View), so
 * the type check can be skipped on the element fast paths. */
static inline rbash_view *rbash_view_self(VALUE self) {
  rbash_view *w = RTYPEDDATA_DATA(self);
  if (RB_UNLIKELY(w->v == NULL))
    rb_raise(rbash_eClosed, "view is closed");
  return w;
}

rbash_view *rbash_view_get(VALUE obj) {
  rbash_view *w = rb_check_typeddata(obj, &rbash_view_type);
  if (w->v == NULL)
    rb_raise(rbash_eClosed, "view is closed");
  return w;
}

/* Releases the view of @obj now (explicit close); idempotent. */
void rbash_view_close_obj(VALUE obj) {
  rbash_view *w = rb_check_typeddata(obj, &rbash_view_type);
  ash_view *v = w->v;
  w->v = NULL;
  w->data = NULL;
  w->n0 = w->n1 = 0;
  ash_view_release(v);
}

/* ---------------------------------------------------------------------- */
/* Indexing                                                                 */
/* ---------------------------------------------------------------------- */

static bool rbash_all_ints(int argc, const VALUE *argv) {
  for (int i = 0; i < argc; i++)
    if (!RB_INTEGER_TYPE_P(argv[i]))
      return false;
  return true;
}

/* Slices axis @axis of @v by a Range or ArithmeticSequence with the
 * semantics of Array#[] (same elements, same order); a start outside the
 * axis is ArrayShare::IndexError (where Array#[] gives nil). Returns false
 * when @key is neither. */
static bool rbash_slice_key(const ash_view *v, int axis, VALUE key,
                            ash_view **out) {
  if (axis >= ash_view_ndim(v)) {
    /* let the library word the error: too many indices */
    RBASH_CHECK(ash_view_slice(v, axis, ASH_NONE, ASH_NONE, 1, 0, out));
  }
  long n = (long)ash_view_dim(v, axis), beg = 0, len = 0, step = 1;
  VALUE ok = rb_arithmetic_sequence_beg_len_step(key, &beg, &len, &step, n, 0);
  if (ok == Qfalse)
    return false;
  if (NIL_P(ok) || beg > n || beg < 0 || len < 0)
    rbash_raisef(ASH_E_INDEX,
                 "%" PRIsVALUE " is out of range for axis %d of size %ld",
                 rb_inspect(key), axis, n);
  if (n < len || n < beg + len)
    len = n - beg;
  int64_t start, stop;
  if (len == 0) {
    start = stop = beg;
    step = 1;
  } else if (step == 0) {
    rb_raise(rb_eArgError, "slice step cannot be zero");
  } else if (step > 0 && step >= len) {
    start = beg;
    stop = beg + 1;
    step = 1;
  } else {
    if (step < 0 && step < -len)
      step = -len;
    long ustep = step < 0 ? -step : step;
    long count = (len + ustep - 1) / ustep;
    start = beg + (step > 0 ? 0 : len - 1);
    stop = start + (int64_t)count * step;
    if (stop < 0)
      stop = ASH_NONE;
  }
  RBASH_CHECK(ash_view_slice(v, axis, start, stop, step, 0, out));
  return true;
}

/* Applies the keys to @self's view and returns the resulting view object
 * (intermediate views are objects too, so nothing leaks on a raise). */
static VALUE rbash_subview(VALUE self, int argc, const VALUE *argv) {
  VALUE cur = self;
  int axis = 0;
  for (int i = 0; i < argc; i++) {
    rbash_view *w = rbash_view_get(cur);
    ash_view *nv = NULL;
    VALUE key = argv[i];
    if (RB_INTEGER_TYPE_P(key)) {
      RBASH_CHECK(ash_view_index(w->v, axis, rbash_i64(key, "index"), &nv));
    } else if (rbash_slice_key(w->v, axis, key, &nv)) {
      axis++;
    } else {
      rb_raise(rb_eTypeError,
               "index must be an Integer, a Range or an ArithmeticSequence, "
               "not %" PRIsVALUE,
               rb_obj_class(key));
    }
    VALUE next = rbash_view_wrap(nv);
    if (cur != self)
      rbash_view_close_obj(cur);
    cur = next;
  }
  if (cur == self) {
    rbash_view *w = rbash_view_get(self);
    cur = rbash_view_wrap(ash_view_retain(w->v));
  }
  return cur;
}

/* The fast paths' element: the address of element (k0) of a 1-d view or
 * (k0, k1) of a 2-d one, for Fixnum keys in range (negative from the end);
 * NULL otherwise (the general path decides, and words the error). */
static inline uint8_t *rbash_fast_at(const rbash_view *w, int nkeys,
                                     const VALUE *keys) {
  if (nkeys != w->ndim || nkeys > 2 || nkeys < 1 || !FIXNUM_P(keys[0]))
    return NULL;
  long k = FIX2LONG(keys[0]), n = (long)w->n0;
  if (k < 0)
    k += n;
  if (k < 0 || k >= n)
    return NULL;
  uint8_t *p = w->data + (int64_t)k * w->s0;
  if (nkeys == 2) {
    if (!FIXNUM_P(keys[1]))
      return NULL;
    k = FIX2LONG(keys[1]);
    n = (long)w->n1;
    if (k < 0)
      k += n;
    if (k < 0 || k >= n)
      return NULL;
    p += (int64_t)k * w->s1;
  }
  return p;
}

/* View#[](*keys) */
static VALUE rbash_view_aref(int argc, VALUE *argv, VALUE self) {
  rbash_view *w = rbash_view_self(self);
  uint8_t *p = rbash_fast_at(w, argc, argv);
  if (p != NULL) /* fast path: an element of a 1-d or 2-d view */
    return rbash_load(w->dtype, p);
  if (argc == w->ndim && rbash_all_ints(argc, argv)) {
    int64_t idx[ASH_MAX_NDIM];
    for (int i = 0; i < argc; i++)
      idx[i] = rbash_i64(argv[i], "index");
    return rbash_get(w->v, argc, idx); /* or the library's INDEX error */
  }
  return rbash_subview(self, argc, argv);
}

/* Fills view @v from nested Array @ary whose shape must equal the view's
 * (a flat Array of size() elements is accepted too). */
static void rbash_check_nested(VALUE ary, int dim, int ndim,
                               const int64_t *shape) {
  if ((int64_t)RARRAY_LEN(ary) != shape[dim])
    rbash_raisef(ASH_E_SHAPE, "Array of length %ld for axis %d of size %lld",
                 RARRAY_LEN(ary), dim, (long long)shape[dim]);
  if (dim + 1 < ndim) {
    for (long i = 0; i < RARRAY_LEN(ary); i++) {
      VALUE sub = rb_check_array_type(RARRAY_AREF(ary, i));
      if (NIL_P(sub))
        rbash_raisef(ASH_E_SHAPE, "expected an Array at depth %d", dim + 1);
      rbash_check_nested(sub, dim + 1, ndim, shape);
    }
  }
}

static void rbash_assign_array(const ash_view *v, VALUE ary) {
  int ndim = ash_view_ndim(v);
  const int64_t *shape = ash_view_shape(v);
  int64_t size = ash_view_size(v);
  VALUE flat;
  if (ndim == 0)
    rbash_raisef(ASH_E_SHAPE, "cannot assign an Array to a 0-d view");
  if (ndim > 1 && (int64_t)RARRAY_LEN(ary) == size && size > 0 &&
      NIL_P(rb_check_array_type(RARRAY_AREF(ary, 0)))) {
    flat = ary; /* a flat Array of every element, C order */
  } else {
    rbash_check_nested(ary, 0, ndim, shape);
    flat = ndim > 1
               ? rb_funcall(ary, rb_intern("flatten"), 1, INT2FIX(ndim - 1))
               : ary;
  }
  int dtype = ash_view_dtype(v);
  /* convert everything first: a TypeError or VALUE error writes nothing */
  long n = RARRAY_LEN(flat);
  VALUE keep = rb_str_buf_new(n * (long)sizeof(ash_elem));
  ash_elem *sc = (ash_elem *)(void *)RSTRING_PTR(keep);
  for (long k = 0; k < n; k++)
    rbash_elem_of(RARRAY_AREF(flat, k), dtype, &sc[k]);
  for (int64_t k = 0; k < n; k++)
    RBASH_CHECK(ash_elem_set(v, 1, &k, &sc[k]));
  RB_GC_GUARD(keep);
  RB_GC_GUARD(flat);
}

static void rbash_assign(VALUE target, VALUE x) {
  rbash_view *w = rbash_view_get(target);
  if (rb_typeddata_is_kind_of(x, &rbash_view_type)) {
    RBASH_CHECK(ash_view_copy(w->v, rbash_view_get(x)->v));
    return;
  }
  VALUE ary = rb_check_array_type(x);
  if (!NIL_P(ary)) {
    rbash_assign_array(w->v, ary);
    return;
  }
  if (RB_TYPE_P(x, T_STRING))
    rb_raise(rb_eTypeError, "cannot assign a String to a view; use #write "
                            "for packed bytes");
  rbash_fill(w->v, x);
}

/* View#[]=(*keys, value) */
static VALUE rbash_view_aset(int argc, VALUE *argv, VALUE self) {
  rbash_view *w = rbash_view_self(self);
  if (argc < 1)
    rb_raise(rb_eArgError, "wrong number of arguments (given 0, expected 1+)");
  VALUE x = argv[argc - 1];
  int nkeys = argc - 1;
  uint8_t *p = w->readonly ? NULL : rbash_fast_at(w, nkeys, argv);
  if (p != NULL && (RB_FLOAT_TYPE_P(x) || FIXNUM_P(x))) {
    /* fast path: a Float or Fixnum the dtype holds exactly */
    ash_elem e = {0, 0, 0, 0, 0};
    if (FIXNUM_P(x)) {
      e.kind = ASH_KIND_INT;
      e.i = (int64_t)FIX2LONG(x);
    } else {
      e.kind = ASH_KIND_FLOAT;
      e.re = RFLOAT_VALUE(x);
    }
    if (ash_elem_store_exact(w->dtype, p, &e))
      return x;
  }
  if (nkeys == w->ndim && rbash_all_ints(nkeys, argv)) {
    int64_t idx[ASH_MAX_NDIM];
    for (int i = 0; i < nkeys; i++)
      idx[i] = rbash_i64(argv[i], "index");
    rbash_set(w->v, nkeys, idx, x);
    return x;
  }
  VALUE sub = rbash_subview(self, nkeys, argv);
  rbash_assign(sub, x);
  rbash_view_close_obj(sub);
  return x;
}

/* ---------------------------------------------------------------------- */
/* Other View methods written in C                                          */
/* ---------------------------------------------------------------------- */

static VALUE rbash_to_a_rec(const uint8_t *p, int dtype, int ndim,
                            const int64_t *shape, const int64_t *strides) {
  VALUE a = rb_ary_new_capa((long)shape[0]);
  for (int64_t i = 0; i < shape[0]; i++) {
    const uint8_t *q = p + i * strides[0];
    rb_ary_push(a, ndim == 1 ? rbash_load(dtype, q)
                             : rbash_to_a_rec(q, dtype, ndim - 1, shape + 1,
                                              strides + 1));
  }
  return a;
}

static VALUE rbash_to_a_body(VALUE arg) {
  const ash_view *v = (const ash_view *)arg;
  return rbash_to_a_rec(ash_view_data(v), ash_view_dtype(v), ash_view_ndim(v),
                        ash_view_shape(v), ash_view_strides(v));
}

static VALUE rbash_release_ensure(VALUE arg) {
  ash_view_release((ash_view *)arg);
  return Qnil;
}

/* View#to_a: nested Arrays, built in C. The view is retained meanwhile so
 * that even a close from another thread cannot unmap the memory. */
static VALUE rbash_view_to_a(VALUE self) {
  rbash_view *w = rbash_view_get(self);
  if (w->ndim == 0)
    rb_raise(rb_eTypeError, "a 0-d view has no Array form; use #value");
  ash_view *v = ash_view_retain(w->v);
  return rb_ensure(rbash_to_a_body, (VALUE)v, rbash_release_ensure, (VALUE)v);
}

/* View#value: the element of a 0-d or one-element view. */
static VALUE rbash_view_value(VALUE self) {
  rbash_view *w = rbash_view_get(self);
  if (ash_view_size(w->v) != 1)
    rbash_raisef(ASH_E_SHAPE,
                 "value needs a view of one element, this one "
                 "has %lld",
                 (long long)ash_view_size(w->v));
  int64_t zero = 0;
  return rbash_get(w->v, w->ndim == 0 ? 0 : 1, &zero);
}

static VALUE rbash_view_fill_m(VALUE self, VALUE x) {
  rbash_fill(rbash_view_get(self)->v, x);
  return self;
}

static VALUE rbash_view_close_m(VALUE self) {
  rbash_view_close_obj(self);
  return Qnil;
}

static VALUE rbash_view_closed_p(VALUE self) {
  rbash_view *w = rb_check_typeddata(self, &rbash_view_type);
  return w->v == NULL ? Qtrue : Qfalse;
}

static VALUE rbash_view_init_copy(VALUE self, VALUE orig) {
  if (self == orig)
    return self;
  rbash_view *src = rbash_view_get(orig);
  rbash_view *dst = rb_check_typeddata(self, &rbash_view_type);
  ash_view *old = dst->v;
  dst->v = ash_view_retain(src->v);
  rbash_view_cache(dst);
  ash_view_release(old);
  return self;
}

/* View#_make_readonly: swaps the view's handle for a read-only one of the
 * same elements (View#freeze). */
static VALUE rbash_view_make_readonly(VALUE self) {
  rbash_view *w = rbash_view_get(self);
  ash_view *ro = NULL;
  RBASH_CHECK(ash_view_readonly(w->v, &ro));
  ash_view *old = w->v;
  w->v = ro;
  rbash_view_cache(w);
  ash_view_release(old);
  return self;
}

static VALUE rbash_view_ndim(VALUE self) {
  return INT2FIX(rbash_view_get(self)->ndim);
}

static VALUE rbash_view_size(VALUE self) {
  return LL2NUM(ash_view_size(rbash_view_get(self)->v));
}

static VALUE rbash_view_length(VALUE self) {
  rbash_view *w = rbash_view_get(self);
  if (w->ndim == 0)
    rb_raise(rb_eTypeError, "a 0-d view has no length");
  return LL2NUM(w->n0);
}

static VALUE rbash_view_shape_m(VALUE self) {
  rbash_view *w = rbash_view_get(self);
  return rbash_i64_array(ash_view_shape(w->v), w->ndim);
}

static VALUE rbash_view_strides_m(VALUE self) {
  rbash_view *w = rbash_view_get(self);
  return rbash_i64_array(ash_view_strides(w->v), w->ndim);
}

static VALUE rbash_view_dtype_m(VALUE self) {
  return rb_str_new_cstr(ash_dtype_name(rbash_view_get(self)->dtype));
}

static VALUE rbash_view_readonly_p(VALUE self) {
  return rbash_view_get(self)->readonly ? Qtrue : Qfalse;
}

/* View#format_text(flags = 0, indent = 0): the elements as text
 * (ash_view_format with NumPy's print options). */
static VALUE rbash_view_format_m(int argc, VALUE *argv, VALUE self) {
  rbash_view *w = rbash_view_get(self);
  unsigned flags = argc > 0 ? rbash_uint(argv[0], "flags") : 0;
  int indent = argc > 1 ? NUM2INT(argv[1]) : 0;
  if (argc > 2)
    rb_raise(rb_eArgError,
             "wrong number of arguments (given %d, expected "
             "0..2)",
             argc);
  char stack[2048], *text;
  RBASH_CHECK(ash_swig_format_into(w->v, flags, -1, 0, 0, indent, stack,
                                   sizeof stack, &text));
  VALUE s = rb_utf8_str_new_cstr(text);
  if (text != stack)
    free(text);
  return s;
}

void rbash_view_define(VALUE cView) {
  rb_define_alloc_func(cView, rbash_view_alloc);
  rb_undef_method(rb_singleton_class(cView), "new");
  rb_define_method(cView, "[]", rbash_view_aref, -1);
  rb_define_method(cView, "[]=", rbash_view_aset, -1);
  rb_define_method(cView, "to_a", rbash_view_to_a, 0);
  rb_define_method(cView, "value", rbash_view_value, 0);
  rb_define_method(cView, "fill", rbash_view_fill_m, 1);
  rb_define_method(cView, "close", rbash_view_close_m, 0);
  rb_define_method(cView, "closed?", rbash_view_closed_p, 0);
  rb_define_method(cView, "initialize_copy", rbash_view_init_copy, 1);
  rb_define_method(cView, "ndim", rbash_view_ndim, 0);
  rb_define_private_method(cView, "_make_readonly", rbash_view_make_readonly,
                           0);
  rb_define_method(cView, "size", rbash_view_size, 0);
  rb_define_method(cView, "length", rbash_view_length, 0);
  rb_define_method(cView, "shape", rbash_view_shape_m, 0);
  rb_define_method(cView, "strides", rbash_view_strides_m, 0);
  rb_define_method(cView, "dtype", rbash_view_dtype_m, 0);
  rb_define_method(cView, "readonly?", rbash_view_readonly_p, 0);
  rb_define_method(cView, "format_text", rbash_view_format_m, -1);
}
