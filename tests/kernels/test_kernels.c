/* SPDX-License-Identifier: MIT */
/* Test kernels: small functions with known results in each calling
 * convention the kernel API supports. Not part of the library. */
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ---- plain C functions ---------------------------------------------------- */

/* y += a * x, BLAS's daxpy: with a negative increment the pointer is the
 * lowest address and element 0 is at the top. */
void tk_axpy(int n, double a, const double *x, int incx, double *y,
             int incy) {
  if (n <= 0)
    return;
  int64_t ix = incx < 0 ? (int64_t)(1 - n) * incx : 0;
  int64_t iy = incy < 0 ? (int64_t)(1 - n) * incy : 0;
  for (int i = 0; i < n; i++, ix += incx, iy += incy)
    y[iy] += a * x[ix];
}

/* The sum of n elements x[0], x[inc], ... (C rule: x points at element 0). */
double tk_sum(int64_t n, const double *x, int64_t inc) {
  double s = 0;
  for (int64_t i = 0; i < n; i++)
    s += x[i * inc];
  return s;
}

/* Row sums of a row-major m x n matrix with leading dimension ld. */
void tk_rowsum(int m, int n, const double *a, int ld, double *out) {
  for (int i = 0; i < m; i++) {
    double s = 0;
    for (int j = 0; j < n; j++)
      s += a[(int64_t)i * ld + j];
    out[i] = s;
  }
}

/* x[i * inc] = i for i < n: narrow parameters for range checks. */
void tk_iota8(int8_t n, double *x, int8_t inc) {
  for (int i = 0; i < n; i++)
    x[i * inc] = i;
}

/* Scales by a float and counts in an unsigned: conversions of scalars. */
uint32_t tk_scale(uint32_t n, float a, float *x) {
  for (uint32_t i = 0; i < n; i++)
    x[i] *= a;
  return n;
}

/* cblas_dgemm's contract for row-major (order 101) and no transposes (111):
 * c = alpha a b + beta c, a m x k (lda), b k x n (ldb), c m x n (ldc). The
 * cross-language scenario falls back to it where OpenBLAS is not installed.
 * Other orders and transposes are not implemented: c is left untouched. */
void tk_dgemm(int order, int transa, int transb, int m, int n, int k,
              double alpha, const double *a, int lda, const double *b, int ldb,
              double beta, double *c, int ldc) {
  if (order != 101 || transa != 111 || transb != 111)
    return;
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      double s = 0;
      for (int l = 0; l < k; l++)
        s += a[(int64_t)i * lda + l] * b[(int64_t)l * ldb + j];
      c[(int64_t)i * ldc + j] = alpha * s + beta * c[(int64_t)i * ldc + j];
    }
}

/* A result beyond 2^53 and a negative small one: return conversions. */
int64_t tk_big(void) { return (INT64_C(1) << 53) + 1; }
int8_t tk_minus(int8_t x) { return (int8_t)-x; }

/* ---- the thread recorder ----------------------------------------------------- */

static atomic_int tk_entered;
static atomic_int tk_expected;

/* Resets the recorder: each later call waits (up to 5 s) until @expected
 * calls have started, so a split call shows its threads at once. */
void tk_record_reset(int32_t expected) {
  atomic_store(&tk_entered, 0);
  atomic_store(&tk_expected, expected);
}

static int64_t tk_enter(void) {
  int want = atomic_load(&tk_expected);
  atomic_fetch_add(&tk_entered, 1);
  for (int i = 0; i < 5000 && atomic_load(&tk_entered) < want; i++)
    nanosleep(&(struct timespec){0, 1000000}, NULL);
  return (int64_t)syscall(SYS_gettid);
}

/* tid[i] = the thread that ran element i (a split plain kernel). */
void tk_record(int64_t n, int64_t *tid) {
  int64_t t = tk_enter();
  for (int64_t i = 0; i < n; i++)
    tid[i] = t;
}

/* The same as a loop kernel: "loop tk_record_loop(-> int64 tid)". */
void tk_record_loop(char **args, const int64_t *dims, const int64_t *steps,
                    void *data) {
  (void)data;
  int64_t t = tk_enter();
  for (int64_t i = 0; i < dims[0]; i++)
    *(int64_t *)(args[0] + i * steps[0]) = t;
}

/* ---- loop kernels (NumPy's inner-loop convention) ------------------------------- */

/* out = a + b, float64: "loop tk_add(f8 a, f8 b -> f8 out)". */
void tk_add(char **args, const int64_t *dims, const int64_t *steps,
            void *data) {
  (void)data;
  char *a = args[0], *b = args[1], *o = args[2];
  for (int64_t i = 0; i < dims[0]; i++, a += steps[0], b += steps[1],
               o += steps[2])
    *(double *)o = *(const double *)a + *(const double *)b;
}

/* out = in * *(double *)data: "loop tk_scale_loop(f8 x -> f8 out)" with
 * "data=ADDRESS". */
void tk_scale_loop(char **args, const int64_t *dims, const int64_t *steps,
                   void *data) {
  double f = data ? *(const double *)data : 1.0;
  for (int64_t i = 0; i < dims[0]; i++)
    *(double *)(args[1] + i * steps[1]) =
        *(const double *)(args[0] + i * steps[0]) * f;
}

/* "(n),(n)->()": the inner product. */
void tk_dot(char **args, const int64_t *dims, const int64_t *steps,
            void *data) {
  (void)data;
  int64_t n = dims[1];
  for (int64_t k = 0; k < dims[0]; k++) {
    const char *a = args[0] + k * steps[0], *b = args[1] + k * steps[1];
    double s = 0;
    for (int64_t i = 0; i < n; i++)
      s += *(const double *)(a + i * steps[3]) *
           *(const double *)(b + i * steps[4]);
    *(double *)(args[2] + k * steps[2]) = s;
  }
}

/* "(m,n),(n,p)->(m,p)": the matrix product. dims: N, m, n, p; steps: the
 * three outer steps, then a's (m, n), b's (n, p), c's (m, p). */
void tk_matmul(char **args, const int64_t *dims, const int64_t *steps,
               void *data) {
  (void)data;
  int64_t m = dims[1], n = dims[2], p = dims[3];
  for (int64_t k = 0; k < dims[0]; k++) {
    const char *a = args[0] + k * steps[0], *b = args[1] + k * steps[1];
    char *c = args[2] + k * steps[2];
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < p; j++) {
        double s = 0;
        for (int64_t l = 0; l < n; l++)
          s += *(const double *)(a + i * steps[3] + l * steps[4]) *
               *(const double *)(b + l * steps[5] + j * steps[6]);
        *(double *)(c + i * steps[7] + j * steps[8]) = s;
      }
  }
}

/* ---- scalar functions (map kernels) --------------------------------------------- */

double tk_poly(double x) { return 1 + x * (2 + 3 * x); }
double tk_hypot(double a, double b) { return sqrt(a * a + b * b); }
float tk_mulf(float a, float b) { return a * b; }
/* Through libffi: three int32 arguments, and a narrow result. */
int32_t tk_clamp(int32_t x, int32_t lo, int32_t hi) {
  return x < lo ? lo : x > hi ? hi : x;
}
int16_t tk_half16(int16_t x) { return (int16_t)(x / 2); }
