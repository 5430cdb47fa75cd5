/* SPDX-License-Identifier: MIT */
/* Element access: multi and flat indices, negatives, and every conversion
 * rule of the header ("nothing is lost silently"). */
#include "common.h"

#include <float.h>

TestSuite(element, .fini = t_fini);

/* One segment per test with one 1-element... or small array per dtype. */
static ash_segment *g_seg;

static ash_view *arr(int dtype, int n) {
  if (!g_seg) {
    TNAME(name);
    ASSERT_OK(ash_segment_create(name, 64 * 64, 64, 0, 0600, &g_seg));
  }
  static int k;
  char an[16];
  snprintf(an, sizeof an, "a%d", k++);
  ash_view *v = NULL;
  ASSERT_OK(ash_segment_add_array(g_seg, an, dtype, 1, (int64_t[]){n}, &v));
  return v;
}

static void done(ash_view *v) { ash_view_release(v); }

static void close_seg(void) {
  ash_segment_close(g_seg);
  g_seg = NULL;
}

static const int64_t I0[1] = {0};

#define SET_F64(v, x) ash_view_set_f64((v), 1, I0, (x))
#define SET_I64(v, x) ash_view_set_i64((v), 1, I0, (x))
#define SET_U64(v, x) ash_view_set_u64((v), 1, I0, (x))
#define SET_C(v, re, im) ash_view_set_c128((v), 1, I0, (re), (im))

static double get_f64(ash_view *v) {
  double x = -999;
  ASSERT_OK(ash_view_get_f64(v, 1, I0, &x));
  return x;
}

static int64_t get_i64(ash_view *v) {
  int64_t x = -999;
  ASSERT_OK(ash_view_get_i64(v, 1, I0, &x));
  return x;
}

static uint64_t get_u64(ash_view *v) {
  uint64_t x = 999;
  ASSERT_OK(ash_view_get_u64(v, 1, I0, &x));
  return x;
}

/* ---- indices ----------------------------------------------------------------- */

TEST(element, multi_and_flat_indices) {
  TNAME(name);
  ash_view *v = t_make_array(name, ASH_FLOAT64, 2, (int64_t[]){3, 4}, 0, NULL);
  ASSERT_OK(ash_view_set_f64(v, 2, (int64_t[]){1, 2}, 6.5));
  double x = 0;
  ASSERT_OK(ash_view_get_f64(v, 1, (int64_t[]){6}, &x));
  cr_assert_eq(x, 6.5);
  ASSERT_OK(ash_view_get_f64(v, 2, (int64_t[]){-2, -2}, &x));
  cr_assert_eq(x, 6.5);
  ASSERT_OK(ash_view_get_f64(v, 1, (int64_t[]){-6}, &x));
  cr_assert_eq(x, 6.5);
  cr_assert_eq(((double *)ash_view_data(v))[6], 6.5, "C-order layout");
  ASSERT_OK(ash_view_set_f64(v, 1, (int64_t[]){-1}, 11.0));
  cr_assert_eq(((double *)ash_view_data(v))[11], 11.0);
  ASSERT_OK(ash_view_set_f64(v, 2, (int64_t[]){-3, 0}, -1.0));
  cr_assert_eq(((double *)ash_view_data(v))[0], -1.0);

  x = 42;
  const int64_t bad2[][2] = {{3, 0},  {0, 4},         {-4, 0},
                             {0, -5}, {INT64_MIN, 0}, {INT64_MAX, 0}};
  for (size_t i = 0; i < sizeof bad2 / sizeof bad2[0]; i++) {
    ASSERT_ERR(ash_view_get_f64(v, 2, bad2[i], &x), ASH_E_INDEX);
    ASSERT_ERR(ash_view_set_f64(v, 2, bad2[i], 1.0), ASH_E_INDEX);
  }
  const int64_t bad1[] = {12, -13, INT64_MIN, INT64_MAX};
  for (size_t i = 0; i < sizeof bad1 / sizeof bad1[0]; i++)
    ASSERT_ERR(ash_view_get_f64(v, 1, &bad1[i], &x), ASH_E_INDEX);
  ASSERT_ERR(ash_view_get_f64(v, 3, (int64_t[]){0, 0, 0}, &x), ASH_E_INDEX);
  ASSERT_ERR(ash_view_get_f64(v, 0, NULL, &x), ASH_E_INDEX);
  ASSERT_ERR(ash_view_get_f64(v, -1, I0, &x), ASH_E_INDEX);
  cr_assert_eq(x, 42, "failed get must leave *out untouched");
  ASSERT_ERR(ash_view_get_f64(v, 1, NULL, &x), ASH_E_INVAL);
  ASSERT_ERR(ash_view_get_f64(v, 1, I0, NULL), ASH_E_INVAL);
  ASSERT_ERR(ash_view_get_i64(v, 1, I0, NULL), ASH_E_INVAL);
  ASSERT_ERR(ash_view_get_u64(v, 1, I0, NULL), ASH_E_INVAL);
  ASSERT_ERR(ash_view_get_f64(NULL, 1, I0, &x), ASH_E_INVAL);
  ASSERT_ERR(ash_view_set_f64(NULL, 1, I0, 1.0), ASH_E_INVAL);
  ash_view_release(v);
}

TEST(element, flat_index_on_strided_view) {
  TNAME(name);
  ash_view *v = t_make_array(name, ASH_INT32, 2, (int64_t[]){3, 4}, 0, NULL);
  t_fill_arange(v);
  ash_view *t = NULL;
  ASSERT_OK(ash_view_transpose(v, &t)); /* shape (4, 3) */
  /* flat index k of t is t[k / 3, k % 3] = v[k % 3, k / 3] */
  for (int64_t k = 0; k < 12; k++)
    cr_assert_eq(t_get_i64_flat(t, k), (k % 3) * 4 + k / 3);
  ASSERT_OK(ash_view_set_i64(t, 1, (int64_t[]){-1}, 100)); /* t[3, 2] */
  cr_assert_eq(((int32_t *)ash_view_data(v))[11], 100);
  ash_view_release(t);
  ash_view_release(v);
}

/* ---- every dtype round-trips small values ------------------------------------- */

TEST(element, every_dtype_basic) {
  for (int dt = ASH_BOOL; dt < ASH_DTYPE_COUNT_; dt++) {
    ash_view *v = arr(dt, 2);
    double val = dt == ASH_BOOL ? 1 : 3;
    ASSERT_OK(SET_F64(v, val));
    cr_assert_eq(get_f64(v), val, "%s", ash_dtype_name(dt));
    cr_assert_eq(get_i64(v), (int64_t)val, "%s", ash_dtype_name(dt));
    cr_assert_eq(get_u64(v), (uint64_t)val, "%s", ash_dtype_name(dt));
    double re = -1, im = -1;
    ASSERT_OK(ash_view_get_c128(v, 1, I0, &re, &im));
    cr_assert_eq(re, val);
    cr_assert_eq(im, 0.0);
    ASSERT_OK(SET_I64(v, 0));
    cr_assert_eq(get_f64(v), 0.0);
    ASSERT_OK(SET_U64(v, 1));
    cr_assert_eq(get_i64(v), 1);
    ASSERT_OK(SET_C(v, 0.0, 0.0));
    cr_assert_eq(get_i64(v), 0);
    /* the other element was never touched */
    double y = -1;
    ASSERT_OK(ash_view_get_f64(v, 1, (int64_t[]){1}, &y));
    cr_assert_eq(y, 0.0);
    done(v);
  }
  close_seg();
}

/* ---- set_f64 into integers and bool ------------------------------------------ */

TEST(element, set_f64_into_integers) {
  ash_view *u8 = arr(ASH_UINT8, 1);
  ASSERT_OK(SET_F64(u8, 7));
  ASSERT_ERR(SET_F64(u8, 300), ASH_E_VALUE);
  cr_assert_eq(get_i64(u8), 7, "a failed set must not write");
  ASSERT_ERR(SET_F64(u8, 256), ASH_E_VALUE);
  ASSERT_ERR(SET_F64(u8, -1), ASH_E_VALUE);
  ASSERT_ERR(SET_F64(u8, 2.5), ASH_E_VALUE);
  ASSERT_ERR(SET_F64(u8, NAN), ASH_E_VALUE);
  ASSERT_ERR(SET_F64(u8, INFINITY), ASH_E_VALUE);
  ASSERT_OK(SET_F64(u8, 255));
  cr_assert_eq(get_i64(u8), 255);
  ASSERT_OK(SET_F64(u8, -0.0));
  cr_assert_eq(get_i64(u8), 0);
  cr_assert_eq(ash_last_error_code(), ASH_E_VALUE);
  cr_assert(ash_last_error()[0] != '\0');

  ash_view *i8 = arr(ASH_INT8, 1);
  ASSERT_OK(SET_F64(i8, -128));
  ASSERT_OK(SET_F64(i8, 127));
  ASSERT_ERR(SET_F64(i8, 128), ASH_E_VALUE);
  ASSERT_ERR(SET_F64(i8, -129), ASH_E_VALUE);
  cr_assert_eq(get_i64(i8), 127);

  ash_view *i32 = arr(ASH_INT32, 1);
  ASSERT_ERR(SET_F64(i32, 2.5), ASH_E_VALUE);
  ASSERT_ERR(SET_F64(i32, -0.5), ASH_E_VALUE);
  ASSERT_ERR(SET_F64(i32, 2147483648.0), ASH_E_VALUE);
  ASSERT_OK(SET_F64(i32, -2147483648.0));
  cr_assert_eq(get_i64(i32), INT32_MIN);

  ash_view *i64 = arr(ASH_INT64, 1);
  ASSERT_ERR(SET_F64(i64, NAN), ASH_E_VALUE);
  ASSERT_ERR(SET_F64(i64, INFINITY), ASH_E_VALUE);
  ASSERT_ERR(SET_F64(i64, -INFINITY), ASH_E_VALUE);
  ASSERT_ERR(SET_F64(i64, 9223372036854775808.0), ASH_E_VALUE); /* 2^63 */
  ASSERT_OK(SET_F64(i64, -9223372036854775808.0));
  cr_assert_eq(get_i64(i64), INT64_MIN);
  ASSERT_OK(SET_F64(i64, 9223372036854774784.0)); /* largest double < 2^63 */
  cr_assert_eq(get_i64(i64), INT64_C(9223372036854774784));

  ash_view *u64 = arr(ASH_UINT64, 1);
  ASSERT_ERR(SET_F64(u64, 18446744073709551616.0), ASH_E_VALUE); /* 2^64 */
  ASSERT_ERR(SET_F64(u64, -1.0), ASH_E_VALUE);
  ASSERT_OK(SET_F64(u64, 18446744073709549568.0));
  cr_assert_eq(get_u64(u64), UINT64_C(18446744073709549568));
  ASSERT_OK(SET_F64(u64, 9223372036854775808.0));
  cr_assert_eq(get_u64(u64), UINT64_C(9223372036854775808));

  ash_view *u16 = arr(ASH_UINT16, 1);
  ASSERT_OK(SET_F64(u16, 65535));
  ASSERT_ERR(SET_F64(u16, 65536), ASH_E_VALUE);
  ash_view *i16 = arr(ASH_INT16, 1);
  ASSERT_ERR(SET_F64(i16, 32768), ASH_E_VALUE);
  ash_view *u32 = arr(ASH_UINT32, 1);
  ASSERT_OK(SET_F64(u32, 4294967295.0));
  ASSERT_ERR(SET_F64(u32, 4294967296.0), ASH_E_VALUE);
  cr_assert_eq(get_u64(u32), UINT32_MAX);

  ash_view *b = arr(ASH_BOOL, 1);
  ASSERT_OK(SET_F64(b, 1));
  cr_assert_eq(*(uint8_t *)ash_view_data(b), 1);
  ASSERT_ERR(SET_F64(b, 2), ASH_E_VALUE);
  ASSERT_ERR(SET_F64(b, 0.5), ASH_E_VALUE);
  ASSERT_ERR(SET_F64(b, -1), ASH_E_VALUE);
  ASSERT_ERR(SET_F64(b, NAN), ASH_E_VALUE);
  cr_assert_eq(get_i64(b), 1);
  ASSERT_OK(SET_F64(b, 0));
  cr_assert_eq(*(uint8_t *)ash_view_data(b), 0);
  ash_view *all[] = {u8, i8, i32, i64, u64, u16, i16, u32, b};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    done(all[i]);
  close_seg();
}

/* ---- set_f64 into floats and complex ------------------------------------------ */

TEST(element, set_f64_into_floats) {
  ash_view *f32 = arr(ASH_FLOAT32, 1);
  ASSERT_OK(SET_F64(f32, 0.1));
  cr_assert_eq(get_f64(f32), (double)0.1f, "rounds to nearest float32");
  ASSERT_OK(SET_F64(f32, 3.4028234663852886e38)); /* FLT_MAX */
  cr_assert_eq(get_f64(f32), (double)FLT_MAX);
  ASSERT_ERR(SET_F64(f32, 1e39), ASH_E_VALUE);
  ASSERT_ERR(SET_F64(f32, -1e39), ASH_E_VALUE);
  ASSERT_ERR(SET_F64(f32, DBL_MAX), ASH_E_VALUE);
  cr_assert_eq(get_f64(f32), (double)FLT_MAX, "failed set must not write");
  ASSERT_OK(SET_F64(f32, NAN));
  cr_assert(isnan(get_f64(f32)));
  ASSERT_OK(SET_F64(f32, -INFINITY));
  cr_assert(isinf(get_f64(f32)) && get_f64(f32) < 0);
  ASSERT_OK(SET_F64(f32, 1e-50)); /* underflow is rounding, not overflow */
  cr_assert_eq(get_f64(f32), 0.0);

  ash_view *f16 = arr(ASH_FLOAT16, 1);
  ASSERT_OK(SET_F64(f16, 1.5));
  cr_assert_eq(*(uint16_t *)ash_view_data(f16), 0x3E00);
  cr_assert_eq(get_f64(f16), 1.5);
  ASSERT_OK(SET_F64(f16, -2.0));
  cr_assert_eq(*(uint16_t *)ash_view_data(f16), 0xC000);
  ASSERT_OK(SET_F64(f16, 0.1));
  cr_assert_eq(get_f64(f16), 0.0999755859375);
  ASSERT_OK(SET_F64(f16, 65504));
  cr_assert_eq(*(uint16_t *)ash_view_data(f16), 0x7BFF);
  ASSERT_ERR(SET_F64(f16, 70000), ASH_E_VALUE);
  ASSERT_ERR(SET_F64(f16, -1e6), ASH_E_VALUE);
  cr_assert_eq(get_f64(f16), 65504.0);
  ASSERT_OK(SET_F64(f16, INFINITY));
  cr_assert_eq(*(uint16_t *)ash_view_data(f16), 0x7C00);
  ASSERT_OK(SET_F64(f16, NAN));
  cr_assert(isnan(get_f64(f16)));
  ASSERT_OK(SET_F64(f16, ldexp(1.0, -24))); /* smallest subnormal */
  cr_assert_eq(*(uint16_t *)ash_view_data(f16), 0x0001);
  ASSERT_OK(SET_F64(f16, 1e-8));
  cr_assert_eq(get_f64(f16), 0.0);

  ash_view *f64 = arr(ASH_FLOAT64, 1);
  ASSERT_OK(SET_F64(f64, DBL_MAX));
  cr_assert_eq(get_f64(f64), DBL_MAX);
  ASSERT_OK(SET_F64(f64, NAN));
  cr_assert(isnan(get_f64(f64)));

  ash_view *c64 = arr(ASH_COMPLEX64, 1);
  ASSERT_OK(SET_F64(c64, 2.5));
  double re = 0, im = 1;
  ASSERT_OK(ash_view_get_c128(c64, 1, I0, &re, &im));
  cr_assert_eq(re, 2.5);
  cr_assert_eq(im, 0.0);
  ash_view *c128 = arr(ASH_COMPLEX128, 1);
  ASSERT_OK(SET_C(c128, 1.0, 5.0));
  ASSERT_OK(SET_F64(c128, -3.0));
  ASSERT_OK(ash_view_get_c128(c128, 1, I0, &re, &im));
  cr_assert_eq(re, -3.0);
  cr_assert_eq(im, 0.0, "set_f64 into complex: imaginary part 0");
  ash_view *all[] = {f32, f16, f64, c64, c128};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    done(all[i]);
  close_seg();
}

/* ---- set_i64 / set_u64 ----------------------------------------------------------- */

TEST(element, set_i64_rules) {
  ash_view *i8 = arr(ASH_INT8, 1);
  ASSERT_OK(SET_I64(i8, 127));
  ASSERT_ERR(SET_I64(i8, 128), ASH_E_VALUE);
  ASSERT_ERR(SET_I64(i8, -129), ASH_E_VALUE);
  cr_assert_eq(get_i64(i8), 127);
  ash_view *u8 = arr(ASH_UINT8, 1);
  ASSERT_ERR(SET_I64(u8, -1), ASH_E_VALUE);
  ASSERT_ERR(SET_I64(u8, 300), ASH_E_VALUE);
  ash_view *u64 = arr(ASH_UINT64, 1);
  ASSERT_ERR(SET_I64(u64, -1), ASH_E_VALUE);
  ASSERT_OK(SET_I64(u64, INT64_MAX));
  cr_assert_eq(get_u64(u64), (uint64_t)INT64_MAX);
  ash_view *i64 = arr(ASH_INT64, 1);
  ASSERT_OK(SET_I64(i64, INT64_MIN));
  cr_assert_eq(get_i64(i64), INT64_MIN);
  cr_assert_eq(*(int64_t *)ash_view_data(i64), INT64_MIN);

  ash_view *f64 = arr(ASH_FLOAT64, 1);
  const int64_t p53 = INT64_C(1) << 53;
  ASSERT_OK(SET_I64(f64, p53));
  cr_assert_eq(get_f64(f64), 9007199254740992.0);
  ASSERT_ERR(SET_I64(f64, p53 + 1), ASH_E_VALUE);
  ASSERT_ERR(SET_I64(f64, -(p53 + 1)), ASH_E_VALUE);
  ASSERT_ERR(SET_I64(f64, INT64_MAX), ASH_E_VALUE);
  cr_assert_eq(get_f64(f64), 9007199254740992.0);
  ASSERT_OK(SET_I64(f64, INT64_MIN)); /* -2^63 is exact */
  cr_assert_eq(get_f64(f64), -9223372036854775808.0);
  ASSERT_OK(SET_I64(f64, p53 + 2));
  ash_view *f32 = arr(ASH_FLOAT32, 1);
  ASSERT_OK(SET_I64(f32, 16777216));
  ASSERT_ERR(SET_I64(f32, 16777217), ASH_E_VALUE);
  ash_view *f16 = arr(ASH_FLOAT16, 1);
  ASSERT_OK(SET_I64(f16, 2048));
  ASSERT_ERR(SET_I64(f16, 2049), ASH_E_VALUE);
  ASSERT_OK(SET_I64(f16, 65504));
  ASSERT_ERR(SET_I64(f16, 65505), ASH_E_VALUE);
  ASSERT_ERR(SET_I64(f16, 100000), ASH_E_VALUE);
  ash_view *c128 = arr(ASH_COMPLEX128, 1);
  ASSERT_ERR(SET_I64(c128, p53 + 1), ASH_E_VALUE);
  ASSERT_OK(SET_I64(c128, -5));
  cr_assert_eq(get_f64(c128), -5.0);
  ash_view *b = arr(ASH_BOOL, 1);
  ASSERT_OK(SET_I64(b, 1));
  ASSERT_ERR(SET_I64(b, 2), ASH_E_VALUE);
  ASSERT_ERR(SET_I64(b, -1), ASH_E_VALUE);
  cr_assert_eq(get_i64(b), 1);
  ash_view *all[] = {i8, u8, u64, i64, f64, f32, f16, c128, b};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    done(all[i]);
  close_seg();
}

TEST(element, set_u64_rules) {
  ash_view *i64 = arr(ASH_INT64, 1);
  ASSERT_OK(SET_U64(i64, (uint64_t)INT64_MAX));
  ASSERT_ERR(SET_U64(i64, (uint64_t)INT64_MAX + 1), ASH_E_VALUE);
  cr_assert_eq(get_i64(i64), INT64_MAX);
  ash_view *u64 = arr(ASH_UINT64, 1);
  ASSERT_OK(SET_U64(u64, UINT64_MAX));
  cr_assert_eq(get_u64(u64), UINT64_MAX);
  cr_assert_eq(*(uint64_t *)ash_view_data(u64), UINT64_MAX);
  ash_view *u32 = arr(ASH_UINT32, 1);
  ASSERT_ERR(SET_U64(u32, UINT64_C(1) << 32), ASH_E_VALUE);
  ash_view *f64 = arr(ASH_FLOAT64, 1);
  ASSERT_OK(SET_U64(f64, UINT64_C(1) << 63));
  cr_assert_eq(get_f64(f64), 9223372036854775808.0);
  ASSERT_ERR(SET_U64(f64, UINT64_MAX), ASH_E_VALUE);
  ASSERT_ERR(SET_U64(f64, (UINT64_C(1) << 53) + 1), ASH_E_VALUE);
  ash_view *f32 = arr(ASH_FLOAT32, 1);
  ASSERT_OK(SET_U64(f32, UINT64_C(1) << 63));
  ASSERT_ERR(SET_U64(f32, (UINT64_C(1) << 24) + 1), ASH_E_VALUE);
  ash_view *b = arr(ASH_BOOL, 1);
  ASSERT_ERR(SET_U64(b, 2), ASH_E_VALUE);
  ash_view *all[] = {i64, u64, u32, f64, f32, b};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    done(all[i]);
  close_seg();
}

/* ---- getters ----------------------------------------------------------------------- */

TEST(element, get_conversions) {
  ash_view *u64 = arr(ASH_UINT64, 1);
  ASSERT_OK(SET_U64(u64, UINT64_MAX));
  int64_t i = 42;
  ASSERT_ERR(ash_view_get_i64(u64, 1, I0, &i), ASH_E_VALUE);
  cr_assert_eq(i, 42, "failed get must leave *out untouched");
  cr_assert_eq(get_f64(u64), 18446744073709551616.0, "rounds to nearest");
  ASSERT_OK(SET_U64(u64, UINT64_C(1) << 63));
  ASSERT_ERR(ash_view_get_i64(u64, 1, I0, &i), ASH_E_VALUE);
  cr_assert_eq(get_u64(u64), UINT64_C(1) << 63);

  ash_view *i64 = arr(ASH_INT64, 1);
  ASSERT_OK(SET_I64(i64, -1));
  uint64_t u = 42;
  ASSERT_ERR(ash_view_get_u64(i64, 1, I0, &u), ASH_E_VALUE);
  cr_assert_eq(u, 42u);
  ASSERT_OK(SET_I64(i64, (INT64_C(1) << 53) + 1));
  cr_assert_eq(get_f64(i64), 9007199254740992.0, "2^53+1 rounds to even");
  ASSERT_OK(SET_I64(i64, INT64_MAX));
  cr_assert_eq(get_f64(i64), 9223372036854775808.0);

  ash_view *f64 = arr(ASH_FLOAT64, 1);
  const double bad[] = {2.5,       -0.5, NAN,   INFINITY,
                        -INFINITY, 1e19, -1e19, 9223372036854775808.0};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    ASSERT_OK(SET_F64(f64, bad[k]));
    ASSERT_ERR(ash_view_get_i64(f64, 1, I0, &i), ASH_E_VALUE);
  }
  ASSERT_OK(SET_F64(f64, 1e19));
  cr_assert_eq(get_u64(f64), UINT64_C(10000000000000000000));
  ASSERT_OK(SET_F64(f64, -3.0));
  ASSERT_ERR(ash_view_get_u64(f64, 1, I0, &u), ASH_E_VALUE);
  ASSERT_OK(SET_F64(f64, 2.5));
  ASSERT_ERR(ash_view_get_u64(f64, 1, I0, &u), ASH_E_VALUE);
  ASSERT_OK(SET_F64(f64, -0.0));
  cr_assert_eq(get_i64(f64), 0);
  ASSERT_OK(SET_F64(f64, -9223372036854775808.0));
  cr_assert_eq(get_i64(f64), INT64_MIN);

  ash_view *f16 = arr(ASH_FLOAT16, 1);
  *(uint16_t *)ash_view_data(f16) = 0x3C00; /* 1.0 */
  cr_assert_eq(get_f64(f16), 1.0);
  cr_assert_eq(get_i64(f16), 1);
  *(uint16_t *)ash_view_data(f16) = 0x3800; /* 0.5 */
  ASSERT_ERR(ash_view_get_i64(f16, 1, I0, &i), ASH_E_VALUE);
  *(uint16_t *)ash_view_data(f16) = 0x7E00; /* NaN */
  ASSERT_ERR(ash_view_get_i64(f16, 1, I0, &i), ASH_E_VALUE);

  ash_view *b = arr(ASH_BOOL, 1);
  ASSERT_OK(SET_I64(b, 1));
  cr_assert_eq(get_i64(b), 1);
  cr_assert_eq(get_u64(b), 1u);
  cr_assert_eq(get_f64(b), 1.0);
  ash_view *all[] = {u64, i64, f64, f16, b};
  for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
    done(all[k]);
  close_seg();
}

/* ---- complex ------------------------------------------------------------------------ */

TEST(element, complex_rules) {
  ash_view *c = arr(ASH_COMPLEX128, 1);
  ASSERT_OK(SET_C(c, 1.0, 2.0));
  double re = 0, im = 0;
  ASSERT_OK(ash_view_get_c128(c, 1, I0, &re, &im));
  cr_assert_eq(re, 1.0);
  cr_assert_eq(im, 2.0);
  cr_assert_eq(((double *)ash_view_data(c))[0], 1.0);
  cr_assert_eq(((double *)ash_view_data(c))[1], 2.0);
  double x = 42;
  ASSERT_ERR(ash_view_get_f64(c, 1, I0, &x), ASH_E_VALUE);
  cr_assert_eq(x, 42);
  int64_t i = 42;
  ASSERT_ERR(ash_view_get_i64(c, 1, I0, &i), ASH_E_VALUE);
  ASSERT_OK(SET_C(c, 4.0, 0.0));
  cr_assert_eq(get_f64(c), 4.0, "imaginary part 0 reads as real");

  ash_view *c64 = arr(ASH_COMPLEX64, 1);
  ASSERT_OK(SET_C(c64, 0.1, -0.2));
  ASSERT_OK(ash_view_get_c128(c64, 1, I0, &re, &im));
  cr_assert_eq(re, (double)0.1f);
  cr_assert_eq(im, (double)-0.2f);
  cr_assert_eq(((float *)ash_view_data(c64))[1], -0.2f);

  ash_view *f64 = arr(ASH_FLOAT64, 1);
  ASSERT_OK(SET_C(f64, 1.5, 0.0));
  cr_assert_eq(get_f64(f64), 1.5);
  ASSERT_ERR(SET_C(f64, 1.0, 2.0), ASH_E_VALUE);
  ASSERT_ERR(SET_C(f64, 1.0, -0.5), ASH_E_VALUE);
  cr_assert_eq(get_f64(f64), 1.5, "a failed set must not write");
  ASSERT_OK(ash_view_get_c128(f64, 1, I0, &re, &im));
  cr_assert_eq(re, 1.5);
  cr_assert_eq(im, 0.0);

  ash_view *i32 = arr(ASH_INT32, 1);
  ASSERT_OK(SET_C(i32, 3.0, 0.0));
  cr_assert_eq(get_i64(i32), 3);
  ASSERT_ERR(SET_C(i32, 3.0, 1.0), ASH_E_VALUE);
  ASSERT_ERR(SET_C(i32, 2.5, 0.0), ASH_E_VALUE);
  ASSERT_ERR(SET_C(i32, 1e10, 0.0), ASH_E_VALUE);
  cr_assert_eq(get_i64(i32), 3);
  ASSERT_OK(ash_view_get_c128(i32, 1, I0, &re, &im));
  cr_assert_eq(re, 3.0);
  cr_assert_eq(im, 0.0);

  ash_view *b = arr(ASH_BOOL, 1);
  ASSERT_OK(SET_C(b, 1.0, 0.0));
  cr_assert_eq(get_i64(b), 1);
  ASSERT_ERR(SET_C(b, 1.0, 1.0), ASH_E_VALUE);
  ASSERT_ERR(ash_view_get_c128(b, 1, I0, NULL, &im), ASH_E_INVAL);
  ash_view *all[] = {c, c64, f64, i32, b};
  for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
    done(all[k]);
  close_seg();
}

TEST(element, readonly_view_refuses_set) {
  ash_view *v = arr(ASH_INT16, 3);
  ash_view *r = NULL;
  ASSERT_OK(ash_view_readonly(v, &r));
  ASSERT_ERR(ash_view_set_f64(r, 1, I0, 1), ASH_E_RDONLY);
  ASSERT_ERR(ash_view_set_i64(r, 1, I0, 1), ASH_E_RDONLY);
  ASSERT_ERR(ash_view_set_u64(r, 1, I0, 1), ASH_E_RDONLY);
  ASSERT_ERR(ash_view_set_c128(r, 1, I0, 1, 0), ASH_E_RDONLY);
  int64_t x = -1;
  ASSERT_OK(ash_view_get_i64(r, 1, I0, &x));
  cr_assert_eq(x, 0);
  done(r);
  done(v);
  close_seg();
}

/* The float64 fast path of get_f64/set_f64 (non-negative multi-indices in
 * range) and everything that must leave it: negative and flat indices,
 * out of range, wrong index count, NULL pointers, read-only views (also a
 * read-only view made from a writable one, and one reinterpreted to
 * float64), and a view of another dtype reinterpreted as float64. */
TEST(element, f64_fast_path_edges) {
  TNAME(name);
  ash_view *v = NULL;
  ASSERT_OK(ash_create(name, ASH_FLOAT64, 2, (int64_t[]){3, 4}, 0, 0600, &v));
  double x = -1;
  for (int64_t i = 0; i < 3; i++)
    for (int64_t j = 0; j < 4; j++)
      ASSERT_OK(
          ash_view_set_f64(v, 2, (int64_t[]){i, j}, (double)(10 * i + j)));
  ASSERT_OK(ash_view_get_f64(v, 2, (int64_t[]){2, 3}, &x));
  cr_assert_eq(x, 23);
  ASSERT_OK(ash_view_get_f64(v, 2, (int64_t[]){-1, -4}, &x));
  cr_assert_eq(x, 20);
  ASSERT_OK(ash_view_get_f64(v, 1, (int64_t[]){5}, &x)); /* flat */
  cr_assert_eq(x, 11);
  ASSERT_OK(ash_view_set_f64(v, 2, (int64_t[]){-3, -1}, 0.5));
  ASSERT_OK(ash_view_get_f64(v, 2, (int64_t[]){0, 3}, &x));
  cr_assert_eq(x, 0.5);
  ASSERT_ERR(ash_view_get_f64(v, 2, (int64_t[]){3, 0}, &x), ASH_E_INDEX);
  ASSERT_ERR(ash_view_get_f64(v, 2, (int64_t[]){0, 4}, &x), ASH_E_INDEX);
  ASSERT_ERR(ash_view_set_f64(v, 2, (int64_t[]){-4, 0}, 1), ASH_E_INDEX);
  ASSERT_ERR(ash_view_get_f64(v, 3, (int64_t[]){0, 0, 0}, &x), ASH_E_INDEX);
  ASSERT_ERR(ash_view_get_f64(v, 2, NULL, &x), ASH_E_INVAL);
  ASSERT_ERR(ash_view_set_f64(v, 2, NULL, 1), ASH_E_INVAL);
  ASSERT_ERR(ash_view_get_f64(v, 2, (int64_t[]){0, 0}, NULL), ASH_E_INVAL);
  ASSERT_ERR(ash_view_get_f64(NULL, 2, (int64_t[]){0, 0}, &x), ASH_E_INVAL);
  ASSERT_ERR(ash_view_set_f64(NULL, 2, (int64_t[]){0, 0}, 1), ASH_E_INVAL);

  ash_view *r = NULL, *row = NULL, *t = NULL;
  ASSERT_OK(ash_view_readonly(v, &r));
  ASSERT_ERR(ash_view_set_f64(r, 2, (int64_t[]){0, 0}, 1), ASH_E_RDONLY);
  ASSERT_OK(ash_view_get_f64(r, 2, (int64_t[]){1, 2}, &x));
  cr_assert_eq(x, 12);
  ASSERT_OK(ash_view_index(r, 0, 1, &row)); /* derived from a read-only view */
  ASSERT_ERR(ash_view_set_f64(row, 1, (int64_t[]){0}, 1), ASH_E_RDONLY);
  ash_view_release(row);
  ASSERT_OK(ash_view_transpose(v, &t)); /* strided: same fast path */
  ASSERT_OK(ash_view_set_f64(t, 2, (int64_t[]){3, 2}, 99));
  ASSERT_OK(ash_view_get_f64(v, 2, (int64_t[]){2, 3}, &x));
  cr_assert_eq(x, 99);
  ash_view_release(t);

  /* int64 bytes read as float64 and back: the fast path follows the dtype */
  ash_view *iv = NULL, *fv = NULL;
  ASSERT_OK(ash_view_reinterpret(v, ASH_INT64, &iv));
  ASSERT_ERR(ash_view_set_f64(iv, 2, (int64_t[]){0, 0}, 0.5), ASH_E_VALUE);
  ASSERT_OK(ash_view_set_f64(iv, 2, (int64_t[]){0, 0}, 7));
  int64_t k = 0;
  ASSERT_OK(ash_view_get_i64(iv, 2, (int64_t[]){0, 0}, &k));
  cr_assert_eq(k, 7);
  ASSERT_OK(ash_view_reinterpret(iv, ASH_FLOAT64, &fv));
  ASSERT_OK(ash_view_set_f64(fv, 2, (int64_t[]){0, 0}, 2.25));
  ASSERT_OK(ash_view_get_f64(v, 2, (int64_t[]){0, 0}, &x));
  cr_assert_eq(x, 2.25);
  ash_view *rf = NULL;
  ASSERT_OK(ash_view_reinterpret(r, ASH_FLOAT64, &rf));
  ASSERT_ERR(ash_view_set_f64(rf, 2, (int64_t[]){0, 0}, 1), ASH_E_RDONLY);
  ash_view_release(rf);
  ash_view_release(fv);
  ash_view_release(iv);
  ash_view_release(r);
  ash_view_release(v); /* policy auto: the last view removes the segment */
}

/* The error, code and words, of a failed float64 access, and *out left
 * as it was. */
#define ASSERT_F64_ERR(expr, code, words, xp, was)                             \
  do {                                                                         \
    ASSERT_ERR(expr, code);                                                    \
    cr_assert(strstr(ash_last_error(), words), "%s", ash_last_error());        \
    cr_assert_eq(*(xp), was, "a failed get must leave *out untouched");        \
  } while (0)

/* The float64 fast path of other ndims than 2 (3-d, 1-d, 0-d: out of line
 * in view.c) and the words of the errors both paths leave to the general
 * path: in range they read and write the element at its strides, and
 * everything else is worded as before. */
TEST(element, f64_fast_path_other_ndims) {
  TNAME(name);
  ash_view *v =
      t_make_array(name, ASH_FLOAT64, 3, (int64_t[]){2, 3, 4}, 0, NULL);
  for (int64_t i = 0; i < 2; i++)
    for (int64_t j = 0; j < 3; j++)
      for (int64_t k = 0; k < 4; k++)
        ASSERT_OK(ash_view_set_f64(v, 3, (int64_t[]){i, j, k},
                                   (double)(100 * i + 10 * j + k)));
  const double *d = ash_view_data(v);
  cr_assert_eq(d[1 * 12 + 2 * 4 + 3], 123, "C-order layout");
  double x = -1;
  ASSERT_OK(ash_view_get_f64(v, 3, (int64_t[]){1, 2, 3}, &x));
  cr_assert_eq(x, 123);
  ASSERT_OK(ash_view_get_f64(v, 3, (int64_t[]){-1, 0, -1}, &x));
  cr_assert_eq(x, 103);
  x = 42;
  ASSERT_F64_ERR(ash_view_get_f64(v, 3, (int64_t[]){0, 3, 0}, &x), ASH_E_INDEX,
                 "index 3 is out of range for axis 1 of size 3", &x, 42);
  ASSERT_F64_ERR(ash_view_get_f64(v, 3, (int64_t[]){0, 0, -5}, &x), ASH_E_INDEX,
                 "index -5 is out of range for axis 2 of size 4", &x, 42);
  ASSERT_ERR(ash_view_set_f64(v, 3, (int64_t[]){2, 0, 0}, 1), ASH_E_INDEX);
  ASSERT_F64_ERR(ash_view_get_f64(v, 2, (int64_t[]){0, 0}, &x), ASH_E_INDEX,
                 "2 indices for a 3-d view", &x, 42);
  ASSERT_F64_ERR(ash_view_get_f64(v, 3, NULL, &x), ASH_E_INVAL,
                 "index array is NULL", &x, 42);
  ASSERT_ERR(ash_view_get_f64(v, 3, (int64_t[]){0, 0, 0}, NULL), ASH_E_INVAL);
  cr_assert(strstr(ash_last_error(), "output pointer is NULL"));

  /* 2-d (the inline path): the same words */
  ash_view *m = NULL, *row = NULL, *one = NULL, *ro = NULL;
  ASSERT_OK(ash_view_index(v, 0, 1, &m));
  ASSERT_OK(ash_view_get_f64(m, 2, (int64_t[]){2, 1}, &x));
  cr_assert_eq(x, 121);
  x = 42;
  ASSERT_F64_ERR(ash_view_get_f64(m, 2, (int64_t[]){3, 0}, &x), ASH_E_INDEX,
                 "index 3 is out of range for axis 0 of size 3", &x, 42);
  ASSERT_F64_ERR(ash_view_get_f64(m, 2, (int64_t[]){0, INT64_MIN}, &x),
                 ASH_E_INDEX, "for axis 1 of size 4", &x, 42);
  ASSERT_ERR(ash_view_get_f64(m, 2, (int64_t[]){0, 0}, NULL), ASH_E_INVAL);
  cr_assert(strstr(ash_last_error(), "output pointer is NULL"));
  ASSERT_ERR(ash_view_get_f64(NULL, 2, (int64_t[]){0, 0}, &x), ASH_E_INVAL);
  cr_assert(strstr(ash_last_error(), "view is NULL"));

  /* 1-d, a row of a 3-d view (stride 8, offset 1 * 12 + 2 * 4 elements) */
  ASSERT_OK(ash_view_index(m, 0, 2, &row));
  ASSERT_OK(ash_view_get_f64(row, 1, (int64_t[]){3}, &x));
  cr_assert_eq(x, 123);
  ASSERT_OK(ash_view_set_f64(row, 1, (int64_t[]){0}, 0.5));
  cr_assert_eq(d[1 * 12 + 2 * 4], 0.5);
  x = 42;
  ASSERT_F64_ERR(ash_view_get_f64(row, 1, (int64_t[]){4}, &x), ASH_E_INDEX,
                 "index 4 is out of range for axis 0 of size 4", &x, 42);
  ASSERT_ERR(ash_view_get_f64(row, 1, (int64_t[]){0}, NULL), ASH_E_INVAL);
  cr_assert(strstr(ash_last_error(), "output pointer is NULL"));
  ASSERT_OK(ash_view_readonly(row, &ro));
  ASSERT_OK(ash_view_get_f64(ro, 1, (int64_t[]){3}, &x));
  cr_assert_eq(x, 123);
  ASSERT_ERR(ash_view_set_f64(ro, 1, (int64_t[]){3}, 1), ASH_E_RDONLY);
  cr_assert(strstr(ash_last_error(), "is read-only"), "%s", ash_last_error());
  cr_assert_eq(d[1 * 12 + 2 * 4 + 3], 123, "a refused set must not write");

  /* 0-d: no index (nidx 0, @idx NULL or not) or the flat index 0 */
  ASSERT_OK(ash_view_index(row, 0, 1, &one));
  ASSERT_OK(ash_view_set_f64(one, 0, I0, 7.5));
  cr_assert_eq(d[1 * 12 + 2 * 4 + 1], 7.5);
  x = 0;
  ASSERT_OK(ash_view_get_f64(one, 0, I0, &x));
  cr_assert_eq(x, 7.5);
  x = 0;
  ASSERT_OK(ash_view_get_f64(one, 0, NULL, &x));
  cr_assert_eq(x, 7.5);
  ASSERT_OK(ash_view_set_f64(one, 1, I0, 8.5));
  ASSERT_OK(ash_view_get_f64(one, 0, I0, &x));
  cr_assert_eq(x, 8.5);
  ASSERT_ERR(ash_view_get_f64(one, 0, I0, NULL), ASH_E_INVAL);
  cr_assert(strstr(ash_last_error(), "output pointer is NULL"));

  ash_view_release(one);
  ash_view_release(ro);
  ash_view_release(row);
  ash_view_release(m);
  ash_view_release(v);
}

/* Integer and float conversions at the edges of each range (the checks are
 * made in the value's own type: no long double). */
TEST(element, conversion_edges) {
  ash_view *i64 = arr(ASH_INT64, 1), *u64 = arr(ASH_UINT64, 1);
  ash_view *f64 = arr(ASH_FLOAT64, 1), *f32 = arr(ASH_FLOAT32, 1);
  ash_view *i8 = arr(ASH_INT8, 1), *b = arr(ASH_BOOL, 1);
  ASSERT_ERR(SET_F64(i64, 9223372036854775808.0), ASH_E_VALUE); /* 2^63 */
  ASSERT_OK(SET_F64(i64, -9223372036854775808.0));
  cr_assert_eq(get_i64(i64), INT64_MIN);
  ASSERT_OK(SET_F64(i64, 9223372036854774784.0)); /* largest double < 2^63 */
  cr_assert_eq(get_i64(i64), INT64_C(9223372036854774784));
  ASSERT_ERR(SET_F64(u64, 18446744073709551616.0), ASH_E_VALUE); /* 2^64 */
  ASSERT_ERR(SET_F64(u64, -1.0), ASH_E_VALUE);
  ASSERT_OK(SET_F64(u64, 18446744073709549568.0));
  cr_assert_eq(get_u64(u64), UINT64_C(18446744073709549568));
  ASSERT_ERR(SET_I64(f64, INT64_MAX), ASH_E_VALUE); /* rounds to 2^63 */
  ASSERT_ERR(SET_I64(f64, (INT64_C(1) << 53) + 1), ASH_E_VALUE);
  ASSERT_OK(SET_I64(f64, INT64_MIN));
  cr_assert_eq(get_f64(f64), -9223372036854775808.0);
  ASSERT_ERR(SET_U64(f64, UINT64_MAX), ASH_E_VALUE); /* rounds to 2^64 */
  ASSERT_OK(SET_U64(f64, UINT64_C(1) << 63));
  ASSERT_ERR(SET_I64(f32, (1 << 24) + 1), ASH_E_VALUE);
  ASSERT_OK(SET_I64(f32, 1 << 24));
  ASSERT_OK(SET_F64(f32, 0.1)); /* a double rounds into float32 */
  cr_assert_eq(get_f64(f32), (double)0.1f);
  ASSERT_ERR(SET_F64(f32, 1e39), ASH_E_VALUE);
  ASSERT_ERR(SET_I64(i8, 128), ASH_E_VALUE);
  cr_assert(
      strstr(ash_last_error(), "128 is out of range for int8 [-128, 127]"),
      "%s", ash_last_error());
  ASSERT_ERR(SET_F64(i8, -129), ASH_E_VALUE);
  ASSERT_OK(SET_F64(i8, -128));
  ASSERT_ERR(SET_U64(i8, UINT64_MAX), ASH_E_VALUE);
  cr_assert(strstr(ash_last_error(), "18446744073709551615"), "%s",
            ash_last_error());
  ASSERT_ERR(SET_I64(b, 2), ASH_E_VALUE);
  ASSERT_OK(SET_F64(b, 1));
  cr_assert_eq(get_i64(b), 1);
  ASSERT_ERR(SET_I64(u64, -1), ASH_E_VALUE);
  cr_assert(strstr(ash_last_error(), "-1 is out of range for uint64"), "%s",
            ash_last_error());
  done(i64);
  done(u64);
  done(f64);
  done(f32);
  done(i8);
  done(b);
  close_seg();
}
