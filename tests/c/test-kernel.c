/* SPDX-License-Identifier: MIT */
/* Kernels: opening (signatures, binders, libraries), the three calling
 * conventions on contiguous, strided and reversed views, every check made
 * before a call, and views kept mapped during a call. Threads: see
 * test-kernel-threads.c. The kernels are tests/kernels/test_kernels.c. */
#include <dlfcn.h>
#include <pthread.h>

#include "common.h"

TestSuite(kernel, .fini = t_fini);

#define LIB ASH_TEST_KERNELS

#define AXPY_SIG                                                               \
  "void tk_axpy(int n, double a, const double *x, int incx, "                  \
  "double *y, int incy)"
#define AXPY_BIND "n=size(x)=size(y), a=a, x=x, incx=inc(x), y=y, incy=inc(y)"

/* A float64 array of @n elements valued start, start+step, ... */
static ash_view *t_vec(const char *name, int64_t n, double start, double step) {
  ash_view *v = t_make_array(name, ASH_FLOAT64, 1, &n, 0, NULL);
  for (int64_t i = 0; i < n; i++)
    ASSERT_OK(ash_view_set_f64(v, 1, &i, start + step * (double)i));
  return v;
}

static double t_get(const ash_view *v, int64_t i) {
  double d = NAN;
  ASSERT_OK(ash_view_get_f64(v, 1, &i, &d));
  return d;
}

static ash_view *t_slice(const ash_view *v, int axis, int64_t start,
                         int64_t stop, int64_t step) {
  ash_view *s = NULL;
  ASSERT_OK(ash_view_slice(v, axis, start, stop, step, 0, &s));
  return s;
}

static ash_kernel *t_open(const char *sig, const char *bind) {
  ash_kernel *k = NULL;
  ASSERT_OK(ash_kernel_open(LIB, sig, bind, &k));
  cr_assert_not_null(k);
  return k;
}

#define ASSERT_DETAIL(text)                                                    \
  cr_assert(strstr(ash_last_error(), text) != NULL,                            \
            "detail \"%s\" lacks \"%s\"", ash_last_error(), text)

/* ---- opening ----------------------------------------------------------------- */

TEST(kernel, open_plain_and_accessors) {
  ash_kernel *k = t_open(AXPY_SIG, AXPY_BIND ", split(n)");
  cr_assert_eq(ash_kernel_kind(k), ASH_KERNEL_PLAIN);
  cr_assert_str_eq(ash_kernel_signature(k),
                   "void tk_axpy(int32_t n, double a, const double *x, "
                   "int32_t incx, double *y, int32_t incy)");
  cr_assert_eq(ash_kernel_nviews(k), 2);
  cr_assert_str_eq(ash_kernel_view_name(k, 0), "x");
  cr_assert_str_eq(ash_kernel_view_name(k, 1), "y");
  cr_assert_null(ash_kernel_view_name(k, 2));
  cr_assert_null(ash_kernel_view_name(k, -1));
  cr_assert_eq(ash_kernel_view_writes(k, 0), 0);
  cr_assert_eq(ash_kernel_view_writes(k, 1), 1);
  cr_assert_eq(ash_kernel_view_writes(k, 2), -1);
  cr_assert_eq(ash_kernel_nscalars(k), 1);
  cr_assert_eq(ash_kernel_result_dtype(k), ASH_DTYPE_INVALID);
  cr_assert_str_eq(ash_kernel_scalar_name(k, 0), "a");
  cr_assert_null(ash_kernel_scalar_name(k, 1));
  cr_assert_eq(ash_kernel_retain(k), k);
  ash_kernel_close(k); /* the retained reference */
  cr_assert_eq(ash_kernel_nviews(k), 2);
  ash_kernel_close(k);
  ash_kernel_close(NULL);
}

TEST(kernel, open_canonical_forms) {
  static const struct {
    const char *sig, *bind, *canon;
  } cases[] = {
      {"typedef int blasint; void tk_iota8(signed char n, double x[], "
       "blasint const inc)",
       "n=3, x=x, inc=stride(x)",
       "void tk_iota8(int8_t n, double *x, int32_t inc)"},
      {"  map   double tk_poly ( double ) ;", NULL,
       "map double tk_poly(double)"},
      {"loop tk_matmul(f8(m,n) a, float64(n,p) b -> d(m,p) c)", "",
       "loop tk_matmul(float64(m,n) a, float64(n,p) b -> float64(m,p) c)"},
      {"loop tk_add(f8, f8 -> f8)", NULL,
       "loop tk_add(float64 in0, float64 in1 -> float64 out)"},
      {"loop tk_dot(f8(3) a, f8(3) b -> f8() d)", "data=null",
       "loop tk_dot(float64(3) a, float64(3) b -> float64 d)"},
      {"int64_t tk_big(void)", "", "int64_t tk_big(void)"},
      {"unsigned tk_scale(unsigned int n, float a, float *restrict x)",
       "n=size(x), a=a, x=x",
       "uint32_t tk_scale(uint32_t n, float a, "
       "float *x)"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ash_kernel *k = t_open(cases[i].sig, cases[i].bind);
    cr_assert_str_eq(ash_kernel_signature(k), cases[i].canon, "case %zu", i);
    ash_kernel_close(k);
  }
}

TEST(kernel, open_map_and_loop_operands) {
  ash_kernel *k = t_open("map double tk_hypot(double a, double b)", NULL);
  cr_assert_eq(ash_kernel_kind(k), ASH_KERNEL_MAP);
  cr_assert_eq(ash_kernel_result_dtype(k), ASH_DTYPE_INVALID);
  cr_assert_eq(ash_kernel_result_dtype(NULL), ASH_DTYPE_INVALID);
  cr_assert_eq(ash_kernel_nviews(k), 3);
  cr_assert_str_eq(ash_kernel_view_name(k, 2), "out");
  cr_assert_eq(ash_kernel_view_writes(k, 2), 1);
  cr_assert_eq(ash_kernel_view_writes(k, 0), 0);
  cr_assert_eq(ash_kernel_nscalars(k), 0);
  ash_kernel_close(k);
  k = t_open("loop tk_matmul(f8(m,n) a, f8(n,p) b -> f8(m,p) c)", NULL);
  cr_assert_eq(ash_kernel_kind(k), ASH_KERNEL_LOOP);
  cr_assert_str_eq(ash_kernel_view_name(k, 2), "c");
  ash_kernel_close(k);
}

TEST(kernel, signature_errors_name_the_column) {
  static const struct {
    const char *sig, *detail;
  } cases[] = {
      {"void f(struct s x)", "column 8: structs and unions by value"},
      {"void f(union u x)", "column 8: structs"},
      {"int printf(const char *fmt, ...)", "column 29: variadic"},
      {"long double f(double x)", "column 1: long double"},
      {"void f(long double x)", "column 8: long double"},
      {"void f(double **x)", "column 16: pointers to pointers"},
      {"void f(blasint n)", "column 8: unknown type name \"blasint\""},
      {"void f(void (*cb)(int))", "column 13: function pointers"},
      {"double *f(void)", "column 1: pointer results"},
      {"void f(double _Complex z)", "complex values are supported through "
                                    "pointers only"},
      {"void f(int n", "')' expected at the end"},
      {"void f(int n) extra", "column 15: unexpected"},
      {"", "empty signature"},
      {"void f(int @)", "column 12: unexpected character '@'"},
      {"map void f(double x)", "a map kernel returns an arithmetic type"},
      {"map double f(double *x)", "map kernels take arithmetic values"},
      {"loop f(float99 x -> f8 y)", "column 8: unknown dtype \"float99\""},
      {"loop f(f8 x)", "a loop kernel needs an output"},
      {"loop f(f8 x, f8 x -> f8 y)", "operand \"x\" appears twice"},
      {"void f(int n, int n)", "parameter \"n\" appears twice"},
      {"loop f(f8(m,?) x -> f8 y)", "unexpected character '?'"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ash_kernel *k = (ash_kernel *)1;
    ASSERT_ERR(ash_kernel_open(LIB, cases[i].sig, NULL, &k), ASH_E_SIGNATURE);
    cr_assert_null(k);
    ASSERT_DETAIL(cases[i].detail);
  }
}

TEST(kernel, binder_errors) {
  static const struct {
    const char *bind, *detail;
    int code;
  } cases[] = {
      {"n=size(x), a=a, x=x, incx=inc(x), y=y",
       "parameter incy of tk_axpy is not bound", ASH_E_SIGNATURE},
      {"n=size(x), n=3, a=a, x=x, incx=inc(x), y=y, incy=inc(y)",
       "column 12: parameter n is bound twice", ASH_E_SIGNATURE},
      {AXPY_BIND ", q=1", "has no parameter \"q\"", ASH_E_SIGNATURE},
      {"n=size(x), a=x, x=x, incx=inc(x), y=y, incy=inc(y)", "\"x\" is a view",
       ASH_E_SIGNATURE},
      {"n=size(x), a=a, x=a, incx=inc(x), y=y, incy=inc(y)", "\"a\" is a view",
       ASH_E_SIGNATURE},
      {"n=2.5, a=a, x=x, incx=inc(x), y=y, incy=inc(y)",
       "integer parameter n (int32_t) given the float 2.5", ASH_E_SIGNATURE},
      {"n=size(x), a=a, x=size(x), incx=inc(x), y=y, incy=inc(y)",
       "takes a view or null", ASH_E_SIGNATURE},
      {"n=null, a=a, x=x, incx=inc(x), y=y, incy=inc(y)", "is not a pointer",
       ASH_E_SIGNATURE},
      {"n=size(x), a=a, x=x, incx=inc(x), y=y, incy=stride(y), "
       "incx=1",
       "bound twice", ASH_E_SIGNATURE},
      {"n=size(x), a=a, x=x, incx=inc(x), y=y, incy=inc(y), "
       "incx2=ld(y)",
       "no parameter", ASH_E_SIGNATURE},
      {"n=size(x), a=a, x=x, incx=inc(x), y=y, incy=stride(x)",
       "view x is given two layouts", ASH_E_SIGNATURE},
      {"n=foo(x), a=a, x=x, incx=inc(x), y=y, incy=inc(y)",
       "unknown function \"foo\"", ASH_E_SIGNATURE},
      {"n=size(x) a=a", "',' expected", ASH_E_SIGNATURE},
      {"n=3000000000, a=a, x=x, incx=inc(x), y=y, incy=inc(y)",
       "parameter n: the literal = 3000000000 does not fit int32_t",
       ASH_E_OVERFLOW},
      {AXPY_BIND ", split(a)", "split(a): not an integer", ASH_E_SIGNATURE},
      {AXPY_BIND ", split(n), split(n)", "only one split()", ASH_E_SIGNATURE},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ash_kernel *k = NULL;
    ASSERT_ERR(ash_kernel_open(LIB, AXPY_SIG, cases[i].bind, &k),
               cases[i].code);
    cr_assert_null(k);
    ASSERT_DETAIL(cases[i].detail);
  }
  ash_kernel *k = NULL;
  ASSERT_ERR(ash_kernel_open(LIB,
                             "double tk_sum(int64_t n, const double *x, "
                             "int64_t inc)",
                             "n=size(x), x=x, inc=stride(x), "
                             "split(n)",
                             &k),
             ASH_E_SIGNATURE);
  ASSERT_DETAIL("split() needs a function returning void");
  ASSERT_ERR(ash_kernel_open(LIB,
                             "void tk_rowsum(int m, int n, const double "
                             "*a, int ld, double *out)",
                             "m=len(a)=size(out), "
                             "n=dim(a,1), a=a, ld=ld(a), out=out, split(m)",
                             &k),
             ASH_E_SIGNATURE);
  ASSERT_DETAIL("view a is 2-d (ld())");
  ASSERT_ERR(ash_kernel_open(LIB,
                             "double tk_sum(int64_t, const double *x, "
                             "int64_t inc)",
                             "x=x, inc=stride(x)", &k),
             ASH_E_SIGNATURE);
  ASSERT_DETAIL("parameter 1 of tk_sum has no name");
  ASSERT_ERR(ash_kernel_open(LIB, "map double tk_poly(double)", "x=1", &k),
             ASH_E_SIGNATURE);
  ASSERT_DETAIL("map kernels take no binder");
  ASSERT_ERR(ash_kernel_open(LIB, "loop tk_add(f8 a, f8 b -> f8 c)", "n=3", &k),
             ASH_E_SIGNATURE);
  ASSERT_DETAIL("\"data=ADDRESS\"");
}

TEST(kernel, library_and_symbol_errors) {
  ash_kernel *k = (ash_kernel *)1;
  ASSERT_ERR(ash_kernel_open("libash-does-not-exist.so.9",
                             "map double sin(double)", NULL, &k),
             ASH_E_LIBRARY);
  cr_assert_null(k);
  ASSERT_DETAIL("libash-does-not-exist.so.9: cannot open shared object");
  ASSERT_ERR(ash_kernel_open(LIB, "map double tk_nothing(double)", NULL, &k),
             ASH_E_LIBRARY);
  ASSERT_DETAIL("symbol \"tk_nothing\" not found");
  ASSERT_DETAIL("undefined symbol: tk_nothing");
  ASSERT_ERR(ash_kernel_open(LIB, NULL, NULL, &k), ASH_E_INVAL);
  ASSERT_ERR(ash_kernel_open(LIB, "int64_t tk_big(void)", NULL, NULL),
             ASH_E_INVAL);
  ASSERT_ERR(ash_kernel_from_address(0, "map double f(double)", NULL, &k),
             ASH_E_INVAL);
  cr_assert_null(k);
  /* The program and what it loaded: libm's sin, libc's labs. */
  ASSERT_OK(ash_kernel_open(NULL, "long labs(long x)", "x=-7", &k));
  double out = 0;
  ASSERT_OK(ash_kernel_call(k, 0, NULL, 0, NULL, 1, &out));
  cr_assert_eq(out, 7);
  ash_kernel_close(k);
}

/* ---- plain kernels --------------------------------------------------------------- */

TEST(kernel, axpy_contiguous_strided_and_reversed) {
  TNAME(nx);
  TNAME(ny);
  ash_view *x = t_vec(nx, 8, 1, 1); /* 1..8 */
  ash_view *y = t_vec(ny, 8, 100, 100);
  ash_kernel *k = t_open(AXPY_SIG, AXPY_BIND);
  double a = 2, out = -1;
  ASSERT_OK(ash_kernel_call(k, 2, (ash_view *[]){x, y}, 1, &a, 1, &out));
  cr_assert_eq(out, 0);
  for (int64_t i = 0; i < 8; i++)
    cr_assert_eq(t_get(y, i), 100.0 * (double)(i + 1) + 2.0 * (double)(i + 1));
  /* y[::-1] += 1 * x[::2] for the first 4: BLAS's negative increment. */
  ash_view *xs = t_slice(x, 0, 0, ASH_NONE, 2);  /* 1 3 5 7 */
  ash_view *yr = t_slice(y, 0, 3, ASH_NONE, -1); /* y3 y2 y1 y0 */
  double before[4];
  for (int64_t i = 0; i < 4; i++)
    before[i] = t_get(y, i);
  a = 1;
  ASSERT_OK(ash_kernel_call(k, 2, (ash_view *[]){xs, yr}, 1, &a, 1, NULL));
  for (int64_t i = 0; i < 4; i++) /* yr[i] = y[3-i] gets xs[i] = 2i+1 */
    cr_assert_eq(t_get(y, 3 - i), before[3 - i] + (double)(2 * i + 1));
  ash_view_release(xs);
  ash_view_release(yr);
  ash_kernel_close(k);
  ash_view_release(x);
  ash_view_release(y);
}

TEST(kernel, plain_results_and_scalars) {
  TNAME(nx);
  ash_view *x = t_vec(nx, 6, 1, 1); /* 1..6 */
  ash_kernel *k = t_open("double tk_sum(int64_t n, const double *x, "
                         "int64_t inc)",
                         "n=size(x), x=x, inc=stride(x)");
  double out = 0;
  ASSERT_OK(ash_kernel_call(k, 1, &x, 0, NULL, 1, &out));
  cr_assert_eq(out, 21);
  /* stride() keeps the pointer at element 0, also when reversed */
  ash_view *r = t_slice(x, 0, ASH_NONE, ASH_NONE, -2); /* 6 4 2 */
  ASSERT_OK(ash_kernel_call(k, 1, &r, 0, NULL, 1, &out));
  cr_assert_eq(out, 12);
  ash_view_release(r);
  ash_kernel_close(k);

  /* A call-time scalar bound twice: n=k=size(x). */
  TNAME(nf);
  int64_t three = 3;
  ash_view *f = t_make_array(nf, ASH_FLOAT32, 1, &three, 0, NULL);
  ASSERT_OK(ash_view_fill_f64(f, 2));
  k = t_open("uint32_t tk_scale(uint32_t n, float a, float *x)",
             "n=k=size(x), a=a, x=x");
  cr_assert_str_eq(ash_kernel_scalar_name(k, 0), "k");
  cr_assert_str_eq(ash_kernel_scalar_name(k, 1), "a");
  ASSERT_OK(ash_kernel_call(k, 1, &f, 2, (double[]){3, 1.5}, 1, &out));
  cr_assert_eq(out, 3);
  cr_assert_eq(t_get(f, 2), 3);
  ASSERT_ERR(ash_kernel_call(k, 1, &f, 2, (double[]){4, 1.5}, 1, &out),
             ASH_E_SHAPE);
  ASSERT_DETAIL("parameter n: scalar k = 4 but size(x) = 3");
  ASSERT_ERR(ash_kernel_call(k, 1, &f, 2, (double[]){2.5, 1}, 1, &out),
             ASH_E_SHAPE); /* the chain is compared first */
  ASSERT_ERR(ash_kernel_call(k, 1, &f, 2, (double[]){3, 1e300}, 1, &out),
             ASH_E_VALUE);
  ASSERT_DETAIL("parameter a: scalar a = 1e+300 overflows float");
  cr_assert_eq(t_get(f, 2), 3, "nothing ran");
  ash_kernel_close(k);
  k = t_open("uint32_t tk_scale(uint32_t n, float a, float *x)",
             "n=k, a=a, x=x");
  ASSERT_ERR(ash_kernel_call(k, 1, &f, 2, (double[]){2.5, 1}, 1, &out),
             ASH_E_VALUE);
  ASSERT_DETAIL("parameter n (uint32_t): scalar k = 2.5 is not an integer");
  ASSERT_ERR(ash_kernel_call(k, 1, &f, 2, (double[]){-1, 1}, 1, &out),
             ASH_E_VALUE);
  ASSERT_DETAIL("does not fit uint32_t");
  ash_kernel_close(k);

  /* Results: beyond 2^53 rounds to nearest, narrow signed results. */
  k = t_open("int64_t tk_big(void)", NULL);
  cr_assert_eq(ash_kernel_result_dtype(k), ASH_INT64);
  ASSERT_OK(ash_kernel_call(k, 0, NULL, 0, NULL, 1, &out));
  cr_assert_eq(out, 9007199254740992.0);
  ash_kernel_close(k);
  k = t_open("int8_t tk_minus(int8_t x)", "x=v");
  ASSERT_OK(ash_kernel_call(k, 0, NULL, 1, (double[]){5}, 1, &out));
  cr_assert_eq(out, -5);
  ASSERT_ERR(ash_kernel_call(k, 0, NULL, 1, (double[]){200}, 1, &out),
             ASH_E_VALUE);
  ash_kernel_close(k);
  ASSERT_ERR(ash_kernel_open(LIB, "int8_t tk_minus(int8_t x)", "x=200", &k),
             ASH_E_OVERFLOW);
  ash_view_release(x);
  ash_view_release(f);
}

TEST(kernel, leading_dimension_of_a_submatrix) {
  TNAME(na);
  TNAME(no);
  int64_t shape[2] = {4, 5}, three = 3;
  ash_view *a = t_make_array(na, ASH_FLOAT64, 2, shape, 0, NULL);
  t_fill_arange(a); /* a[i][j] = 5i + j */
  ash_view *o = t_make_array(no, ASH_FLOAT64, 1, &three, 0, NULL);
  ash_view *rows = t_slice(a, 0, 1, 4, 1), *sub = t_slice(rows, 1, 1, 3, 1);
  ash_kernel *k = t_open("void tk_rowsum(int m, int n, const double *a, "
                         "int ld, double *out)",
                         "m=len(a)=size(out), n=dim(a,-1), a=a, ld=ld(a), "
                         "out=out");
  ASSERT_OK(ash_kernel_call(k, 2, (ash_view *[]){sub, o}, 0, NULL, 1, NULL));
  for (int64_t i = 0; i < 3; i++) /* rows 1..3, columns 1..2 */
    cr_assert_eq(t_get(o, i), (double)(10 * (i + 1) + 3));
  ash_view *two_rows = t_slice(sub, 0, 0, 2, 1);
  ASSERT_ERR(
      ash_kernel_call(k, 2, (ash_view *[]){two_rows, o}, 0, NULL, 1, NULL),
      ASH_E_SHAPE);
  ASSERT_DETAIL("parameter m: len(a) = 2 but size(out) = 3");
  ash_view *t = NULL;
  ASSERT_OK(ash_view_transpose(sub, &t)); /* columns: no unit row stride */
  ASSERT_ERR(ash_kernel_call(k, 2, (ash_view *[]){t, o}, 0, NULL, 1, NULL),
             ASH_E_CONTIG);
  ASSERT_DETAIL("ld(a) needs a 2-d view whose rows are contiguous");
  ASSERT_ERR(ash_kernel_call(k, 2, (ash_view *[]){o, o}, 0, NULL, 1, NULL),
             ASH_E_CONTIG);
  ash_view_release(two_rows);
  ash_view_release(t);
  ash_view_release(rows);
  ash_view_release(sub);
  ash_kernel_close(k);
  ash_view_release(a);
  ash_view_release(o);
}

TEST(kernel, call_checks_name_the_parameter) {
  TNAME(nx);
  TNAME(ny);
  TNAME(ni);
  ash_view *x = t_vec(nx, 8, 1, 1), *y = t_vec(ny, 8, 0, 0);
  int64_t eight = 8;
  ash_view *iv = t_make_array(ni, ASH_INT32, 1, &eight, 0, NULL);
  ash_kernel *k = t_open(AXPY_SIG, AXPY_BIND);
  double a = 1;
  /* dtype against the pointee */
  ASSERT_ERR(ash_kernel_call(k, 2, (ash_view *[]){iv, y}, 1, &a, 1, NULL),
             ASH_E_DTYPE);
  ASSERT_DETAIL("view x is int32, the kernel needs float64");
  /* a non-const pointer given a read-only view */
  ash_view *ro = NULL;
  ASSERT_OK(ash_view_readonly(y, &ro));
  ASSERT_ERR(ash_kernel_call(k, 2, (ash_view *[]){x, ro}, 1, &a, 1, NULL),
             ASH_E_RDONLY);
  ASSERT_DETAIL("view y is read-only");
  ASSERT_OK(ash_kernel_call(k, 2, (ash_view *[]){ro, y}, 1, &a, 1, NULL));
  /* sizes that must agree */
  ash_view *half = t_slice(x, 0, 0, 4, 1);
  ASSERT_ERR(ash_kernel_call(k, 2, (ash_view *[]){half, y}, 1, &a, 1, NULL),
             ASH_E_SHAPE);
  ASSERT_DETAIL("parameter n: size(x) = 4 but size(y) = 8");
  /* counts and NULLs */
  ASSERT_ERR(ash_kernel_call(k, 1, (ash_view *[]){x}, 1, &a, 1, NULL),
             ASH_E_INVAL);
  ASSERT_DETAIL("tk_axpy takes 2 views (x, y), got 1");
  ASSERT_ERR(ash_kernel_call(k, 2, (ash_view *[]){x, y}, 0, NULL, 1, NULL),
             ASH_E_INVAL);
  ASSERT_DETAIL("takes 1 scalar (a), got 0");
  ASSERT_ERR(ash_kernel_call(k, 2, (ash_view *[]){x, NULL}, 1, &a, 1, NULL),
             ASH_E_INVAL);
  ASSERT_DETAIL("view y is NULL");
  ASSERT_ERR(ash_kernel_call(NULL, 0, NULL, 0, NULL, 1, NULL), ASH_E_INVAL);
  ASSERT_ERR(ash_kernel_call(k, 2, (ash_view *[]){x, y}, 1, &a, -1, NULL),
             ASH_E_INVAL);
  ASSERT_DETAIL("nthreads -1 is negative");
  ash_kernel_close(k);

  /* a non-contiguous view for a pointer without stride binding */
  k = t_open("double tk_sum(int64_t n, const double *x, int64_t inc)",
             "n=size(x), x=x, inc=1");
  ash_view *every2 = t_slice(x, 0, 0, ASH_NONE, 2);
  double out;
  ASSERT_ERR(ash_kernel_call(k, 1, &every2, 0, NULL, 1, &out), ASH_E_CONTIG);
  ASSERT_DETAIL("view x is not C-contiguous and its parameter has no stride");
  ash_kernel_close(k);
  /* elements not equally spaced: no stride describes them */
  int64_t shape[2] = {3, 4};
  TNAME(nm);
  ash_view *m = t_make_array(nm, ASH_FLOAT64, 2, shape, 0, NULL);
  ash_view *mcols = t_slice(m, 1, 0, 2, 1);
  k = t_open("double tk_sum(int64_t n, const double *x, int64_t inc)",
             "n=size(x), x=x, inc=stride(x)");
  ASSERT_ERR(ash_kernel_call(k, 1, &mcols, 0, NULL, 1, &out), ASH_E_CONTIG);
  ASSERT_DETAIL("not equally spaced");
  ASSERT_OK(ash_kernel_call(k, 1, &m, 0, NULL, 1, &out)); /* 2-d, flat */
  ash_kernel_close(k);
  /* misaligned: bytes at offset 1 reinterpreted as doubles */
  TNAME(nb);
  int64_t n17 = 17;
  ash_view *bytes = t_make_array(nb, ASH_UINT8, 1, &n17, 0, NULL);
  ash_view *b1 = t_slice(bytes, 0, 1, 17, 1), *mis = NULL;
  ASSERT_OK(ash_view_reinterpret(b1, ASH_FLOAT64, &mis));
  k = t_open("double tk_sum(int64_t n, const double *x, int64_t inc)",
             "n=size(x), x=x, inc=stride(x)");
  ASSERT_ERR(ash_kernel_call(k, 1, &mis, 0, NULL, 1, &out), ASH_E_INVAL);
  ASSERT_DETAIL("view x is not aligned for float64 elements");
  ash_kernel_close(k);
  /* a length or stride that overflows its parameter */
  TNAME(nl);
  int64_t n300 = 300;
  ash_view *l = t_make_array(nl, ASH_FLOAT64, 1, &n300, 0, NULL);
  k = t_open("void tk_iota8(int8_t n, double *x, int8_t inc)",
             "n=size(x), x=x, inc=stride(x)");
  ASSERT_ERR(ash_kernel_call(k, 1, &l, 0, NULL, 1, NULL), ASH_E_OVERFLOW);
  ASSERT_DETAIL("parameter n: size(x) = 300 does not fit int8_t");
  ash_view *two = t_slice(l, 0, 0, 201, 200);
  ASSERT_ERR(ash_kernel_call(k, 1, &two, 0, NULL, 1, NULL), ASH_E_OVERFLOW);
  ASSERT_DETAIL("parameter inc: stride(x) = 200 does not fit int8_t");
  ash_view *ten = t_slice(l, 0, 0, 10, 1);
  ASSERT_OK(ash_kernel_call(k, 1, &ten, 0, NULL, 1, NULL));
  cr_assert_eq(t_get(l, 9), 9);
  ash_kernel_close(k);
  k = t_open("uint32_t tk_scale(uint32_t n, float a, float *x)",
             "n=size(x), a=1.0, x=x");
  ash_kernel_close(k);
  k = t_open("double tk_sum(uint32_t n, const double *x, uint32_t inc)",
             "n=size(x), x=x, inc=inc(x)");
  ash_view *rev = t_slice(x, 0, ASH_NONE, ASH_NONE, -1);
  ASSERT_ERR(ash_kernel_call(k, 1, &rev, 0, NULL, 1, &out), ASH_E_OVERFLOW);
  ASSERT_DETAIL("parameter inc: inc(x) = -1 does not fit uint32_t");
  ash_kernel_close(k);
  ash_view *views[] = {ro, half, every2, m,   mcols, bytes, b1, mis,
                       l,  two,  ten,    rev, x,     y,     iv};
  for (size_t i = 0; i < sizeof views / sizeof views[0]; i++)
    ash_view_release(views[i]);
}

/* ---- map kernels ----------------------------------------------------------------- */

TEST(kernel, map_typed_and_general_paths) {
  TNAME(nx);
  TNAME(ny);
  TNAME(no);
  ash_view *x = t_vec(nx, 6, -2, 1); /* -2 .. 3 */
  ash_view *y = t_vec(ny, 6, 0, 0);
  ash_kernel *k = t_open("map double tk_poly(double x)", NULL);
  ASSERT_OK(ash_kernel_call(k, 2, (ash_view *[]){x, y}, 0, NULL, 1, NULL));
  for (int64_t i = 0; i < 6; i++) {
    double v = (double)i - 2;
    cr_assert_eq(t_get(y, i), 1 + 2 * v + 3 * v * v);
  }
  /* reversed input, strided output */
  ash_view *xr = t_slice(x, 0, ASH_NONE, ASH_NONE, -1);
  ash_view *ys = t_slice(y, 0, 0, ASH_NONE, 2), *xr3 = t_slice(xr, 0, 0, 3, 1);
  ASSERT_OK(ash_kernel_call(k, 2, (ash_view *[]){xr3, ys}, 0, NULL, 1, NULL));
  cr_assert_eq(t_get(y, 2), 1 + 2 * 2 + 3 * 4); /* poly(2) */
  ash_kernel_close(k);
  /* libm through the program's own namespace */
  ASSERT_OK(ash_kernel_open("libm.so.6", "map double sin(double)", NULL, &k));
  ASSERT_OK(ash_kernel_call(k, 2, (ash_view *[]){x, y}, 0, NULL, 1, NULL));
  cr_assert_float_eq(t_get(y, 5), sin(3.0), 1e-15);
  ash_kernel_close(k);
  /* two arguments, broadcasting a 0-d view */
  ash_view *three = NULL;
  int64_t i3 = 5;
  ASSERT_OK(ash_view_index(x, 0, i3, &three)); /* 3.0 as a 0-d view */
  k = t_open("map double tk_hypot(double a, double b)", NULL);
  ASSERT_OK(
      ash_kernel_call(k, 3, (ash_view *[]){x, three, y}, 0, NULL, 1, NULL));
  cr_assert_float_eq(t_get(y, 0), sqrt(4.0 + 9.0), 1e-15);
  ash_kernel_close(k);
  /* float32 and the libffi path (int32, int16) */
  int64_t n4 = 4;
  ash_view *f = t_make_array(no, ASH_FLOAT32, 1, &n4, 0, NULL);
  ASSERT_OK(ash_view_fill_f64(f, 1.5));
  k = t_open("map float tk_mulf(float, float)", NULL);
  ASSERT_OK(ash_kernel_call(k, 3, (ash_view *[]){f, f, f}, 0, NULL, 1, NULL));
  cr_assert_eq(t_get(f, 3), 2.25);
  ASSERT_ERR(ash_kernel_call(k, 3, (ash_view *[]){x, f, f}, 0, NULL, 1, NULL),
             ASH_E_DTYPE);
  ASSERT_DETAIL("view in0 is float64, the kernel needs float32");
  ash_kernel_close(k);
  TNAME(ni);
  TNAME(nh);
  ash_view *iv = t_make_array(ni, ASH_INT32, 1, &n4, 0, NULL);
  t_fill_arange(iv);
  ash_view *lo = NULL, *hi = NULL;
  int64_t i1 = 1, i2 = 2;
  ASSERT_OK(ash_view_index(iv, 0, i1, &lo));
  ASSERT_OK(ash_view_index(iv, 0, i2, &hi));
  k = t_open("map int32_t tk_clamp(int32_t x, int32_t lo, int32_t hi)", NULL);
  ASSERT_OK(ash_kernel_call(k, 4, (ash_view *[]){iv, lo, hi, iv}, 0, NULL, 1,
                            NULL)); /* in place: 0 1 2 3 -> 1 1 2 2 */
  cr_assert_eq(t_get_i64_flat(iv, 0), 1);
  cr_assert_eq(t_get_i64_flat(iv, 3), 2);
  ash_kernel_close(k);
  ash_view *h = t_make_array(nh, ASH_INT16, 1, &n4, 0, NULL);
  ASSERT_OK(ash_view_fill_i64(h, -7));
  k = t_open("map int16_t tk_half16(int16_t)", NULL);
  ash_view *h01 = t_slice(h, 0, 0, 2, 1), *h23 = t_slice(h, 0, 2, 4, 1);
  ASSERT_OK(ash_kernel_call(k, 2, (ash_view *[]){h01, h23}, 0, NULL, 1, NULL));
  cr_assert_eq(t_get_i64_flat(h, 0), -7);
  cr_assert_eq(t_get_i64_flat(h, 2), -3, "the narrow result, not a word");
  ash_kernel_close(k);
  ash_view *views[] = {x, y, xr, ys, xr3, three, f, iv, lo, hi, h, h01, h23};
  for (size_t i = 0; i < sizeof views / sizeof views[0]; i++)
    ash_view_release(views[i]);
}

/* ---- loop kernels ---------------------------------------------------------------- */

TEST(kernel, loop_broadcasts_and_takes_strided_views) {
  TNAME(na);
  TNAME(nb);
  TNAME(nc);
  int64_t s34[2] = {3, 4}, four = 4, s68[2] = {6, 8};
  ash_view *a = t_make_array(na, ASH_FLOAT64, 2, s68, 0, NULL);
  t_fill_arange(a); /* a[i][j] = 8i + j */
  ash_view *b = t_vec(nb, 4, 1000, 1000);
  ash_view *c = t_make_array(nc, ASH_FLOAT64, 2, s34, 0, NULL);
  /* a[::2, ::-1][:, :4] (3x4, strided and reversed) + b (4,) -> c */
  ash_view *s1 = t_slice(a, 0, 0, ASH_NONE, 2);
  ash_view *s2 = t_slice(s1, 1, ASH_NONE, ASH_NONE, -1);
  ash_view *s3 = t_slice(s2, 1, 0, 4, 1);
  ash_kernel *k =
      t_open("loop tk_add(float64 a, float64 b -> float64 out)", NULL);
  ASSERT_OK(ash_kernel_call(k, 3, (ash_view *[]){s3, b, c}, 0, NULL, 1, NULL));
  for (int64_t i = 0; i < 3; i++)
    for (int64_t j = 0; j < 4; j++) {
      double got;
      ASSERT_OK(ash_view_get_f64(c, 2, (int64_t[]){i, j}, &got));
      cr_assert_eq(got, (double)(16 * i + 7 - j) + 1000.0 * (double)(j + 1));
    }
  /* shapes that do not broadcast, outputs that would be */
  ash_view *b3 = t_slice(b, 0, 0, 3, 1);
  ASSERT_ERR(ash_kernel_call(k, 3, (ash_view *[]){s3, b3, c}, 0, NULL, 1, NULL),
             ASH_E_SHAPE);
  ASSERT_DETAIL("operand b: outer shape (3,) does not broadcast with (3,4)");
  ASSERT_ERR(ash_kernel_call(k, 3, (ash_view *[]){s3, s3, b}, 0, NULL, 1, NULL),
             ASH_E_SHAPE);
  ASSERT_DETAIL("output out: outer shape (4,), the operands broadcast to "
                "(3,4)");
  ash_view *ro = NULL;
  ASSERT_OK(ash_view_readonly(c, &ro));
  ASSERT_ERR(ash_kernel_call(k, 3, (ash_view *[]){s3, b, ro}, 0, NULL, 1, NULL),
             ASH_E_RDONLY);
  ASSERT_DETAIL("view out is read-only");
  ash_kernel_close(k);
  /* data=ADDRESS reaches the loop */
  static const double factor = 0.5;
  char bind[64];
  snprintf(bind, sizeof bind, "data=%" PRIuPTR, (uintptr_t)&factor);
  k = t_open("loop tk_scale_loop(f8 x -> f8 y)", bind);
  ASSERT_OK(ash_kernel_call(k, 2, (ash_view *[]){b, b}, 0, NULL, 1, NULL));
  cr_assert_eq(t_get(b, 3), 2000);
  ash_kernel_close(k);
  ash_view *views[] = {a, b, c, s1, s2, s3, b3, ro};
  for (size_t i = 0; i < sizeof views / sizeof views[0]; i++)
    ash_view_release(views[i]);
  (void)four;
}

TEST(kernel, gufunc_core_dimensions) {
  TNAME(na);
  TNAME(nb);
  TNAME(nc);
  int64_t sa[3] = {2, 2, 3}, sb[2] = {3, 2}, sc[3] = {2, 2, 2};
  ash_view *a = t_make_array(na, ASH_FLOAT64, 3, sa, 0, NULL);
  ash_view *b = t_make_array(nb, ASH_FLOAT64, 2, sb, 0, NULL);
  ash_view *c = t_make_array(nc, ASH_FLOAT64, 3, sc, 0, NULL);
  t_fill_arange(a); /* two 2x3 matrices */
  t_fill_arange(b); /* one 3x2, broadcast over the stack */
  ash_kernel *k =
      t_open("loop tk_matmul(f8(m,n) a, f8(n,p) b -> f8(m,p) c)", NULL);
  ASSERT_OK(ash_kernel_call(k, 3, (ash_view *[]){a, b, c}, 0, NULL, 1, NULL));
  for (int64_t s = 0; s < 2; s++)
    for (int64_t i = 0; i < 2; i++)
      for (int64_t j = 0; j < 2; j++) {
        double want = 0, got;
        for (int64_t l = 0; l < 3; l++)
          want += (double)(6 * s + 3 * i + l) * (double)(2 * l + j);
        ASSERT_OK(ash_view_get_f64(c, 3, (int64_t[]){s, i, j}, &got));
        cr_assert_eq(got, want);
      }
  /* b transposed: a (2,2,3) @ bT (2,3) needs n == 3 == 2: mismatch */
  ash_view *bt = NULL;
  ASSERT_OK(ash_view_transpose(b, &bt));
  ASSERT_ERR(ash_kernel_call(k, 3, (ash_view *[]){a, bt, c}, 0, NULL, 1, NULL),
             ASH_E_SHAPE);
  ASSERT_DETAIL("operand b: core dimension n is 2, but 3 in operand a");
  ASSERT_ERR(ash_kernel_call(k, 3, (ash_view *[]){a, b, b}, 0, NULL, 1, NULL),
             ASH_E_SHAPE);
  ash_view *row = NULL;
  ASSERT_OK(ash_view_index(b, 0, 0, &row));
  ASSERT_ERR(ash_kernel_call(k, 3, (ash_view *[]){a, row, c}, 0, NULL, 1, NULL),
             ASH_E_SHAPE);
  ASSERT_DETAIL("operand b has 1 dimension, its core dimensions need at "
                "least 2");
  ash_kernel_close(k);
  /* (n),(n)->() with a fixed size, on a transposed (strided) operand */
  TNAME(nd);
  int64_t two = 2;
  ash_view *d = t_make_array(nd, ASH_FLOAT64, 1, &two, 0, NULL);
  k = t_open("loop tk_dot(f8(3) x, f8(3) y -> f8() d)", NULL);
  ASSERT_OK(ash_kernel_call(k, 3, (ash_view *[]){bt, bt, d}, 0, NULL, 1, NULL));
  cr_assert_eq(t_get(d, 0), 0 * 0 + 2 * 2 + 4 * 4);
  cr_assert_eq(t_get(d, 1), 1 * 1 + 3 * 3 + 5 * 5);
  ASSERT_ERR(ash_kernel_call(k, 3, (ash_view *[]){b, b, d}, 0, NULL, 1, NULL),
             ASH_E_SHAPE);
  ASSERT_DETAIL("core dimension 0 is 2, the signature fixes it to 3");
  ash_kernel_close(k);
  ash_view *views[] = {a, b, c, bt, row, d};
  for (size_t i = 0; i < sizeof views / sizeof views[0]; i++)
    ash_view_release(views[i]);
}

TEST(kernel, from_address) {
  void *h = dlopen(LIB, RTLD_NOW);
  cr_assert_not_null(h, "%s", dlerror());
  void *fn = dlsym(h, "tk_poly");
  cr_assert_not_null(fn);
  ash_kernel *k = NULL;
  ASSERT_OK(ash_kernel_from_address((uint64_t)(uintptr_t)fn,
                                    "map double anything(double)", NULL, &k));
  TNAME(nx);
  ash_view *x = t_vec(nx, 3, 1, 1);
  ASSERT_OK(ash_kernel_call(k, 2, (ash_view *[]){x, x}, 0, NULL, 1, NULL));
  cr_assert_eq(t_get(x, 2), 1 + 2 * 3 + 3 * 9);
  ash_kernel_close(k);
  ASSERT_ERR(ash_kernel_from_address((uint64_t)(uintptr_t)fn,
                                     "map double f(double", NULL, &k),
             ASH_E_SIGNATURE);
  ash_view_release(x);
  dlclose(h);
}

/* ---- a view released and unlinked during a call ------------------------------ */

struct t_release_arg {
  ash_view *v;
  const char *name;
  void (*record)(int64_t, int64_t *);
  int unlinked;
};

static void *t_release_meanwhile(void *p) {
  struct t_release_arg *r = p;
  usleep(20000); /* the call is waiting inside the kernel by now */
  ash_view_release(r->v);
  r->unlinked = ash_unlink(r->name, 0) == ASH_OK && !t_shm_exists(r->name);
  r->record(0, NULL); /* the second entry the kernel waits for */
  return NULL;
}

TEST(kernel, views_stay_mapped_during_a_call) {
  void *h = dlopen(LIB, RTLD_NOW);
  cr_assert_not_null(h);
  void (*reset)(int32_t) = (void (*)(int32_t))dlsym(h, "tk_record_reset");
  struct t_release_arg r = {0};
  r.record = (void (*)(int64_t, int64_t *))dlsym(h, "tk_record");
  TNAME(nt);
  int64_t n = 4096;
  r.v = t_make_array(nt, ASH_INT64, 1, &n, ASH_PERSIST, NULL);
  r.name = nt;
  ash_kernel *k =
      t_open("void tk_record(int64_t n, int64_t *tid)", "n=size(tid), tid=tid");
  reset(2);
  pthread_t th;
  cr_assert_eq(pthread_create(&th, NULL, t_release_meanwhile, &r), 0);
  ash_view *v = r.v;
  ASSERT_OK(ash_kernel_call(k, 1, &v, 0, NULL, 1, NULL)); /* writes it all */
  pthread_join(th, NULL);
  cr_assert(r.unlinked, "the segment was unlinked during the call");
  ash_kernel_close(k);
  dlclose(h);
}

TEST(kernel, max_threads) {
  int n = 0;
  ASSERT_OK(ash_kernel_max_threads(&n));
  cr_assert_geq(n, 1);
  ASSERT_ERR(ash_kernel_max_threads(NULL), ASH_E_INVAL);
}
