/* SPDX-License-Identifier: MIT */
/* Printing: ash_view_format against NumPy's array2string (expected texts
 * made with NumPy 1.24, and 2.4 where versions differ), the flags the bindings use, the snprintf-style
 * buffer contract and bad arguments. tests/python/test_print.py compares
 * many more arrays with NumPy itself. */
#include "common.h"

TestSuite(print, .fini = t_fini);

/* A segment with one array of @dtype and @shape, values set by @set(i). */
static ash_view *make(const char *name, int dtype, int ndim,
                      const int64_t *shape) {
  ash_view *v = NULL;
  ASSERT_OK(ash_create(name, dtype, ndim, shape, 0, 0600, &v));
  return v;
}

static void set_f64s(const ash_view *v, const double *x) {
  for (int64_t i = 0; i < ash_view_size(v); i++)
    ASSERT_OK(ash_view_set_f64(v, 1, &i, x[i]));
}

/* The whole text of ash_view_format (static buffer). */
static const char *fmt(const ash_view *v, unsigned flags, int64_t threshold,
                       int edge, int width, int indent) {
  static char buf[8192];
  size_t need = 0;
  ASSERT_OK(ash_view_format(v, flags, threshold, edge, width, indent, buf,
                            sizeof buf, &need));
  cr_assert_eq(need, strlen(buf));
  return buf;
}

#define EXPECT(v, flags, text)                                                 \
  cr_assert_str_eq(fmt(v, flags, -1, 0, 0, 0), text)

TEST(print, numpy_style) {
  TNAME(n1);
  ash_view *f = make(n1, ASH_FLOAT64, 1, (int64_t[]){3});
  set_f64s(f, (double[]){1, 2.5, -0.125});
  EXPECT(f, 0, "[ 1.     2.5   -0.125]");
  EXPECT(f, ASH_FORMAT_COMMA, "[ 1.   ,  2.5  , -0.125]");
  EXPECT(f, ASH_FORMAT_PLAIN | ASH_FORMAT_COMMA, "[1.0, 2.5, -0.125]");
  ash_view_release(f);

  TNAME(n2);
  ash_view *m = make(n2, ASH_INT32, 2, (int64_t[]){2, 3});
  t_fill_arange(m);
  for (int64_t i = 0; i < 6; i++)
    ASSERT_OK(ash_view_set_i64(m, 1, &i, i * 7 - 10));
  EXPECT(m, 0, "[[-10  -3   4]\n [ 11  18  25]]");
  EXPECT(m, ASH_FORMAT_PLAIN, "[[-10 -3 4]\n [11 18 25]]");
  EXPECT(m, ASH_FORMAT_PLAIN | ASH_FORMAT_COMMA | ASH_FORMAT_ONELINE,
         "[[-10, -3, 4], [11, 18, 25]]");
  /* the Lua binding's tostring: "view(" before, rows lined up under it */
  cr_assert_str_eq(fmt(m, ASH_FORMAT_PLAIN | ASH_FORMAT_COMMA, -1, 0, 0, 5),
                   "[[-10, -3, 4],\n      [11, 18, 25]]");
  ash_view_release(m);

  TNAME(n3);
  ash_view *b = make(n3, ASH_BOOL, 1, (int64_t[]){2});
  ASSERT_OK(ash_view_set_i64(b, 1, (int64_t[]){0}, 1));
  EXPECT(b, 0, "[ True False]");
  EXPECT(b, ASH_FORMAT_PLAIN | ASH_FORMAT_COMMA, "[true, false]");
  ash_view_release(b);

  TNAME(n4);
  ash_view *c = make(n4, ASH_COMPLEX64, 1, (int64_t[]){2});
  ASSERT_OK(ash_view_set_c128(c, 1, (int64_t[]){0}, 1, 2));
  ASSERT_OK(ash_view_set_c128(c, 1, (int64_t[]){1}, -0.5, -1));
  EXPECT(c, 0, "[ 1. +2.j -0.5-1.j]");
  EXPECT(c, ASH_FORMAT_PLAIN, "[1.0+2.0i -0.5-1.0i]");
  ash_view_release(c);
}

TEST(print, scalars_and_empty) {
  TNAME(n1);
  ash_view *z = make(n1, ASH_COMPLEX128, 0, NULL);
  ASSERT_OK(ash_view_set_c128(z, 0, NULL, 1.5, -2));
  EXPECT(z, 0, "(1.5-2j)");
  EXPECT(z, ASH_FORMAT_PLAIN, "1.5-2.0i");
  ash_view_release(z);
  TNAME(n2);
  ash_view *h = make(n2, ASH_FLOAT16, 0, NULL);
  ASSERT_OK(ash_view_set_f64(h, 0, NULL, 0.1));
  EXPECT(h, 0, "0.1"); /* shortest in its own precision */
  ash_view_release(h);
  TNAME(n3);
  ash_view *e = make(n3, ASH_INT8, 2, (int64_t[]){0, 3});
  EXPECT(e, 0, "[]");
  ash_view_release(e);
  TNAME(n4);
  ash_view *s = make(n4, ASH_FLOAT64, 1, (int64_t[]){3});
  set_f64s(s, (double[]){NAN, INFINITY, -INFINITY});
  EXPECT(s, ASH_FORMAT_PLAIN | ASH_FORMAT_COMMA, "[nan, inf, -inf]");
  EXPECT(s, 0, "[ nan  inf -inf]");
  ash_view_release(s);
}

TEST(print, summary_wrapping_and_options) {
  TNAME(n1);
  ash_view *z = make(n1, ASH_UINT16, 1, (int64_t[]){2000});
  EXPECT(z, 0, "[0 0 0 ... 0 0 0]");
  const char *all = fmt(z, 0, INT64_MAX, 0, 0, 0);
  int zeros = 0;
  for (const char *p = all; *p; p++)
    zeros += *p == '0';
  cr_assert(zeros == 2000 && strstr(all, "...") == NULL);
  ash_view_release(z);

  TNAME(n2);
  ash_view *q = make(n2, ASH_FLOAT64, 1, (int64_t[]){30});
  for (int64_t i = 0; i < 30; i++)
    ASSERT_OK(ash_view_set_f64(q, 1, &i, (double)i / 4));
  EXPECT(q, 0,
         "[0.   0.25 0.5  0.75 1.   1.25 1.5  1.75 2.   2.25 2.5  2.75 3.   "
         "3.25\n 3.5  3.75 4.   4.25 4.5  4.75 5.   5.25 5.5  5.75 6.   6.25 "
         "6.5  6.75\n 7.   7.25]");
  cr_assert_str_eq(
      fmt(q, ASH_FORMAT_COMMA, -1, 0, 0, 5),
      "[0.  , 0.25, 0.5 , 0.75, 1.  , 1.25, 1.5 , 1.75, 2.  , 2.25, 2.5 ,\n"
      "      2.75, 3.  , 3.25, 3.5 , 3.75, 4.  , 4.25, 4.5 , 4.75, 5.  , "
      "5.25,\n      5.5 , 5.75, 6.  , 6.25, 6.5 , 6.75, 7.  , 7.25]");
  cr_assert(strchr(fmt(q, ASH_FORMAT_ONELINE, -1, 0, 0, 0), '\n') == NULL);
  ash_view_release(q);

  TNAME(n3);
  ash_view *t = make(n3, ASH_INT16, 3, (int64_t[]){10, 10, 12});
  t_fill_arange(t);
  cr_assert_str_eq(fmt(t, 0, 100, 1, 0, 0),
                   "[[[   0 ...   11]\n  ...\n  [ 108 ...  119]]\n\n ...\n\n "
                   "[[1080 ... 1091]\n  ...\n  [1188 ... 1199]]]");
  cr_assert_str_eq(fmt(t, ASH_FORMAT_COMMA, 100, 1, 0, 0),
                   "[[[   0, ...,   11],\n  ...,\n  [ 108, ...,  119]],\n\n "
                   "...,\n\n [[1080, ..., 1091],\n  ...,\n  [1188, ..., "
                   "1199]]]");
  ash_view_release(t);

  TNAME(n4);
  ash_view *e = make(n4, ASH_FLOAT32, 3, (int64_t[]){2, 2, 2});
  for (int64_t i = 0; i < 8; i++)
    ASSERT_OK(ash_view_set_f64(e, 1, &i, (double)i * 1e9));
  EXPECT(e, 0,
         "[[[0.e+00 1.e+09]\n  [2.e+09 3.e+09]]\n\n [[4.e+09 5.e+09]\n  "
         "[6.e+09 7.e+09]]]");
  ash_view_release(e);
}

/* Where NumPy versions print differently, NumPy >= 2.3's text (see
 * ash_view_format); next to each, a case every version prints alike. */
TEST(print, notation_newest_numpy) {
  TNAME(n1);
  ash_view *h = make(n1, ASH_FLOAT16, 1, (int64_t[]){2});
  set_f64s(h, (double[]){1000, 1});
  EXPECT(h, 0, "[1.e+03 1.e+00]"); /* NumPy < 2.3: "[1000.    1.]" */
  set_f64s(h, (double[]){999, 1});
  EXPECT(h, 0, "[999.   1.]");
  set_f64s(h, (double[]){100, 0.1}); /* 100 / 0.09998 is 1000.0 in float16 */
  EXPECT(h, 0, "[100.    0.1]");
  set_f64s(h, (double[]){65504, 65.5});
  EXPECT(h, 0, "[6.55e+04 6.55e+01]");
  EXPECT(h, ASH_FORMAT_PLAIN, "[65500.0 65.5]"); /* shortest */
  ash_view_release(h);

  TNAME(n2);
  ash_view *f = make(n2, ASH_FLOAT32, 1, (int64_t[]){2});
  set_f64s(f, (double[]){1e6, 2e6});
  EXPECT(f, 0, "[1.e+06 2.e+06]");
  set_f64s(f, (double[]){999999, 1000});
  EXPECT(f, 0, "[999999.   1000.]");
  set_f64s(f, (double[]){1e-4, 2e-4}); /* NEP 50: 1e-4 < float32(1e-4)? */
  EXPECT(f, 0, "[0.0001 0.0002]");
  ash_view_release(f);

  TNAME(n3);
  ash_view *c = make(n3, ASH_COMPLEX64, 0, NULL);
  ASSERT_OK(ash_view_set_c128(c, 0, NULL, 1e6, 2e6));
  EXPECT(c, 0, "(1e+06+2e+06j)");
  EXPECT(c, ASH_FORMAT_PLAIN, "1000000.0+2000000.0i");
  ash_view_release(c);

  TNAME(n4);
  ash_view *d = make(n4, ASH_FLOAT64, 1, (int64_t[]){1});
  ASSERT_OK(ash_view_fill_f64(d, 1e7));
  EXPECT(d, 0, "[10000000.]");
  ash_view_release(d);
  TNAME(n5);
  ash_view *s = make(n5, ASH_FLOAT16, 0, NULL);
  ASSERT_OK(ash_view_fill_f64(s, 1000));
  EXPECT(s, 0, "1e+03");
  EXPECT(s, ASH_FORMAT_PLAIN, "1000.0");
  ASSERT_OK(ash_view_fill_f64(s, 999.5));
  EXPECT(s, 0, "999.5");
  ash_view_release(s);
}

TEST(print, strided_views) {
  TNAME(name);
  ash_view *m = make(name, ASH_INT64, 2, (int64_t[]){3, 4});
  t_fill_arange(m);
  ash_view *s = NULL, *t = NULL;
  ASSERT_OK(ash_view_slice(m, 1, ASH_NONE, ASH_NONE, -2, 0, &s));
  ASSERT_OK(ash_view_transpose(s, &t));
  EXPECT(t, 0, "[[ 3  7 11]\n [ 1  5  9]]");
  ash_view_release(t);
  ash_view_release(s);
  ash_view_release(m);
}

TEST(print, buffer_contract_and_errors) {
  TNAME(name);
  ash_view *v = make(name, ASH_INT8, 1, (int64_t[]){4});
  t_fill_arange(v);
  char buf[8];
  size_t need = 0;
  ASSERT_OK(ash_view_format(v, 0, -1, 0, 0, 0, NULL, 0, &need));
  cr_assert_eq(need, strlen("[0 1 2 3]"));
  memset(buf, 'x', sizeof buf);
  ASSERT_OK(ash_view_format(v, 0, -1, 0, 0, 0, buf, 5, &need));
  cr_assert_str_eq(buf, "[0 1");
  cr_assert_eq(need, 9);
  cr_assert_eq(buf[5], 'x', "wrote past cap");
  ASSERT_OK(ash_view_format(v, 0, -1, 0, 0, 0, buf, 1, &need));
  cr_assert_str_eq(buf, "");
  ASSERT_ERR(ash_view_format(NULL, 0, -1, 0, 0, 0, buf, 8, &need), ASH_E_INVAL);
  ASSERT_ERR(ash_view_format(v, 0, -1, 0, 0, 0, buf, 8, NULL), ASH_E_INVAL);
  ASSERT_ERR(ash_view_format(v, 0, -1, 0, 0, 0, NULL, 8, &need), ASH_E_INVAL);
  ASSERT_ERR(ash_view_format(v, 1u << 9, -1, 0, 0, 0, buf, 8, &need),
             ASH_E_INVAL);
  cr_assert(strstr(ash_last_error(), "0x200") != NULL, "%s", ash_last_error());
  ASSERT_ERR(ash_view_format(v, 0, -1, 0, 0, -1, buf, 8, &need), ASH_E_INVAL);
  ASSERT_ERR(ash_view_format(v, 0, -1, 0, 0, 1001, buf, 8, &need), ASH_E_INVAL);
  ash_view_release(v);
}
