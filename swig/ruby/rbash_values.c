/* SPDX-License-Identifier: MIT */
/* rbash_values.c - raising the class of a code, and Ruby values to and
 * from what the C library takes: integers (never wrapped around), index
 * lists, strings (no embedded NUL) and elements (through the shared
 * ash_elem of swig/common/ash_swig.h). */
#include <stdarg.h>
#include <string.h>

#include "rbash.h"

/* ---------------------------------------------------------------------- */
/* Errors                                                                   */
/* ---------------------------------------------------------------------- */

/* Raises the exception of @code with message @msg (a Ruby String). */
NORETURN(static void rbash_raise_str(int code, VALUE msg));
static void rbash_raise_str(int code, VALUE msg) {
  VALUE exc = rb_exc_new_str(rbash_error_class(code), msg);
  rb_ivar_set(exc, rb_intern("@code"), INT2NUM(code));
  rb_ivar_set(exc, rb_intern("@name"), rb_str_new_cstr(ash_err_name(code)));
  rb_exc_raise(exc);
}

/* Raises for a failed library call: the detail message of this thread. The
 * message is copied before any other library call can replace it. */
void rbash_raise(int code) {
  const char *detail = ash_last_error();
  rbash_raise_str(code,
                  rb_str_new_cstr(detail[0] ? detail : ash_strerror(code)));
}

/* Raises the exception of @code with a message made here (binding checks
 * that mirror a library code, e.g. an out-of-range Ruby Integer). */
void rbash_raisef(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  VALUE msg = rb_vsprintf(fmt, ap);
  va_end(ap);
  rbash_raise_str(code, msg);
}

/* An Integer as int64_t; Integers beyond int64 clamp to INT64_MAX or
 * INT64_MIN + 1 (a clamped value is never ASH_NONE) so the library reports
 * them as out of range with its own code. Anything else is a TypeError. */
int64_t rbash_i64(VALUE x, const char *what) {
  if (FIXNUM_P(x))
    return (int64_t)FIX2LONG(x);
  if (RB_TYPE_P(x, T_BIGNUM)) {
    uint64_t mag = 0;
    int sign = rb_integer_pack(x, &mag, 1, sizeof mag, 0,
                               INTEGER_PACK_LSWORD_FIRST |
                                   INTEGER_PACK_NATIVE_BYTE_ORDER);
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

/* A non-negative Integer below 2**64 as uint64_t: TypeError for other
 * types; out of range, RangeError, or with @code the library error of that
 * code (ArrayShare::ValueError for an element value, a RangeError too).
 * Never wraps around: -1 is not 2**64 - 1. */
uint64_t rbash_u64_code(VALUE x, const char *what, int code) {
  if (!RB_INTEGER_TYPE_P(x))
    rb_raise(rb_eTypeError, "%s must be an Integer, not %" PRIsVALUE, what,
             rb_obj_class(x));
  uint64_t mag = 0;
  int sign = rb_integer_pack(x, &mag, 1, sizeof mag, 0,
                             INTEGER_PACK_LSWORD_FIRST |
                                 INTEGER_PACK_NATIVE_BYTE_ORDER);
  if (sign < 0 || sign > 1) {
    if (code)
      rbash_raisef(code,
                   "%s %" PRIsVALUE " is out of range for uint64 "
                   "[0, 2**64)",
                   what, x);
    rb_raise(rb_eRangeError, "%s %" PRIsVALUE " is out of range [0, 2**64)",
             what, x);
  }
  return mag;
}

uint64_t rbash_u64(VALUE x, const char *what) {
  return rbash_u64_code(x, what, 0);
}

/* An unsigned int argument (flags, mode, max_arrays): RangeError outside
 * [0, UINT_MAX] instead of SWIG's wrap-around of negative values. */
unsigned rbash_uint(VALUE x, const char *what) {
  uint64_t u = rbash_u64(x, what);
  if (u > UINT_MAX)
    rb_raise(rb_eRangeError, "%s %" PRIsVALUE " is out of range [0, 2**32)",
             what, x);
  return (unsigned)u;
}

/* Fills @buf (capacity @cap) or a GC-managed buffer (kept alive by *keep)
 * with the Integers of Array @list; returns the buffer, count in *n. */
int64_t *rbash_i64_list(VALUE list, int *n, int64_t *buf, int cap,
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

VALUE rbash_i64_array(const int64_t *p, int n) {
  VALUE a = rb_ary_new_capa(n);
  for (int i = 0; i < n; i++)
    rb_ary_push(a, LL2NUM(p[i]));
  return a;
}

/* A string argument: nil is NULL (the library reports it), Symbols are
 * accepted, other non-Strings are a TypeError; an embedded NUL (which C
 * would cut at) is InvalidArgument naming the argument. */
const char *rbash_cstr(VALUE *s, const char *what) {
  if (NIL_P(*s))
    return NULL;
  if (SYMBOL_P(*s))
    *s = rb_sym2str(*s);
  StringValue(*s);
  const char *nul = memchr(RSTRING_PTR(*s), '\0', (size_t)RSTRING_LEN(*s));
  if (nul != NULL) {
    char msg[160];
    rbash_raisef(ASH_E_INVAL, "%s",
                 ash_swig_nul_message(msg, sizeof msg, what,
                                      (size_t)(nul - RSTRING_PTR(*s))));
  }
  return StringValueCStr(*s);
}

/* ---------------------------------------------------------------------- */
/* Elements                                                                 */
/* ---------------------------------------------------------------------- */

/* Element (nidx, idx) of @v, through the library (which checks the index). */
VALUE rbash_get(const ash_view *v, int nidx, const int64_t *idx) {
  ash_elem e;
  RBASH_CHECK(
      ash_elem_get(v, ash_dtype_kind(ash_view_dtype(v)), nidx, idx, &e));
  return rbash_elem_value(&e);
}

static void rbash_elem_int(VALUE x, int dtype, ash_elem *e) {
  if (FIXNUM_P(x)) {
    e->kind = ASH_KIND_INT;
    e->i = (int64_t)FIX2LONG(x);
    return;
  }
  uint64_t mag = 0;
  int sign = rb_integer_pack(x, &mag, 1, sizeof mag, 0,
                             INTEGER_PACK_LSWORD_FIRST |
                                 INTEGER_PACK_NATIVE_BYTE_ORDER);
  if (sign == 1 && mag <= (uint64_t)INT64_MAX) {
    e->kind = ASH_KIND_INT;
    e->i = (int64_t)mag;
  } else if (sign == 1) {
    e->kind = ASH_KIND_UINT;
    e->u = mag;
  } else if (sign == -1 && mag <= (uint64_t)INT64_MAX + 1) {
    e->kind = ASH_KIND_INT;
    e->i = (int64_t)(0 - mag);
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
void rbash_elem_of(VALUE x, int dtype, ash_elem *e) {
  *e = (ash_elem){0, 0, 0, 0, 0};
  if (RB_FLOAT_TYPE_P(x)) {
    e->kind = ASH_KIND_FLOAT;
    e->re = RFLOAT_VALUE(x);
  } else if (RB_INTEGER_TYPE_P(x)) {
    rbash_elem_int(x, dtype, e);
  } else if (x == Qtrue || x == Qfalse) {
    if (dtype != ASH_BOOL)
      rb_raise(rb_eTypeError,
               "true/false can only be stored in a bool view "
               "(this one is %s)",
               ash_dtype_name(dtype));
    e->kind = ASH_KIND_BOOL;
    e->i = x == Qtrue;
  } else if (RB_TYPE_P(x, T_COMPLEX)) {
    e->kind = ASH_KIND_COMPLEX;
    e->re = NUM2DBL(rb_complex_real(x));
    e->im = NUM2DBL(rb_complex_imag(x));
  } else if (RB_TYPE_P(x, T_RATIONAL)) {
    VALUE den = rb_rational_den(x);
    if (FIXNUM_P(den) && FIX2LONG(den) == 1) {
      rbash_elem_int(rb_rational_num(x), dtype, e);
    } else {
      e->kind = ASH_KIND_FLOAT;
      e->re = NUM2DBL(x);
    }
  } else if (!SPECIAL_CONST_P(x) && !RB_TYPE_P(x, T_STRING) &&
             rb_obj_is_kind_of(x, rb_cNumeric)) {
    e->kind = ASH_KIND_FLOAT;
    e->re = NUM2DBL(x);
  } else {
    rb_raise(rb_eTypeError, "cannot store %" PRIsVALUE " in a %s view",
             rb_obj_class(x), ash_dtype_name(dtype));
  }
}

void rbash_set(const ash_view *v, int nidx, const int64_t *idx, VALUE x) {
  ash_elem e;
  rbash_elem_of(x, ash_view_dtype(v), &e);
  RBASH_CHECK(ash_elem_set(v, nidx, idx, &e));
}

/* Sets every element of @v to @x: one check, before anything is written. */
void rbash_fill(const ash_view *v, VALUE x) {
  ash_elem e;
  rbash_elem_of(x, ash_view_dtype(v), &e);
  RBASH_CHECK(ash_elem_fill(v, &e));
}
