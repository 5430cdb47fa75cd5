/* SPDX-License-Identifier: MIT */
/* Element conversion with the rules documented in arrayshare.h: nothing is
 * lost silently. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "element.h"
#include "internal.h"

/* Round to nearest even. */
static uint16_t ash__f64_to_f16(double d) {
  uint64_t b;
  memcpy(&b, &d, sizeof b);
  uint16_t sign = (uint16_t)((b >> 48) & 0x8000);
  int exp = (int)((b >> 52) & 0x7ff);
  uint64_t man = b & UINT64_C(0xfffffffffffff);
  if (exp == 0x7ff)
    return (uint16_t)(sign | 0x7c00 | (man ? 0x200 : 0));
  int e = exp - 1023 + 15;
  if (e >= 31)
    return (uint16_t)(sign | 0x7c00);
  if (e <= 0) {
    if (e < -10)
      return sign;
    man |= UINT64_C(1) << 52;
    int shift = 43 - e;
    uint64_t hm = man >> shift, rem = man & ((UINT64_C(1) << shift) - 1);
    uint64_t half = UINT64_C(1) << (shift - 1);
    if (rem > half || (rem == half && (hm & 1)))
      hm++;
    return (uint16_t)(sign | hm);
  }
  uint32_t h = ((uint32_t)e << 10) | (uint32_t)(man >> 42);
  uint64_t rem = man & ((UINT64_C(1) << 42) - 1), half = UINT64_C(1) << 41;
  if (rem > half || (rem == half && (h & 1)))
    h++;
  return (uint16_t)(sign | h);
}

/* Decodes the element at @p into *@e: a complex one must be real here
 * (imaginary part 0), since only get_c128 reads imaginary parts. */
static int ash__load_real(int dtype, const void *p, ash_elem *e) {
  ash_elem_load(dtype, p, e);
  if (e->kind == ASH_KIND_COMPLEX && e->im != 0)
    return ash__err(ASH_E_VALUE,
                    "complex value has imaginary part %g; read it with "
                    "get_c128",
                    e->im);
  return ASH_OK;
}

/* The real value of a decoded element as a double (int64/uint64 beyond
 * 2^53 round to nearest). */
static double ash__elem_f64(const ash_elem *e) {
  return e->kind == ASH_KIND_BOOL || e->kind == ASH_KIND_INT ? (double)e->i
         : e->kind == ASH_KIND_UINT                          ? (double)e->u
                                                             : e->re;
}

/* A float read as an integer: integral and in [@lo, @hi), else VALUE. */
static int ash__integral(double d, double lo, double hi, const char *type) {
  if (!isfinite(d) || trunc(d) != d)
    return ash__err(ASH_E_VALUE, "value %g is not an integer", d);
  if (d < lo || d >= hi)
    return ash__err(ASH_E_VALUE, "value %g is out of range for %s", d, type);
  return ASH_OK;
}

int ash__load_f64(int dtype, const void *p, double *out) {
  ash_elem e;
  int r = ash__load_real(dtype, p, &e);
  if (r == ASH_OK)
    *out = ash__elem_f64(&e);
  return r;
}

int ash__load_i64(int dtype, const void *p, int64_t *out) {
  ash_elem e;
  int r = ash__load_real(dtype, p, &e);
  if (r)
    return r;
  if (e.kind == ASH_KIND_BOOL || e.kind == ASH_KIND_INT) {
    *out = e.i;
  } else if (e.kind == ASH_KIND_UINT) {
    if (e.u > (uint64_t)INT64_MAX)
      return ash__err(ASH_E_VALUE,
                      "value %llu is out of range for int64; read it with "
                      "get_u64",
                      (unsigned long long)e.u);
    *out = (int64_t)e.u;
  } else if ((r = ash__integral(e.re, -9223372036854775808.0,
                                9223372036854775808.0, "int64")) == ASH_OK) {
    *out = (int64_t)e.re;
  }
  return r;
}

int ash__load_u64(int dtype, const void *p, uint64_t *out) {
  ash_elem e;
  int r = ash__load_real(dtype, p, &e);
  if (r)
    return r;
  if (e.kind == ASH_KIND_BOOL || e.kind == ASH_KIND_INT) {
    if (e.i < 0)
      return ash__err(ASH_E_VALUE, "value %lld is negative: not a uint64",
                      (long long)e.i);
    *out = (uint64_t)e.i;
  } else if (e.kind == ASH_KIND_UINT) {
    *out = e.u;
  } else if ((r = ash__integral(e.re, 0, 18446744073709551616.0, "uint64")) ==
             ASH_OK) {
    *out = (uint64_t)e.re;
  }
  return r;
}

int ash__load_c128(int dtype, const void *p, double *re, double *im) {
  ash_elem e;
  ash_elem_load(dtype, p, &e);
  *re = ash__elem_f64(&e);
  *im = e.im;
  return ASH_OK;
}

/* ---- packing ---------------------------------------------------------- *
 * In the value's own type (double, int64 or uint64): no long double, so
 * each check is a compare or two (ash_view_set_* are element accessors). */

/* Range of each integer dtype (bool: 0 or 1); uint64 is checked apart. */
static const struct {
  int64_t lo, hi;
} ash__int_ranges[ASH_DTYPE_COUNT_] = {
    [ASH_BOOL] = {0, 1},
    [ASH_INT8] = {INT8_MIN, INT8_MAX},
    [ASH_INT16] = {INT16_MIN, INT16_MAX},
    [ASH_INT32] = {INT32_MIN, INT32_MAX},
    [ASH_INT64] = {INT64_MIN, INT64_MAX},
    [ASH_UINT8] = {0, UINT8_MAX},
    [ASH_UINT16] = {0, UINT16_MAX},
    [ASH_UINT32] = {0, UINT32_MAX},
    [ASH_UINT64] = {0, INT64_MAX},
};

/* Stores the low itemsize bytes of @bits (two's complement, little-endian:
 * the only byte order segments have). */
static void ash__store_int(int dtype, uint64_t bits, void *item) {
  memcpy(item, &bits, ash_dtype_itemsize(dtype));
}

/* The value that did not fit, for messages: an integer or a double. */
struct ash__num {
  enum { ASH__NUM_I, ASH__NUM_U, ASH__NUM_D } t;
  int64_t i;
  uint64_t u;
  double d;
};

static const char *ash__num_str(const struct ash__num *x, char *buf, size_t n) {
  if (x->t == ASH__NUM_I)
    snprintf(buf, n, "%lld", (long long)x->i);
  else if (x->t == ASH__NUM_U)
    snprintf(buf, n, "%llu", (unsigned long long)x->u);
  else
    snprintf(buf, n, "%.17g", x->d);
  return buf;
}

static int ash__range_err(int dtype, const struct ash__num *x) {
  char b[64];
  if (dtype == ASH_BOOL)
    return ash__err(ASH_E_VALUE, "value %s cannot be stored in bool (0 or 1)",
                    ash__num_str(x, b, sizeof b));
  if (dtype == ASH_UINT64)
    return ash__err(ASH_E_VALUE,
                    "value %s is out of range for uint64 [0, "
                    "18446744073709551615]",
                    ash__num_str(x, b, sizeof b));
  return ash__err(ASH_E_VALUE, "value %s is out of range for %s [%lld, %lld]",
                  ash__num_str(x, b, sizeof b), ash_dtype_name(dtype),
                  (long long)ash__int_ranges[dtype].lo,
                  (long long)ash__int_ranges[dtype].hi);
}

/* A float dtype from the double @x; @exact: @x must be stored without
 * rounding (@orig says what the caller's value was, for the message);
 * overflow to infinity of a finite value is always refused. */
static int ash__pack_float(int dtype, double x, bool exact,
                           const struct ash__num *orig, void *item) {
  char b[64];
  bool finite = isfinite(x);
  if (dtype == ASH_FLOAT64 || dtype == ASH_COMPLEX128) {
    memcpy(item, &x, 8);
    if (dtype == ASH_COMPLEX128)
      memset((uint8_t *)item + 8, 0, 8);
    return ASH_OK;
  }
  if (dtype == ASH_FLOAT32 || dtype == ASH_COMPLEX64) {
    float v = (float)x;
    if (finite && isinf(v))
      return ash__err(ASH_E_VALUE, "value %s overflows %s",
                      ash__num_str(orig, b, sizeof b), ash_dtype_name(dtype));
    if (exact && (double)v != x)
      return ash__err(ASH_E_VALUE,
                      "value %s is not exactly representable in %s",
                      ash__num_str(orig, b, sizeof b), ash_dtype_name(dtype));
    memcpy(item, &v, 4);
    if (dtype == ASH_COMPLEX64)
      memset((uint8_t *)item + 4, 0, 4);
    return ASH_OK;
  }
  /* float16 */
  uint16_t h = ash__f64_to_f16(x);
  double back = ash_elem_f16(h);
  if (finite && isinf(back))
    return ash__err(ASH_E_VALUE, "value %s overflows float16 (max 65504)",
                    ash__num_str(orig, b, sizeof b));
  if (exact && back != x)
    return ash__err(ASH_E_VALUE,
                    "value %s is not exactly representable in float16",
                    ash__num_str(orig, b, sizeof b));
  memcpy(item, &h, 2);
  return ASH_OK;
}

static int ash__inexact(int dtype, const struct ash__num *x) {
  char b[64];
  return ash__err(ASH_E_VALUE, "value %s is not exactly representable in %s",
                  ash__num_str(x, b, sizeof b), ash_dtype_name(dtype));
}

int ash__pack_f64(int dtype, double v, void *item) {
  if (dtype == ASH_FLOAT64) {
    memcpy(item, &v, 8);
    return ASH_OK;
  }
  int k = ash_dtype_kind(dtype);
  struct ash__num x = {ASH__NUM_D, 0, 0, v};
  if (k == ASH_KIND_FLOAT || k == ASH_KIND_COMPLEX)
    return ash__pack_float(dtype, v, false, &x, item);
  if (isnan(v) || isinf(v))
    return ash__err(ASH_E_VALUE, "value %g cannot be stored in %s", v,
                    ash_dtype_name(dtype));
  if (trunc(v) != v)
    return ash__err(ASH_E_VALUE, "value %.17g is not an integer (dtype %s)", v,
                    ash_dtype_name(dtype));
  if (dtype == ASH_UINT64) {
    if (!(v >= 0 && v < 18446744073709551616.0))
      return ash__range_err(dtype, &x);
    ash__store_int(dtype, (uint64_t)v, item);
    return ASH_OK;
  }
  /* every bound but INT64_MAX is a double; v < 2^63 stands for it */
  if (!(v >= (double)ash__int_ranges[dtype].lo &&
        (dtype == ASH_INT64 ? v < 9223372036854775808.0
                            : v <= (double)ash__int_ranges[dtype].hi)))
    return ash__range_err(dtype, &x);
  ash__store_int(dtype, (uint64_t)(int64_t)v, item);
  return ASH_OK;
}

int ash__pack_i64(int dtype, int64_t v, void *item) {
  int k = ash_dtype_kind(dtype);
  struct ash__num x = {ASH__NUM_I, v, 0, 0};
  if (k == ASH_KIND_FLOAT || k == ASH_KIND_COMPLEX) {
    double d = (double)v; /* exact iff it converts back to v */
    if (d == 9223372036854775808.0 || (int64_t)d != v)
      return ash__inexact(dtype, &x);
    return ash__pack_float(dtype, d, true, &x, item);
  }
  if (v < ash__int_ranges[dtype].lo || v > ash__int_ranges[dtype].hi)
    return ash__range_err(dtype, &x);
  ash__store_int(dtype, (uint64_t)v, item);
  return ASH_OK;
}

int ash__pack_u64(int dtype, uint64_t v, void *item) {
  int k = ash_dtype_kind(dtype);
  struct ash__num x = {ASH__NUM_U, 0, v, 0};
  if (k == ASH_KIND_FLOAT || k == ASH_KIND_COMPLEX) {
    double d = (double)v;
    if (d == 18446744073709551616.0 || (uint64_t)d != v)
      return ash__inexact(dtype, &x);
    return ash__pack_float(dtype, d, true, &x, item);
  }
  if (dtype != ASH_UINT64 && v > (uint64_t)ash__int_ranges[dtype].hi)
    return ash__range_err(dtype, &x);
  ash__store_int(dtype, v, item);
  return ASH_OK;
}

int ash__pack_c128(int dtype, double re, double im, void *item) {
  if (ash_dtype_kind(dtype) != ASH_KIND_COMPLEX) {
    if (im != 0)
      return ash__err(ASH_E_VALUE,
                      "value (%g%+gj) has an imaginary part; %s is real", re,
                      im, ash_dtype_name(dtype));
    return ash__pack_f64(dtype, re, item);
  }
  if (dtype == ASH_COMPLEX128) {
    double x[2] = {re, im};
    memcpy(item, x, 16);
    return ASH_OK;
  }
  float x[2] = {(float)re, (float)im};
  if ((isfinite(re) && isinf(x[0])) || (isfinite(im) && isinf(x[1])))
    return ash__err(ASH_E_VALUE, "value (%g%+gj) overflows complex64", re, im);
  memcpy(item, x, 8);
  return ASH_OK;
}
