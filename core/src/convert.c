/* SPDX-License-Identifier: MIT */
/* Element conversion with the rules documented in arrayshare.h: nothing is
 * lost silently. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

enum { K_BOOL, K_INT, K_UINT, K_FLOAT, K_COMPLEX };

static int ash__kind(int dtype) {
  switch (dtype) {
  case ASH_BOOL:
    return K_BOOL;
  case ASH_INT8:
  case ASH_INT16:
  case ASH_INT32:
  case ASH_INT64:
    return K_INT;
  case ASH_UINT8:
  case ASH_UINT16:
  case ASH_UINT32:
  case ASH_UINT64:
    return K_UINT;
  case ASH_FLOAT16:
  case ASH_FLOAT32:
  case ASH_FLOAT64:
    return K_FLOAT;
  default:
    return K_COMPLEX;
  }
}

static double ash__f16_to_f64(uint16_t h) {
  int exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  double v;
  if (exp == 0)
    v = ldexp(man, -24);
  else if (exp == 31)
    v = man ? NAN : INFINITY;
  else
    v = ldexp(man + 1024, exp - 25);
  return (h & 0x8000) ? -v : v;
}

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

/* Reads a real element: integers exactly into *i or *u, floats into *d. */
static void ash__raw(int dtype, const void *p, int64_t *i, uint64_t *u, double *d,
                     double *im) {
  *im = 0;
  switch (dtype) {
  case ASH_BOOL: {
    uint8_t x;
    memcpy(&x, p, 1);
    *i = x != 0;
    return;
  }
#define ASH__RAW_INT(DT, T)                                                  \
  case DT: {                                                                 \
    T x;                                                                     \
    memcpy(&x, p, sizeof x);                                                 \
    *i = x;                                                                  \
    return;                                                                  \
  }
#define ASH__RAW_UINT(DT, T)                                                 \
  case DT: {                                                                 \
    T x;                                                                     \
    memcpy(&x, p, sizeof x);                                                 \
    *u = x;                                                                  \
    return;                                                                  \
  }
    ASH__RAW_INT(ASH_INT8, int8_t)
    ASH__RAW_INT(ASH_INT16, int16_t)
    ASH__RAW_INT(ASH_INT32, int32_t)
    ASH__RAW_INT(ASH_INT64, int64_t)
    ASH__RAW_UINT(ASH_UINT8, uint8_t)
    ASH__RAW_UINT(ASH_UINT16, uint16_t)
    ASH__RAW_UINT(ASH_UINT32, uint32_t)
    ASH__RAW_UINT(ASH_UINT64, uint64_t)
  case ASH_FLOAT16: {
    uint16_t x;
    memcpy(&x, p, 2);
    *d = ash__f16_to_f64(x);
    return;
  }
  case ASH_FLOAT32: {
    float x;
    memcpy(&x, p, 4);
    *d = x;
    return;
  }
  case ASH_FLOAT64:
    memcpy(d, p, 8);
    return;
  case ASH_COMPLEX64: {
    float x[2];
    memcpy(x, p, 8);
    *d = x[0];
    *im = x[1];
    return;
  }
  default: {
    double x[2];
    memcpy(x, p, 16);
    *d = x[0];
    *im = x[1];
    return;
  }
  }
}

static int ash__imag_err(double im) {
  return ash__err(ASH_E_VALUE,
                  "complex value has imaginary part %g; read it with "
                  "get_c128",
                  im);
}

int ash__load_f64(int dtype, const void *p, double *out) {
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0, im;
  ash__raw(dtype, p, &i, &u, &d, &im);
  switch (ash__kind(dtype)) {
  case K_BOOL:
  case K_INT:
    *out = (double)i;
    return ASH_OK;
  case K_UINT:
    *out = (double)u;
    return ASH_OK;
  case K_COMPLEX:
    if (im != 0)
      return ash__imag_err(im);
    /* fall through */
  default:
    *out = d;
    return ASH_OK;
  }
}

static int ash__float_to_int(double d, int64_t *out) {
  if (!isfinite(d) || trunc(d) != d)
    return ash__err(ASH_E_VALUE, "value %g is not an integer", d);
  if (d < -9223372036854775808.0 || d >= 9223372036854775808.0)
    return ash__err(ASH_E_VALUE, "value %g is out of range for int64", d);
  *out = (int64_t)d;
  return ASH_OK;
}

int ash__load_i64(int dtype, const void *p, int64_t *out) {
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0, im;
  ash__raw(dtype, p, &i, &u, &d, &im);
  switch (ash__kind(dtype)) {
  case K_BOOL:
  case K_INT:
    *out = i;
    return ASH_OK;
  case K_UINT:
    if (u > (uint64_t)INT64_MAX)
      return ash__err(ASH_E_VALUE,
                      "value %llu is out of range for int64; read it with "
                      "get_u64",
                      (unsigned long long)u);
    *out = (int64_t)u;
    return ASH_OK;
  case K_COMPLEX:
    if (im != 0)
      return ash__imag_err(im);
    /* fall through */
  default:
    return ash__float_to_int(d, out);
  }
}

int ash__load_u64(int dtype, const void *p, uint64_t *out) {
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0, im;
  ash__raw(dtype, p, &i, &u, &d, &im);
  switch (ash__kind(dtype)) {
  case K_BOOL:
  case K_INT:
    if (i < 0)
      return ash__err(ASH_E_VALUE, "value %lld is negative: not a uint64",
                      (long long)i);
    *out = (uint64_t)i;
    return ASH_OK;
  case K_UINT:
    *out = u;
    return ASH_OK;
  case K_COMPLEX:
    if (im != 0)
      return ash__imag_err(im);
    /* fall through */
  default:
    if (!isfinite(d) || trunc(d) != d)
      return ash__err(ASH_E_VALUE, "value %g is not an integer", d);
    if (d < 0 || d >= 18446744073709551616.0)
      return ash__err(ASH_E_VALUE, "value %g is out of range for uint64", d);
    *out = (uint64_t)d;
    return ASH_OK;
  }
}

int ash__load_c128(int dtype, const void *p, double *re, double *im) {
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0, m;
  ash__raw(dtype, p, &i, &u, &d, &m);
  switch (ash__kind(dtype)) {
  case K_BOOL:
  case K_INT:
    *re = (double)i;
    break;
  case K_UINT:
    *re = (double)u;
    break;
  default:
    *re = d;
    break;
  }
  *im = m;
  return ASH_OK;
}

/* ---- packing ---------------------------------------------------------- */

/* Range of each integer dtype (bool: 0 or 1). */
static const struct {
  long double lo, hi;
} ash__int_ranges[ASH_DTYPE_COUNT_] = {
    [ASH_BOOL] = {0, 1},
    [ASH_INT8] = {INT8_MIN, INT8_MAX},
    [ASH_INT16] = {INT16_MIN, INT16_MAX},
    [ASH_INT32] = {INT32_MIN, INT32_MAX},
    [ASH_INT64] = {(long double)INT64_MIN, (long double)INT64_MAX},
    [ASH_UINT8] = {0, UINT8_MAX},
    [ASH_UINT16] = {0, UINT16_MAX},
    [ASH_UINT32] = {0, UINT32_MAX},
    [ASH_UINT64] = {0, (long double)UINT64_MAX},
};

/* Stores an integral value known to be in range of the integer dtype: its
 * low itemsize bytes in two's complement, little-endian (the only byte
 * order segments have). */
static void ash__store_int(int dtype, long double x, void *item) {
  uint64_t bits = x < 0 ? (uint64_t)(int64_t)x : (uint64_t)x;
  memcpy(item, &bits, ash_dtype_itemsize(dtype));
}

static const char *ash__fmt_ld(long double x, char *buf, size_t n) {
  snprintf(buf, n, "%.17Lg", x);
  return buf;
}

/* Integer dtype from a long double holding the exact value. */
static int ash__pack_int_ld(int dtype, long double x, void *item) {
  long double lo = ash__int_ranges[dtype].lo, hi = ash__int_ranges[dtype].hi;
  char b[64];
  if (x < lo || x > hi) {
    if (dtype == ASH_BOOL)
      return ash__err(ASH_E_VALUE, "value %s cannot be stored in bool (0 or 1)",
                      ash__fmt_ld(x, b, sizeof b));
    char l[64], h[64];
    return ash__err(ASH_E_VALUE, "value %s is out of range for %s [%s, %s]",
                    ash__fmt_ld(x, b, sizeof b), ash_dtype_name(dtype),
                    ash__fmt_ld(lo, l, sizeof l), ash__fmt_ld(hi, h, sizeof h));
  }
  ash__store_int(dtype, x, item);
  return ASH_OK;
}

/* A float dtype from an exact value: rounding allowed only when @exact is
 * false; overflow to infinity of a finite value is always refused. */
static int ash__pack_float(int dtype, long double x, bool exact, void *item) {
  char b[64];
  bool finite = isfinite(x);
  if (dtype == ASH_FLOAT64 || dtype == ASH_COMPLEX128) {
    double v = (double)x;
    if (finite && isinf(v))
      return ash__err(ASH_E_VALUE, "value %s overflows %s",
                      ash__fmt_ld(x, b, sizeof b), ash_dtype_name(dtype));
    if (exact && (long double)v != x)
      return ash__err(ASH_E_VALUE,
                      "value %s is not exactly representable in %s",
                      ash__fmt_ld(x, b, sizeof b), ash_dtype_name(dtype));
    memcpy(item, &v, 8);
    if (dtype == ASH_COMPLEX128)
      memset((uint8_t *)item + 8, 0, 8);
    return ASH_OK;
  }
  if (dtype == ASH_FLOAT32 || dtype == ASH_COMPLEX64) {
    float v = (float)(double)x;
    if (exact)
      v = (float)x;
    if (finite && isinf(v))
      return ash__err(ASH_E_VALUE, "value %s overflows %s",
                      ash__fmt_ld(x, b, sizeof b), ash_dtype_name(dtype));
    if (exact && (long double)v != x)
      return ash__err(ASH_E_VALUE,
                      "value %s is not exactly representable in %s",
                      ash__fmt_ld(x, b, sizeof b), ash_dtype_name(dtype));
    memcpy(item, &v, 4);
    if (dtype == ASH_COMPLEX64)
      memset((uint8_t *)item + 4, 0, 4);
    return ASH_OK;
  }
  /* float16 */
  uint16_t h = ash__f64_to_f16((double)x);
  double back = ash__f16_to_f64(h);
  if (finite && isinf(back))
    return ash__err(ASH_E_VALUE, "value %s overflows float16 (max 65504)",
                    ash__fmt_ld(x, b, sizeof b));
  if (exact && (long double)back != x)
    return ash__err(ASH_E_VALUE,
                    "value %s is not exactly representable in float16",
                    ash__fmt_ld(x, b, sizeof b));
  memcpy(item, &h, 2);
  return ASH_OK;
}

int ash__pack_f64(int dtype, double v, void *item) {
  int k = ash__kind(dtype);
  if (k == K_FLOAT || k == K_COMPLEX)
    return ash__pack_float(dtype, v, false, item);
  if (isnan(v) || isinf(v))
    return ash__err(ASH_E_VALUE, "value %g cannot be stored in %s", v,
                    ash_dtype_name(dtype));
  if (trunc(v) != v)
    return ash__err(ASH_E_VALUE, "value %.17g is not an integer (dtype %s)", v,
                    ash_dtype_name(dtype));
  return ash__pack_int_ld(dtype, v, item);
}

int ash__pack_i64(int dtype, int64_t v, void *item) {
  int k = ash__kind(dtype);
  if (k == K_FLOAT || k == K_COMPLEX)
    return ash__pack_float(dtype, (long double)v, true, item);
  return ash__pack_int_ld(dtype, (long double)v, item);
}

int ash__pack_u64(int dtype, uint64_t v, void *item) {
  int k = ash__kind(dtype);
  if (k == K_FLOAT || k == K_COMPLEX)
    return ash__pack_float(dtype, (long double)v, true, item);
  return ash__pack_int_ld(dtype, (long double)v, item);
}

int ash__pack_c128(int dtype, double re, double im, void *item) {
  if (ash__kind(dtype) != K_COMPLEX) {
    if (im != 0)
      return ash__err(ASH_E_VALUE,
                      "value (%g%+gj) has an imaginary part; %s is real", re, im,
                      ash_dtype_name(dtype));
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
