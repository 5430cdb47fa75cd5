/* SPDX-License-Identifier: MIT */
/* Bulk access: ash_view_read / ash_view_write on strided views, ash_view_copy
 * (including overlapping views) and the fills. */
#include "common.h"

TestSuite(bulk, .fini = t_fini);

#define R 5
#define C 7

/* Python slice of range(n) -> index list; returns its length. */
static int pyslice(int n, int64_t start, int64_t stop, int64_t step, int *out) {
  int64_t lower = step > 0 ? 0 : -1, upper = step > 0 ? n : n - 1;
  if (start == ASH_NONE)
    start = step < 0 ? upper : lower;
  else if (start < 0)
    start = start + n < lower ? lower : start + n;
  else if (start > upper)
    start = upper;
  if (stop == ASH_NONE)
    stop = step < 0 ? lower : upper;
  else if (stop < 0)
    stop = stop + n < lower ? lower : stop + n;
  else if (stop > upper)
    stop = upper;
  int k = 0;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step)
    out[k++] = (int)i;
  return k;
}

struct sl {
  int64_t start, stop, step;
};

struct case_ {
  struct sl rows, cols;
  int transpose;
};

static const struct case_ cases[] = {
    {{ASH_NONE, ASH_NONE, 1}, {ASH_NONE, ASH_NONE, 1}, 0},
    {{ASH_NONE, ASH_NONE, 2}, {ASH_NONE, ASH_NONE, -3}, 0},
    {{1, 4, 1}, {5, 1, -2}, 0},
    {{ASH_NONE, ASH_NONE, -1}, {ASH_NONE, ASH_NONE, -1}, 0},
    {{ASH_NONE, ASH_NONE, 1}, {ASH_NONE, ASH_NONE, 1}, 1},
    {{-1, -6, -2}, {1, ASH_NONE, 2}, 1},
    {{2, 3, 1}, {ASH_NONE, ASH_NONE, -1}, 0},
    {{3, 3, 1}, {ASH_NONE, ASH_NONE, 1}, 0}, /* empty */
};
#define NCASES ((int)(sizeof cases / sizeof cases[0]))

/* Makes the view of case c on base; fills ri/ci with the base indices of its
 * axes (after the optional transpose: ri indexes axis 0 of the view). */
static ash_view *case_view(ash_view *base, const struct case_ *c, int *n0,
                           int *i0, int *n1, int *i1, int *swapped) {
  ash_view *a = NULL, *b = NULL, *t = NULL;
  ASSERT_OK(ash_view_slice(base, 0, c->rows.start, c->rows.stop, c->rows.step,
                           0, &a));
  ASSERT_OK(
      ash_view_slice(a, 1, c->cols.start, c->cols.stop, c->cols.step, 0, &b));
  ash_view_release(a);
  int ri[R], ci[C];
  int nr = pyslice(R, c->rows.start, c->rows.stop, c->rows.step, ri);
  int nc = pyslice(C, c->cols.start, c->cols.stop, c->cols.step, ci);
  if (c->transpose) {
    ASSERT_OK(ash_view_transpose(b, &t));
    ash_view_release(b);
    b = t;
    *n0 = nc;
    memcpy(i0, ci, sizeof ci);
    *n1 = nr;
    memcpy(i1, ri, sizeof ri);
  } else {
    *n0 = nr;
    memcpy(i0, ri, sizeof ri);
    *n1 = nc;
    memcpy(i1, ci, sizeof ci);
  }
  *swapped = c->transpose;
  cr_assert_eq(ash_view_dim(b, 0), *n0);
  cr_assert_eq(ash_view_dim(b, 1), *n1);
  return b;
}

static ash_view *make_base(const char *name, int32_t *ref) {
  ash_view *v = t_make_array(name, ASH_INT32, 2, (int64_t[]){R, C}, 0, NULL);
  int32_t *d = ash_view_data(v);
  for (int i = 0; i < R * C; i++)
    ref[i] = d[i] = i * 3 - 50;
  return v;
}

TEST(bulk, read_strided_views) {
  TNAME(name);
  int32_t ref[R * C];
  ash_view *base = make_base(name, ref);
  for (int k = 0; k < NCASES; k++) {
    int n0, n1, sw, i0[C], i1[C];
    ash_view *v = case_view(base, &cases[k], &n0, i0, &n1, i1, &sw);
    int32_t got[R * C + 1], want[R * C + 1];
    memset(got, 0x55, sizeof got);
    int m = 0;
    for (int a = 0; a < n0; a++)
      for (int b = 0; b < n1; b++) {
        int r = sw ? i1[b] : i0[a], c = sw ? i0[a] : i1[b];
        want[m++] = ref[r * C + c];
      }
    cr_assert_eq(ash_view_nbytes(v), (uint64_t)m * 4);
    ASSERT_OK(ash_view_read(v, got, (uint64_t)m * 4));
    for (int i = 0; i < m; i++)
      cr_assert_eq(got[i], want[i], "case %d element %d: %d != %d", k, i,
                   got[i], want[i]);
    cr_assert_eq(got[m], 0x55555555, "case %d: read past nbytes", k);
    /* and element by element through the API agrees */
    for (int i = 0; i < m; i++)
      cr_assert_eq(t_get_i64_flat(v, i), want[i]);
    ash_view_release(v);
  }
  ash_view_release(base);
}

TEST(bulk, write_strided_views) {
  TNAME(name);
  int32_t ref[R * C];
  ash_view *base = make_base(name, ref);
  for (int k = 0; k < NCASES; k++) {
    int n0, n1, sw, i0[C], i1[C];
    ash_view *v = case_view(base, &cases[k], &n0, i0, &n1, i1, &sw);
    int32_t src[R * C];
    int m = 0;
    for (int a = 0; a < n0; a++)
      for (int b = 0; b < n1; b++) {
        int r = sw ? i1[b] : i0[a], c = sw ? i0[a] : i1[b];
        src[m] = 1000 * (k + 1) + m;
        ref[r * C + c] = src[m];
        m++;
      }
    ASSERT_OK(ash_view_write(v, src, (uint64_t)m * 4));
    const int32_t *d = ash_view_data(base);
    for (int i = 0; i < R * C; i++)
      cr_assert_eq(d[i], ref[i], "case %d: base[%d] = %d, expected %d", k, i,
                   d[i], ref[i]);
    ash_view_release(v);
  }
  ash_view_release(base);
}

TEST(bulk, size_mismatch_and_null) {
  TNAME(name);
  int32_t ref[R * C];
  ash_view *base = make_base(name, ref);
  int32_t buf[R * C + 8];
  uint64_t nb = ash_view_nbytes(base);
  cr_assert_eq(nb, (uint64_t)R * C * 4);
  ASSERT_ERR(ash_view_read(base, buf, nb - 1), ASH_E_INVAL);
  char want[32];
  snprintf(want, sizeof want, "%" PRIu64, nb);
  cr_assert(strstr(ash_last_error(), want) != NULL,
            "detail \"%s\" should name the view's %s bytes", ash_last_error(),
            want);
  snprintf(want, sizeof want, "%" PRIu64, nb - 1);
  cr_assert(strstr(ash_last_error(), want) != NULL,
            "detail \"%s\" should name the %s bytes given", ash_last_error(),
            want);
  ASSERT_ERR(ash_view_read(base, buf, nb + 1), ASH_E_INVAL);
  ASSERT_ERR(ash_view_read(base, buf, 0), ASH_E_INVAL);
  ASSERT_ERR(ash_view_write(base, buf, nb + 4), ASH_E_INVAL);
  ASSERT_ERR(ash_view_write(base, buf, nb - 4), ASH_E_INVAL);
  ASSERT_ERR(ash_view_read(base, NULL, nb), ASH_E_INVAL);
  ASSERT_ERR(ash_view_write(base, NULL, nb), ASH_E_INVAL);
  ASSERT_ERR(ash_view_read(NULL, buf, nb), ASH_E_INVAL);
  /* nothing was written by the failed writes */
  cr_assert_arr_eq(ash_view_data(base), ref, sizeof ref);
  ash_view_release(base);
}

TEST(bulk, readonly_write_refused) {
  TNAME(name);
  int32_t ref[R * C];
  ash_view *base = make_base(name, ref);
  ash_view *ro = NULL;
  ASSERT_OK(ash_view_readonly(base, &ro));
  int32_t buf[R * C] = {0};
  ASSERT_ERR(ash_view_write(ro, buf, sizeof buf), ASH_E_RDONLY);
  cr_assert_arr_eq(ash_view_data(base), ref, sizeof ref);
  ASSERT_OK(ash_view_read(ro, buf, sizeof buf));
  cr_assert_arr_eq(buf, ref, sizeof ref);
  ash_view_release(ro);
  ash_view_release(base);
}

TEST(bulk, large_round_trip) {
  TNAME(name);
  const int64_t n = 1 << 20;
  ash_view *v =
      t_make_array(name, ASH_FLOAT64, 2, (int64_t[]){1024, 1024}, 0, NULL);
  double *src = malloc(n * sizeof *src), *dst = malloc(n * sizeof *dst);
  cr_assert(src && dst);
  for (int64_t i = 0; i < n; i++)
    src[i] = (double)i * 0.5 - 7;
  ASSERT_OK(ash_view_write(v, src, n * 8));
  cr_assert_arr_eq(ash_view_data(v), src, n * 8);
  ASSERT_OK(ash_view_read(v, dst, n * 8));
  cr_assert_arr_eq(dst, src, n * 8);
  /* the transpose reads transposed */
  ash_view *t = NULL;
  ASSERT_OK(ash_view_transpose(v, &t));
  ASSERT_OK(ash_view_read(t, dst, n * 8));
  for (int64_t i = 0; i < 1024; i += 37)
    for (int64_t j = 0; j < 1024; j += 41)
      cr_assert_eq(dst[i * 1024 + j], src[j * 1024 + i]);
  ash_view_release(t);
  free(src);
  free(dst);
  ash_view_release(v);
}

TEST(bulk, complex_and_half_raw_bytes) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 4096, 4, 0, 0600, &seg));
  ash_view *c = NULL, *h = NULL, *rc = NULL;
  ASSERT_OK(
      ash_segment_add_array(seg, "c", ASH_COMPLEX128, 1, (int64_t[]){3}, &c));
  ASSERT_OK(
      ash_segment_add_array(seg, "h", ASH_FLOAT16, 1, (int64_t[]){4}, &h));
  double cin[6] = {1, 2, 3, 4, 5, 6}, cout[6] = {0};
  ASSERT_OK(ash_view_write(c, cin, sizeof cin));
  ASSERT_OK(ash_view_slice(c, 0, ASH_NONE, ASH_NONE, -1, 0, &rc));
  ASSERT_OK(ash_view_read(rc, cout, sizeof cout));
  const double crev[6] = {5, 6, 3, 4, 1, 2};
  cr_assert_arr_eq(cout, crev, sizeof crev);
  uint16_t hin[4] = {0x3C00, 0xC000, 0x7C00, 0x0001}, hout[4] = {0};
  ASSERT_OK(ash_view_write(h, hin, sizeof hin));
  ASSERT_OK(ash_view_read(h, hout, sizeof hout));
  cr_assert_arr_eq(hout, hin, sizeof hin);
  double x = 0;
  ASSERT_OK(ash_view_get_f64(h, 1, (int64_t[]){1}, &x));
  cr_assert_eq(x, -2.0);
  ash_view_release(rc);
  ash_view_release(c);
  ash_view_release(h);
  ash_segment_close(seg);
}

/* ---- copy ------------------------------------------------------------------------ */

TEST(bulk, copy_between_views) {
  TNAME(n1);
  TNAME(n2);
  int32_t ref[R * C];
  ash_view *a = make_base(n1, ref);
  ash_view *b = t_make_array(n2, ASH_INT32, 2, (int64_t[]){C, R}, 0, NULL);
  ash_view *at = NULL;
  ASSERT_OK(ash_view_transpose(a, &at));
  ASSERT_OK(ash_view_copy(b, at)); /* b = a.T, across segments */
  for (int i = 0; i < C; i++)
    for (int j = 0; j < R; j++)
      cr_assert_eq(((int32_t *)ash_view_data(b))[i * R + j], ref[j * C + i]);
  ash_view_release(at);

  /* strided source and destination */
  ash_view *src = NULL, *dst = NULL;
  ASSERT_OK(ash_view_slice(a, 1, ASH_NONE, ASH_NONE, -2, 0, &src)); /* 5x4 */
  ash_view *bt = NULL;
  ASSERT_OK(ash_view_transpose(b, &bt));              /* 5x7 view of b */
  ASSERT_OK(ash_view_slice(bt, 1, 0, 4, 1, 0, &dst)); /* 5x4 */
  ASSERT_OK(ash_view_copy(dst, src));
  for (int r = 0; r < R; r++)
    for (int k = 0; k < 4; k++) {
      int64_t x = -1;
      ASSERT_OK(ash_view_get_i64(dst, 2, (int64_t[]){r, k}, &x));
      cr_assert_eq(x, ref[r * C + (6 - 2 * k)]);
    }
  ash_view_release(bt);
  ash_view_release(dst);
  ash_view_release(src);

  /* errors */
  ash_view *f = NULL, *small = NULL, *ro = NULL;
  ASSERT_OK(ash_view_reinterpret(a, ASH_FLOAT32, &f));
  ASSERT_ERR(ash_view_copy(f, a), ASH_E_DTYPE);
  ASSERT_ERR(ash_view_copy(b, a), ASH_E_SHAPE); /* 7x5 vs 5x7 */
  ASSERT_OK(ash_view_slice(a, 0, 0, 2, 1, 0, &small));
  ASSERT_ERR(ash_view_copy(a, small), ASH_E_SHAPE);
  ASSERT_OK(ash_view_readonly(a, &ro));
  ASSERT_ERR(ash_view_copy(ro, a), ASH_E_RDONLY);
  ASSERT_ERR(ash_view_copy(NULL, a), ASH_E_INVAL);
  ASSERT_ERR(ash_view_copy(a, NULL), ASH_E_INVAL);
  cr_assert_arr_eq(ash_view_data(a), ref, sizeof ref);
  ash_view_release(ro);
  ash_view_release(small);
  ash_view_release(f);
  ash_view_release(a);
  ash_view_release(b);
}

static ash_view *arange_i64(const char *name, int n) {
  ash_view *v = t_make_array(name, ASH_INT64, 1, (int64_t[]){n}, 0, NULL);
  t_fill_arange(v);
  return v;
}

TEST(bulk, copy_overlapping) {
  TNAME(name);
  ash_view *v = arange_i64(name, 10);
  ash_view *lo = NULL, *hi = NULL;
  ASSERT_OK(ash_view_slice(v, 0, 0, 8, 1, 0, &lo));
  ASSERT_OK(ash_view_slice(v, 0, 2, 10, 1, 0, &hi));
  ASSERT_OK(ash_view_copy(hi, lo)); /* a[2:] = a[:8] */
  const int64_t e1[10] = {0, 1, 0, 1, 2, 3, 4, 5, 6, 7};
  cr_assert_arr_eq(ash_view_data(v), e1, sizeof e1);
  t_fill_arange(v);
  ASSERT_OK(ash_view_copy(lo, hi)); /* a[:8] = a[2:] */
  const int64_t e2[10] = {2, 3, 4, 5, 6, 7, 8, 9, 8, 9};
  cr_assert_arr_eq(ash_view_data(v), e2, sizeof e2);
  ash_view_release(lo);
  ash_view_release(hi);

  /* a[:] = a[::-1] */
  t_fill_arange(v);
  ash_view *rev = NULL;
  ASSERT_OK(ash_view_slice(v, 0, ASH_NONE, ASH_NONE, -1, 0, &rev));
  ASSERT_OK(ash_view_copy(v, rev));
  const int64_t e3[10] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0};
  cr_assert_arr_eq(ash_view_data(v), e3, sizeof e3);
  ash_view_release(rev);

  /* a[1::2] = a[::2] (interleaved) */
  t_fill_arange(v);
  ash_view *odd = NULL, *even = NULL;
  ASSERT_OK(ash_view_slice(v, 0, 1, ASH_NONE, 2, 0, &odd));
  ASSERT_OK(ash_view_slice(v, 0, 0, ASH_NONE, 2, 0, &even));
  ASSERT_OK(ash_view_copy(odd, even));
  const int64_t e4[10] = {0, 0, 2, 2, 4, 4, 6, 6, 8, 8};
  cr_assert_arr_eq(ash_view_data(v), e4, sizeof e4);
  ash_view_release(odd);
  ash_view_release(even);
  ash_view_release(v);

  /* square a = a.T in place */
  TNAME(n2);
  ash_view *m = t_make_array(n2, ASH_INT64, 2, (int64_t[]){4, 4}, 0, NULL);
  t_fill_arange(m);
  ash_view *mt = NULL;
  ASSERT_OK(ash_view_transpose(m, &mt));
  ASSERT_OK(ash_view_copy(m, mt));
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++)
      cr_assert_eq(((int64_t *)ash_view_data(m))[i * 4 + j], j * 4 + i);
  ash_view_release(mt);
  ash_view_release(m);
}

/* ---- fills ------------------------------------------------------------------------ */

TEST(bulk, fill_f64) {
  TNAME(name);
  int32_t ref[R * C];
  ash_view *a = make_base(name, ref);
  ash_view *s = NULL;
  ASSERT_OK(ash_view_slice(a, 1, 1, ASH_NONE, 3, 0, &s)); /* cols 1, 4 */
  ASSERT_OK(ash_view_fill_f64(s, 3.0));
  for (int r = 0; r < R; r++) {
    ref[r * C + 1] = 3;
    ref[r * C + 4] = 3;
  }
  cr_assert_arr_eq(ash_view_data(a), ref, sizeof ref);
  const double bad[] = {2.5, NAN, INFINITY, -INFINITY, 3e9, -3e9};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ASSERT_ERR(ash_view_fill_f64(a, bad[i]), ASH_E_VALUE);
    cr_assert_arr_eq(ash_view_data(a), ref, sizeof ref,
                     "a failed fill (%g) wrote something", bad[i]);
  }
  ash_view_release(s);
  ash_view_release(a);

  TNAME(n2);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(n2, 4096, 4, 0, 0600, &seg));
  ash_view *u8 = NULL, *f32 = NULL, *b = NULL;
  ASSERT_OK(
      ash_segment_add_array(seg, "u8", ASH_UINT8, 1, (int64_t[]){50}, &u8));
  ASSERT_OK(
      ash_segment_add_array(seg, "f32", ASH_FLOAT32, 1, (int64_t[]){50}, &f32));
  ASSERT_OK(ash_segment_add_array(seg, "b", ASH_BOOL, 1, (int64_t[]){50}, &b));
  ASSERT_OK(ash_view_fill_f64(u8, 9));
  ASSERT_ERR(ash_view_fill_f64(u8, 300), ASH_E_VALUE);
  for (int i = 0; i < 50; i++)
    cr_assert_eq(((uint8_t *)ash_view_data(u8))[i], 9);
  ASSERT_OK(ash_view_fill_f64(f32, 0.1));
  ASSERT_ERR(ash_view_fill_f64(f32, 1e39), ASH_E_VALUE);
  for (int i = 0; i < 50; i++)
    cr_assert_eq(((float *)ash_view_data(f32))[i], 0.1f);
  ASSERT_OK(ash_view_fill_f64(f32, NAN));
  cr_assert(isnan(((float *)ash_view_data(f32))[49]));
  ASSERT_OK(ash_view_fill_f64(b, 1));
  ASSERT_ERR(ash_view_fill_f64(b, 2), ASH_E_VALUE);
  for (int i = 0; i < 50; i++)
    cr_assert_eq(((uint8_t *)ash_view_data(b))[i], 1);
  ASSERT_ERR(ash_view_fill_f64(NULL, 1), ASH_E_INVAL);
  ash_view_release(u8);
  ash_view_release(f32);
  ash_view_release(b);
  ash_segment_close(seg);
}

TEST(bulk, fill_i64) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 4096, 4, 0, 0600, &seg));
  ash_view *f64 = NULL, *u16 = NULL, *c = NULL;
  ASSERT_OK(ash_segment_add_array(seg, "f64", ASH_FLOAT64, 2, (int64_t[]){4, 5},
                                  &f64));
  ASSERT_OK(
      ash_segment_add_array(seg, "u16", ASH_UINT16, 1, (int64_t[]){9}, &u16));
  ASSERT_OK(
      ash_segment_add_array(seg, "c", ASH_COMPLEX64, 1, (int64_t[]){3}, &c));
  ASSERT_OK(ash_view_fill_i64(f64, -4));
  ASSERT_ERR(ash_view_fill_i64(f64, (INT64_C(1) << 53) + 1), ASH_E_VALUE);
  for (int i = 0; i < 20; i++)
    cr_assert_eq(((double *)ash_view_data(f64))[i], -4.0);
  ash_view *t = NULL;
  ASSERT_OK(ash_view_transpose(f64, &t));
  ash_view *row = NULL;
  ASSERT_OK(ash_view_index(t, 0, -1, &row)); /* column 4 of f64 */
  ASSERT_OK(ash_view_fill_i64(row, 8));
  for (int i = 0; i < 20; i++)
    cr_assert_eq(((double *)ash_view_data(f64))[i], i % 5 == 4 ? 8.0 : -4.0);
  ash_view_release(row);
  ash_view_release(t);
  ASSERT_OK(ash_view_fill_i64(u16, 65535));
  ASSERT_ERR(ash_view_fill_i64(u16, -1), ASH_E_VALUE);
  ASSERT_ERR(ash_view_fill_i64(u16, 65536), ASH_E_VALUE);
  for (int i = 0; i < 9; i++)
    cr_assert_eq(((uint16_t *)ash_view_data(u16))[i], 65535);
  ASSERT_OK(ash_view_fill_i64(c, 2));
  float *cf = ash_view_data(c);
  for (int i = 0; i < 3; i++) {
    cr_assert_eq(cf[2 * i], 2.0f);
    cr_assert_eq(cf[2 * i + 1], 0.0f);
  }
  ASSERT_ERR(ash_view_fill_i64(c, 16777217), ASH_E_VALUE);
  cr_assert_eq(cf[0], 2.0f);
  ash_view_release(f64);
  ash_view_release(u16);
  ash_view_release(c);
  ash_segment_close(seg);
}

TEST(bulk, fill_u64_and_c128) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 4096, 4, 0, 0600, &seg));
  ash_view *u64 = NULL, *c128 = NULL, *f32 = NULL, *ro = NULL, *s = NULL;
  ASSERT_OK(
      ash_segment_add_array(seg, "u64", ASH_UINT64, 1, (int64_t[]){6}, &u64));
  ASSERT_OK(ash_segment_add_array(seg, "c128", ASH_COMPLEX128, 1,
                                  (int64_t[]){5}, &c128));
  ASSERT_OK(
      ash_segment_add_array(seg, "f32", ASH_FLOAT32, 1, (int64_t[]){4}, &f32));
  /* uint64 above INT64_MAX, on a strided view: every other element */
  ASSERT_OK(ash_view_slice(u64, 0, ASH_NONE, ASH_NONE, 2, 0, &s));
  ASSERT_OK(ash_view_fill_u64(s, UINT64_MAX - 1));
  uint64_t *u = ash_view_data(u64);
  for (int i = 0; i < 6; i++)
    cr_assert_eq(u[i], i % 2 ? 0 : UINT64_MAX - 1);
  ash_view_release(s);
  /* complex, and the checks made once before anything is written */
  ASSERT_OK(ash_view_fill_c128(c128, 1.5, -2.0));
  double *c = ash_view_data(c128);
  for (int i = 0; i < 5; i++)
    cr_assert(c[2 * i] == 1.5 && c[2 * i + 1] == -2.0);
  ASSERT_ERR(ash_view_fill_c128(f32, 1, 2), ASH_E_VALUE);
  ASSERT_ERR(ash_view_fill_u64(f32, (UINT64_C(1) << 24) + 1), ASH_E_VALUE);
  ASSERT_ERR(ash_view_fill_c128(u64, -1, 0), ASH_E_VALUE);
  ASSERT_ERR(ash_view_fill_u64(c128, (UINT64_C(1) << 53) + 1), ASH_E_VALUE);
  for (int i = 0; i < 4; i++)
    cr_assert_eq(((float *)ash_view_data(f32))[i], 0.0f);
  cr_assert_eq(u[0], UINT64_MAX - 1);
  cr_assert(c[0] == 1.5 && c[9] == -2.0);
  ASSERT_OK(ash_view_fill_c128(f32, 0.25, 0));
  ASSERT_OK(ash_view_fill_u64(c128, 7));
  cr_assert(c[8] == 7.0 && c[9] == 0.0);
  cr_assert_eq(((float *)ash_view_data(f32))[3], 0.25f);
  /* read-only: refused, once, with nothing written */
  ASSERT_OK(ash_view_readonly(u64, &ro));
  ASSERT_ERR(ash_view_fill_u64(ro, 1), ASH_E_RDONLY);
  ASSERT_ERR(ash_view_fill_c128(ro, 1, 0), ASH_E_RDONLY);
  cr_assert_eq(u[0], UINT64_MAX - 1);
  ASSERT_ERR(ash_view_fill_u64(NULL, 1), ASH_E_INVAL);
  ASSERT_ERR(ash_view_fill_c128(NULL, 1, 0), ASH_E_INVAL);
  ash_view_release(ro);
  ash_view_release(u64);
  ash_view_release(c128);
  ash_view_release(f32);
  ash_segment_close(seg);
}
