/* SPDX-License-Identifier: MIT */
/*
 * bench_kernel.c - kernels (libffi) against the same work done directly in
 * C (the "anchors"), in the same process and run, alternating repetitions;
 * the table shows medians and ratios.
 *
 *   call-overhead  one prepared ash_kernel_call of a small axpy (n = 16)
 *                  vs. the same function called through a function pointer:
 *                  the difference per call (process CPU time), <= 1 us
 *   sin-1thread    "map double sin(double)" from libm over 10M float64 on one
 *                  thread vs. a C loop calling sin: <= 1.1x
 *   sin-2threads   the same on two threads vs. on one: the speed-up (the
 *                  issue asks >= 1.8x; the machine's cores may be shared)
 *   strided-loop   a loop kernel on v[::2, ::-1] of a 4000x2000 float64
 *                  array vs. the same kernel on a contiguous copy: <= 1.2x
 *   dgemm-2000     cblas_dgemm (OpenBLAS) 2000x2000 through the kernel API
 *                  vs. called directly: info (the issue compares Lua and
 *                  Ruby against NumPy: bench/README.md)
 *
 * Single-threaded rows measure the process's CPU time, so that other
 * processes on shared CPUs do not inflate them; sin-2threads and dgemm (which
 * use several threads) measure wall-clock time.
 *
 * usage: ash-bench-kernel [--reps N] [--quick] [--only LIST] [--json FILE]
 *                         [--strict]
 * Not a test: never registered in CTest. OpenBLAS is optional (bench/run.sh
 * installs Debian's libopenblas0 when missing).
 */
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arrayshare.h"
#include "bench_util.h"

/* ---- options, cleanup, timing --------------------------------------------- */

static struct {
  int reps;
  int quick;
  const char *only;
  const char *json;
  int strict;
} opt = {7, 0, NULL, NULL, 0};

#define MAX_NAMES 16
static char g_names[MAX_NAMES][64];
static volatile sig_atomic_t g_nnames;

static void cleanup(void) {
  for (int i = 0; i < g_nnames; i++)
    ash_unlink(g_names[i], 0);
}

static void on_signal(int sig) {
  cleanup();
  signal(sig, SIG_DFL);
  raise(sig);
}

/* A float64 array in its own segment, unlinked at exit. */
static ash_view *array(const char *what, int ndim, const int64_t *shape) {
  if (g_nnames == MAX_NAMES)
    die("too many arrays");
  char *name = g_names[g_nnames];
  snprintf(name, 64, "ashbench-k%d-%s", (int)getpid(), what);
  ash_view *v = NULL;
  CHECK_ASH(ash_create(name, ASH_FLOAT64, ndim, shape, 0, 0600, &v));
  g_nnames++;
  return v;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of this process: for single-threaded rows, not inflated when
 * other processes share the CPUs. */
static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static bool wanted(const char *group) {
  if (opt.only == NULL)
    return true;
  size_t n = strlen(group);
  for (const char *p = opt.only; (p = strstr(p, group)) != NULL; p += n)
    if ((p == opt.only || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
      return true;
  return false;
}

/* ---- results ---------------------------------------------------------------- */

enum target { T_NONE, T_MAX_RATIO, T_MIN_RATIO, T_MAX_DIFF };

struct row {
  const char *name, *unit, *ours_desc, *anchor_desc;
  double ours, anchor, ratio; /* medians, in unit; ratio ours/anchor */
  enum target tkind;
  double target;
  const char *status;
};

static struct row g_rows[8];
static int g_nrows, g_missed;

static void report(struct row r) {
  bool pass = true;
  switch (r.tkind) {
  case T_MAX_RATIO:
    pass = r.ratio <= r.target;
    break;
  case T_MIN_RATIO:
    pass = r.ratio >= r.target;
    break;
  case T_MAX_DIFF:
    pass = r.ours - r.anchor <= r.target;
    break;
  default:
    break;
  }
  r.status = r.tkind == T_NONE ? "info" : pass ? "PASS" : "MISS";
  g_missed += !pass;
  char tgt[32] = "-";
  if (r.tkind == T_MAX_RATIO)
    snprintf(tgt, sizeof tgt, "<= %.2fx", r.target);
  else if (r.tkind == T_MIN_RATIO)
    snprintf(tgt, sizeof tgt, ">= %.2fx", r.target);
  else if (r.tkind == T_MAX_DIFF)
    snprintf(tgt, sizeof tgt, "+%.0f %s", r.target, r.unit);
  printf("%-15s %12.4g %12.4g %-5s %7.3fx %+11.4g  %-10s %s\n", r.name, r.ours,
         r.anchor, r.unit, r.ratio, r.ours - r.anchor, tgt, r.status);
  fflush(stdout);
  g_rows[g_nrows++] = r;
}

/* Runs ours and the anchor alternately, opt.reps times each: medians. */
typedef double (*rep_fn)(void *ctx); /* one repetition: seconds */

static void compare(rep_fn ours, void *octx, rep_fn anchor, void *actx,
                    double *o, double *a) {
  double ot[64], at[64];
  int n = opt.reps > 64 ? 64 : opt.reps;
  ours(octx); /* warm-up: page faults, pool threads, caches */
  anchor(actx);
  for (int i = 0; i < n; i++) {
    ot[i] = ours(octx);
    at[i] = anchor(actx);
  }
  *o = median(ot, n);
  *a = median(at, n);
}

/* ---- kernels of this program (exported: -rdynamic) ------------------------------ */

void bk_axpy(int n, double a, const double *x, int incx, double *y, int incy);
void bk_axpy(int n, double a, const double *x, int incx, double *y, int incy) {
  for (int i = 0; i < n; i++)
    y[i * incy] += a * x[i * incx];
}

/* "loop bk_scale(f8 x -> f8 y)": y = 2x + 1 */
void bk_scale(char **args, const int64_t *dims, const int64_t *steps,
              void *data);
void bk_scale(char **args, const int64_t *dims, const int64_t *steps,
              void *data) {
  (void)data;
  char *x = args[0], *y = args[1];
  for (int64_t i = 0; i < dims[0]; i++, x += steps[0], y += steps[1])
    *(double *)y = 2 * *(const double *)x + 1;
}

/* ---- call overhead ------------------------------------------------------------- */

struct call_ctx {
  ash_kernel *k;
  ash_view *views[2];
  void (*fn)(int, double, const double *, int, double *, int);
  double *x, *y;
  long iters;
};

static double call_kernel(void *p) {
  struct call_ctx *c = p;
  double a = 1e-9, t0 = cpu_s();
  for (long i = 0; i < c->iters; i++)
    if (ash_kernel_call(c->k, 2, c->views, 1, &a, 1, NULL) != ASH_OK)
      die("call: %s", ash_last_error());
  return (cpu_s() - t0) / (double)c->iters;
}

static double call_direct(void *p) {
  struct call_ctx *c = p;
  void (*volatile fn)(int, double, const double *, int, double *, int) = c->fn;
  double t0 = cpu_s();
  for (long i = 0; i < c->iters; i++)
    fn(16, 1e-9, c->x, 1, c->y, 1);
  return (cpu_s() - t0) / (double)c->iters;
}

static void bench_call(void) {
  struct call_ctx c = {0};
  int64_t n = 16;
  c.views[0] = array("cx", 1, &n);
  c.views[1] = array("cy", 1, &n);
  c.x = ash_view_data(c.views[0]);
  c.y = ash_view_data(c.views[1]);
  CHECK_ASH(ash_kernel_open(NULL,
                            "void bk_axpy(int n, double a, const double *x, "
                            "int incx, double *y, int incy)",
                            "n=size(x)=size(y), a=a, x=x, incx=inc(x), y=y, "
                            "incy=inc(y)",
                            &c.k));
  void *self = dlopen(NULL, RTLD_NOW);
  *(void **)&c.fn = dlsym(self, "bk_axpy");
  c.iters = opt.quick ? 100000 : 1000000;
  double o, a;
  compare(call_kernel, &c, call_direct, &c, &o, &a);
  report((struct row){"call-overhead", "ns", "ash_kernel_call(axpy n=16)",
                      "direct call", o * 1e9, a * 1e9, o / a, T_MAX_DIFF, 1000,
                      NULL});
  ash_kernel_close(c.k);
  dlclose(self);
  ash_view_release(c.views[0]);
  ash_view_release(c.views[1]);
}

/* ---- element-wise sin ------------------------------------------------------------ */

struct sin_ctx {
  ash_kernel *k;
  ash_view *views[2];
  double *x, *y;
  int64_t n;
  int threads;
  bool wall; /* wall-clock time, else CPU time */
  double (*volatile sinf_)(double);
};

static double sin_kernel(void *p) {
  struct sin_ctx *c = p;
  double (*clock)(void) = c->wall ? now_s : cpu_s;
  double t0 = clock();
  CHECK_ASH(ash_kernel_call(c->k, 2, c->views, 0, NULL, c->threads, NULL));
  return clock() - t0;
}

static double sin_loop(void *p) {
  struct sin_ctx *c = p;
  double (*f)(double) = c->sinf_;
  double t0 = cpu_s();
  for (int64_t i = 0; i < c->n; i++)
    c->y[i] = f(c->x[i]);
  return cpu_s() - t0;
}

static void bench_sin(void) {
  struct sin_ctx c = {0};
  c.n = opt.quick ? 1000000 : 10000000;
  c.views[0] = array("sx", 1, &c.n);
  c.views[1] = array("sy", 1, &c.n);
  c.x = ash_view_data(c.views[0]);
  c.y = ash_view_data(c.views[1]);
  for (int64_t i = 0; i < c.n; i++)
    c.x[i] = (double)(i % 100003) * 0.001;
  c.sinf_ = sin;
  CHECK_ASH(ash_kernel_open("libm.so.6", "map double sin(double)", NULL, &c.k));
  c.threads = 1;
  struct sin_ctx c1w = c, c2 = c; /* both sides of the 2-thread row: wall */
  c1w.wall = c2.wall = true;
  c2.threads = 2;
  double o, a, o2, o1;
  compare(sin_kernel, &c, sin_loop, &c, &o, &a);
  report((struct row){"sin-1thread", "ms", "map sin, 1 thread", "C loop",
                      o * 1e3, a * 1e3, o / a, T_MAX_RATIO, 1.1, NULL});
  compare(sin_kernel, &c2, sin_kernel, &c1w, &o2, &o1);
  report((struct row){"sin-2threads", "ms", "map sin, 2 threads",
                      "map sin, 1 thread", o2 * 1e3, o1 * 1e3, o1 / o2,
                      T_MIN_RATIO, 1.8, NULL});
  ash_kernel_close(c.k);
  ash_view_release(c.views[0]);
  ash_view_release(c.views[1]);
}

/* ---- strided loop ---------------------------------------------------------------- */

struct loop_ctx {
  ash_kernel *k;
  ash_view *views[2];
};

static double loop_run(void *p) {
  struct loop_ctx *c = p;
  double t0 = cpu_s();
  CHECK_ASH(ash_kernel_call(c->k, 2, c->views, 0, NULL, 1, NULL));
  return cpu_s() - t0;
}

static void bench_strided(void) {
  int64_t big[2] = {opt.quick ? 1000 : 4000, opt.quick ? 500 : 2000};
  int64_t half[2] = {big[0] / 2, big[1]};
  ash_view *a = array("la", 2, big), *copy = array("lc", 2, half);
  ash_view *out = array("lo", 2, half), *rows = NULL, *v = NULL;
  double *pa = ash_view_data(a);
  for (int64_t i = 0; i < big[0] * big[1]; i++)
    pa[i] = (double)(i % 1000);
  CHECK_ASH(ash_view_slice(a, 0, ASH_NONE, ASH_NONE, 2, 0, &rows));
  CHECK_ASH(ash_view_slice(rows, 1, ASH_NONE, ASH_NONE, -1, 0, &v));
  CHECK_ASH(ash_view_copy(copy, v));
  struct loop_ctx strided = {0}, contig;
  CHECK_ASH(
      ash_kernel_open(NULL, "loop bk_scale(f8 x -> f8 y)", NULL, &strided.k));
  strided.views[0] = v;
  strided.views[1] = out;
  contig = strided;
  contig.views[0] = copy;
  double o, an;
  compare(loop_run, &strided, loop_run, &contig, &o, &an);
  report((struct row){"strided-loop", "ms", "loop on v[::2, ::-1]",
                      "loop on a contiguous copy", o * 1e3, an * 1e3, o / an,
                      T_MAX_RATIO, 1.2, NULL});
  ash_kernel_close(strided.k);
  ash_view *vs[] = {a, copy, out, rows, v};
  for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
    ash_view_release(vs[i]);
}

/* ---- dgemm ------------------------------------------------------------------------ */

typedef void (*dgemm_fn)(int, int, int, int, int, int, double, const double *,
                         int, const double *, int, double, double *, int);

struct gemm_ctx {
  ash_kernel *k;
  ash_view *views[3];
  dgemm_fn fn;
  int n;
};

static double gemm_kernel(void *p) {
  struct gemm_ctx *c = p;
  double s[2] = {1.0, 0.0}, t0 = now_s();
  CHECK_ASH(ash_kernel_call(c->k, 3, c->views, 2, s, 1, NULL));
  return now_s() - t0;
}

static double gemm_direct(void *p) {
  struct gemm_ctx *c = p;
  double t0 = now_s();
  c->fn(101, 111, 111, c->n, c->n, c->n, 1.0, ash_view_data(c->views[0]), c->n,
        ash_view_data(c->views[1]), c->n, 0.0, ash_view_data(c->views[2]),
        c->n);
  return now_s() - t0;
}

static void bench_dgemm(void) {
  void *blas = dlopen("libopenblas.so.0", RTLD_NOW);
  if (blas == NULL) {
    printf("%-15s skipped: %s (bench/run.sh installs libopenblas0)\n",
           "dgemm-2000", dlerror());
    return;
  }
  struct gemm_ctx c = {0};
  c.n = opt.quick ? 500 : 2000;
  int64_t shape[2] = {c.n, c.n};
  c.views[0] = array("ga", 2, shape);
  c.views[1] = array("gb", 2, shape);
  c.views[2] = array("gc", 2, shape);
  for (int i = 0; i < 2; i++) {
    double *p = ash_view_data(c.views[i]);
    for (int64_t j = 0; j < shape[0] * shape[1]; j++)
      p[j] = (double)((j * 7 + i) % 13) * 0.1;
  }
  *(void **)&c.fn = dlsym(blas, "cblas_dgemm");
  CHECK_ASH(
      ash_kernel_open("libopenblas.so.0",
                      "void cblas_dgemm(int order, int transa, int transb, "
                      "int m, int n, int k, double alpha, const double *a, "
                      "int lda, const double *b, int ldb, double beta, "
                      "double *c, int ldc)",
                      "order=101, transa=111, transb=111, "
                      "m=len(a)=len(c), n=dim(b,1)=dim(c,1), "
                      "k=dim(a,1)=len(b), alpha=alpha, a=a, lda=ld(a), "
                      "b=b, ldb=ld(b), beta=beta, c=c, ldc=ld(c)",
                      &c.k));
  double o, a;
  compare(gemm_kernel, &c, gemm_direct, &c, &o, &a);
  const char *nt = getenv("OPENBLAS_NUM_THREADS");
  printf("(OpenBLAS threads: OPENBLAS_NUM_THREADS=%s)\n", nt ? nt : "unset");
  report((struct row){"dgemm-2000", "ms", "cblas_dgemm via ash_kernel_call",
                      "cblas_dgemm direct", o * 1e3, a * 1e3, o / a, T_NONE, 0,
                      NULL});
  ash_kernel_close(c.k);
  for (int i = 0; i < 3; i++)
    ash_view_release(c.views[i]);
  dlclose(blas);
}

/* ---- main -------------------------------------------------------------------------- */

static void write_json(const char *path) {
  FILE *f = fopen(path, "w");
  if (f == NULL)
    die("%s: %s", path, strerror(errno));
  fprintf(f, "{\"reps\": %d, \"rows\": [\n", opt.reps);
  for (int i = 0; i < g_nrows; i++) {
    const struct row *r = &g_rows[i];
    fprintf(f,
            "  {\"name\": \"%s\", \"unit\": \"%s\", \"ours\": %.6g, "
            "\"anchor\": %.6g, \"ratio\": %.4f, \"ours_desc\": \"%s\", "
            "\"anchor_desc\": \"%s\", \"status\": \"%s\"}%s\n",
            r->name, r->unit, r->ours, r->anchor, r->ratio, r->ours_desc,
            r->anchor_desc, r->status, i + 1 < g_nrows ? "," : "");
  }
  fprintf(f, "]}\n");
  fclose(f);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
      opt.reps = atoi(argv[++i]);
    else if (strcmp(argv[i], "--quick") == 0)
      opt.quick = 1, opt.reps = 3;
    else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
      opt.only = argv[++i];
    else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc)
      opt.json = argv[++i];
    else if (strcmp(argv[i], "--strict") == 0)
      opt.strict = 1;
    else {
      printf("usage: %s [--reps N] [--quick] [--only call,sin,strided,dgemm]"
             " [--json FILE] [--strict]\n",
             argv[0]);
      return strcmp(argv[i], "--help") == 0 ? 0 : 2;
    }
  }
  if (opt.reps < 1)
    opt.reps = 1;
  atexit(cleanup);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  int pool = 0;
  CHECK_ASH(ash_kernel_max_threads(&pool));
  char load[64] = "?";
  FILE *lf = fopen("/proc/loadavg", "r");
  if (lf) {
    if (fgets(load, sizeof load, lf))
      load[strcspn(load, "\n")] = '\0';
    fclose(lf);
  }
  printf("arrayshare %s kernels: %d repetitions each, medians; pool size %d; "
         "load average %s (2-thread figures need idle CPUs)\n",
         ash_version_string(), opt.reps, pool, load);
  printf("%-15s %12s %12s %-5s %8s %11s  %-10s %s\n", "benchmark", "ours",
         "anchor", "unit", "ratio", "difference", "target", "status");
  if (wanted("call"))
    bench_call();
  if (wanted("sin"))
    bench_sin();
  if (wanted("strided"))
    bench_strided();
  if (wanted("dgemm"))
    bench_dgemm();
  if (opt.json)
    write_json(opt.json);
  return opt.strict && g_missed ? 1 : 0;
}
