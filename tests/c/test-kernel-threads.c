/* SPDX-License-Identifier: MIT */
/* The kernel thread pool: split calls run on several threads and give the
 * serial result, overlapping outputs are refused, concurrent callers share
 * the pool, fork() leaves a usable pool in the child, ASH_NUM_THREADS is
 * checked. Run with ASH_NUM_THREADS=4 (CTest) and under ThreadSanitizer
 * (label "threads"). */
#include <dlfcn.h>
#include <pthread.h>
#include <sys/syscall.h>

#include "common.h"

TestSuite(kthreads, .fini = t_fini);

#define LIB ASH_TEST_KERNELS
#define AXPY_SIG                                                               \
  "void tk_axpy(int n, double a, const double *x, int incx, "                  \
  "double *y, int incy)"
#define AXPY_BIND                                                              \
  "n=size(x)=size(y), a=a, x=x, incx=inc(x), y=y, "                            \
  "incy=inc(y), split(n)"

static int64_t t_tid(void) { return (int64_t)syscall(SYS_gettid); }

static ash_kernel *t_open(const char *sig, const char *bind) {
  ash_kernel *k = NULL;
  ASSERT_OK(ash_kernel_open(LIB, sig, bind, &k));
  return k;
}

static void (*t_reset_fn(void **h))(int32_t) {
  *h = dlopen(LIB, RTLD_NOW);
  cr_assert_not_null(*h, "%s", dlerror());
  return (void (*)(int32_t))dlsym(*h, "tk_record_reset");
}

static int t_threads(int want) {
  int n = 0;
  ASSERT_OK(ash_kernel_max_threads(&n));
  return n < want ? n : want;
}

/* Elements [0, n) of an int64 view hold thread ids in @nblocks runs of equal
 * length: the ids are distinct, and one of them is the caller's. */
static void t_check_blocks(const ash_view *v, int64_t n, int nblocks) {
  int64_t first[64];
  for (int b = 0; b < nblocks; b++) {
    int64_t lo = n * b / nblocks, hi = n * (b + 1) / nblocks;
    first[b] = t_get_i64_flat(v, lo);
    for (int64_t i = lo; i < hi; i++)
      cr_assert_eq(t_get_i64_flat(v, i), first[b], "element %" PRId64, i);
    for (int c = 0; c < b; c++)
      cr_assert_neq(first[c], first[b], "blocks %d and %d ran on one thread", c,
                    b);
  }
  bool caller = false;
  for (int b = 0; b < nblocks; b++)
    caller = caller || first[b] == t_tid();
  cr_assert(caller, "the calling thread takes part");
}

TEST(kthreads, split_plain_kernel_records_its_threads) {
  void *h;
  void (*reset)(int32_t) = t_reset_fn(&h);
  int n = t_threads(4);
  cr_assert_geq(n, 2, "the pool has at least 2 threads (ASH_NUM_THREADS=4)");
  TNAME(nt);
  int64_t len = 1000;
  ash_view *v = t_make_array(nt, ASH_INT64, 1, &len, 0, NULL);
  ash_kernel *k = t_open("void tk_record(int64_t n, int64_t *tid)",
                         "n=size(tid), tid=tid, split(n)");
  reset(n);
  ASSERT_OK(ash_kernel_call(k, 1, &v, 0, NULL, n, NULL));
  t_check_blocks(v, len, n);
  reset(1); /* the default: the caller alone */
  ASSERT_OK(ash_kernel_call(k, 1, &v, 0, NULL, 1, NULL));
  t_check_blocks(v, len, 1);
  cr_assert_eq(t_get_i64_flat(v, 999), t_tid());
  reset(2); /* 2 elements, 0 = all threads: 2 chunks */
  ash_view *two = NULL;
  ASSERT_OK(ash_view_slice(v, 0, 0, 2, 1, 0, &two));
  ASSERT_OK(ash_kernel_call(k, 1, &two, 0, NULL, 0, NULL));
  t_check_blocks(two, 2, 2);
  ash_view_release(two);
  ash_kernel_close(k);
  ash_view_release(v);
  dlclose(h);
}

TEST(kthreads, split_loop_kernel_records_its_threads) {
  void *h;
  void (*reset)(int32_t) = t_reset_fn(&h);
  int n = t_threads(4);
  TNAME(nt);
  int64_t shape[2] = {10, 100};
  ash_view *v = t_make_array(nt, ASH_INT64, 2, shape, 0, NULL);
  ash_kernel *k = t_open("loop tk_record_loop(-> int64 tid)", NULL);
  reset(n);
  ASSERT_OK(ash_kernel_call(k, 1, &v, 0, NULL, n, NULL));
  t_check_blocks(v, 1000, n);
  /* a transposed output is split along its own outer order */
  ash_view *t = NULL;
  ASSERT_OK(ash_view_transpose(v, &t));
  reset(2);
  ASSERT_OK(ash_kernel_call(k, 1, &t, 0, NULL, 2, NULL));
  int64_t a = t_get_i64_flat(t, 0), b = t_get_i64_flat(t, 999);
  cr_assert_neq(a, b);
  ash_view_release(t);
  ash_kernel_close(k);
  ash_view_release(v);
  dlclose(h);
}

/* Serial and split calls give the same bytes. */
TEST(kthreads, split_results_equal_serial_results) {
  TNAME(nx);
  TNAME(ny);
  TNAME(nz);
  int64_t n = 100003;
  ash_view *x = t_make_array(nx, ASH_FLOAT64, 1, &n, 0, NULL);
  ash_view *y = t_make_array(ny, ASH_FLOAT64, 1, &n, 0, NULL);
  ash_view *z = t_make_array(nz, ASH_FLOAT64, 1, &n, 0, NULL);
  double *px = ash_view_data(x), *py = ash_view_data(y), *pz = ash_view_data(z);
  for (int64_t i = 0; i < n; i++) {
    px[i] = (double)i * 0.25;
    py[i] = pz[i] = 1.0 / (double)(i + 1);
  }
  ash_kernel *k = t_open(AXPY_SIG, AXPY_BIND);
  double a = 3;
  ASSERT_OK(ash_kernel_call(k, 2, (ash_view *[]){x, y}, 1, &a, 1, NULL));
  ASSERT_OK(ash_kernel_call(k, 2, (ash_view *[]){x, z}, 1, &a, 0, NULL));
  cr_assert_eq(memcmp(py, pz, (size_t)n * 8), 0);
  /* reversed: BLAS's pointer moves with each range */
  ash_view *yr = NULL, *zr = NULL;
  ASSERT_OK(ash_view_slice(y, 0, ASH_NONE, ASH_NONE, -1, 0, &yr));
  ASSERT_OK(ash_view_slice(z, 0, ASH_NONE, ASH_NONE, -1, 0, &zr));
  ASSERT_OK(ash_kernel_call(k, 2, (ash_view *[]){x, yr}, 1, &a, 1, NULL));
  ASSERT_OK(ash_kernel_call(k, 2, (ash_view *[]){x, zr}, 1, &a, 3, NULL));
  cr_assert_eq(memcmp(py, pz, (size_t)n * 8), 0);
  ash_kernel_close(k);
  /* a map kernel from libm */
  ASSERT_OK(ash_kernel_open("libm.so.6", "map double sin(double)", NULL, &k));
  ASSERT_OK(ash_kernel_call(k, 2, (ash_view *[]){x, y}, 0, NULL, 1, NULL));
  ASSERT_OK(ash_kernel_call(k, 2, (ash_view *[]){x, zr}, 0, NULL, 0, NULL));
  for (int64_t i = 0; i < n; i += 997)
    cr_assert_eq(pz[n - 1 - i], py[i]);
  ash_kernel_close(k);
  /* a gufunc over a stack of matrices */
  int64_t ss[3] = {50, 20, 20};
  TNAME(nm);
  TNAME(no1);
  TNAME(no2);
  ash_view *m = t_make_array(nm, ASH_FLOAT64, 3, ss, 0, NULL);
  ash_view *o1 = t_make_array(no1, ASH_FLOAT64, 3, ss, 0, NULL);
  ash_view *o2 = t_make_array(no2, ASH_FLOAT64, 3, ss, 0, NULL);
  t_fill_arange(m);
  k = t_open("loop tk_matmul(f8(m,n) a, f8(n,p) b -> f8(m,p) c)", NULL);
  ASSERT_OK(ash_kernel_call(k, 3, (ash_view *[]){m, m, o1}, 0, NULL, 1, NULL));
  ASSERT_OK(ash_kernel_call(k, 3, (ash_view *[]){m, m, o2}, 0, NULL, 4, NULL));
  cr_assert_eq(memcmp(ash_view_data(o1), ash_view_data(o2), 50 * 400 * 8), 0);
  ash_kernel_close(k);
  ash_view *views[] = {x, y, z, yr, zr, m, o1, o2};
  for (size_t i = 0; i < sizeof views / sizeof views[0]; i++)
    ash_view_release(views[i]);
}

TEST(kthreads, overlapping_outputs_are_refused_when_split) {
  TNAME(nv);
  int64_t n = 1001;
  ash_view *v = t_make_array(nv, ASH_FLOAT64, 1, &n, 0, NULL);
  ASSERT_OK(ash_view_fill_f64(v, 1));
  ash_view *lo = NULL, *hi = NULL, *rev = NULL;
  ASSERT_OK(ash_view_slice(v, 0, 0, 1000, 1, 0, &lo));
  ASSERT_OK(ash_view_slice(v, 0, 1, 1001, 1, 0, &hi));
  ASSERT_OK(ash_view_slice(v, 0, ASH_NONE, ASH_NONE, -1, 0, &rev));
  ash_kernel *k = t_open(AXPY_SIG, AXPY_BIND);
  double a = 1;
  ASSERT_ERR(ash_kernel_call(k, 2, (ash_view *[]){lo, hi}, 1, &a, 2, NULL),
             ASH_E_OVERLAP);
  cr_assert(strstr(ash_last_error(), "output y overlaps operand x"), "%s",
            ash_last_error());
  cr_assert_eq(((double *)ash_view_data(v))[1000], 1, "nothing ran");
  /* one thread: the caller's loop, as the C function would run it */
  ASSERT_OK(ash_kernel_call(k, 2, (ash_view *[]){lo, hi}, 1, &a, 1, NULL));
  /* the very same elements: y += a * y, element by element */
  ASSERT_OK(ash_view_fill_f64(v, 1));
  ASSERT_OK(ash_kernel_call(k, 2, (ash_view *[]){v, v}, 1, &a, 2, NULL));
  cr_assert_eq(((double *)ash_view_data(v))[500], 2);
  ASSERT_ERR(ash_kernel_call(k, 2, (ash_view *[]){v, rev}, 1, &a, 2, NULL),
             ASH_E_OVERLAP);
  ash_kernel_close(k);
  k = t_open("loop tk_add(f8 a, f8 b -> f8 out)", NULL);
  ASSERT_OK(ash_kernel_call(k, 3, (ash_view *[]){v, v, v}, 0, NULL, 2, NULL));
  cr_assert_eq(((double *)ash_view_data(v))[0], 4);
  ASSERT_ERR(ash_kernel_call(k, 3, (ash_view *[]){v, v, rev}, 0, NULL, 2, NULL),
             ASH_E_OVERLAP);
  cr_assert(strstr(ash_last_error(), "output out overlaps operand a"), "%s",
            ash_last_error());
  ash_kernel_close(k);
  ash_view_release(lo);
  ash_view_release(hi);
  ash_view_release(rev);
  ash_view_release(v);
}

/* Several callers at once share the pool; each gets its own result. */
struct t_worker {
  ash_kernel *k;
  ash_view *x, *y;
  int failures;
};

static void *t_caller(void *p) {
  struct t_worker *w = p;
  double *py = ash_view_data(w->y);
  int64_t n = ash_view_size(w->y);
  for (int rep = 0; rep < 40; rep++) {
    double a = 1;
    if (ash_kernel_call(w->k, 2, (ash_view *[]){w->x, w->y}, 1, &a, rep % 4 + 1,
                        NULL) != ASH_OK)
      w->failures++;
  }
  for (int64_t i = 0; i < n; i++)
    if (py[i] != 40.0 * (double)i)
      w->failures++;
  return NULL;
}

TEST(kthreads, concurrent_callers_share_the_pool) {
  enum { N = 4 };
  struct t_worker w[N];
  pthread_t th[N];
  char names[2 * N][64];
  ash_kernel *k = t_open(AXPY_SIG, AXPY_BIND);
  int64_t n = 20000;
  for (int i = 0; i < N; i++) {
    w[i].k = k;
    w[i].failures = 0;
    w[i].x = t_make_array(t_name(names[2 * i]), ASH_FLOAT64, 1, &n, 0, NULL);
    w[i].y =
        t_make_array(t_name(names[2 * i + 1]), ASH_FLOAT64, 1, &n, 0, NULL);
    double *px = ash_view_data(w[i].x);
    for (int64_t j = 0; j < n; j++)
      px[j] = (double)j;
  }
  for (int i = 0; i < N; i++)
    cr_assert_eq(pthread_create(&th[i], NULL, t_caller, &w[i]), 0);
  for (int i = 0; i < N; i++)
    pthread_join(th[i], NULL);
  for (int i = 0; i < N; i++) {
    cr_assert_eq(w[i].failures, 0, "caller %d", i);
    ash_view_release(w[i].x);
    ash_view_release(w[i].y);
  }
  ash_kernel_close(k);
}

static int t_child_split(void *arg) {
  ash_view *v = arg;
  ash_kernel *k = NULL;
  if (ash_kernel_open(LIB, AXPY_SIG, AXPY_BIND, &k) != ASH_OK)
    return 2;
  double a = 1;
  if (ash_kernel_call(k, 2, (ash_view *[]){v, v}, 1, &a, 2, NULL) != ASH_OK)
    return 3;
  ash_kernel_close(k);
  return ((double *)ash_view_data(v))[999] == 4 ? 0 : 4;
}

TEST(kthreads, fork_leaves_a_usable_pool) {
#ifdef ASH_TEST_TSAN
  return; /* TSan ends a child that starts threads after a threaded fork */
#endif
  TNAME(nv);
  int64_t n = 1000;
  ash_view *v = t_make_array(nv, ASH_FLOAT64, 1, &n, 0, NULL);
  ASSERT_OK(ash_view_fill_f64(v, 1));
  ash_kernel *k = t_open(AXPY_SIG, AXPY_BIND);
  double a = 1;
  ASSERT_OK(ash_kernel_call(k, 2, (ash_view *[]){v, v}, 1, &a, 2, NULL));
  cr_assert_eq(t_run_child(t_child_split, v), 0, "the child's split call");
  ASSERT_OK(ash_kernel_call(k, 2, (ash_view *[]){v, v}, 1, &a, 2, NULL));
  cr_assert_eq(((double *)ash_view_data(v))[0], 8);
  ash_kernel_close(k);
  ash_view_release(v);
}

TEST(kthreads, invalid_thread_count_variable) {
  setenv("ASH_NUM_THREADS", "lots", 1); /* before the pool's first use */
  int n = 0;
  ASSERT_ERR(ash_kernel_max_threads(&n), ASH_E_INVAL);
  cr_assert(strstr(ash_last_error(), "ASH_NUM_THREADS=\"lots\""), "%s",
            ash_last_error());
  TNAME(nv);
  int64_t len = 10;
  ash_view *v = t_make_array(nv, ASH_FLOAT64, 1, &len, 0, NULL);
  ash_kernel *k = t_open(AXPY_SIG, AXPY_BIND);
  double a = 1;
  ASSERT_OK(ash_kernel_call(k, 2, (ash_view *[]){v, v}, 1, &a, 1, NULL));
  ASSERT_ERR(ash_kernel_call(k, 2, (ash_view *[]){v, v}, 1, &a, 2, NULL),
             ASH_E_INVAL);
  ash_kernel_close(k);
  ash_view_release(v);
}
