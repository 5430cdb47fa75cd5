/* SPDX-License-Identifier: MIT */
/* arrayshare_lang.i (Ruby) - typemaps, error mapping and fast paths for the
 * Ruby extension arrayshare_core.so. Included by swig/arrayshare.i before the
 * header, so everything here applies to every declaration of arrayshare.h.
 *
 * What it does:
 *  - Handles: ash_view, ash_segment and ash_list are wrapped by hand-written
 *    TypedData classes ArrayShare::View, ArrayShare::Segment and
 *    Arrayshare_core::List (not SWIG's generic pointer classes), so that the
 *    idiomatic layer (bindings/ruby/lib) can reopen them and so that the
 *    element fast paths below can be plain C methods. A handle object owns
 *    one reference: garbage collection or an explicit close releases it
 *    (ash_view_release / ash_segment_close / ash_list_free); after an
 *    explicit close every use raises ArrayShare::ClosedError.
 *  - ash_status: a nonzero status raises the exception class of its code
 *    (ArrayShare::NotFound for ASH_E_NOENT, ...; every class includes the
 *    module ArrayShare::Error) with #code (the number), #name ("NOENT") and
 *    the message ash_last_error().
 *  - Out-parameters become return values; (ndim, shape), (nidx, idx) and
 *    (naxes, axes) take an Array of Integers; shape/strides return Arrays;
 *    (dst, nbytes) / (src, nbytes) are binary Strings.
 *  - ArrayShare::View gets C methods [] []= to_a fill close ... (the fast
 *    path for v[i] / v[i] = x) and a Ruby MemoryView exporter.
 *
 * All C below is kept clean under -Wall -Wextra -Wshadow -Wformat=2.
 */

%{
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <ruby/memory_view.h>

/* ---------------------------------------------------------------------- */
/* Classes and ids                                                          */
/* ---------------------------------------------------------------------- */

static VALUE rbash_mArrayShare = Qnil;  /* module ArrayShare               */
static VALUE rbash_mError = Qnil;       /* module ArrayShare::Error        */
static VALUE rbash_cView = Qnil;        /* class ArrayShare::View          */
static VALUE rbash_cSegment = Qnil;     /* class ArrayShare::Segment       */
static VALUE rbash_cList = Qnil;        /* class Arrayshare_core::List     */
static VALUE rbash_eClosed = Qnil;      /* ArrayShare::ClosedError         */
static VALUE rbash_eUnknown = Qnil;     /* ArrayShare::UnknownError        */
static VALUE rbash_err_classes[32];     /* indexed by -code - 1000         */
static ID rbash_id_code, rbash_id_name, rbash_id_CODE;

static VALUE rbash_error_class(int code) {
  int i = -code - 1000;
  if (i > 0 && i < 32 && rbash_err_classes[i] != 0)
    return rbash_err_classes[i];
  return rbash_eUnknown;
}

/* Raises the exception of @code with message @msg (a Ruby String). */
static void rbash_raise_str(int code, VALUE msg) {
  VALUE exc = rb_exc_new_str(rbash_error_class(code), msg);
  rb_ivar_set(exc, rbash_id_code, INT2NUM(code));
  rb_ivar_set(exc, rbash_id_name, rb_str_new_cstr(ash_err_name(code)));
  rb_exc_raise(exc);
}

/* Raises for a failed library call: the detail message of this thread. The
 * message is copied before any other library call can replace it. */
static void rbash_raise(int code) {
  const char *detail = ash_last_error();
  VALUE msg = rb_str_new_cstr(detail[0] ? detail : ash_strerror(code));
  rbash_raise_str(code, msg);
}

/* Raises the exception of @code with a message made here (binding checks
 * that mirror a library code, e.g. an out-of-range Ruby Integer). */
static void rbash_raisef(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  VALUE msg = rb_vsprintf(fmt, ap);
  va_end(ap);
  rbash_raise_str(code, msg);
}

#define RBASH_CHECK(expr)                                                   \
  do {                                                                      \
    int rbash_r_ = (expr);                                                  \
    if (rbash_r_ != ASH_OK)                                                 \
      rbash_raise(rbash_r_);                                                \
  } while (0)

/* ArrayShare::Error#code / #name: set when raised by the binding, else the
 * class's CODE constant. */
static VALUE rbash_err_code(VALUE self) {
  VALUE c = rb_attr_get(self, rbash_id_code);
  if (NIL_P(c))
    c = rb_const_get(rb_obj_class(self), rbash_id_CODE);
  return c;
}

static VALUE rbash_err_name(VALUE self) {
  VALUE n = rb_attr_get(self, rbash_id_name);
  if (NIL_P(n)) {
    VALUE c = rb_const_get(rb_obj_class(self), rbash_id_CODE);
    n = NIL_P(c) ? rb_str_new_cstr("CLOSED")
                 : rb_str_new_cstr(ash_err_name(NUM2INT(c)));
  }
  return n;
}

/* ---------------------------------------------------------------------- */
/* Integer conversion                                                       */
/* ---------------------------------------------------------------------- */

/* An Integer as int64_t; Integers beyond int64 clamp to INT64_MAX or
 * INT64_MIN + 1 (a clamped value is never ASH_NONE) so the library reports
 * them as out of range with its own code. Anything else is a TypeError. */
static int64_t rbash_i64(VALUE x, const char *what) {
  if (FIXNUM_P(x))
    return (int64_t)FIX2LONG(x);
  if (RB_TYPE_P(x, T_BIGNUM)) {
    uint64_t mag = 0;
    int sign = rb_integer_pack(x, &mag, 1, sizeof mag, 0,
                               INTEGER_PACK_LSWORD_FIRST | INTEGER_PACK_NATIVE_BYTE_ORDER);
    if (sign == 1 && mag <= (uint64_t)INT64_MAX)
      return (int64_t)mag;
    if (sign == -1 && mag <= (uint64_t)INT64_MAX)
      return -(int64_t)mag;
    if (sign == -1 && mag == (uint64_t)INT64_MAX + 1)
      return INT64_MIN; /* exactly -2**63, i.e. ASH_NONE itself */
    return sign > 0 ? INT64_MAX : INT64_MIN + 1;
  }
  rb_raise(rb_eTypeError, "%s must be an Integer, not %" PRIsVALUE, what,
           rb_obj_class(x));
  return 0;
}

/* A non-negative Integer as uint64_t (TypeError / RangeError otherwise). */
static uint64_t rbash_u64(VALUE x, const char *what) {
  if (!RB_INTEGER_TYPE_P(x))
    rb_raise(rb_eTypeError, "%s must be an Integer, not %" PRIsVALUE, what,
             rb_obj_class(x));
  uint64_t mag = 0;
  int sign = rb_integer_pack(x, &mag, 1, sizeof mag, 0, INTEGER_PACK_LSWORD_FIRST | INTEGER_PACK_NATIVE_BYTE_ORDER);
  if (sign < 0 || sign > 1)
    rb_raise(rb_eRangeError, "%s %" PRIsVALUE " is out of range [0, 2**64)",
             what, x);
  return mag;
}

/* Fills @buf (capacity @cap) or a GC-managed buffer (kept alive by *keep)
 * with the Integers of Array @list; returns the buffer, count in *n. */
static int64_t *rbash_i64_list(VALUE list, int *n, int64_t *buf, int cap,
                               volatile VALUE *keep, const char *what) {
  VALUE ary = rb_check_array_type(list);
  if (NIL_P(ary))
    rb_raise(rb_eTypeError, "%s must be an Array of Integers, not %" PRIsVALUE,
             what, rb_obj_class(list));
  long len = RARRAY_LEN(ary);
  if (len > 4096)
    len = 4096; /* far beyond ASH_MAX_NDIM: the library refuses it anyway */
  int64_t *out = buf;
  if (len > cap) {
    VALUE tmp = rb_str_buf_new((long)(len * (long)sizeof(int64_t)));
    *keep = tmp;
    out = (int64_t *)(void *)RSTRING_PTR(tmp);
  }
  for (long i = 0; i < len; i++) {
    VALUE e = RARRAY_AREF(ary, i);
    if (!RB_INTEGER_TYPE_P(e))
      rb_raise(rb_eTypeError, "%s[%ld] must be an Integer, not %" PRIsVALUE,
               what, i, rb_obj_class(e));
    out[i] = rbash_i64(e, what);
  }
  *n = (int)len;
  return out;
}

static VALUE rbash_i64_array(const int64_t *p, int n) {
  VALUE a = rb_ary_new_capa(n);
  for (int i = 0; i < n; i++)
    rb_ary_push(a, LL2NUM(p[i]));
  return a;
}

static const char *rbash_cstr(VALUE *s) {
  if (NIL_P(*s))
    return NULL;
  if (SYMBOL_P(*s))
    *s = rb_sym2str(*s);
  return StringValueCStr(*s);
}

/* ---------------------------------------------------------------------- */
/* ArrayShare::View                                                         */
/* ---------------------------------------------------------------------- */

/* The view plus a cache of its immutable layout (views never change once
 * made), so the element fast path needs no library call. */
typedef struct rbash_view {
  ash_view *v; /* NULL once closed */
  uint8_t *data;
  int64_t n0, s0; /* axis 0 extent and stride (1 and 0 for 0-d views) */
  int dtype, ndim;
  bool readonly;
} rbash_view;

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

static const rb_data_type_t rbash_view_type = {
    "ArrayShare::View",
    {NULL, rbash_view_free, rbash_view_memsize, NULL, {NULL}},
    NULL,
    NULL,
    RUBY_TYPED_FREE_IMMEDIATELY};

static void rbash_view_cache(rbash_view *w) {
  ash_view *v = w->v;
  w->ndim = ash_view_ndim(v);
  w->dtype = ash_view_dtype(v);
  w->data = ash_view_data(v);
  w->n0 = w->ndim ? ash_view_shape(v)[0] : 1;
  w->s0 = w->ndim ? ash_view_strides(v)[0] : 0;
  w->readonly = (ash_view_flags(v) & ASH_VIEW_READONLY) != 0;
}

static VALUE rbash_view_alloc(VALUE klass) {
  rbash_view *w;
  return TypedData_Make_Struct(klass, rbash_view, &rbash_view_type, w);
}

/* Wraps @v, taking over its reference. The object is made first so that a
 * failed allocation cannot leak the view. */
static VALUE rbash_view_wrap(ash_view *v) {
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

static rbash_view *rbash_view_get(VALUE obj) {
  rbash_view *w = rb_check_typeddata(obj, &rbash_view_type);
  if (w->v == NULL)
    rb_raise(rbash_eClosed, "view is closed");
  return w;
}

/* Releases the view of @obj now (explicit close); idempotent. */
static void rbash_view_close_obj(VALUE obj) {
  rbash_view *w = rb_check_typeddata(obj, &rbash_view_type);
  ash_view *v = w->v;
  w->v = NULL;
  w->data = NULL;
  w->n0 = 0;
  ash_view_release(v);
}

/* ---------------------------------------------------------------------- */
/* ArrayShare::Segment and Arrayshare_core::List                            */
/* ---------------------------------------------------------------------- */

static void rbash_segment_free(void *p) { ash_segment_close(p); }
static void rbash_list_free(void *p) { ash_list_free(p); }
static size_t rbash_handle_memsize(const void *p) {
  (void)p;
  return sizeof(void *);
}

static const rb_data_type_t rbash_segment_type = {
    "ArrayShare::Segment",
    {NULL, rbash_segment_free, rbash_handle_memsize, NULL, {NULL}},
    NULL,
    NULL,
    RUBY_TYPED_FREE_IMMEDIATELY};

static const rb_data_type_t rbash_list_type = {
    "Arrayshare_core::List",
    {NULL, rbash_list_free, rbash_handle_memsize, NULL, {NULL}},
    NULL,
    NULL,
    RUBY_TYPED_FREE_IMMEDIATELY};

/* Wraps handle @p (owned); the object is made first so a failed
 * allocation cannot leak it (the caller still holds @p then). */
static VALUE rbash_handle_wrap(VALUE klass, const rb_data_type_t *type,
                               void *p) {
  VALUE obj = TypedData_Wrap_Struct(klass, type, NULL);
  RTYPEDDATA_DATA(obj) = p;
  return obj;
}

static ash_segment *rbash_segment_get(VALUE obj) {
  ash_segment *s = rb_check_typeddata(obj, &rbash_segment_type);
  if (s == NULL)
    rb_raise(rbash_eClosed, "segment is closed");
  return s;
}

static ash_list *rbash_list_get(VALUE obj) {
  ash_list *l = rb_check_typeddata(obj, &rbash_list_type);
  if (l == NULL)
    rb_raise(rbash_eClosed, "list is freed");
  return l;
}

/* ---------------------------------------------------------------------- */
/* Elements: C <-> Ruby                                                     */
/* ---------------------------------------------------------------------- */

static double rbash_f16(uint16_t h) {
  int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  double v;
  if (e == 0)
    v = ldexp((double)m, -24);
  else if (e == 31)
    v = m ? NAN : INFINITY;
  else
    v = ldexp((double)(m + 1024), e - 25);
  return (h & 0x8000) ? -v : v;
}

/* One element at @p as a Ruby value: Float, Integer, true/false, Complex.
 * Every dtype converts losslessly. */
static VALUE rbash_load(int dtype, const uint8_t *p) {
  switch (dtype) {
  case ASH_FLOAT64: {
    double d;
    memcpy(&d, p, sizeof d);
    return DBL2NUM(d);
  }
  case ASH_FLOAT32: {
    float f;
    memcpy(&f, p, sizeof f);
    return DBL2NUM((double)f);
  }
  case ASH_FLOAT16: {
    uint16_t h;
    memcpy(&h, p, sizeof h);
    return DBL2NUM(rbash_f16(h));
  }
  case ASH_BOOL:
    return p[0] ? Qtrue : Qfalse;
  case ASH_INT8:
    return INT2FIX((int8_t)p[0]);
  case ASH_UINT8:
    return INT2FIX(p[0]);
  case ASH_INT16: {
    int16_t x;
    memcpy(&x, p, sizeof x);
    return INT2FIX(x);
  }
  case ASH_UINT16: {
    uint16_t x;
    memcpy(&x, p, sizeof x);
    return INT2FIX(x);
  }
  case ASH_INT32: {
    int32_t x;
    memcpy(&x, p, sizeof x);
    return LONG2NUM((long)x);
  }
  case ASH_UINT32: {
    uint32_t x;
    memcpy(&x, p, sizeof x);
    return ULONG2NUM((unsigned long)x);
  }
  case ASH_INT64: {
    int64_t x;
    memcpy(&x, p, sizeof x);
    return LL2NUM(x);
  }
  case ASH_UINT64: {
    uint64_t x;
    memcpy(&x, p, sizeof x);
    return ULL2NUM(x);
  }
  case ASH_COMPLEX64: {
    float x[2];
    memcpy(x, p, sizeof x);
    return rb_dbl_complex_new((double)x[0], (double)x[1]);
  }
  case ASH_COMPLEX128: {
    double x[2];
    memcpy(x, p, sizeof x);
    return rb_dbl_complex_new(x[0], x[1]);
  }
  default:
    return Qnil;
  }
}

/* Element (nidx, idx) of @v as a Ruby value, through the library (which
 * checks the index). */
static VALUE rbash_get(const ash_view *v, int nidx, const int64_t *idx) {
  double re, im;
  switch (ash_view_dtype(v)) {
  case ASH_BOOL:
  case ASH_INT8:
  case ASH_INT16:
  case ASH_INT32:
  case ASH_INT64:
  case ASH_UINT8:
  case ASH_UINT16:
  case ASH_UINT32: {
    int64_t x;
    RBASH_CHECK(ash_view_get_i64(v, nidx, idx, &x));
    if (ash_view_dtype(v) == ASH_BOOL)
      return x ? Qtrue : Qfalse;
    return LL2NUM(x);
  }
  case ASH_UINT64: {
    uint64_t x;
    RBASH_CHECK(ash_view_get_u64(v, nidx, idx, &x));
    return ULL2NUM(x);
  }
  case ASH_COMPLEX64:
  case ASH_COMPLEX128:
    RBASH_CHECK(ash_view_get_c128(v, nidx, idx, &re, &im));
    return rb_dbl_complex_new(re, im);
  default:
    RBASH_CHECK(ash_view_get_f64(v, nidx, idx, &re));
    return DBL2NUM(re);
  }
}

/* How a Ruby scalar is stored. */
enum { RB_K_F64, RB_K_I64, RB_K_U64, RB_K_C128 };
typedef struct rbash_scalar {
  int kind;
  double re, im;
  int64_t i;
  uint64_t u;
} rbash_scalar;

static void rbash_int_scalar(VALUE x, int dtype, rbash_scalar *s) {
  if (FIXNUM_P(x)) {
    s->kind = RB_K_I64;
    s->i = (int64_t)FIX2LONG(x);
    return;
  }
  uint64_t mag = 0;
  int sign = rb_integer_pack(x, &mag, 1, sizeof mag, 0, INTEGER_PACK_LSWORD_FIRST | INTEGER_PACK_NATIVE_BYTE_ORDER);
  if (sign == 1 && mag <= (uint64_t)INT64_MAX) {
    s->kind = RB_K_I64;
    s->i = (int64_t)mag;
  } else if (sign == 1) {
    s->kind = RB_K_U64;
    s->u = mag;
  } else if (sign == -1 && mag <= (uint64_t)INT64_MAX + 1) {
    s->kind = RB_K_I64;
    s->i = (int64_t)(0 - mag);
  } else {
    rbash_raisef(ASH_E_VALUE,
                 "value %" PRIsVALUE " is out of range for %s (beyond 64 bits)",
                 x, ash_dtype_name(dtype));
  }
}

/* Classifies Ruby value @x for storing into dtype @dtype (rules in
 * docs/ruby.md): Float -> set_f64; Integer -> set_i64 / set_u64; true/false
 * -> 1/0 into bool only; Complex -> set_c128; Rational -> integer when
 * whole, else Float; other Numeric -> to_f. Anything else: TypeError. */
static void rbash_scalar_of(VALUE x, int dtype, rbash_scalar *s) {
  if (RB_FLOAT_TYPE_P(x)) {
    s->kind = RB_K_F64;
    s->re = RFLOAT_VALUE(x);
  } else if (RB_INTEGER_TYPE_P(x)) {
    rbash_int_scalar(x, dtype, s);
  } else if (x == Qtrue || x == Qfalse) {
    if (dtype != ASH_BOOL)
      rb_raise(rb_eTypeError, "true/false can only be stored in a bool view "
                              "(this one is %s)", ash_dtype_name(dtype));
    s->kind = RB_K_I64;
    s->i = x == Qtrue;
  } else if (RB_TYPE_P(x, T_COMPLEX)) {
    s->kind = RB_K_C128;
    s->re = NUM2DBL(rb_complex_real(x));
    s->im = NUM2DBL(rb_complex_imag(x));
  } else if (RB_TYPE_P(x, T_RATIONAL)) {
    VALUE den = rb_rational_den(x);
    if (FIXNUM_P(den) && FIX2LONG(den) == 1) {
      rbash_int_scalar(rb_rational_num(x), dtype, s);
    } else {
      s->kind = RB_K_F64;
      s->re = NUM2DBL(x);
    }
  } else if (!SPECIAL_CONST_P(x) && !RB_TYPE_P(x, T_STRING) &&
             rb_obj_is_kind_of(x, rb_cNumeric)) {
    s->kind = RB_K_F64;
    s->re = NUM2DBL(x);
  } else {
    rb_raise(rb_eTypeError, "cannot store %" PRIsVALUE " in a %s view",
             rb_obj_class(x), ash_dtype_name(dtype));
  }
}

static int rbash_set_scalar(const ash_view *v, int nidx, const int64_t *idx,
                            const rbash_scalar *s) {
  switch (s->kind) {
  case RB_K_F64:
    return ash_view_set_f64(v, nidx, idx, s->re);
  case RB_K_I64:
    return ash_view_set_i64(v, nidx, idx, s->i);
  case RB_K_U64:
    return ash_view_set_u64(v, nidx, idx, s->u);
  default:
    return ash_view_set_c128(v, nidx, idx, s->re, s->im);
  }
}

static void rbash_set(const ash_view *v, int nidx, const int64_t *idx,
                      VALUE x) {
  rbash_scalar s;
  rbash_scalar_of(x, ash_view_dtype(v), &s);
  RBASH_CHECK(rbash_set_scalar(v, nidx, idx, &s));
}

/* Sets every element of @v to @x: one check before anything is written
 * (the library's fill for f64/i64; otherwise the first element is written
 * alone first, and the same value then fits everywhere). */
static void rbash_fill(const ash_view *v, VALUE x) {
  rbash_scalar s;
  rbash_scalar_of(x, ash_view_dtype(v), &s);
  if (s.kind == RB_K_F64) {
    RBASH_CHECK(ash_view_fill_f64(v, s.re));
    return;
  }
  if (s.kind == RB_K_I64) {
    RBASH_CHECK(ash_view_fill_i64(v, s.i));
    return;
  }
  if (ash_view_flags(v) & ASH_VIEW_READONLY) {
    /* let the library word the read-only error (it writes nothing) */
    RBASH_CHECK(ash_view_fill_i64(v, 0));
  }
  int64_t n = ash_view_size(v);
  for (int64_t k = 0; k < n; k++)
    RBASH_CHECK(rbash_set_scalar(v, 1, &k, &s));
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
    rbash_raisef(ASH_E_INDEX, "%" PRIsVALUE " is out of range for axis %d of size %ld",
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
               "not %" PRIsVALUE, rb_obj_class(key));
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

/* View#[](*keys) */
static VALUE rbash_view_aref(int argc, VALUE *argv, VALUE self) {
  rbash_view *w = rbash_view_self(self);
  if (argc == 1 && FIXNUM_P(argv[0]) && w->ndim == 1) {
    /* fast path: one element of a 1-d view */
    long k = FIX2LONG(argv[0]), n = (long)w->n0;
    if (k < 0)
      k += n;
    if (k >= 0 && k < n)
      return rbash_load(w->dtype, w->data + (int64_t)k * w->s0);
    int64_t i = (int64_t)FIX2LONG(argv[0]);
    return rbash_get(w->v, 1, &i); /* raises the library's INDEX error */
  }
  if (argc == w->ndim && rbash_all_ints(argc, argv)) {
    int64_t idx[ASH_MAX_NDIM];
    for (int i = 0; i < argc; i++)
      idx[i] = rbash_i64(argv[i], "index");
    return rbash_get(w->v, argc, idx);
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
    flat = ndim > 1 ? rb_funcall(ary, rb_intern("flatten"), 1, INT2FIX(ndim - 1))
                    : ary;
  }
  int dtype = ash_view_dtype(v);
  /* convert everything first: a TypeError or VALUE error writes nothing */
  long n = RARRAY_LEN(flat);
  VALUE keep = rb_str_buf_new(n * (long)sizeof(rbash_scalar));
  rbash_scalar *sc = (rbash_scalar *)(void *)RSTRING_PTR(keep);
  for (long k = 0; k < n; k++)
    rbash_scalar_of(RARRAY_AREF(flat, k), dtype, &sc[k]);
  for (int64_t k = 0; k < n; k++)
    RBASH_CHECK(rbash_set_scalar(v, 1, &k, &sc[k]));
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
  if (nkeys == 1 && FIXNUM_P(argv[0]) && w->ndim == 1) {
    /* fast path: one element of a 1-d view */
    long k = FIX2LONG(argv[0]), n = (long)w->n0;
    if (k < 0)
      k += n;
    if (k >= 0 && k < n && !w->readonly) {
      uint8_t *p = w->data + (int64_t)k * w->s0;
      if (w->dtype == ASH_FLOAT64 && RB_FLOAT_TYPE_P(x)) {
        double d = RFLOAT_VALUE(x);
        memcpy(p, &d, sizeof d);
        return x;
      }
      if (w->dtype == ASH_INT64 && FIXNUM_P(x)) {
        int64_t i = (int64_t)FIX2LONG(x);
        memcpy(p, &i, sizeof i);
        return x;
      }
    }
    int64_t i = (int64_t)FIX2LONG(argv[0]);
    rbash_set(w->v, 1, &i, x);
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
    rbash_raisef(ASH_E_SHAPE, "value needs a view of one element, this one "
                              "has %lld", (long long)ash_view_size(w->v));
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

/* ---------------------------------------------------------------------- */
/* MemoryView exporter (Ruby 3.x; Fiddle::MemoryView, Numo, ...)           */
/* ---------------------------------------------------------------------- */

typedef struct rbash_mv {
  ash_view *v; /* a reference of its own: the memory outlives View#close */
  ssize_t shape[ASH_MAX_NDIM];
  ssize_t strides[ASH_MAX_NDIM];
} rbash_mv;

/* Ruby pack-template formats; float16 has none (see docs/ruby.md). */
static const char *rbash_mv_format(int dtype) {
  switch (dtype) {
  case ASH_BOOL:
  case ASH_UINT8:
    return "C";
  case ASH_INT8:
    return "c";
  case ASH_INT16:
    return "s";
  case ASH_UINT16:
    return "S";
  case ASH_INT32:
    return "l";
  case ASH_UINT32:
    return "L";
  case ASH_INT64:
    return "q";
  case ASH_UINT64:
    return "Q";
  case ASH_FLOAT32:
    return "f";
  case ASH_FLOAT64:
    return "d";
  case ASH_COMPLEX64:
    return "ff";
  case ASH_COMPLEX128:
    return "dd";
  default:
    return NULL;
  }
}

static bool rbash_mv_get(VALUE obj, rb_memory_view_t *mv, int flags) {
  rbash_view *w = rbash_view_get(obj);
  const char *fmt = rbash_mv_format(w->dtype);
  if (fmt == NULL)
    rbash_raisef(ASH_E_DTYPE, "%s has no MemoryView format; use "
                              "view_as(\"uint16\") for its raw bits",
                 ash_dtype_name(w->dtype));
  if ((flags & RUBY_MEMORY_VIEW_WRITABLE) && w->readonly)
    rbash_raisef(ASH_E_RDONLY, "a writable MemoryView of a read-only view "
                               "was requested");
  unsigned vf = ash_view_flags(w->v);
  bool c = (vf & ASH_VIEW_C_CONTIGUOUS) != 0;
  bool f = (vf & ASH_VIEW_F_CONTIGUOUS) != 0;
  int order = flags & RUBY_MEMORY_VIEW_ANY_CONTIGUOUS;
  if (order == RUBY_MEMORY_VIEW_ANY_CONTIGUOUS && !c && !f)
    return false;
  if (order == RUBY_MEMORY_VIEW_ROW_MAJOR && !c)
    return false;
  if (order == RUBY_MEMORY_VIEW_COLUMN_MAJOR && !f)
    return false;
  rbash_mv *priv = ALLOC(rbash_mv);
  priv->v = ash_view_retain(w->v);
  const int64_t *shape = ash_view_shape(priv->v);
  const int64_t *strides = ash_view_strides(priv->v);
  for (int i = 0; i < w->ndim; i++) {
    priv->shape[i] = (ssize_t)shape[i];
    priv->strides[i] = (ssize_t)strides[i];
  }
  mv->obj = obj;
  mv->data = ash_view_data(priv->v);
  mv->byte_size = (ssize_t)ash_view_nbytes(priv->v);
  mv->readonly = w->readonly;
  mv->format = fmt;
  mv->item_size = (ssize_t)ash_view_itemsize(priv->v);
  mv->item_desc.components = NULL;
  mv->item_desc.length = 0;
  mv->ndim = w->ndim;
  mv->shape = priv->shape;
  mv->strides = priv->strides;
  mv->sub_offsets = NULL;
  mv->private_data = priv;
  return true;
}

static bool rbash_mv_release(VALUE obj, rb_memory_view_t *mv) {
  (void)obj;
  rbash_mv *priv = mv->private_data;
  if (priv) {
    ash_view_release(priv->v);
    xfree(priv);
    mv->private_data = NULL;
  }
  return true;
}

static bool rbash_mv_available_p(VALUE obj) {
  (void)obj;
  return true; /* a closed view raises ClosedError from get */
}

static const rb_memory_view_entry_t rbash_mv_entry = {
    rbash_mv_get, rbash_mv_release, rbash_mv_available_p};

/* ---------------------------------------------------------------------- */
/* Explicit release functions of the low-level module                      */
/* ---------------------------------------------------------------------- */

/* Arrayshare_core.ash_view_release(view): closes that object (nil: no-op). */
static VALUE rbash_core_view_release(VALUE mod, VALUE obj) {
  (void)mod;
  if (!NIL_P(obj))
    rbash_view_close_obj(obj);
  return Qnil;
}

/* Arrayshare_core.ash_view_retain(view): a new object holding one more
 * reference on the same C view. */
static VALUE rbash_core_view_retain(VALUE mod, VALUE obj) {
  (void)mod;
  return rbash_view_wrap(ash_view_retain(rbash_view_get(obj)->v));
}

static VALUE rbash_segment_close_m(VALUE self) {
  ash_segment *s = rb_check_typeddata(self, &rbash_segment_type);
  RTYPEDDATA_DATA(self) = NULL;
  ash_segment_close(s);
  return Qnil;
}

static VALUE rbash_segment_closed_p(VALUE self) {
  return rb_check_typeddata(self, &rbash_segment_type) == NULL ? Qtrue
                                                               : Qfalse;
}

static VALUE rbash_core_segment_close(VALUE mod, VALUE obj) {
  (void)mod;
  if (!NIL_P(obj))
    rbash_segment_close_m(obj);
  return Qnil;
}

static VALUE rbash_core_list_free(VALUE mod, VALUE obj) {
  (void)mod;
  if (!NIL_P(obj)) {
    ash_list *l = rb_check_typeddata(obj, &rbash_list_type);
    RTYPEDDATA_DATA(obj) = NULL;
    ash_list_free(l);
  }
  return Qnil;
}

/* ---------------------------------------------------------------------- */
/* Module setup                                                             */
/* ---------------------------------------------------------------------- */

enum { RB_S_STD, RB_S_ARG, RB_S_TYPE, RB_S_INDEX, RB_S_RANGE, RB_S_FROZEN };

static const struct rbash_errdef {
  int code;
  const char *cls;
  int super;
} rbash_errdefs[] = {
    {ASH_E_INVAL, "InvalidArgument", RB_S_ARG},
    {ASH_E_NAME, "InvalidName", RB_S_ARG},
    {ASH_E_EXIST, "Exists", RB_S_STD},
    {ASH_E_NOENT, "NotFound", RB_S_STD},
    {ASH_E_PERM, "PermissionDenied", RB_S_STD},
    {ASH_E_NOSPC, "NoSpace", RB_S_STD},
    {ASH_E_NOMEM, "OutOfMemory", RB_S_STD},
    {ASH_E_DTYPE, "DtypeError", RB_S_TYPE},
    {ASH_E_SHAPE, "ShapeError", RB_S_ARG},
    {ASH_E_OVERFLOW, "OverflowError", RB_S_RANGE},
    {ASH_E_INDEX, "IndexError", RB_S_INDEX},
    {ASH_E_RDONLY, "ReadOnlyError", RB_S_FROZEN},
    {ASH_E_CORRUPT, "CorruptError", RB_S_STD},
    {ASH_E_VERSION, "VersionError", RB_S_STD},
    {ASH_E_TRUNC, "TruncatedError", RB_S_STD},
    {ASH_E_VALUE, "ValueError", RB_S_RANGE},
    {ASH_E_FULL, "FullError", RB_S_STD},
    {ASH_E_DESC, "DescriptorError", RB_S_ARG},
    {ASH_E_CONTIG, "NotContiguous", RB_S_STD},
    {ASH_E_BUSY, "BusyError", RB_S_STD},
    {ASH_E_SYS, "SystemError", RB_S_STD},
    {ASH_E_AXIS, "AxisError", RB_S_INDEX},
};

static VALUE rbash_define_error(const char *name, VALUE super, VALUE code) {
  VALUE k = rb_define_class_under(rbash_mArrayShare, name, super);
  rb_include_module(k, rbash_mError);
  rb_define_const(k, "CODE", code);
  return k;
}

static void rbash_init(VALUE core) {
  rbash_id_code = rb_intern("@code");
  rbash_id_name = rb_intern("@name");
  rbash_id_CODE = rb_intern("CODE");

  rbash_mArrayShare = rb_define_module("ArrayShare");
  rb_define_const(rbash_mArrayShare, "Core", core);

  /* errors */
  rbash_mError = rb_define_module_under(rbash_mArrayShare, "Error");
  rb_define_method(rbash_mError, "code", rbash_err_code, 0);
  rb_define_method(rbash_mError, "name", rbash_err_name, 0);
  VALUE supers[] = {rb_eStandardError, rb_eArgError,   rb_eTypeError,
                    rb_eIndexError,    rb_eRangeError, rb_eFrozenError};
  VALUE table = rb_hash_new();
  for (size_t i = 0; i < sizeof rbash_errdefs / sizeof rbash_errdefs[0]; i++) {
    const struct rbash_errdef *d = &rbash_errdefs[i];
    VALUE k = rbash_define_error(d->cls, supers[d->super], INT2NUM(d->code));
    rbash_err_classes[-d->code - 1000] = k;
    rb_gc_register_mark_object(k);
    rb_hash_aset(table, INT2NUM(d->code), k);
  }
  rbash_eUnknown = rbash_define_error("UnknownError", rb_eStandardError, Qnil);
  rbash_eClosed = rbash_define_error("ClosedError", rb_eIOError, Qnil);
  rb_obj_freeze(table);
  rb_define_const(rbash_mArrayShare, "ERRORS", table);

  /* views */
  rbash_cView = rb_define_class_under(rbash_mArrayShare, "View", rb_cObject);
  rb_define_alloc_func(rbash_cView, rbash_view_alloc);
  rb_undef_method(rb_singleton_class(rbash_cView), "new");
  rb_define_method(rbash_cView, "[]", rbash_view_aref, -1);
  rb_define_method(rbash_cView, "[]=", rbash_view_aset, -1);
  rb_define_method(rbash_cView, "to_a", rbash_view_to_a, 0);
  rb_define_method(rbash_cView, "value", rbash_view_value, 0);
  rb_define_method(rbash_cView, "fill", rbash_view_fill_m, 1);
  rb_define_method(rbash_cView, "close", rbash_view_close_m, 0);
  rb_define_method(rbash_cView, "closed?", rbash_view_closed_p, 0);
  rb_define_method(rbash_cView, "initialize_copy", rbash_view_init_copy, 1);
  rb_define_method(rbash_cView, "ndim", rbash_view_ndim, 0);
  rb_define_method(rbash_cView, "size", rbash_view_size, 0);
  rb_define_method(rbash_cView, "length", rbash_view_length, 0);
  rb_define_method(rbash_cView, "shape", rbash_view_shape_m, 0);
  rb_define_method(rbash_cView, "strides", rbash_view_strides_m, 0);
  rb_define_method(rbash_cView, "dtype", rbash_view_dtype_m, 0);
  rb_define_method(rbash_cView, "readonly?", rbash_view_readonly_p, 0);
  rb_memory_view_register(rbash_cView, &rbash_mv_entry);

  /* segments and lists */
  rbash_cSegment =
      rb_define_class_under(rbash_mArrayShare, "Segment", rb_cObject);
  rb_undef_alloc_func(rbash_cSegment);
  rb_define_method(rbash_cSegment, "close", rbash_segment_close_m, 0);
  rb_define_method(rbash_cSegment, "closed?", rbash_segment_closed_p, 0);
  rbash_cList = rb_define_class_under(core, "List", rb_cObject);
  rb_undef_alloc_func(rbash_cList);

  /* the releasing functions of the C API, by hand (see %ignore above) */
  rb_define_module_function(core, "ash_view_release", rbash_core_view_release, 1);
  rb_define_module_function(core, "ash_view_retain", rbash_core_view_retain, 1);
  rb_define_module_function(core, "ash_segment_close", rbash_core_segment_close, 1);
  rb_define_module_function(core, "ash_list_free", rbash_core_list_free, 1);
  rb_define_const(core, "ASH_NONE", LL2NUM(ASH_NONE));

  /* the C globals above must never move (GC.compact) nor be collected */
  VALUE globals[] = {rbash_mArrayShare, rbash_mError, rbash_cView,
                     rbash_cSegment, rbash_cList, rbash_eClosed,
                     rbash_eUnknown};
  for (size_t i = 0; i < sizeof globals / sizeof globals[0]; i++)
    rb_gc_register_mark_object(globals[i]);
}
%}

/* ---------------------------------------------------------------------- */
/* Typemaps                                                                 */
/* ---------------------------------------------------------------------- */

/* Released by the handle objects (and by hand-written module functions of
 * the same names, defined in rbash_init). */
%ignore ash_view_retain;
%ignore ash_view_release;
%ignore ash_segment_close;
%ignore ash_list_free;
%ignore ASH_NONE;

/* Status: raise on failure, nil (or the out-parameters) on success. */
%typemap(out) ash_status {
  if ($1 != ASH_OK)
    rbash_raise($1);
  $result = Qnil;
}

/* Strings in: nil is NULL (the library reports it), Symbols are accepted,
 * embedded NUL bytes raise ArgumentError. */
%typemap(in) const char * {
  $1 = (char *)rbash_cstr(&$input);
}
%typemap(freearg) const char * ""
%typemap(out) const char * {
  $result = $1 ? rb_utf8_str_new_cstr($1) : Qnil;
}

/* Handles in. */
%typemap(in) const ash_view *, ash_view * {
  $1 = rbash_view_get($input)->v;
}
%typemap(in) const ash_segment *, ash_segment * {
  $1 = rbash_segment_get($input);
}
%typemap(in) const ash_list *, ash_list * {
  $1 = rbash_list_get($input);
}

/* Handles out: owning objects. */
%typemap(in, numinputs=0) ash_view **out (ash_view *tmp = NULL),
                          ash_segment **out (ash_segment *tmp = NULL),
                          ash_list **out (ash_list *tmp = NULL) {
  $1 = &tmp;
}
%typemap(argout) ash_view **out {
  $result = SWIG_AppendOutput($result, rbash_view_wrap(*$1));
}
%typemap(argout) ash_segment **out {
  $result = SWIG_AppendOutput($result, rbash_handle_wrap(rbash_cSegment,
      &rbash_segment_type, *$1));
}
%typemap(argout) ash_list **out {
  $result = SWIG_AppendOutput($result, rbash_handle_wrap(rbash_cList,
      &rbash_list_type, *$1));
}

/* Scalar out-parameters. */
%typemap(in, numinputs=0) double *out (double tmp = 0), double *re (double tmp = 0),
                          double *im (double tmp = 0) {
  $1 = &tmp;
}
%typemap(argout) double *out, double *re, double *im {
  $result = SWIG_AppendOutput($result, DBL2NUM(*$1));
}
%typemap(in, numinputs=0) int64_t *out (int64_t tmp = 0), int64_t *pid (int64_t tmp = 0) {
  $1 = &tmp;
}
%typemap(argout) int64_t *out, int64_t *pid {
  $result = SWIG_AppendOutput($result, LL2NUM(*$1));
}
%typemap(in, numinputs=0) uint64_t *out (uint64_t tmp = 0) {
  $1 = &tmp;
}
%typemap(argout) uint64_t *out {
  $result = SWIG_AppendOutput($result, ULL2NUM(*$1));
}
%typemap(in, numinputs=0) int *out (int tmp = 0), int *reaped (int tmp = 0),
                          int *alive (int tmp = 0), int *dead (int tmp = 0) {
  $1 = &tmp;
}
%typemap(argout) int *out, int *reaped, int *alive, int *dead {
  $result = SWIG_AppendOutput($result, INT2NUM(*$1));
}

/* ash_arena_bytes_for(dtype, shape, total = 0) -> new total. */
%typemap(default) uint64_t *total (uint64_t tmp = 0) {
  $1 = &tmp;
}
%typemap(in) uint64_t *total {
  *$1 = rbash_u64($input, "total");
}
%typemap(argout) uint64_t *total {
  $result = SWIG_AppendOutput($result, ULL2NUM(*$1));
}

/* (count, int64 array) pairs: an Array of Integers. */
%typemap(in) (int ndim, const int64_t *shape) (int64_t buf[ASH_MAX_NDIM], volatile VALUE keep = Qnil),
             (int nidx, const int64_t *idx) (int64_t buf[ASH_MAX_NDIM], volatile VALUE keep = Qnil),
             (int naxes, const int64_t *axes) (int64_t buf[ASH_MAX_NDIM], volatile VALUE keep = Qnil) {
  $2 = rbash_i64_list($input, &$1, buf, ASH_MAX_NDIM, &keep, "$2_name");
}

/* ash_view_slice start/stop: nil means ASH_NONE. */
%typemap(in) int64_t start, int64_t stop {
  $1 = NIL_P($input) ? ASH_NONE : rbash_i64($input, "$1_name");
}

/* ash_view_shape / ash_view_strides: an Array of ndim Integers. */
%typemap(out) const int64_t *ash_view_shape, const int64_t *ash_view_strides {
  $result = rbash_i64_array($1, ash_view_ndim(arg1));
}

/* ash_view_data: the address as an Integer (for Fiddle::Pointer.new). */
%typemap(out) void *ash_view_data {
  $result = ULL2NUM((unsigned long long)(uintptr_t)$1);
}

/* ash_view_read(view, nbytes) -> binary String. A size that is not the
 * view's goes to the library with a 1-byte buffer: it refuses it unread. */
%typemap(in) (void *dst, uint64_t nbytes) (volatile VALUE str = Qnil, char dummy = 0) {
  uint64_t n = rbash_u64($input, "nbytes");
  if (n == ash_view_nbytes(arg1) && n <= (uint64_t)LONG_MAX) {
    str = rb_str_new(NULL, (long)n);
    $1 = RSTRING_PTR(str);
  } else {
    $1 = &dummy;
  }
  $2 = n;
}
%typemap(argout) (void *dst, uint64_t nbytes) {
  $result = SWIG_AppendOutput($result, str$argnum);
}

/* ash_view_write(view, string): the String's bytes. */
%typemap(in) (const void *src, uint64_t nbytes) {
  StringValue($input);
  $1 = (void *)RSTRING_PTR($input);
  $2 = (uint64_t)RSTRING_LEN($input);
}

%init %{
  rbash_init(mArrayshare_core);
%}
