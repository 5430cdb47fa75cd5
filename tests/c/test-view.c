/* SPDX-License-Identifier: MIT */
/* Views: slicing with Python's semantics, indexing, permute / transpose,
 * reshape, reinterpret, read-only views, flags, offsets, retain/release. */
#include "common.h"

TestSuite(view, .fini = t_fini);

/* CPython's PySlice_AdjustIndices + length: the reference for ash_view_slice. */
static int64_t py_slice(int64_t n, int64_t start, int64_t stop, int64_t step,
                        int64_t *first) {
  int64_t lower = step > 0 ? 0 : -1, upper = step > 0 ? n : n - 1;
  if (start == ASH_NONE) {
    start = step < 0 ? upper : lower;
  } else if (start < 0) {
    start += n;
    if (start < lower)
      start = lower;
  } else if (start > upper) {
    start = upper;
  }
  if (stop == ASH_NONE) {
    stop = step < 0 ? lower : upper;
  } else if (stop < 0) {
    stop += n;
    if (stop < lower)
      stop = lower;
  } else if (stop > upper) {
    stop = upper;
  }
  *first = start;
  if (step > 0)
    return start < stop ? (stop - start - 1) / step + 1 : 0;
  return stop < start ? (start - stop - 1) / (-step) + 1 : 0;
}

static ash_view *arange1(const char *name, int64_t n) {
  ash_view *v = t_make_array(name, ASH_INT64, 1, (int64_t[]){n}, 0, NULL);
  t_fill_arange(v);
  return v;
}

static ash_view *arange_nd(const char *name, int ndim, const int64_t *shape) {
  ash_view *v = t_make_array(name, ASH_INT64, ndim, shape, 0, NULL);
  t_fill_arange(v);
  return v;
}

static const char *fmt_bound(char *buf, int64_t b) {
  if (b == ASH_NONE)
    return "None";
  snprintf(buf, 32, "%" PRId64, b);
  return buf;
}

TEST(view, slice_matches_python_everywhere) {
  TNAME(name);
  const int64_t n = 10;
  ash_view *v = arange1(name, n);
  const int64_t bounds[] = {
      ASH_NONE, INT64_MIN + 1, -100,     -11, -10, -9, -3, -1, 0, 1, 3, 9, 10,
      11,       100,           INT64_MAX};
  const int64_t steps[] = {1,  2,  3,   -1,  -2,   -3,        7,
                           -7, 10, -10, 100, -100, INT64_MAX, INT64_MIN + 1};
  const int nb = sizeof bounds / sizeof bounds[0];
  const int ns = sizeof steps / sizeof steps[0];
  for (int a = 0; a < nb; a++)
    for (int b = 0; b < nb; b++)
      for (int c = 0; c < ns; c++) {
        int64_t start = bounds[a], stop = bounds[b], step = steps[c];
        char b1[32], b2[32];
        int64_t first;
        int64_t len = py_slice(n, start, stop, step, &first);
        ash_view *s = NULL;
        int rc = ash_view_slice(v, 0, start, stop, step, 0, &s);
        cr_assert_eq(rc, ASH_OK, "[%s:%s:%" PRId64 "] gave %s",
                     fmt_bound(b1, start), fmt_bound(b2, stop), step,
                     ash_err_name(rc));
        cr_assert_eq(ash_view_ndim(s), 1);
        cr_assert_eq(ash_view_dim(s, 0), len,
                     "[%s:%s:%" PRId64 "]: length %" PRId64
                     ", expected %" PRId64,
                     fmt_bound(b1, start), fmt_bound(b2, stop), step,
                     ash_view_dim(s, 0), len);
        if (len > 1)
          cr_assert_eq(ash_view_stride(s, 0), 8 * step);
        if (len > 0)
          cr_assert_eq(ash_view_offset(s), 8 * first, "[%s:%s:%" PRId64 "]",
                       fmt_bound(b1, start), fmt_bound(b2, stop), step);
        for (int64_t k = 0; k < len; k++)
          cr_assert_eq(t_get_i64_flat(s, k), first + k * step);

        /* strict: refuses a start or stop outside [-n, n], else the same */
        int out_of_range = (start != ASH_NONE && (start < -n || start > n)) ||
                           (stop != ASH_NONE && (stop < -n || stop > n));
        ash_view *t = NULL;
        rc = ash_view_slice(v, 0, start, stop, step, ASH_SLICE_STRICT, &t);
        if (out_of_range) {
          cr_assert_eq(rc, ASH_E_INDEX, "strict [%s:%s:%" PRId64 "] gave %s",
                       fmt_bound(b1, start), fmt_bound(b2, stop), step,
                       ash_err_name(rc));
        } else {
          cr_assert_eq(rc, ASH_OK, "strict [%s:%s:%" PRId64 "] gave %s",
                       fmt_bound(b1, start), fmt_bound(b2, stop), step,
                       ash_err_name(rc));
          cr_assert_eq(ash_view_dim(t, 0), len);
          if (len > 0)
            cr_assert_eq(ash_view_offset(t), ash_view_offset(s));
          ash_view_release(t);
        }
        ash_view_release(s);
      }
  ash_view_release(v);
}

TEST(view, slice_errors) {
  TNAME(name);
  ash_view *v = arange1(name, 5);
  ash_view *s = NULL;
  ASSERT_ERR(ash_view_slice(v, 0, 0, 5, 0, 0, &s), ASH_E_INVAL);
  ASSERT_ERR(ash_view_slice(v, 1, 0, 5, 1, 0, &s), ASH_E_AXIS);
  ASSERT_ERR(ash_view_slice(v, 0, 0, 5, 1, 0, NULL), ASH_E_INVAL);
  ASSERT_ERR(ash_view_slice(v, 0, 6, ASH_NONE, 1, ASH_SLICE_STRICT, &s),
             ASH_E_INDEX);
  ASSERT_ERR(ash_view_slice(v, 0, ASH_NONE, -6, -1, ASH_SLICE_STRICT, &s),
             ASH_E_INDEX);
  /* empty result is a valid view */
  ASSERT_OK(ash_view_slice(v, 0, 3, 3, 1, 0, &s));
  cr_assert_eq(ash_view_size(s), 0);
  cr_assert_eq(ash_view_nbytes(s), 0u);
  ash_view_release(s);
  ash_view_release(v);
}

TEST(view, slice_2d_and_compose) {
  TNAME(name);
  ash_view *v = arange_nd(name, 2, (int64_t[]){3, 4});
  ash_view *s = NULL, *t = NULL;
  /* a[:, 3:0:-2] -> columns 3, 1 */
  ASSERT_OK(ash_view_slice(v, 1, 3, 0, -2, 0, &s));
  cr_assert_eq(ash_view_dim(s, 0), 3);
  cr_assert_eq(ash_view_dim(s, 1), 2);
  cr_assert_eq(ash_view_stride(s, 0), 32);
  cr_assert_eq(ash_view_stride(s, 1), -16);
  cr_assert_eq(ash_view_offset(s), 24);
  const int64_t exp_s[6] = {3, 1, 7, 5, 11, 9};
  for (int k = 0; k < 6; k++)
    cr_assert_eq(t_get_i64_flat(s, k), exp_s[k]);
  /* then rows [::-1] */
  ASSERT_OK(ash_view_slice(s, 0, ASH_NONE, ASH_NONE, -1, 0, &t));
  const int64_t exp_t[6] = {11, 9, 7, 5, 3, 1};
  for (int k = 0; k < 6; k++)
    cr_assert_eq(t_get_i64_flat(t, k), exp_t[k]);
  cr_assert_eq(ash_view_offset(t), 2 * 32 + 24);
  cr_assert_eq((uint8_t *)ash_view_data(t) - (uint8_t *)ash_view_data(v),
               ash_view_offset(t));
  /* a negative-stride view keeps working after its parents are released */
  ash_view_release(s);
  ash_view_release(v);
  cr_assert_eq(t_get_i64_flat(t, 5), 1);
  ash_view_release(t);
}

TEST(view, index_drops_axis) {
  TNAME(name);
  ash_view *v = arange_nd(name, 3, (int64_t[]){2, 3, 4});
  ash_view *r = NULL;
  ASSERT_OK(ash_view_index(v, 1, -1, &r)); /* a[:, -1] -> shape (2, 4) */
  cr_assert_eq(ash_view_ndim(r), 2);
  cr_assert_eq(ash_view_dim(r, 0), 2);
  cr_assert_eq(ash_view_dim(r, 1), 4);
  cr_assert_eq(ash_view_offset(r), 2 * 32);
  for (int i = 0; i < 2; i++)
    for (int k = 0; k < 4; k++)
      cr_assert_eq(t_get_i64_flat(r, i * 4 + k), i * 12 + 8 + k);
  ash_view *e = NULL;
  ASSERT_OK(ash_view_index(r, 1, 2, &e)); /* -> shape (2,) */
  cr_assert_eq(ash_view_ndim(e), 1);
  cr_assert_eq(t_get_i64_flat(e, 0), 10);
  cr_assert_eq(t_get_i64_flat(e, 1), 22);
  ash_view *z = NULL;
  ASSERT_OK(ash_view_index(e, 0, -2, &z)); /* -> 0-d */
  cr_assert_eq(ash_view_ndim(z), 0);
  int64_t x = 0;
  ASSERT_OK(ash_view_get_i64(z, 0, NULL, &x));
  cr_assert_eq(x, 10);
  cr_assert_eq(ash_view_flags(z) &
                   (ASH_VIEW_C_CONTIGUOUS | ASH_VIEW_F_CONTIGUOUS),
               (unsigned)(ASH_VIEW_C_CONTIGUOUS | ASH_VIEW_F_CONTIGUOUS));

  ash_view *bad = NULL;
  ASSERT_ERR(ash_view_index(v, 0, 2, &bad), ASH_E_INDEX);
  ASSERT_ERR(ash_view_index(v, 0, -3, &bad), ASH_E_INDEX);
  ASSERT_ERR(ash_view_index(v, 3, 0, &bad), ASH_E_AXIS);
  ASSERT_ERR(ash_view_index(z, 0, 0, &bad), ASH_E_AXIS);
  ASSERT_ERR(ash_view_index(v, 0, 0, NULL), ASH_E_INVAL);
  ash_view_release(z);
  ash_view_release(e);
  ash_view_release(r);
  ash_view_release(v);
}

TEST(view, permute_and_transpose) {
  TNAME(name);
  ash_view *v = arange_nd(name, 3, (int64_t[]){2, 3, 4});
  ash_view *p = NULL;
  ASSERT_OK(ash_view_permute(v, 3, (int64_t[]){2, 0, 1}, &p));
  cr_assert_eq(ash_view_dim(p, 0), 4);
  cr_assert_eq(ash_view_dim(p, 1), 2);
  cr_assert_eq(ash_view_dim(p, 2), 3);
  cr_assert_eq(ash_view_stride(p, 0), 8);
  cr_assert_eq(ash_view_stride(p, 1), 96);
  cr_assert_eq(ash_view_stride(p, 2), 32);
  for (int k = 0; k < 4; k++)
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 3; j++) {
        int64_t x = 0;
        ASSERT_OK(ash_view_get_i64(p, 3, (int64_t[]){k, i, j}, &x));
        cr_assert_eq(x, i * 12 + j * 4 + k);
      }
  ash_view *q = NULL;
  ASSERT_OK(ash_view_permute(v, 3, (int64_t[]){-1, 0, -2}, &q));
  for (int a = 0; a < 3; a++) {
    cr_assert_eq(ash_view_dim(q, a), ash_view_dim(p, a));
    cr_assert_eq(ash_view_stride(q, a), ash_view_stride(p, a));
  }
  ash_view_release(q);
  ash_view_release(p);

  ash_view *bad = NULL;
  ASSERT_ERR(ash_view_permute(v, 3, (int64_t[]){0, 0, 1}, &bad), ASH_E_AXIS);
  ASSERT_ERR(ash_view_permute(v, 3, (int64_t[]){0, 1, 3}, &bad), ASH_E_AXIS);
  ASSERT_ERR(ash_view_permute(v, 3, (int64_t[]){0, 1, -4}, &bad), ASH_E_AXIS);
  ASSERT_ERR2(ash_view_permute(v, 2, (int64_t[]){0, 1}, &bad), ASH_E_AXIS,
              ASH_E_INVAL);
  ASSERT_ERR(ash_view_permute(v, 3, NULL, &bad), ASH_E_INVAL);

  ash_view *t = NULL;
  ASSERT_OK(ash_view_transpose(v, &t));
  cr_assert_eq(ash_view_dim(t, 0), 4);
  cr_assert_eq(ash_view_dim(t, 1), 3);
  cr_assert_eq(ash_view_dim(t, 2), 2);
  cr_assert_eq(ash_view_stride(t, 0), 8);
  cr_assert_eq(ash_view_stride(t, 2), 96);
  cr_assert_eq(ash_view_flags(t), (unsigned)ASH_VIEW_F_CONTIGUOUS);
  int64_t x = 0;
  ASSERT_OK(ash_view_get_i64(t, 3, (int64_t[]){3, 2, 1}, &x));
  cr_assert_eq(x, 1 * 12 + 2 * 4 + 3);
  ash_view *tt = NULL;
  ASSERT_OK(ash_view_transpose(t, &tt));
  cr_assert_eq(ash_view_flags(tt), (unsigned)ASH_VIEW_C_CONTIGUOUS);
  ash_view_release(tt);
  ash_view_release(t);
  ash_view_release(v);
}

TEST(view, reshape) {
  TNAME(name);
  ash_view *v = arange1(name, 12);
  ash_view *r = NULL;
  ASSERT_OK(ash_view_reshape(v, 2, (int64_t[]){3, 4}, &r));
  cr_assert_eq(ash_view_dim(r, 0), 3);
  cr_assert_eq(ash_view_dim(r, 1), 4);
  cr_assert_eq(ash_view_stride(r, 0), 32);
  cr_assert_eq(ash_view_stride(r, 1), 8);
  int64_t x = 0;
  ASSERT_OK(ash_view_get_i64(r, 2, (int64_t[]){2, 1}, &x));
  cr_assert_eq(x, 9);
  ash_view_release(r);
  ASSERT_OK(ash_view_reshape(v, 2, (int64_t[]){-1, 6}, &r));
  cr_assert_eq(ash_view_dim(r, 0), 2);
  cr_assert_eq(ash_view_dim(r, 1), 6);
  ash_view_release(r);
  ASSERT_OK(ash_view_reshape(v, 3, (int64_t[]){2, -1, 3}, &r));
  cr_assert_eq(ash_view_dim(r, 1), 2);
  ash_view *back = NULL;
  ASSERT_OK(ash_view_reshape(r, 1, (int64_t[]){-1}, &back));
  cr_assert_eq(ash_view_dim(back, 0), 12);
  cr_assert_eq(t_get_i64_flat(back, 11), 11);
  ash_view_release(back);
  ash_view_release(r);

  ash_view *bad = NULL;
  ASSERT_ERR(ash_view_reshape(v, 2, (int64_t[]){-1, -1}, &bad), ASH_E_SHAPE);
  ASSERT_ERR(ash_view_reshape(v, 2, (int64_t[]){5, 2}, &bad), ASH_E_SHAPE);
  ASSERT_ERR(ash_view_reshape(v, 2, (int64_t[]){-2, -6}, &bad), ASH_E_SHAPE);
  ASSERT_ERR(ash_view_reshape(v, 2, (int64_t[]){-1, 5}, &bad), ASH_E_SHAPE);
  ASSERT_ERR(ash_view_reshape(v, 2, (int64_t[]){-1, 0}, &bad), ASH_E_SHAPE);
  int64_t ones[33];
  for (int i = 0; i < 33; i++)
    ones[i] = 1;
  ones[0] = 12;
  ASSERT_ERR(ash_view_reshape(v, 33, ones, &bad), ASH_E_SHAPE);
  ASSERT_ERR(ash_view_reshape(v, -1, ones, &bad), ASH_E_SHAPE);
  ASSERT_OK(ash_view_reshape(v, 32, ones, &r));
  cr_assert_eq(ash_view_ndim(r), 32);
  ash_view_release(r);
  ASSERT_ERR(ash_view_reshape(v, 2, (int64_t[]){INT64_MAX, INT64_MAX}, &bad),
             ASH_E_OVERFLOW);
  ASSERT_ERR(ash_view_reshape(v, 2, NULL, &bad), ASH_E_INVAL);

  /* non-contiguous views refuse */
  ash_view *s = NULL, *t = NULL;
  ASSERT_OK(ash_view_slice(v, 0, ASH_NONE, ASH_NONE, 2, 0, &s));
  ASSERT_ERR(ash_view_reshape(s, 2, (int64_t[]){2, 3}, &bad), ASH_E_CONTIG);
  ash_view_release(s);
  ASSERT_OK(ash_view_slice(v, 0, ASH_NONE, ASH_NONE, -1, 0, &s));
  ASSERT_ERR(ash_view_reshape(s, 2, (int64_t[]){3, 4}, &bad), ASH_E_CONTIG);
  ash_view_release(s);
  ASSERT_OK(ash_view_reshape(v, 2, (int64_t[]){3, 4}, &r));
  ASSERT_OK(ash_view_transpose(r, &t));
  ASSERT_ERR(ash_view_reshape(t, 1, (int64_t[]){12}, &bad), ASH_E_CONTIG);
  ash_view_release(t);
  ash_view_release(r);

  /* a contiguous slice with an offset reshapes */
  ASSERT_OK(ash_view_slice(v, 0, 2, 8, 1, 0, &s));
  ASSERT_OK(ash_view_reshape(s, 2, (int64_t[]){2, 3}, &r));
  cr_assert_eq(ash_view_offset(r), 16);
  ASSERT_OK(ash_view_get_i64(r, 2, (int64_t[]){1, 2}, &x));
  cr_assert_eq(x, 7);
  ash_view_release(r);
  ash_view_release(s);

  /* size-1 views reshape to 0-d */
  ASSERT_OK(ash_view_slice(v, 0, 5, 6, 1, 0, &s));
  ASSERT_OK(ash_view_reshape(s, 0, NULL, &r));
  cr_assert_eq(ash_view_ndim(r), 0);
  ASSERT_OK(ash_view_get_i64(r, 0, NULL, &x));
  cr_assert_eq(x, 5);
  ash_view_release(r);
  ash_view_release(s);
  ash_view_release(v);
}

TEST(view, reinterpret) {
  TNAME(name);
  ash_view *v = t_make_array(name, ASH_FLOAT64, 2, (int64_t[]){2, 2}, 0, NULL);
  ASSERT_OK(ash_view_set_f64(v, 1, (int64_t[]){0}, 1.0));
  ASSERT_OK(ash_view_set_f64(v, 1, (int64_t[]){3}, -2.0));
  ash_view *u = NULL;
  ASSERT_OK(ash_view_reinterpret(v, ASH_UINT64, &u));
  cr_assert_eq(ash_view_dtype(u), ASH_UINT64);
  cr_assert_eq(ash_view_dim(u, 1), 2);
  uint64_t bits = 0;
  ASSERT_OK(ash_view_get_u64(u, 1, (int64_t[]){0}, &bits));
  cr_assert_eq(bits, UINT64_C(0x3FF0000000000000));
  ash_view_release(u);

  ash_view *b = NULL;
  ASSERT_OK(ash_view_reinterpret(v, ASH_UINT8, &b));
  cr_assert_eq(ash_view_ndim(b), 2);
  cr_assert_eq(ash_view_dim(b, 0), 2);
  cr_assert_eq(ash_view_dim(b, 1), 16);
  cr_assert_eq(ash_view_stride(b, 0), 16);
  cr_assert_eq(ash_view_stride(b, 1), 1);
  int64_t x = 0;
  ASSERT_OK(ash_view_get_i64(b, 2, (int64_t[]){0, 7}, &x));
  cr_assert_eq(x, 0x3F);
  ASSERT_OK(ash_view_get_i64(b, 2, (int64_t[]){1, 15}, &x));
  cr_assert_eq(x, 0xC0); /* -2.0 = 0xC000000000000000 */
  ash_view *f = NULL;
  ASSERT_OK(ash_view_reinterpret(b, ASH_FLOAT32, &f));
  cr_assert_eq(ash_view_dim(f, 1), 4);
  ash_view *c = NULL;
  ASSERT_OK(ash_view_reinterpret(b, ASH_COMPLEX128, &c));
  cr_assert_eq(ash_view_dim(c, 1), 1);
  double re = 0, im = 0;
  ASSERT_OK(ash_view_get_c128(c, 2, (int64_t[]){1, 0}, &re, &im));
  cr_assert_eq(re, 0.0);
  cr_assert_eq(im, -2.0);
  ash_view_release(c);
  ash_view_release(f);

  ash_view *bad = NULL;
  /* u8 rows of 16 bytes: not divisible by 3-byte... use 6 bytes instead */
  ash_view *s6 = NULL;
  ASSERT_OK(ash_view_slice(b, 1, 0, 6, 1, 0, &s6));
  ASSERT_ERR(ash_view_reinterpret(s6, ASH_INT32, &bad), ASH_E_SHAPE);
  ash_view_release(s6);
  ASSERT_ERR(ash_view_reinterpret(v, ASH_DTYPE_INVALID, &bad), ASH_E_DTYPE);
  ASSERT_ERR(ash_view_reinterpret(v, 42, &bad), ASH_E_DTYPE);
  ASSERT_ERR(ash_view_reinterpret(v, ASH_INT8, NULL), ASH_E_INVAL);

  /* same itemsize: any view, even transposed or strided */
  ash_view *t = NULL, *ti = NULL;
  ASSERT_OK(ash_view_transpose(v, &t));
  ASSERT_OK(ash_view_reinterpret(t, ASH_INT64, &ti));
  cr_assert_eq(ash_view_stride(ti, 0), 8);
  cr_assert_eq(ash_view_stride(ti, 1), 16);
  /* other itemsize: the last axis must be contiguous */
  ASSERT_ERR(ash_view_reinterpret(t, ASH_UINT8, &bad), ASH_E_CONTIG);
  ash_view *rv = NULL;
  ASSERT_OK(ash_view_slice(v, 1, ASH_NONE, ASH_NONE, -1, 0, &rv));
  ASSERT_ERR(ash_view_reinterpret(rv, ASH_INT32, &bad), ASH_E_CONTIG);
  ash_view_release(rv);
  ash_view_release(ti);
  ash_view_release(t);

  /* 0-d: same itemsize only */
  ash_view *z = NULL, *zz = NULL;
  ASSERT_OK(ash_view_index(v, 0, 1, &zz));
  ASSERT_OK(ash_view_index(zz, 0, 1, &z));
  ash_view_release(zz);
  cr_assert_eq(ash_view_ndim(z), 0);
  ASSERT_OK(ash_view_reinterpret(z, ASH_INT64, &zz));
  ASSERT_OK(ash_view_get_i64(zz, 0, NULL, &x));
  cr_assert_eq((uint64_t)x, UINT64_C(0xC000000000000000));
  ash_view_release(zz);
  int rc = ash_view_reinterpret(z, ASH_INT32, &bad);
  cr_assert_neq(rc, ASH_OK, "0-d reinterpret to another itemsize");
  ash_view_release(z);
  ash_view_release(b);
  ash_view_release(v);
}

TEST(view, readonly_views) {
  TNAME(name);
  ash_view *v = arange1(name, 6);
  ash_view *r = NULL;
  ASSERT_OK(ash_view_readonly(v, &r));
  cr_assert(ash_view_flags(r) & ASH_VIEW_READONLY);
  cr_assert(!(ash_view_flags(v) & ASH_VIEW_READONLY));
  cr_assert_eq(ash_view_data(r), ash_view_data(v));
  ASSERT_ERR(ash_view_set_i64(r, 1, (int64_t[]){0}, 9), ASH_E_RDONLY);
  ASSERT_ERR(ash_view_fill_i64(r, 9), ASH_E_RDONLY);
  ASSERT_ERR(ash_view_copy(r, v), ASH_E_RDONLY);
  ASSERT_OK(ash_view_copy(v, r));
  /* the writable view still writes, and the read-only one sees it */
  ASSERT_OK(ash_view_set_i64(v, 1, (int64_t[]){0}, 9));
  cr_assert_eq(t_get_i64_flat(r, 0), 9);
  ash_view *s = NULL, *rr = NULL;
  ASSERT_OK(ash_view_slice(r, 0, 1, 4, 1, 0, &s));
  cr_assert(ash_view_flags(s) & ASH_VIEW_READONLY);
  ASSERT_ERR(ash_view_set_i64(s, 1, (int64_t[]){0}, 9), ASH_E_RDONLY);
  ash_view_release(s);
  ASSERT_OK(ash_view_readonly(r, &rr));
  cr_assert(ash_view_flags(rr) & ASH_VIEW_READONLY);
  ash_view_release(rr);
  ASSERT_ERR(ash_view_readonly(v, NULL), ASH_E_INVAL);
  ash_view_release(r);
  ash_view_release(v);
}

TEST(view, contiguity_flags_and_offsets) {
  TNAME(name);
  ash_view *v = arange_nd(name, 2, (int64_t[]){4, 5});
  const unsigned CF = ASH_VIEW_C_CONTIGUOUS | ASH_VIEW_F_CONTIGUOUS;
  cr_assert_eq(ash_view_flags(v) & CF, (unsigned)ASH_VIEW_C_CONTIGUOUS);
  ash_view *s = NULL;
  ASSERT_OK(ash_view_slice(v, 0, 1, 3, 1, 0, &s)); /* rows 1..2: C */
  cr_assert_eq(ash_view_flags(s) & CF, (unsigned)ASH_VIEW_C_CONTIGUOUS);
  cr_assert_eq(ash_view_offset(s), 40);
  ash_view *s2 = NULL;
  ASSERT_OK(ash_view_slice(s, 1, 2, ASH_NONE, 1, 0, &s2)); /* a[1:3, 2:] */
  cr_assert_eq(ash_view_flags(s2) & CF, 0u);
  cr_assert_eq(ash_view_offset(s2), 40 + 16);
  cr_assert_eq((uint8_t *)ash_view_data(s2) - (uint8_t *)ash_view_data(v), 56);
  cr_assert_eq(t_get_i64_flat(s2, 0), 7);
  cr_assert_eq(t_get_i64_flat(s2, 5), 14);
  ash_view_release(s2);
  ash_view_release(s);
  ash_view *row = NULL;
  ASSERT_OK(ash_view_index(v, 0, 2, &row)); /* one row: C and F */
  cr_assert_eq(ash_view_flags(row) & CF, CF);
  cr_assert_eq(ash_view_offset(row), 80);
  ash_view_release(row);
  ash_view *col = NULL;
  ASSERT_OK(ash_view_index(v, 1, 2, &col)); /* one column: strided */
  cr_assert_eq(ash_view_flags(col) & CF, 0u);
  cr_assert_eq(ash_view_stride(col, 0), 40);
  ash_view_release(col);
  ash_view *st = NULL;
  ASSERT_OK(ash_view_slice(v, 1, ASH_NONE, ASH_NONE, 2, 0, &st));
  cr_assert_eq(ash_view_flags(st) & CF, 0u);
  ash_view_release(st);
  ash_view_release(v);
}

TEST(view, retain_release_and_segment) {
  TNAME(name);
  ash_view *v = arange1(name, 4);
  cr_assert_eq(ash_view_retain(v), v);
  ash_view_release(v);
  cr_assert_eq(t_get_i64_flat(v, 3), 3, "one reference is left");
  ash_view *s = NULL;
  ASSERT_OK(ash_view_slice(v, 0, 1, ASH_NONE, 1, 0, &s));
  ash_view_release(v);
  cr_assert_eq(t_get_i64_flat(s, 2), 3, "a derived view outlives its parent");
  ash_segment *seg = NULL;
  ASSERT_OK(ash_view_segment(s, &seg));
  cr_assert_str_eq(ash_segment_name(seg), name);
  ASSERT_ERR(ash_view_segment(s, NULL), ASH_E_INVAL);
  ash_segment_close(seg);
  ash_view_release(s);
  ash_view_release(NULL);
  cr_assert(!t_shm_exists(name));
}

/* "On failure, out-parameters are left untouched (handles: set to NULL when
 * documented)": only segment_create/open document NULL, so failed view
 * constructors must leave *out as it was. */
/* Header convention: a failed call sets a handle out-parameter to NULL. */
TEST(view, failed_calls_set_out_to_null) {
  TNAME(name);
  ash_view *v = arange_nd(name, 2, (int64_t[]){3, 4});
  ash_view *const sentinel = v; /* any recognisable non-NULL value */
  ash_view *out;
  struct {
    const char *what;
    int rc;
  } r[8];
  int n = 0;
#define TRY(call)                                                              \
  do {                                                                         \
    out = sentinel;                                                            \
    r[n].what = #call;                                                         \
    r[n].rc = (call);                                                          \
    cr_expect_neq(r[n].rc, ASH_OK, "%s succeeded", #call);                     \
    cr_expect_null(out, "%s (%s) left *out at %p, not NULL", #call,            \
                   ash_err_name(r[n].rc), (void *)out);                        \
    n++;                                                                       \
  } while (0)
  TRY(ash_view_slice(v, 0, 0, 3, 0, 0, &out));
  TRY(ash_view_index(v, 0, 7, &out));
  TRY(ash_view_permute(v, 2, (int64_t[]){0, 0}, &out));
  TRY(ash_view_reshape(v, 1, (int64_t[]){5}, &out));
  TRY(ash_view_reinterpret(v, 0, &out));
  TRY(ash_segment_view(NULL, "a", &out));
  char d[128];
  snprintf(d, sizeof d, "ash://%s/a[9]", name);
  TRY(ash_view_from_descriptor(d, 0, &out));
#undef TRY
  ash_view_release(v);
}

/* ---- zero-size views beside huge dimensions (issue 7) -------------------
 * Shapes such as (0, 2^62) are valid (0 elements, 0 bytes) while the other
 * dimensions are far beyond what any stride product can hold: no operation
 * may overflow (the ASan+UBSan build aborts on signed or pointer overflow),
 * fresh layouts of them have every stride 0 (as NumPy's np.empty), and every
 * view derived from them is a valid empty view. */

#define BIG (INT64_C(1) << 62)

static void assert_empty(const ash_view *v, const char *what) {
  cr_assert_eq(ash_view_size(v), 0, "%s: size", what);
  cr_assert_eq(ash_view_nbytes(v), 0u, "%s: nbytes", what);
  cr_assert_eq(ash_view_flags(v) & 6u, 6u, "%s: C and F contiguous", what);
  char buf[1];
  ASSERT_OK(ash_view_read(v, buf, 0));
  int64_t zero = 0;
  double x;
  ASSERT_ERR(ash_view_get_f64(v, 1, &zero, &x), ASH_E_INDEX);
}

static const struct {
  int dtype;
  int ndim;
  int64_t shape[3];
} t_empty_shapes[] = {
    {ASH_FLOAT64, 2, {0, BIG}},
    {ASH_FLOAT64, 2, {BIG, 0}},
    {ASH_UINT8, 3, {0, BIG, BIG}},
    {ASH_COMPLEX128, 3, {INT64_MAX, INT64_MAX, 0}},
    {ASH_INT16, 3, {7, 0, INT64_MAX}},
};

/* Reinterprets empty @v of @dt as bytes: the last axis (@last elements)
 * grows by the itemsize, or the call says OVERFLOW when that cannot be. */
static void check_bytes_view(const ash_view *v, int dt, int64_t last) {
  uint64_t bytes;
  bool fits =
      !__builtin_mul_overflow((uint64_t)last, ash_dtype_itemsize(dt), &bytes) &&
      bytes <= (uint64_t)INT64_MAX;
  ash_view *r = NULL;
  int rc = ash_view_reinterpret(v, ASH_UINT8, &r);
  if (!fits) {
    cr_assert_eq(rc, ASH_E_OVERFLOW, "%lld x %s: %s", (long long)last,
                 ash_dtype_name(dt), ash_err_name(rc));
    return;
  }
  cr_assert_eq(rc, ASH_OK, "%lld x %s: %s", (long long)last, ash_dtype_name(dt),
               ash_last_error());
  cr_assert_eq(ash_view_dim(r, ash_view_ndim(v) - 1), (int64_t)bytes);
  assert_empty(r, "reinterpret");
  ash_view_release(r);
}

TEST(view, zero_size_views_with_huge_dimensions) {
  for (size_t k = 0; k < sizeof t_empty_shapes / sizeof t_empty_shapes[0];
       k++) {
    int dt = t_empty_shapes[k].dtype, nd = t_empty_shapes[k].ndim;
    const int64_t *shape = t_empty_shapes[k].shape;
    TNAME(name);
    ash_view *v = t_make_array(name, dt, nd, shape, 0, NULL);
    assert_empty(v, "fresh");
    for (int i = 0; i < nd; i++) {
      cr_assert_eq(ash_view_dim(v, i), shape[i]);
      cr_assert_eq(ash_view_stride(v, i), 0, "case %zu: fresh stride %d", k, i);
    }
    /* multi-indices at the far corner: refused before any address */
    int64_t corner[3];
    for (int i = 0; i < nd; i++)
      corner[i] = shape[i] ? shape[i] - 1 : 0;
    double x;
    ASSERT_ERR(ash_view_get_f64(v, nd, corner, &x), ASH_E_INDEX);
    ASSERT_ERR(ash_view_set_f64(v, nd, corner, 1.0), ASH_E_INDEX);
    ASSERT_OK(ash_view_fill_f64(v, 1.0));
    ASSERT_OK(ash_view_write(v, "", 0));
    ASSERT_OK(ash_view_copy(v, v));
    static const int64_t steps[] = {1, 3, -7, INT64_MAX, -INT64_MAX};
    for (int ax = 0; ax < nd; ax++) {
      for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
        ash_view *sl = NULL;
        int64_t first;
        int64_t want = py_slice(shape[ax], 1, ASH_NONE, steps[s], &first);
        ASSERT_OK(ash_view_slice(v, ax, 1, ASH_NONE, steps[s], 0, &sl));
        cr_assert_eq(ash_view_dim(sl, ax), want, "case %zu axis %d step %lld",
                     k, ax, (long long)steps[s]);
        assert_empty(sl, "slice");
        ash_view *sl2 = NULL; /* slicing the slice again */
        ASSERT_OK(ash_view_slice(sl, ax, ASH_NONE, ASH_NONE, 3, 0, &sl2));
        assert_empty(sl2, "slice of slice");
        ash_view_release(sl2);
        ash_view_release(sl);
      }
      if (shape[ax] > 0) {
        ash_view *ix = NULL;
        ASSERT_OK(ash_view_index(v, ax, shape[ax] - 1, &ix));
        cr_assert_eq(ash_view_ndim(ix), nd - 1);
        assert_empty(ix, "index");
        cr_assert_eq(ash_view_offset(ix), 0, "an empty view does not move");
        ash_view_release(ix);
        ASSERT_OK(ash_view_index(v, ax, -shape[ax], &ix));
        ash_view_release(ix);
      }
    }
    ash_view *t = NULL, *r = NULL;
    ASSERT_OK(ash_view_transpose(v, &t));
    assert_empty(t, "transpose");
    cr_assert_eq(ash_view_dim(t, 0), shape[nd - 1]);
    int64_t rev[3];
    for (int i = 0; i < nd; i++)
      rev[i] = shape[nd - 1 - i];
    ASSERT_OK(ash_view_reshape(t, nd, rev, &r)); /* same shape, fresh */
    assert_empty(r, "reshape");
    for (int i = 0; i < nd; i++)
      cr_assert_eq(ash_view_stride(r, i), 0, "reshape: fresh stride %d", i);
    ash_view_release(r);
    ASSERT_OK(ash_view_reshape(v, 1, (int64_t[]){0}, &r));
    assert_empty(r, "reshape to (0,)");
    ash_view_release(r);
    ASSERT_OK(ash_view_reshape(v, 1, (int64_t[]){-1}, &r));
    cr_assert_eq(ash_view_dim(r, 0), 0, "-1 is inferred as 0");
    ash_view_release(r);
    ash_view *bad = NULL;
    ASSERT_ERR(ash_view_reshape(v, 2, (int64_t[]){0, -1}, &bad), ASH_E_SHAPE);
    ASSERT_ERR(ash_view_reshape(v, 2, (int64_t[]){3, 5}, &bad), ASH_E_SHAPE);
    check_bytes_view(v, dt, shape[nd - 1]);
    check_bytes_view(t, dt, shape[0]);
    ash_view_release(t);
    ash_view_release(v);
  }
}

/* Empty views are contiguous: reinterpret accepts any strides on them. */
TEST(view, reinterpret_empty_slice_with_any_stride) {
  TNAME(name);
  ash_view *v = arange_nd(name, 2, (int64_t[]){3, 4});
  ash_view *s = NULL, *e = NULL, *r = NULL;
  ASSERT_OK(ash_view_slice(v, 1, ASH_NONE, ASH_NONE, 2, 0, &s)); /* (3, 2) */
  ASSERT_ERR(ash_view_reinterpret(s, ASH_UINT8, &r), ASH_E_CONTIG);
  ASSERT_OK(ash_view_slice(s, 0, 2, 2, 1, 0, &e)); /* (0, 2), stride 16 */
  cr_assert_eq(ash_view_stride(e, 1), 16);
  ASSERT_OK(ash_view_reinterpret(e, ASH_UINT8, &r)); /* NumPy: (0, 16) */
  cr_assert_eq(ash_view_dim(r, 1), 16);
  cr_assert_eq(ash_view_stride(r, 1), 1);
  ash_view_release(r);
  ash_view_release(e);
  ash_view_release(s);
  ash_view_release(v);
}
