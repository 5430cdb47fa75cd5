/* SPDX-License-Identifier: MIT */
/* ash-bench-sync: the coordination words against their anchors, in the
 * same run, medians of repetitions (bench/README.md, "Coordination").
 *
 *   lock          uncontended ash_view_lock + ash_view_unlock against a
 *                 raw compare-and-swap + release store on a word of the
 *                 same mapping, and against a process-shared robust
 *                 pthread_mutex_t in shared memory
 *   wake          notify -> a waiter in another process returns, against a
 *                 one-way pipe hand-off between the same two processes
 *   ring          1 MiB float32 slots, 1 producer + 2 consumers (other
 *                 processes), against memcpy of 1 MiB in one process
 *   ownerdead     a SIGKILLed holder's lock handed to a waiter
 *
 *   ash-bench-sync [--quick] [--only lock,wake,ring,ownerdead]
 */
#include <arrayshare.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

static bool quick;
static int ring_slots = 4; /* --ring-slots N */
static bool pin; /* --pin: the two processes of "wake" on CPUs 0 and 1 */

static void pin_to(int cpu) {
  if (!pin)
    return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  (void)sched_setaffinity(0, sizeof set, &set);
}
static char segname[64];

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* CPU time of this thread: the uncontended loops, robust to preemption on
 * a shared machine. */
static double cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_d);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void cleanup(void) {
  if (segname[0])
    (void)ash_unlink(segname, 0);
}

static void on_signal(int sig) {
  cleanup();
  signal(sig, SIG_DFL);
  raise(sig);
}

static void row(const char *name, double ours, double anchor, const char *unit,
                const char *target) {
  printf("%-28s %12.1f %12.1f %s   ratio %.2f   target %s\n", name, ours,
         anchor, unit, ours / anchor, target);
}

/* ---- lock --------------------------------------------------------------- */

static void bench_lock(ash_view *v, ash_view *raw, int reps) {
  enum { N = 200000 };
  double a[64], b[64], c[64];
  _Atomic uint32_t *w = ash_view_data(raw); /* a word of the same mapping */
  pthread_mutex_t *mx = (pthread_mutex_t *)((char *)ash_view_data(raw) + 64);
  pthread_mutexattr_t at;
  pthread_mutexattr_init(&at);
  pthread_mutexattr_setpshared(&at, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(mx, &at);
  for (int r = 0; r < reps; r++) {
    double t0 = cpu_ns();
    for (int i = 0; i < N; i++) {
      uint32_t z = 0;
      while (!atomic_compare_exchange_strong_explicit(
          w, &z, 1, memory_order_acquire, memory_order_relaxed))
        z = 0;
      atomic_store_explicit(w, 0, memory_order_release);
    }
    double t1 = cpu_ns();
    for (int i = 0; i < N; i++) {
      if (ash_view_lock(v, -1) != ASH_OK || ash_view_unlock(v) != ASH_OK)
        die("lock: %s", ash_last_error());
    }
    double t2 = cpu_ns();
    for (int i = 0; i < N; i++) {
      pthread_mutex_lock(mx);
      pthread_mutex_unlock(mx);
    }
    double t3 = cpu_ns();
    a[r] = (t1 - t0) / N;
    b[r] = (t2 - t1) / N;
    c[r] = (t3 - t2) / N;
  }
  double raw_ns = median(a, reps), ours = median(b, reps), pm = median(c, reps);
  row("lock+unlock vs CAS+store", ours, raw_ns, "ns/op (CPU)", "<= 1.2x");
  row("lock+unlock vs robust mutex", ours, pm, "ns/op (CPU)", "< 1x");
  pthread_mutex_destroy(mx);
}

/* ---- wake latency ------------------------------------------------------------- */

/* The waiter: N times, says it is about to wait (flag), waits for the
 * version (or reads the pipe), and records now - the notifier's stamp.
 * The notifier notifies (writes the pipe) @gap_us after the flag: 0 is a
 * hand-off (the waiter has just begun to wait), 500 a waiter asleep. */
static void bench_wake(ash_view *v, ash_view *shared, int n, int gap_us) {
  int64_t *sh = ash_view_data(shared); /* [0] flag, [1] stamp, [8..] out */
  double *lat = (double *)(sh + 8);
  int p2c[2];
  if (pipe(p2c))
    die("pipe");
  for (int mode = 0; mode < 2; mode++) { /* 0: notify, 1: pipe */
    memset(sh, 0, 64);
    fflush(NULL);
    pid_t kid = fork();
    if (kid == 0) {
      pin_to(1);
      int64_t ver = 0;
      ash_view_version(v, &ver);
      for (int i = 0; i < n; i++) {
        __atomic_store_n(&sh[0], i + 1, __ATOMIC_SEQ_CST);
        if (mode == 0) {
          if (ash_view_wait_change(v, ver, 5, &ver))
            _exit(3);
        } else {
          int64_t stamp;
          if (read(p2c[0], &stamp, sizeof stamp) != sizeof stamp)
            _exit(4);
        }
        double t1 = now_ns();
        lat[i] = t1 - (double)__atomic_load_n(&sh[1], __ATOMIC_SEQ_CST);
      }
      _exit(0);
    }
    for (int i = 0; i < n; i++) {
      while (__atomic_load_n(&sh[0], __ATOMIC_SEQ_CST) != i + 1)
        ;
      if (gap_us)
        usleep((useconds_t)gap_us); /* the waiter is asleep by now */
      __atomic_store_n(&sh[1], (int64_t)now_ns(), __ATOMIC_SEQ_CST);
      if (mode == 0) {
        CHECK_ASH(ash_view_notify(v, 1, NULL));
      } else {
        int64_t x = 1;
        if (write(p2c[1], &x, sizeof x) != sizeof x)
          die("pipe write");
      }
    }
    int st;
    waitpid(kid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st))
      die("wake: the waiter failed");
    double *copy = malloc(sizeof(double) * (size_t)n);
    memcpy(copy, lat, sizeof(double) * (size_t)n);
    double m = median(copy, n);
    free(copy);
    if (mode == 0)
      lat[n] = m; /* kept for the row */
    else
      row(gap_us ? "wake (waiter asleep)" : "wake (hand-off)", lat[n] / 1000,
          m / 1000, "us", gap_us ? "info" : "<= 0.5x");
  }
  close(p2c[0]);
  close(p2c[1]);
}

/* ---- ring bandwidth -------------------------------------------------------------- */

#define SLOT_FLOATS (256 * 1024) /* 1 MiB of float32 */

/* A consumer: reads n slots (copying, or zero-copy summing in place),
 * checks each one's stamp (first and last element = its sequence). */
static int ring_consumer(const char *desc, int n, int zero_copy,
                         int64_t *torn) {
  ash_ring *r;
  if (ash_ring_attach(desc, ASH_RING_CONSUMER, &r))
    return 2;
  float *buf = malloc(SLOT_FLOATS * sizeof(float));
  volatile double sink = 0;
  for (int i = 0; i < n; i++) {
    const float *s;
    ash_view *slot = NULL;
    int64_t seq;
    if (zero_copy) {
      if (ash_ring_read_begin(r, 10, &slot))
        return 3;
      s = ash_view_data(slot);
      seq = ash_ring_cursor(r);
      double sum = 0;
      for (int k = 0; k < SLOT_FLOATS; k += 16)
        sum += s[k];
      sink += sum;
    } else {
      if (ash_ring_read(r, buf, SLOT_FLOATS * sizeof(float), 10, &seq))
        return 3;
      s = buf;
    }
    if (s[0] != (float)seq || s[SLOT_FLOATS - 1] != (float)seq)
      __atomic_add_fetch(torn, 1, __ATOMIC_RELAXED);
    if (zero_copy) {
      ash_view_release(slot);
      if (ash_ring_read_end(r) == ASH_E_OVERRUN)
        __atomic_add_fetch(torn, 1, __ATOMIC_RELAXED);
    }
  }
  free(buf);
  ash_ring_close(r);
  return 0;
}

static void bench_ring(ash_segment *seg, ash_view *shared, int n, int reps) {
  int64_t slot = SLOT_FLOATS;
  ash_ring *p;
  CHECK_ASH(ash_ring_create(seg, "ring", ASH_FLOAT32, 1, &slot, ring_slots,
                            ASH_RING_BACKPRESSURE, &p));
  char desc[128];
  snprintf(desc, sizeof desc, "%s/ring", segname);
  /* The anchor moves the same slots through the same footprint: memcpy
   * of 1 MiB into ring_slots buffers in turn (a ring's worth of private
   * memory). */
  float *src = malloc(SLOT_FLOATS * sizeof(float)),
        *dst = malloc((size_t)ring_slots * SLOT_FLOATS * sizeof(float));
  memset(src, 0, SLOT_FLOATS * sizeof(float));
  memset(dst, 0, (size_t)ring_slots * SLOT_FLOATS * sizeof(float));
  int64_t *torn = ash_view_data(shared);
  *torn = 0; /* the array is shared with the other benchmarks */
  double mb[16], rc[16], rz[16];
  for (int r = 0; r < reps; r++) {
    double t0 = now_ns();
    for (int i = 0; i < n; i++) {
      src[0] = src[SLOT_FLOATS - 1] = (float)i;
      memcpy(dst + (size_t)(i % ring_slots) * SLOT_FLOATS, src,
             SLOT_FLOATS * sizeof(float));
      __asm__ volatile("" ::"r"(dst) : "memory");
    }
    mb[r] = (double)n / ((now_ns() - t0) / 1e9); /* MiB/s */
    for (int zc = 0; zc < 2; zc++) {
      pid_t kids[2];
      for (int k = 0; k < 2; k++) {
        fflush(NULL);
        if ((kids[k] = fork()) == 0)
          _exit(ring_consumer(desc, n, zc, torn));
      }
      while (ash_ring_consumers(p) < 2)
        usleep(100);
      int64_t base = ash_ring_head(p);
      t0 = now_ns();
      for (int i = 0; i < n; i++) {
        src[0] = src[SLOT_FLOATS - 1] = (float)(base + i);
        CHECK_ASH(ash_ring_write(p, src, SLOT_FLOATS * sizeof(float), 10));
      }
      for (int k = 0; k < 2; k++) {
        int st;
        waitpid(kids[k], &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st))
          die("ring: a consumer failed");
      }
      (zc ? rz : rc)[r] = (double)n / ((now_ns() - t0) / 1e9);
    }
  }
  double m = median(mb, reps), c = median(rc, reps), z = median(rz, reps);
  row("ring 1MiB, 2 consumers copy", c, m, "MiB/s", ">= 0.8x");
  row("ring 1MiB, 2 zero-copy", z, m, "MiB/s", ">= 0.8x");
  printf("%-28s %12lld torn or overwritten slots delivered (must be 0)\n",
         "ring", (long long)*torn);
  free(src);
  free(dst);
  ash_ring_close(p);
}

/* ---- owner death ------------------------------------------------------------------ */

static void bench_ownerdead(ash_view *shared, int n) {
  double lat[64];
  int64_t *sh = ash_view_data(shared);
  for (int i = 0; i < n; i++) {
    memset(sh, 0, 64);
    fflush(NULL);
    pid_t holder = fork();
    if (holder == 0) {
      ash_view *w;
      char d[128];
      snprintf(d, sizeof d, "%s/data", segname);
      if (ash_attach(d, 0, &w) || ash_view_lock(w, 5))
        _exit(2);
      __atomic_store_n(&sh[0], 1, __ATOMIC_SEQ_CST);
      pause();
      _exit(0);
    }
    while (!__atomic_load_n(&sh[0], __ATOMIC_SEQ_CST))
      usleep(100);
    pid_t waiter = fork();
    if (waiter == 0) {
      ash_view *w;
      char d[128];
      snprintf(d, sizeof d, "%s/data", segname);
      if (ash_attach(d, 0, &w))
        _exit(2);
      __atomic_store_n(&sh[1], 1, __ATOMIC_SEQ_CST);
      int r = ash_view_lock(w, 10);
      double t1 = now_ns();
      __atomic_store_n(&sh[3], (int64_t)t1, __ATOMIC_SEQ_CST);
      if (r != ASH_E_OWNERDEAD)
        _exit(3);
      ash_view_consistent(w);
      ash_view_unlock(w);
      _exit(0);
    }
    while (!__atomic_load_n(&sh[1], __ATOMIC_SEQ_CST))
      usleep(100);
    usleep(50000 + 1000 * (useconds_t)(rand() % 50)); /* deep in its wait */
    double t0 = now_ns();
    kill(holder, SIGKILL);
    waitpid(holder, NULL, 0);
    int st;
    waitpid(waiter, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st))
      die("ownerdead: the waiter failed (%d)", WEXITSTATUS(st));
    lat[i] = ((double)__atomic_load_n(&sh[3], __ATOMIC_SEQ_CST) - t0) / 1e6;
  }
  double mx = 0;
  for (int i = 0; i < n; i++)
    mx = lat[i] > mx ? lat[i] : mx;
  double m = median(lat, n);
  printf(
      "%-28s %12.1f ms median, %.1f ms max over %d kills   target <= 100 ms\n",
      "owner death hand-over", m, mx, n);
}

int main(int argc, char **argv) {
  const char *only = "lock,wake,ring,ownerdead";
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0)
      quick = true;
    else if (strcmp(argv[i], "--pin") == 0)
      pin = true;
    else if (strcmp(argv[i], "--ring-slots") == 0 && i + 1 < argc)
      ring_slots = atoi(argv[++i]) > 1 ? atoi(argv[i]) : 4;
    else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
      only = argv[++i];
    else
      die("usage: ash-bench-sync [--quick] [--pin] [--ring-slots N] "
          "[--only lock,wake,ring,ownerdead]");
  }
  snprintf(segname, sizeof segname, "ashbench-sync-%d", (int)getpid());
  atexit(cleanup);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  int64_t small = 8, rawn = 32, shared_n = 2048 + 16, slot = SLOT_FLOATS;
  uint64_t arena = 0;
  CHECK_ASH(ash_arena_bytes_for(ASH_INT64, 1, &small, &arena));
  CHECK_ASH(ash_arena_bytes_for(ASH_INT64, 1, &rawn, &arena));
  CHECK_ASH(ash_arena_bytes_for(ASH_INT64, 1, &shared_n, &arena));
  CHECK_ASH(ash_ring_arena_bytes(ASH_FLOAT32, 1, &slot, ring_slots, &arena));
  ash_segment *seg;
  ash_view *v, *raw, *shared;
  CHECK_ASH(ash_segment_create(segname, arena, 4, ASH_PERSIST, 0600, &seg));
  CHECK_ASH(ash_segment_add_array(seg, "data", ASH_INT64, 1, &small, &v));
  CHECK_ASH(ash_segment_add_array(seg, "raw", ASH_INT64, 1, &rawn, &raw));
  CHECK_ASH(
      ash_segment_add_array(seg, "shared", ASH_INT64, 1, &shared_n, &shared));
  printf("%-28s %12s %12s\n", "benchmark", "ours", "anchor");
  if (strstr(only, "lock"))
    bench_lock(v, raw, quick ? 3 : 11);
  if (strstr(only, "wake")) {
    pin_to(0);
    bench_wake(v, shared, quick ? 100 : 2000, 0);
    bench_wake(v, shared, quick ? 100 : 1000, 500);
    if (pin) {
      cpu_set_t all;
      CPU_ZERO(&all);
      for (int c = 0; c < CPU_SETSIZE; c++)
        CPU_SET(c, &all);
      (void)sched_setaffinity(0, sizeof all, &all);
    }
  }
  if (strstr(only, "ring"))
    bench_ring(seg, shared, quick ? 50 : 500, quick ? 1 : 5);
  if (strstr(only, "ownerdead"))
    bench_ownerdead(shared, quick ? 3 : 20);
  ash_view_release(v);
  ash_view_release(raw);
  ash_view_release(shared);
  ash_segment_close(seg);
  return 0;
}
