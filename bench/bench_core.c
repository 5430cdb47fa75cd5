/* SPDX-License-Identifier: MIT */
/*
 * bench_core.c - side-by-side benchmarks of libarrayshare against the raw
 * POSIX / libc operations it wraps (the "anchors").
 *
 * Every benchmark runs ours and its anchor alternately in the same process,
 * on the same shared memory, several repetitions each; a repetition is a loop
 * long enough to be far above timer noise. The table shows the median of the
 * repetitions, the ratio ours/anchor, the target and PASS/MISS.
 *
 *   open-*    open an existing 1 MiB "persist" segment, make a view, close it
 *             vs. shm_open + fstat + mmap + munmap + close.      time, <= 1.3x
 *   create-*  create a 1 GiB segment, touch one byte per page, close, unlink
 *             vs. shm_open(O_CREAT|O_EXCL) + ftruncate + mmap + touch + munmap
 *             + close + shm_unlink.                       throughput, >= 0.9x
 *   copy-*    ash_view_write/read/fill on a 64 MiB float64 view vs. memcpy /
 *             memset of the same bytes in the same mapping.  throughput, >= 0.9x
 *             (strided cases, every other row: information, no target)
 *
 * Run with --help for options. Not a test: never registered in CTest.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arrayshare.h"
#include "bench_util.h"

#define MIB (1024.0 * 1024.0)
#define GIB (1024.0 * 1024.0 * 1024.0)

/* ------------------------------------------------------------------------ */
/* Options                                                                   */
/* ------------------------------------------------------------------------ */

static struct {
  int reps;            /* repetitions for open and copy benchmarks         */
  int create_reps;     /* repetitions for the create benchmark             */
  uint64_t open_bytes; /* size of the array in the open benchmark          */
  uint64_t create_bytes;
  uint64_t copy_bytes;
  double rep_ms; /* minimum duration of one repetition (open, copy)        */
  const char *json;
  const char *only; /* comma list of groups: open,create,copy              */
  int strict;
  int cpu; /* time in process CPU time (CLOCK_PROCESS_CPUTIME_ID)          */
} opt = {9, 5, 1u << 20, 1ull << 30, 64ull << 20, 60.0, NULL, NULL, 0, 0};

/* ------------------------------------------------------------------------ */
/* Cleanup: every segment this process creates is listed here first, so it   */
/* is removed on every exit path, signals included.                          */
/* ------------------------------------------------------------------------ */

#define MAX_PATHS 32
static char g_paths[MAX_PATHS][320]; /* /dev/shm/... */
static volatile sig_atomic_t g_npaths;

static void track_path(const char *shm_name /* leading '/' */) {
  if (g_npaths >= MAX_PATHS) {
    fprintf(stderr, "bench: too many tracked paths\n");
    exit(2);
  }
  snprintf(g_paths[g_npaths], sizeof g_paths[0], "/dev/shm%s", shm_name);
  g_npaths++;
}

static void cleanup_paths(void) {
  for (int i = 0; i < g_npaths; i++)
    unlink(g_paths[i]); /* ENOENT is fine */
}

static void on_signal(int sig) {
  cleanup_paths();
  signal(sig, SIG_DFL);
  raise(sig);
}

static void install_cleanup(void) {
  atexit(cleanup_paths);
  static const int sigs[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT,
                             SIGSEGV, SIGBUS,  SIGABRT, SIGFPE};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND;
    sigaction(sigs[i], &sa, NULL);
  }
}

#define CHECK_SYS(cond, what)                                                  \
  do {                                                                         \
    if (!(cond))                                                               \
      die("%s:%d: %s: %s", __FILE__, __LINE__, what, strerror(errno));         \
  } while (0)

/* ------------------------------------------------------------------------ */
/* Timing                                                                    */
/* ------------------------------------------------------------------------ */

/* Wall-clock time, or with --clock cpu this process's CPU time, user and
 * system (system calls and page faults included): on a machine shared with
 * other work the CPU time of a loop is not inflated by the time other
 * processes run, which wall-clock time is. */
static double now_ns(void) {
  struct timespec ts;
  clock_gettime(opt.cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(const double *v, int n) {
  double tmp[64];
  if (n > 64)
    n = 64;
  memcpy(tmp, v, (size_t)n * sizeof *v);
  qsort(tmp, (size_t)n, sizeof *tmp, cmp_double);
  return n % 2 ? tmp[n / 2] : 0.5 * (tmp[n / 2 - 1] + tmp[n / 2]);
}

/* One side of a comparison: runs @iters operations. */
typedef void (*op_fn)(void *ctx, long iters);

static double time_loop(op_fn fn, void *ctx, long iters) {
  double t0 = now_ns();
  fn(ctx, iters);
  return now_ns() - t0;
}

/* Iterations so that one repetition of @fn takes at least opt.rep_ms. */
static long calibrate(op_fn fn, void *ctx) {
  double target = opt.rep_ms * 1e6;
  long iters = 1;
  for (;;) {
    double t = time_loop(fn, ctx, iters);
    if (t >= target / 8 || iters >= (1L << 40)) {
      double want = (double)iters * target / (t > 1 ? t : 1);
      long n = (long)(want * 1.05) + 1;
      return n < iters ? iters : n;
    }
    iters *= 2;
  }
}

/* ------------------------------------------------------------------------ */
/* Results                                                                   */
/* ------------------------------------------------------------------------ */

enum kind { K_TIME, K_TPUT };
enum target_kind { T_NONE, T_MAX_RATIO, T_MIN_RATIO };

typedef struct {
  char name[48];
  const char *ours_desc, *anchor_desc;
  enum kind kind; /* K_TIME: us per op; K_TPUT: GiB/s                  */
  double bytes;   /* per op, for K_TPUT                                 */
  long iters;     /* ops per repetition                                 */
  int reps;
  double ours_ns[64], anchor_ns[64]; /* per-op time of each repetition     */
  double ours, anchor, ratio;        /* medians in display units; ratio    */
  enum target_kind tkind;
  double target;
  const char *status;
} result;

static result g_res[48];
static int g_nres;

static void finish(result *r) {
  double o = median(r->ours_ns, r->reps), a = median(r->anchor_ns, r->reps);
  if (r->kind == K_TIME) {
    r->ours = o / 1e3;
    r->anchor = a / 1e3;
    r->ratio = o / a; /* time ratio: lower is better */
  } else {
    r->ours = r->bytes / GIB / (o / 1e9);
    r->anchor = r->bytes / GIB / (a / 1e9);
    r->ratio = r->ours / r->anchor; /* throughput ratio: higher is better */
  }
  switch (r->tkind) {
  case T_MAX_RATIO:
    r->status = r->ratio <= r->target ? "PASS" : "MISS";
    break;
  case T_MIN_RATIO:
    r->status = r->ratio >= r->target ? "PASS" : "MISS";
    break;
  default:
    r->status = "info";
    break;
  }
}

static const char *clock_name(void) {
  return opt.cpu ? "CLOCK_PROCESS_CPUTIME_ID" : "CLOCK_MONOTONIC";
}

static const char *unit_of(const result *r) {
  return r->kind == K_TIME ? "us/op" : "GiB/s";
}

static void print_row(const result *r) {
  char tgt[24];
  if (r->tkind == T_MAX_RATIO)
    snprintf(tgt, sizeof tgt, "<= %.2fx", r->target);
  else if (r->tkind == T_MIN_RATIO)
    snprintf(tgt, sizeof tgt, ">= %.2fx", r->target);
  else
    snprintf(tgt, sizeof tgt, "-");
  printf("%-26s %11.3f %11.3f  %-5s %7.3fx  %-9s %s\n", r->name, r->ours,
         r->anchor, unit_of(r), r->ratio, tgt, r->status);
  fflush(stdout);
}

/* Runs both sides alternately (the order flips every repetition so neither
 * side always runs on a warmer or colder machine), then records the row. */
static void run_pair(const char *name, enum kind kind, double bytes, op_fn ours,
                     op_fn anchor, void *ctx, int reps, long fixed_iters,
                     enum target_kind tkind, double target,
                     const char *ours_desc, const char *anchor_desc) {
  if (g_nres >= (int)(sizeof g_res / sizeof g_res[0]))
    die("too many results");
  if (reps > 64)
    reps = 64;
  result *r = &g_res[g_nres++];
  memset(r, 0, sizeof *r);
  snprintf(r->name, sizeof r->name, "%s", name);
  r->kind = kind;
  r->bytes = bytes;
  r->reps = reps;
  r->tkind = tkind;
  r->target = target;
  r->ours_desc = ours_desc;
  r->anchor_desc = anchor_desc;

  long iters = fixed_iters;
  if (iters <= 0) {
    /* warm both sides, calibrate on the slower of the two */
    long ia = calibrate(anchor, ctx), io = calibrate(ours, ctx);
    iters = ia < io ? ia : io;
  }
  r->iters = iters;
  for (int i = 0; i < reps; i++) {
    if (i % 2 == 0) {
      r->anchor_ns[i] = time_loop(anchor, ctx, iters) / (double)iters;
      r->ours_ns[i] = time_loop(ours, ctx, iters) / (double)iters;
    } else {
      r->ours_ns[i] = time_loop(ours, ctx, iters) / (double)iters;
      r->anchor_ns[i] = time_loop(anchor, ctx, iters) / (double)iters;
    }
  }
  finish(r);
  print_row(r);
}

static void print_header(void) {
  printf("%-26s %11s %11s  %-5s %8s  %-9s %s\n", "benchmark", "ours", "anchor",
         "unit", "ratio", "target", "result");
  printf("%-26s %11s %11s  %-5s %8s  %-9s %s\n", "--------------------------",
         "-----------", "-----------", "-----", "--------", "---------",
         "------");
}

static void write_json(const char *path) {
  FILE *f = fopen(path, "w");
  if (!f)
    die("cannot write %s: %s", path, strerror(errno));
  struct utsname u;
  uname(&u);
  fprintf(f, "{\n  \"tool\": \"ash-bench-core\",\n");
  fprintf(f, "  \"library_version\": \"%s\",\n", ash_version_string());
  fprintf(f, "  \"kernel\": \"%s %s %s\",\n", u.sysname, u.release, u.machine);
  fprintf(f, "  \"time\": %lld,\n", (long long)time(NULL));
  fprintf(f, "  \"clock\": \"%s\",\n", clock_name());
  fprintf(f,
          "  \"config\": {\"reps\": %d, \"create_reps\": %d, \"open_bytes\": "
          "%llu, \"create_bytes\": %llu, \"copy_bytes\": %llu, \"rep_ms\": "
          "%g},\n",
          opt.reps, opt.create_reps, (unsigned long long)opt.open_bytes,
          (unsigned long long)opt.create_bytes,
          (unsigned long long)opt.copy_bytes, opt.rep_ms);
  fprintf(f, "  \"results\": [\n");
  for (int i = 0; i < g_nres; i++) {
    const result *r = &g_res[i];
    fprintf(f, "    {\"name\": \"%s\", \"unit\": \"%s\", ", r->name,
            unit_of(r));
    fprintf(f, "\"ours\": %.6g, \"anchor\": %.6g, \"ratio\": %.6g, ", r->ours,
            r->anchor, r->ratio);
    fprintf(f, "\"ratio_meaning\": \"%s\", ",
            r->kind == K_TIME ? "ours/anchor time, lower is better"
                              : "ours/anchor throughput, higher is better");
    if (r->tkind == T_NONE)
      fprintf(f, "\"target\": null, ");
    else
      fprintf(f, "\"target\": \"%s %.2f\", ",
              r->tkind == T_MAX_RATIO ? "<=" : ">=", r->target);
    fprintf(f, "\"status\": \"%s\", ", r->status);
    fprintf(f, "\"ours_op\": \"%s\", \"anchor_op\": \"%s\", ", r->ours_desc,
            r->anchor_desc);
    fprintf(f, "\"bytes_per_op\": %.0f, \"iters_per_rep\": %ld, ", r->bytes,
            r->iters);
    fprintf(f, "\"ours_ns_per_op\": [");
    for (int j = 0; j < r->reps; j++)
      fprintf(f, "%s%.1f", j ? ", " : "", r->ours_ns[j]);
    fprintf(f, "], \"anchor_ns_per_op\": [");
    for (int j = 0; j < r->reps; j++)
      fprintf(f, "%s%.1f", j ? ", " : "", r->anchor_ns[j]);
    fprintf(f, "]}%s\n", i + 1 < g_nres ? "," : "");
  }
  fprintf(f, "  ]\n}\n");
  if (fclose(f) != 0)
    die("cannot write %s: %s", path, strerror(errno));
}

/* ------------------------------------------------------------------------ */
/* Shared helpers                                                            */
/* ------------------------------------------------------------------------ */

static long g_page;

/* Segment names: unique per process. ash NAME lives at /dev/shm/ash.NAME. */
static void make_names(const char *tag, char *ash_name, size_t an,
                       char *shm_name, size_t sn) {
  snprintf(ash_name, an, "ashbench-%ld-%s", (long)getpid(), tag);
  snprintf(shm_name, sn, "/%s%s", ASH_SHM_PREFIX, ash_name);
}

/* Remove an ash segment through the API, then make sure it is gone. */
static void remove_ash(const char *ash_name, const char *shm_name) {
  ash_status st = ash_unlink(ash_name, 0);
  if (st != ASH_OK && st != ASH_E_NOENT)
    fprintf(stderr, "bench: ash_unlink(%s): %s (%s)\n", ash_name,
            ash_err_name(st), ash_last_error());
  if (shm_unlink(shm_name) == 0)
    fprintf(stderr, "bench: %s was still there after ash_unlink\n", shm_name);
}

static void touch_pages(void *p, size_t n) {
  volatile unsigned char *c = p;
  for (size_t off = 0; off < n; off += (size_t)g_page)
    c[off] = 1;
}

static int want(const char *group) {
  if (!opt.only)
    return 1;
  size_t gl = strlen(group);
  for (const char *s = opt.only; *s;) {
    const char *e = strchr(s, ',');
    size_t l = e ? (size_t)(e - s) : strlen(s);
    if (l == gl && strncmp(s, group, l) == 0)
      return 1;
    if (!e)
      break;
    s = e + 1;
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* 1. open an existing segment                                               */
/* ------------------------------------------------------------------------ */

typedef struct {
  char ash_name[256];
  char shm_name[300];
} open_ctx;

static void open_raw(void *vctx, long iters) {
  open_ctx *c = vctx;
  for (long i = 0; i < iters; i++) {
    int fd = shm_open(c->shm_name, O_RDWR, 0);
    CHECK_SYS(fd >= 0, "shm_open");
    struct stat st;
    CHECK_SYS(fstat(fd, &st) == 0, "fstat");
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                   fd, 0);
    CHECK_SYS(p != MAP_FAILED, "mmap");
    CHECK_SYS(munmap(p, (size_t)st.st_size) == 0, "munmap");
    close(fd);
  }
}

/* The raw sequence plus one page fault: what any open that validates and
 * registers through the mapping must add at least. A read fault maps the
 * neighbouring cached pages too (the kernel's fault-around, 64 KiB by
 * default); a write fault on a shared mapping maps one page. The write is an
 * atomic OR of 0 into the segment's last byte (arena, value unchanged). */
static void open_raw_fault(open_ctx *c, long iters, int write) {
  for (long i = 0; i < iters; i++) {
    int fd = shm_open(c->shm_name, O_RDWR, 0);
    CHECK_SYS(fd >= 0, "shm_open");
    struct stat st;
    CHECK_SYS(fstat(fd, &st) == 0, "fstat");
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                   fd, 0);
    CHECK_SYS(p != MAP_FAILED, "mmap");
    if (write)
      __atomic_fetch_or((unsigned char *)p + st.st_size - 1, 0,
                        __ATOMIC_RELAXED);
    else
      (void)*(volatile const unsigned char *)p;
    CHECK_SYS(munmap(p, (size_t)st.st_size) == 0, "munmap");
    close(fd);
  }
}
static void open_raw_rdfault(void *c, long iters) {
  open_raw_fault(c, iters, 0);
}
static void open_raw_wrfault(void *c, long iters) {
  open_raw_fault(c, iters, 1);
}

/* The raw sequence plus the system calls an attaching open and close make
 * by the lifetime protocol (docs/format.md), with no library logic: lock
 * an attach slot, read the 4 KiB head, probe the doom byte, fstat, map,
 * record the attacher (pwrite), and at close clear the record (pwrite)
 * and unlock. Ours against it shows the library's own cost; it against
 * the raw sequence shows the protocol's floor. */
static void open_raw_protocol(void *vctx, long iters) {
  open_ctx *c = vctx;
  static unsigned char head[4096];
  off_t slot = 512 + 16 * (getpid() % 128);
  for (long i = 0; i < iters; i++) {
    int fd = shm_open(c->shm_name, O_RDWR, 0);
    CHECK_SYS(fd >= 0, "shm_open");
    struct flock fl = {
        .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = slot, .l_len = 1};
    /* the first free slot from the guess on (others are attached), then
     * the one found: one lock operation per iteration, as for an attacher
     * that knows a free slot */
    static off_t found = -1;
    if (found >= 0)
      fl.l_start = found;
    for (int k = 0; fcntl(fd, F_OFD_SETLK, &fl) != 0;) {
      CHECK_SYS(errno == EAGAIN && ++k < 1100, "lock slot");
      fl.l_start = 512 + 16 * ((getpid() + k) % 1100);
    }
    found = fl.l_start;
    CHECK_SYS(pread(fd, head, sizeof head, 0) == (ssize_t)sizeof head, "pread");
    struct flock doom = {
        .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 257, .l_len = 1};
    CHECK_SYS(fcntl(fd, F_OFD_GETLK, &doom) == 0, "probe");
    struct stat st;
    CHECK_SYS(fstat(fd, &st) == 0, "fstat");
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                   fd, 0);
    CHECK_SYS(p != MAP_FAILED, "mmap");
    unsigned char rec[16];
    off_t at = fl.l_start;
    if (at + 16 <= (off_t)sizeof head) /* the slot record as it was */
      memcpy(rec, head + at, sizeof rec);
    else
      memset(rec, 0, sizeof rec);
    CHECK_SYS(pwrite(fd, rec, 16, at) == 16, "pwrite");
    CHECK_SYS(pwrite(fd, rec, 4, at) == 4, "pwrite");
    fl.l_type = F_UNLCK;
    CHECK_SYS(fcntl(fd, F_OFD_SETLK, &fl) == 0, "unlock");
    CHECK_SYS(munmap(p, (size_t)st.st_size) == 0, "munmap");
    close(fd);
  }
}

static void open_attach(void *vctx, long iters) {
  open_ctx *c = vctx;
  for (long i = 0; i < iters; i++) {
    ash_view *v = NULL;
    CHECK_ASH(ash_attach(c->ash_name, 0, &v));
    ash_view_release(v);
  }
}

static void open_segment(void *vctx, long iters) {
  open_ctx *c = vctx;
  for (long i = 0; i < iters; i++) {
    ash_segment *s = NULL;
    ash_view *v = NULL;
    CHECK_ASH(ash_segment_open(c->ash_name, 0, &s));
    CHECK_ASH(ash_segment_view(s, NULL, &v));
    ash_view_release(v);
    ash_segment_close(s);
  }
}

/* Cold: the process keeps no mapping of the segment between iterations. */
static void open_attach_cold(void *vctx, long iters) {
  open_ctx *c = vctx;
  for (long i = 0; i < iters; i++) {
    ash_view *v = NULL;
    CHECK_ASH(ash_attach(c->ash_name, 0, &v));
    ash_view_release(v);
    ash_cache_clear();
  }
}

static void open_segment_cold(void *vctx, long iters) {
  open_ctx *c = vctx;
  for (long i = 0; i < iters; i++) {
    ash_segment *s = NULL;
    ash_view *v = NULL;
    CHECK_ASH(ash_segment_open(c->ash_name, 0, &s));
    CHECK_ASH(ash_segment_view(s, NULL, &v));
    ash_view_release(v);
    ash_segment_close(s);
    ash_cache_clear();
  }
}

static void open_segment_only(void *vctx, long iters) {
  open_ctx *c = vctx;
  for (long i = 0; i < iters; i++) {
    ash_segment *s = NULL;
    CHECK_ASH(ash_segment_open(c->ash_name, 0, &s));
    ash_segment_close(s);
  }
}

static void bench_open(void) {
  open_ctx c;
  make_names("open", c.ash_name, sizeof c.ash_name, c.shm_name,
             sizeof c.shm_name);
  track_path(c.shm_name);
  int64_t shape[1] = {(int64_t)opt.open_bytes};
  ash_view *v = NULL;
  CHECK_ASH(ash_create(c.ash_name, ASH_UINT8, 1, shape, ASH_PERSIST, 0600, &v));
  touch_pages(ash_view_data(v), opt.open_bytes); /* resident, like a real one */
  ash_view_release(v); /* no handle stays open: every open below is real */

  char nm[48];
  const char *sz = opt.open_bytes == (1u << 20) ? "1MiB" : "";
  snprintf(nm, sizeof nm, "open-attach%s%s", *sz ? "-" : "", sz);
  run_pair(nm, K_TIME, 0, open_attach_cold, open_raw, &c, opt.reps, 0,
           T_MAX_RATIO, 1.3,
           "ash_attach + ash_view_release + ash_cache_clear (a cold open)",
           "shm_open + fstat + mmap + munmap + close");
  snprintf(nm, sizeof nm, "open-seg+view%s%s", *sz ? "-" : "", sz);
  run_pair(nm, K_TIME, 0, open_segment_cold, open_raw, &c, opt.reps, 0,
           T_MAX_RATIO, 1.3,
           "ash_segment_open + ash_segment_view + ash_view_release + "
           "ash_segment_close + ash_cache_clear (a cold open)",
           "shm_open + fstat + mmap + munmap + close");
  run_pair("open-attach-vs-protocol", K_TIME, 0, open_attach_cold,
           open_raw_protocol, &c, opt.reps, 0, T_NONE, 0,
           "ash_attach + ash_view_release + ash_cache_clear",
           "the raw sequence plus the protocol's system calls (lock, head "
           "read, doom probe, 2 record writes, unlock)");
  run_pair("protocol-floor-vs-raw", K_TIME, 0, open_raw_protocol, open_raw, &c,
           opt.reps, 0, T_NONE, 0,
           "the raw sequence plus the protocol's system calls",
           "shm_open + fstat + mmap + munmap + close");
  snprintf(nm, sizeof nm, "reopen-attach%s%s", *sz ? "-" : "", sz);
  run_pair(nm, K_TIME, 0, open_attach, open_raw, &c, opt.reps, 0, T_NONE, 0,
           "ash_attach + ash_view_release of a segment released just before "
           "(its mapping kept)",
           "shm_open + fstat + mmap + munmap + close");
  snprintf(nm, sizeof nm, "reopen-seg+view%s%s", *sz ? "-" : "", sz);
  run_pair(nm, K_TIME, 0, open_segment, open_raw, &c, opt.reps, 0, T_NONE, 0,
           "ash_segment_open + ash_segment_view + ash_view_release + "
           "ash_segment_close, its mapping kept",
           "shm_open + fstat + mmap + munmap + close");
  snprintf(nm, sizeof nm, "open-seg-only%s%s", *sz ? "-" : "", sz);
  run_pair(nm, K_TIME, 0, open_segment_only, open_raw, &c, opt.reps, 0, T_NONE,
           0, "ash_segment_open + ash_segment_close",
           "shm_open + fstat + mmap + munmap + close");
  run_pair("open-attach-vs-raw+rdfault", K_TIME, 0, open_attach,
           open_raw_rdfault, &c, opt.reps, 0, T_NONE, 0,
           "ash_attach + ash_view_release",
           "shm_open + fstat + mmap + read 1st byte + munmap + close");
  run_pair("open-attach-vs-raw+wrfault", K_TIME, 0, open_attach,
           open_raw_wrfault, &c, opt.reps, 0, T_NONE, 0,
           "ash_attach + ash_view_release",
           "shm_open + fstat + mmap + atomic write of 1 byte + munmap + close");
  remove_ash(c.ash_name, c.shm_name);
}

/* ------------------------------------------------------------------------ */
/* 1b. attach cost against the number of arrays and of live attachers       */
/* ------------------------------------------------------------------------ */

/* A segment of @narrays arrays; the one attached is the last. */
static void make_many(open_ctx *c, int narrays, uint32_t max_attachers) {
  ash_segment *s = NULL;
  CHECK_ASH(ash_segment_create_ex(c->ash_name, (uint64_t)narrays * 64 + 4096,
                                  (uint32_t)narrays, max_attachers, ASH_PERSIST,
                                  0600, &s));
  for (int i = 0; i < narrays; i++) {
    char an[32];
    snprintf(an, sizeof an, "a%d", i);
    int64_t shape[1] = {8};
    CHECK_ASH(ash_segment_add_array(s, an, ASH_UINT8, 1, shape, NULL));
  }
  ash_segment_close(s);
  ash_cache_clear();
}

typedef struct {
  open_ctx o;
  char desc[300];
} scale_ctx;

static void scale_attach(void *vctx, long iters) {
  scale_ctx *c = vctx;
  for (long i = 0; i < iters; i++) {
    ash_view *v = NULL;
    CHECK_ASH(ash_attach(c->desc, 0, &v));
    ash_view_release(v);
    ash_cache_clear();
  }
}

static void scale_raw(void *vctx, long iters) {
  open_raw(&((scale_ctx *)vctx)->o, iters);
}
static void scale_protocol(void *vctx, long iters) {
  open_raw_protocol(&((scale_ctx *)vctx)->o, iters);
}

static void bench_scale(void) {
  static const int counts[] = {1, 16, 256, 4096};
  for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
    scale_ctx c;
    make_names("scale", c.o.ash_name, sizeof c.o.ash_name, c.o.shm_name,
               sizeof c.o.shm_name);
    track_path(c.o.shm_name);
    make_many(&c.o, counts[k], 128);
    snprintf(c.desc, sizeof c.desc, "%s/a%d", c.o.ash_name, counts[k] - 1);
    char nm[48];
    snprintf(nm, sizeof nm, "attach-of-%d-arrays", counts[k]);
    run_pair(nm, K_TIME, 0, scale_attach, scale_raw, &c, opt.reps, 0,
             T_MAX_RATIO, 1.3,
             "ash_attach(NAME/LAST) + release + ash_cache_clear",
             "shm_open + fstat + mmap + munmap + close");
    remove_ash(c.o.ash_name, c.o.shm_name);
  }
  static const int attachers[] = {1, 8, 64, 120, 1000};
  for (size_t k = 0; k < sizeof attachers / sizeof attachers[0]; k++) {
    scale_ctx c;
    make_names("attachers", c.o.ash_name, sizeof c.o.ash_name, c.o.shm_name,
               sizeof c.o.shm_name);
    track_path(c.o.shm_name);
    make_many(&c.o, 1, 1100);
    snprintf(c.desc, sizeof c.desc, "%s", c.o.ash_name);
    int n = attachers[k] - 1; /* the benchmark itself is one */
    pid_t *kids = calloc((size_t)(n ? n : 1), sizeof *kids);
    int ready[2], go[2];
    CHECK_SYS(pipe(ready) == 0 && pipe(go) == 0, "pipe");
    for (int i = 0; i < n; i++) {
      kids[i] = fork();
      CHECK_SYS(kids[i] >= 0, "fork");
      if (kids[i] == 0) {
        close(go[1]);
        ash_view *v = NULL;
        char ok = ash_attach(c.desc, 0, &v) == ASH_OK ? 'y' : 'n';
        if (write(ready[1], &ok, 1) != 1)
          _exit(2);
        char b;
        while (read(go[0], &b, 1) > 0)
          ;
        _exit(0);
      }
    }
    close(go[0]);
    for (int i = 0; i < n; i++) {
      char b = 0;
      CHECK_SYS(read(ready[0], &b, 1) == 1 && b == 'y', "attacher ready");
    }
    char nm[48];
    snprintf(nm, sizeof nm, "attach-with-%d-attachers", attachers[k]);
    run_pair(nm, K_TIME, 0, scale_attach, scale_raw, &c, opt.reps, 0,
             T_MAX_RATIO, 1.3,
             "ash_attach + release + ash_cache_clear, N-1 other processes "
             "attached",
             "shm_open + fstat + mmap + munmap + close");
    snprintf(nm, sizeof nm, "floor-with-%d-attachers", attachers[k]);
    run_pair(nm, K_TIME, 0, scale_protocol, scale_raw, &c, opt.reps, 0, T_NONE,
             0,
             "the raw sequence plus the protocol's system calls, N-1 other "
             "processes attached (each lock operation walks their locks)",
             "shm_open + fstat + mmap + munmap + close");
    close(go[1]);
    for (int i = 0; i < n; i++)
      waitpid(kids[i], NULL, 0);
    close(ready[0]);
    close(ready[1]);
    free(kids);
    remove_ash(c.o.ash_name, c.o.shm_name);
  }
}

/* ------------------------------------------------------------------------ */
/* 2. create and first-touch                                                 */
/* ------------------------------------------------------------------------ */

typedef struct {
  char ash_name[256];
  char ash_shm[300];
  char raw_shm[300];
  uint64_t bytes;
} create_ctx;

static void create_raw(void *vctx, long iters) {
  create_ctx *c = vctx;
  for (long i = 0; i < iters; i++) {
    int fd = shm_open(c->raw_shm, O_RDWR | O_CREAT | O_EXCL, 0600);
    CHECK_SYS(fd >= 0, "shm_open(O_CREAT|O_EXCL)");
    CHECK_SYS(ftruncate(fd, (off_t)c->bytes) == 0, "ftruncate");
    void *p = mmap(NULL, c->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK_SYS(p != MAP_FAILED, "mmap");
    touch_pages(p, c->bytes);
    CHECK_SYS(munmap(p, c->bytes) == 0, "munmap");
    close(fd);
    CHECK_SYS(shm_unlink(c->raw_shm) == 0, "shm_unlink");
  }
}

static void create_ours(void *vctx, long iters) {
  create_ctx *c = vctx;
  for (long i = 0; i < iters; i++) {
    int64_t shape[1] = {(int64_t)c->bytes};
    ash_view *v = NULL;
    CHECK_ASH(
        ash_create(c->ash_name, ASH_UINT8, 1, shape, ASH_PERSIST, 0600, &v));
    touch_pages(ash_view_data(v), c->bytes);
    ash_view_release(v);
    CHECK_ASH(ash_unlink(c->ash_name, 0));
  }
}

/* Small create: 8 KiB, no touch (what a per-task scratch array costs). */
static void create_small_ours(void *vctx, long iters) {
  create_ctx *c = vctx;
  for (long i = 0; i < iters; i++) {
    int64_t shape[1] = {8192};
    ash_view *v = NULL;
    CHECK_ASH(
        ash_create(c->ash_name, ASH_UINT8, 1, shape, ASH_PERSIST, 0600, &v));
    ash_view_release(v);
    CHECK_ASH(ash_unlink(c->ash_name, 0));
  }
}

static void create_small_raw(void *vctx, long iters, int reserve) {
  create_ctx *c = vctx;
  for (long i = 0; i < iters; i++) {
    int fd = shm_open(c->raw_shm, O_RDWR | O_CREAT | O_EXCL, 0600);
    CHECK_SYS(fd >= 0, "shm_open(O_CREAT|O_EXCL)");
    if (reserve)
      CHECK_SYS(posix_fallocate(fd, 0, 8192) == 0, "posix_fallocate");
    else
      CHECK_SYS(ftruncate(fd, 8192) == 0, "ftruncate");
    void *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK_SYS(p != MAP_FAILED, "mmap");
    CHECK_SYS(munmap(p, 8192) == 0, "munmap");
    close(fd);
    CHECK_SYS(shm_unlink(c->raw_shm) == 0, "shm_unlink");
  }
}
static void create_small_ftruncate(void *c, long it) {
  create_small_raw(c, it, 0);
}
static void create_small_fallocate(void *c, long it) {
  create_small_raw(c, it, 1);
}

static void bench_create_small(void) {
  create_ctx c;
  make_names("small", c.ash_name, sizeof c.ash_name, c.ash_shm,
             sizeof c.ash_shm);
  snprintf(c.raw_shm, sizeof c.raw_shm, "/ashbench-raw-%ld-small",
           (long)getpid());
  track_path(c.ash_shm);
  track_path(c.raw_shm);
  run_pair("create-8KiB-vs-ftruncate", K_TIME, 0, create_small_ours,
           create_small_ftruncate, &c, opt.reps, 0, T_NONE, 0,
           "ash_create(8 KiB, PERSIST) + ash_view_release + ash_unlink",
           "shm_open(O_CREAT|O_EXCL) + ftruncate + mmap + munmap + close + "
           "shm_unlink");
  run_pair("create-8KiB-vs-fallocate", K_TIME, 0, create_small_ours,
           create_small_fallocate, &c, opt.reps, 0, T_NONE, 0,
           "ash_create(8 KiB, PERSIST) + ash_view_release + ash_unlink",
           "the same with posix_fallocate instead of ftruncate (storage "
           "reserved, as ours)");
}

static void bench_create(void) {
  create_ctx c;
  make_names("create", c.ash_name, sizeof c.ash_name, c.ash_shm,
             sizeof c.ash_shm);
  snprintf(c.raw_shm, sizeof c.raw_shm, "/ashbench-raw-%ld-create",
           (long)getpid());
  track_path(c.ash_shm);
  track_path(c.raw_shm);
  c.bytes = opt.create_bytes;
  char nm[48];
  if (c.bytes % (1ull << 30) == 0)
    snprintf(nm, sizeof nm, "create+touch-%lluGiB",
             (unsigned long long)(c.bytes >> 30));
  else
    snprintf(nm, sizeof nm, "create+touch-%.0fMiB", (double)c.bytes / MIB);
  /* one untimed round each: page cache / allocator warm-up */
  create_raw(&c, 1);
  create_ours(&c, 1);
  run_pair(nm, K_TPUT, (double)c.bytes, create_ours, create_raw, &c,
           opt.create_reps, 1, T_MIN_RATIO, 0.9,
           "ash_create(PERSIST) + touch 1 byte/page + ash_view_release + "
           "ash_unlink",
           "shm_open(O_CREAT|O_EXCL) + ftruncate + mmap + touch + munmap + "
           "close + shm_unlink");
}

/* ------------------------------------------------------------------------ */
/* 3. bulk copy and fill                                                     */
/* ------------------------------------------------------------------------ */

typedef struct {
  ash_view *v;      /* whole array, float64 [rows, cols]                   */
  ash_view *vs;     /* every other row                                     */
  ash_view *vi;     /* the same bytes as int64                             */
  unsigned char *d; /* ash_view_data(v)                                    */
  unsigned char *buf;
  uint64_t n, ns; /* bytes of v and of vs                                */
  int64_t rows, cols;
} copy_ctx;

static void cp_write_ours(void *p, long it) {
  copy_ctx *c = p;
  for (long i = 0; i < it; i++)
    CHECK_ASH(ash_view_write(c->v, c->buf, c->n));
}
static void cp_write_raw(void *p, long it) {
  copy_ctx *c = p;
  for (long i = 0; i < it; i++)
    memcpy(c->d, c->buf, c->n);
}
static void cp_read_ours(void *p, long it) {
  copy_ctx *c = p;
  for (long i = 0; i < it; i++)
    CHECK_ASH(ash_view_read(c->v, c->buf, c->n));
}
static void cp_read_raw(void *p, long it) {
  copy_ctx *c = p;
  for (long i = 0; i < it; i++)
    memcpy(c->buf, c->d, c->n);
}
static void fill0_ours(void *p, long it) {
  copy_ctx *c = p;
  for (long i = 0; i < it; i++)
    CHECK_ASH(ash_view_fill_f64(c->v, 0.0));
}
static void fill0_raw(void *p, long it) {
  copy_ctx *c = p;
  for (long i = 0; i < it; i++)
    memset(c->d, 0, c->n);
}
static void fillx_ours(void *p, long it) {
  copy_ctx *c = p;
  for (long i = 0; i < it; i++)
    CHECK_ASH(ash_view_fill_f64(c->v, 1.5));
}
/* Anchor for non-zero fills: memset of the same bytes (the store bandwidth
 * bound; a non-zero double pattern cannot be written faster than that). */
static void fillx_raw(void *p, long it) {
  copy_ctx *c = p;
  for (long i = 0; i < it; i++)
    memset(c->d, 0x3f, c->n);
}
static void filli_ours(void *p, long it) {
  copy_ctx *c = p;
  for (long i = 0; i < it; i++)
    CHECK_ASH(ash_view_fill_i64(c->v, 3));
}
static void filli_int_ours(void *p, long it) {
  copy_ctx *c = p;
  for (long i = 0; i < it; i++)
    CHECK_ASH(ash_view_fill_i64(c->vi, 3));
}
/* Plain C loop storing doubles: what a user would write by hand. */
static void fillx_loop(void *p, long it) {
  copy_ctx *c = p;
  for (long i = 0; i < it; i++) {
    double *x = (double *)(void *)c->d;
    size_t n = c->n / sizeof(double);
    for (size_t k = 0; k < n; k++)
      x[k] = 1.5;
    __asm__ volatile("" ::"r"(x) : "memory");
  }
}
static void sread_ours(void *p, long it) {
  copy_ctx *c = p;
  for (long i = 0; i < it; i++)
    CHECK_ASH(ash_view_read(c->vs, c->buf, c->ns));
}
static void sread_raw(void *p, long it) {
  copy_ctx *c = p;
  size_t rb = (size_t)c->cols * sizeof(double);
  for (long i = 0; i < it; i++)
    for (int64_t r = 0; r < c->rows / 2 + c->rows % 2; r++)
      memcpy(c->buf + (size_t)r * rb, c->d + (size_t)(2 * r) * rb, rb);
}
static void swrite_ours(void *p, long it) {
  copy_ctx *c = p;
  for (long i = 0; i < it; i++)
    CHECK_ASH(ash_view_write(c->vs, c->buf, c->ns));
}
static void swrite_raw(void *p, long it) {
  copy_ctx *c = p;
  size_t rb = (size_t)c->cols * sizeof(double);
  for (long i = 0; i < it; i++)
    for (int64_t r = 0; r < c->rows / 2 + c->rows % 2; r++)
      memcpy(c->d + (size_t)(2 * r) * rb, c->buf + (size_t)r * rb, rb);
}
static void sfill_ours(void *p, long it) {
  copy_ctx *c = p;
  for (long i = 0; i < it; i++)
    CHECK_ASH(ash_view_fill_f64(c->vs, 1.5));
}
static void sfill_raw(void *p, long it) {
  copy_ctx *c = p;
  size_t rb = (size_t)c->cols * sizeof(double);
  for (long i = 0; i < it; i++)
    for (int64_t r = 0; r < c->rows / 2 + c->rows % 2; r++)
      memset(c->d + (size_t)(2 * r) * rb, 0x3f, rb);
}

static void bench_copy(void) {
  char ash_name[256], shm_name[300];
  make_names("copy", ash_name, sizeof ash_name, shm_name, sizeof shm_name);
  track_path(shm_name);
  copy_ctx c;
  memset(&c, 0, sizeof c);
  c.cols = 1024; /* 8 KiB rows */
  c.rows = (int64_t)(opt.copy_bytes / ((uint64_t)c.cols * sizeof(double)));
  if (c.rows < 2)
    c.rows = 2;
  int64_t shape[2] = {c.rows, c.cols};
  CHECK_ASH(
      ash_create(ash_name, ASH_FLOAT64, 2, shape, ASH_PERSIST, 0600, &c.v));
  c.n = ash_view_nbytes(c.v);
  c.d = ash_view_data(c.v);
  CHECK_ASH(ash_view_slice(c.v, 0, 0, ASH_NONE, 2, 0, &c.vs));
  CHECK_ASH(ash_view_reinterpret(c.v, ASH_INT64, &c.vi));
  c.ns = ash_view_nbytes(c.vs);
  c.buf = malloc(c.n);
  if (!c.buf)
    die("out of memory");
  for (uint64_t i = 0; i < c.n / sizeof(double); i++)
    ((double *)(void *)c.buf)[i] = (double)(i & 1023);
  memset(c.d, 0, c.n); /* fault every page before timing */

  char nm[48];
  char sz[16];
  snprintf(sz, sizeof sz, "%.0fMiB", (double)c.n / MIB);
  const double n = (double)c.n, ns = (double)c.ns;
  const int R = opt.reps;
#define NAME(s) (snprintf(nm, sizeof nm, s "-%s", sz), nm)
  run_pair(NAME("write"), K_TPUT, n, cp_write_ours, cp_write_raw, &c, R, 0,
           T_MIN_RATIO, 0.9, "ash_view_write", "memcpy into the mapping");
  run_pair(NAME("read"), K_TPUT, n, cp_read_ours, cp_read_raw, &c, R, 0,
           T_MIN_RATIO, 0.9, "ash_view_read", "memcpy out of the mapping");
  run_pair(NAME("fill_f64(0)"), K_TPUT, n, fill0_ours, fill0_raw, &c, R, 0,
           T_MIN_RATIO, 0.9, "ash_view_fill_f64(v, 0.0)", "memset 0");
  run_pair(NAME("fill_f64(1.5)"), K_TPUT, n, fillx_ours, fillx_raw, &c, R, 0,
           T_MIN_RATIO, 0.9, "ash_view_fill_f64(v, 1.5)",
           "memset 0x3f, same bytes");
  run_pair(NAME("fill_i64(3)"), K_TPUT, n, filli_ours, fillx_raw, &c, R, 0,
           T_MIN_RATIO, 0.9, "ash_view_fill_i64(float64 view, 3)",
           "memset 0x3f, same bytes");
  run_pair(NAME("fill_i64(3)-int64"), K_TPUT, n, filli_int_ours, fillx_raw, &c,
           R, 0, T_MIN_RATIO, 0.9,
           "ash_view_fill_i64(int64 reinterpretation, 3)",
           "memset 0x3f, same bytes");
  run_pair(NAME("fill_f64(1.5)-vs-loop"), K_TPUT, n, fillx_ours, fillx_loop, &c,
           R, 0, T_NONE, 0, "ash_view_fill_f64(v, 1.5)",
           "C loop storing doubles (-O2)");
  snprintf(sz, sizeof sz, "%.0fMiB", (double)c.ns / MIB);
  run_pair(NAME("strided-read"), K_TPUT, ns, sread_ours, sread_raw, &c, R, 0,
           T_NONE, 0, "ash_view_read(v[::2])", "memcpy per row");
  run_pair(NAME("strided-write"), K_TPUT, ns, swrite_ours, swrite_raw, &c, R, 0,
           T_NONE, 0, "ash_view_write(v[::2])", "memcpy per row");
  run_pair(NAME("strided-fill"), K_TPUT, ns, sfill_ours, sfill_raw, &c, R, 0,
           T_MIN_RATIO, 0.95, "ash_view_fill_f64(v[::2], 1.5)",
           "memset per row");
#undef NAME
  ash_view_release(c.vi);
  ash_view_release(c.vs);
  ash_view_release(c.v);
  free(c.buf);
  remove_ash(ash_name, shm_name);
}

/* ------------------------------------------------------------------------ */
/* main                                                                      */
/* ------------------------------------------------------------------------ */

static void usage(FILE *f) {
  fprintf(
      f,
      "usage: ash-bench-core [options]\n"
      "  --json FILE       also write the results as JSON to FILE\n"
      "  --only LIST       groups to run, comma separated: open, scale\n"
      "                    (attach against arrays and attachers), create,\n"
      "                    small (8 KiB create; also run by create), copy\n"
      "  --reps N          repetitions of open/copy benchmarks (default 9)\n"
      "  --create-reps N   repetitions of the create benchmark (default 5)\n"
      "  --create-mib N    size of the create benchmark in MiB (default 1024;\n"
      "                    env ASH_BENCH_CREATE_MIB)\n"
      "  --copy-mib N      size of the copy benchmarks in MiB (default 64;\n"
      "                    env ASH_BENCH_COPY_MIB)\n"
      "  --open-kib N      size of the open benchmark in KiB (default 1024)\n"
      "  --rep-ms MS       minimum duration of one repetition (default 60)\n"
      "  --quick           --reps 5 --create-reps 3 --create-mib 256 --rep-ms "
      "20\n"
      "  --clock cpu|wall  time in process CPU time (user + system: not\n"
      "                    inflated by other processes on a shared machine)\n"
      "                    or wall-clock time (default)\n"
      "  --strict          exit status 1 when any target is missed\n"
      "Output: median of the repetitions; ratio = ours/anchor (time: lower\n"
      "is better; GiB/s: higher is better); PASS/MISS against the target.\n");
}

static uint64_t parse_u64(const char *s, const char *what) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *end || v == 0)
    die("bad %s: \"%s\"", what, s);
  return v;
}

int main(int argc, char **argv) {
  const char *e;
  if ((e = getenv("ASH_BENCH_CREATE_MIB")) && *e)
    opt.create_bytes = parse_u64(e, "ASH_BENCH_CREATE_MIB") << 20;
  if ((e = getenv("ASH_BENCH_COPY_MIB")) && *e)
    opt.copy_bytes = parse_u64(e, "ASH_BENCH_COPY_MIB") << 20;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDVAL()                                                              \
  do {                                                                         \
    if (!val)                                                                  \
      die("%s needs a value", a);                                              \
    i++;                                                                       \
  } while (0)
    if (!strcmp(a, "--json")) {
      NEEDVAL();
      opt.json = val;
    } else if (!strcmp(a, "--only")) {
      NEEDVAL();
      opt.only = val;
    } else if (!strcmp(a, "--reps")) {
      NEEDVAL();
      opt.reps = (int)parse_u64(val, a);
    } else if (!strcmp(a, "--create-reps")) {
      NEEDVAL();
      opt.create_reps = (int)parse_u64(val, a);
    } else if (!strcmp(a, "--create-mib")) {
      NEEDVAL();
      opt.create_bytes = parse_u64(val, a) << 20;
    } else if (!strcmp(a, "--copy-mib")) {
      NEEDVAL();
      opt.copy_bytes = parse_u64(val, a) << 20;
    } else if (!strcmp(a, "--open-kib")) {
      NEEDVAL();
      opt.open_bytes = parse_u64(val, a) << 10;
    } else if (!strcmp(a, "--rep-ms")) {
      NEEDVAL();
      opt.rep_ms = (double)parse_u64(val, a);
    } else if (!strcmp(a, "--quick")) {
      opt.reps = 5;
      opt.create_reps = 3;
      opt.create_bytes = 256ull << 20;
      opt.rep_ms = 20;
    } else if (!strcmp(a, "--clock")) {
      NEEDVAL();
      if (!strcmp(val, "cpu"))
        opt.cpu = 1;
      else if (!strcmp(val, "wall"))
        opt.cpu = 0;
      else
        die("--clock takes cpu or wall, not \"%s\"", val);
    } else if (!strcmp(a, "--strict"))
      opt.strict = 1;
    else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      return 0;
    } else {
      usage(stderr);
      die("unknown option %s", a);
    }
#undef NEEDVAL
  }
  if (opt.reps > 64)
    opt.reps = 64;
  if (opt.create_reps > 64)
    opt.create_reps = 64;

  g_page = sysconf(_SC_PAGESIZE);
  install_cleanup();
  setvbuf(stdout, NULL, _IOLBF, 0);

  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) < 0)
    load[0] = -1;
  printf("ash-bench-core: libarrayshare %s, pid %ld, %s, "
         "median of %d reps (create: %d), load average %.2f\n",
         ash_version_string(), (long)getpid(), clock_name(), opt.reps,
         opt.create_reps, load[0]);
  printf("ratio = ours/anchor: time (us/op) lower is better, throughput "
         "(GiB/s) higher is better\n\n");
  print_header();
  double t0 = now_ns();
  if (want("open"))
    bench_open();
  if (want("scale"))
    bench_scale();
  if (want("create"))
    bench_create();
  if (want("create") || want("small"))
    bench_create_small();
  if (want("copy"))
    bench_copy();
  printf("\n%d benchmarks in %.1f s\n", g_nres, (now_ns() - t0) / 1e9);

  if (opt.json) {
    write_json(opt.json);
    printf("JSON written to %s\n", opt.json);
  }
  int missed = 0;
  for (int i = 0; i < g_nres; i++)
    if (!strcmp(g_res[i].status, "MISS"))
      missed++;
  if (missed)
    printf("%d target(s) missed\n", missed);
  cleanup_paths();
  return opt.strict && missed ? 1 : 0;
}
