/* SPDX-License-Identifier: MIT */
/* Kill-point injection test (issue 7, "What to build" item 4).
 *
 * For every scenario (an operation of the library in a given situation:
 * create, attach, detach, add-array, unlink, gc, list), the driver first
 * runs the operation once in a forked child with the shim (shim.c, in
 * LD_PRELOAD) counting the system calls libarrayshare makes: K kill
 * points, the last one being "right after the operation returned". Then,
 * for every n in 1..K, it runs the scenario again with the child killed
 * (SIGKILL) right before its n-th call, and checks the invariants of
 * docs/format.md ("Lifetime protocol", "Creation protocol"):
 *
 *  - a live segment stays usable: with a holder process H (created the
 *    segment and keeps a view, started before the kill), attaching the
 *    name succeeds (never BUSY, never CORRUPT), sees H's data, and the
 *    name refers to H's segment (same inode, same creation time);
 *  - nothing is removed under a live holder: ash_gc_match(name) and
 *    ash_list_segments() leave H's segment in place;
 *  - nothing leaks after the next touch: once H is gone (killed, or exited
 *    normally, alternately), one ash_gc_match(name) or ash_list_segments()
 *    (alternately) removes an "auto" segment; a "persist" one stays, is
 *    attachable with its data, and is unlinked by the test; then not a
 *    single file of the run is left in /dev/shm (temporary names
 *    included), and the name can be created again;
 *  - creation is all or nothing: after a kill during a create, the name
 *    does not exist or refers to a complete segment (every array of an
 *    unpublished build, right dtype and shape);
 *  - add-array: the new array is either fully there (attachable, right
 *    dtype and shape) or absent, and arrays can still be added.
 *
 * Every check runs in a fresh unarmed child with a timeout, so a hang is
 * reported (with the last call the shim saw) instead of blocking the run.
 * The parent itself never calls the library.
 *
 * Besides kills, the same points serve to interleave a peer at every step
 * (the victim stops itself with SIGSTOP instead, the peer acts, the victim
 * goes on): "stop-gc" runs ash_gc(), "stop-attach" starts a process
 * attaching the name, "stop-replace" unlinks the name and creates a new
 * segment under it (`arrayshare rm` and a create). Then the operation must
 * have succeeded (or failed as a user-level race allows), and the same
 * invariants hold, the peer being a live holder too.
 *
 * Usage: killpoint [-q] [-g] [-l] [--no-tmpfile] [-m MODE[,MODE...]]
 *                  [--skip SCENARIO[:MODE]]... [SCENARIO-SUBSTRING...]
 *   -q  print only violations and the per-scenario summary
 *   -g  with a hang, also print the stuck process's stacks (gdb)
 *   -l  list the scenarios and exit
 *   -m  modes: kill (the default), stop-gc, stop-attach, stop-replace
 *   --skip  leave out a scenario, or one mode of it (known defects)
 *   --no-tmpfile  create through temporary names (ASH_TEST_NO_TMPFILE=1)
 * Exit status: 0 when no violation, 1 otherwise, 2 on a setup error. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arrayshare.h"
#include "kpcommon.h"
#include "shim.h"

#define OP_TIMEOUT_MS 3000    /* the library's own patience is 0.6 s */
#define CHECK_TIMEOUT_MS 3000
#define ROWS 32
#define COLS 16
#define NELEM (ROWS * COLS)

/* ---- the shim's entry points ----------------------------------------------- */

static int (*ks_arm)(long);
static int (*ks_arm_stop)(long);
static long (*ks_disarm)(void);
static void (*ks_point)(void);
static void (*ks_log)(struct killshim_log *);
static struct killshim_log *g_log; /* MAP_SHARED: the calls of the child */

static int load_shim(void) {
  ks_arm = (int (*)(long))dlsym(RTLD_DEFAULT, "killshim_arm");
  ks_arm_stop = (int (*)(long))dlsym(RTLD_DEFAULT, "killshim_arm_stop");
  ks_disarm = (long (*)(void))dlsym(RTLD_DEFAULT, "killshim_disarm");
  ks_point = (void (*)(void))dlsym(RTLD_DEFAULT, "killshim_point");
  ks_log = (void (*)(struct killshim_log *))dlsym(RTLD_DEFAULT, "killshim_log");
  if (!ks_arm || !ks_arm_stop || !ks_disarm || !ks_point || !ks_log)
    return -1;
  g_log = mmap(NULL, sizeof *g_log, PROT_READ | PROT_WRITE,
               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  return g_log == MAP_FAILED ? -1 : 0;
}

/* The description of the last call the logged child made (or was about
 * to make). */
static const char *last_call(void) {
  long n = __atomic_load_n(&g_log->count, __ATOMIC_ACQUIRE);
  if (n <= 0)
    return "(none)";
  return g_log->desc[(n - 1) % KILLSHIM_LOG_MAX];
}

/* ---- scenarios --------------------------------------------------------------- */

enum kind { K_ONE, K_MULTI };                  /* how a holder makes the segment */
enum holder { H_NONE, H_LIVE, H_LIVE_DEAD, H_ORPHAN };
/* What happens at point n: the victim is killed (M_KILL), or stopped while
 * a gc runs (M_STOP_GC), another process starts attaching (M_STOP_ATTACH)
 * or another process unlinks the name and creates a new segment under it
 * (M_STOP_REPLACE, `arrayshare rm` then a create), then continued. */
enum mode { M_KILL, M_STOP_GC, M_STOP_ATTACH, M_STOP_REPLACE, M_COUNT };

struct vctx { /* the victim's state */
  const char *name;
  unsigned policy;
  uint64_t seed; /* the data it knows: H's, or its own */
  int out;       /* its report pipe */
  ash_view *v, *v2, *v3;
  ash_segment *s;
  ash_list *list;
  int checks; /* post-operation checks (kill mode only: a stop-mode
                 interference changes what the operation finds) */
};

/* A violation seen by a child, sent to the parent on its report pipe. */
static void report(int out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void report(int out, const char *fmt, ...) {
  char m[900];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m, sizeof m, fmt, ap);
  va_end(ap);
  kp_say(out, "V %s", m);
}

static const int64_t g_shape[2] = {ROWS, COLS};

static void fill(ash_view *v, uint64_t seed) {
  uint64_t *p = ash_view_data(v);
  for (uint64_t i = 0; i < NELEM; i++)
    p[i] = kp_pattern(seed, i);
}

/* "" when @v holds the pattern, else what differs. */
static const char *pattern_diff(ash_view *v, uint64_t seed, char *buf,
                                size_t cap) {
  if (ash_view_dtype(v) != ASH_UINT64 || ash_view_ndim(v) != 2 ||
      ash_view_shape(v)[0] != ROWS || ash_view_shape(v)[1] != COLS) {
    snprintf(buf, cap, "dtype %s ndim %d", ash_dtype_name(ash_view_dtype(v)),
             ash_view_ndim(v));
    return buf;
  }
  const uint64_t *p = ash_view_data(v);
  for (uint64_t i = 0; i < NELEM; i++)
    if (p[i] != kp_pattern(seed, i)) {
      snprintf(buf, cap, "element %llu is %llu, expected %llu",
               (unsigned long long)i, (unsigned long long)p[i],
               (unsigned long long)kp_pattern(seed, i));
      return buf;
    }
  return "";
}

static int list_has(ash_list *l, const char *name) {
  for (int i = 0; i < ash_list_count(l); i++)
    if (strcmp(ash_list_name(l, i), name) == 0)
      return 1;
  return 0;
}

/* pre: unarmed set-up in the victim; op: the armed operation (returns its
 * status); post: after the operation, unarmed (may report violations). */
typedef int (*vfn)(struct vctx *);

static int v_nothing(struct vctx *c) { (void)c; return ASH_OK; }

static int op_create_one(struct vctx *c) {
  return ash_create(c->name, ASH_UINT64, 2, g_shape, c->policy, 0600, &c->v);
}
static int post_fill_release(struct vctx *c) {
  if (c->v)
    fill(c->v, c->seed);
  ash_view_release(c->v);
  c->v = NULL;
  return ASH_OK;
}

static const int64_t g_shape_b[1] = {7};
static const int64_t g_shape_c[2] = {3, 3};

static int op_create_unpub(struct vctx *c) {
  int r = ash_segment_create(c->name, 1 << 16, 4, ASH_UNPUBLISHED | c->policy,
                             0600, &c->s);
  if (r == ASH_OK)
    r = ash_segment_add_array(c->s, "data", ASH_UINT64, 2, g_shape, &c->v);
  if (r == ASH_OK)
    r = ash_segment_add_array(c->s, "b", ASH_INT32, 1, g_shape_b, &c->v2);
  if (r == ASH_OK)
    r = ash_segment_add_array(c->s, "c", ASH_FLOAT64, 2, g_shape_c, &c->v3);
  if (r == ASH_OK)
    r = ash_segment_publish(c->s);
  return r;
}
static int post_release_all(struct vctx *c) {
  if (c->v)
    fill(c->v, c->seed);
  ash_view_release(c->v);
  ash_view_release(c->v2);
  ash_view_release(c->v3);
  ash_segment_close(c->s);
  ash_list_free(c->list);
  c->v = c->v2 = c->v3 = NULL;
  c->s = NULL;
  c->list = NULL;
  return ASH_OK;
}

static int op_create_or_open(struct vctx *c) {
  return ash_segment_create(c->name, 1 << 16, 4, ASH_OR_OPEN | c->policy, 0600,
                            &c->s);
}

static int op_attach(struct vctx *c) { return ash_attach(c->name, 0, &c->v); }
static int post_verify_release(struct vctx *c) {
  char buf[200];
  const char *d = c->v ? pattern_diff(c->v, c->seed, buf, sizeof buf) : "";
  if (*d)
    report(c->out, "the attached view does not show the holder's data: %s", d);
  return post_release_all(c);
}
static int pre_attach_release(struct vctx *c) {
  int r = ash_attach(c->name, 0, &c->v);
  ash_view_release(c->v);
  c->v = NULL;
  return r;
}
static int pre_attach(struct vctx *c) { return ash_attach(c->name, 0, &c->v); }
static int op_release(struct vctx *c) {
  ash_view_release(c->v);
  c->v = NULL;
  return ASH_OK;
}
static int pre_create_fill(struct vctx *c) {
  int r = ash_create(c->name, ASH_UINT64, 2, g_shape, c->policy, 0600, &c->v);
  if (r == ASH_OK)
    fill(c->v, c->seed);
  return r;
}

static const int64_t g_shape_x[2] = {3, 7};
static int pre_open(struct vctx *c) { return ash_segment_open(c->name, 0, &c->s); }
static int op_add_array(struct vctx *c) {
  return ash_segment_add_array(c->s, "extra", ASH_INT32, 2, g_shape_x, &c->v2);
}

/* A normal exit with views held or mappings kept: the library's exit
 * handler detaches and drops its cache (reaping orphans it was the last
 * to map). */
static int op_exit(struct vctx *c) {
  (void)c;
  exit(0);
}

static int op_unlink(struct vctx *c) { return ash_unlink(c->name, 0); }

static int op_gc_match(struct vctx *c) {
  return ash_gc_match(c->name, 0, &c->list);
}
static int post_gc_kept(struct vctx *c) {
  if (c->checks && c->list && ash_list_count(c->list) != 0)
    report(c->out, "ash_gc_match removed the segment of a live holder");
  return post_release_all(c);
}
static int post_gc_removed(struct vctx *c) {
  if (c->checks && c->list && !list_has(c->list, c->name))
    report(c->out, "ash_gc_match did not report the orphan it had to remove");
  return post_release_all(c);
}
static int op_list(struct vctx *c) { return ash_list_segments(&c->list); }
static int post_list_has(struct vctx *c) {
  if (c->checks && c->list && !list_has(c->list, c->name))
    report(c->out, "ash_list_segments does not list a segment with a live holder");
  return post_release_all(c);
}
static int post_list_not(struct vctx *c) {
  if (c->checks && c->list && list_has(c->list, c->name))
    report(c->out, "ash_list_segments lists an orphan auto segment it should remove");
  return post_release_all(c);
}
static int op_gc_all(struct vctx *c) {
  (void)c;
  int n = 0;
  return ash_gc(&n);
}

enum { F_CREATE = 1,        /* a create: all-or-nothing checks */
       F_UNPUB = 2,         /* arrays data, b, c */
       F_GONE_OK = 4,       /* the name may be gone with H alive (unlink) */
       F_GONE_IF_DONE = 8,  /* completed: the name must be gone */
       F_ADD = 16,          /* add-array checks */
       F_QUIT_H = 32,       /* between ready and go: H exits normally */
       F_OWN_DATA = 64,     /* the victim's seed is the segment's data */
       F_EXITS = 128,       /* the operation is exit(0) */
       F_KILL_H = 256 };    /* between ready and go: H is killed */

struct scen {
  const char *name;
  unsigned policy;
  int holder;
  int kind;
  vfn pre, op, post;
  int flags;
  int expect; /* the operation's result when it completes (ASH_OK) */
};

#define P ASH_PERSIST
static const struct scen g_scen[] = {
  {"create/auto", 0, H_NONE, K_ONE, v_nothing, op_create_one, post_fill_release, F_CREATE | F_OWN_DATA, ASH_OK},
  {"create/persist", P, H_NONE, K_ONE, v_nothing, op_create_one, post_fill_release, F_CREATE | F_OWN_DATA, ASH_OK},
  {"create-unpublished/auto", 0, H_NONE, K_ONE, v_nothing, op_create_unpub, post_release_all, F_CREATE | F_UNPUB | F_OWN_DATA, ASH_OK},
  {"create-unpublished/persist", P, H_NONE, K_ONE, v_nothing, op_create_unpub, post_release_all, F_CREATE | F_UNPUB | F_OWN_DATA, ASH_OK},
  {"create-over-orphan/auto", 0, H_ORPHAN, K_ONE, v_nothing, op_create_one, post_fill_release, F_CREATE, ASH_OK},
  {"create-or-open-held/auto", 0, H_LIVE, K_ONE, v_nothing, op_create_or_open, post_release_all, 0, ASH_OK},
  {"create-or-open-held/persist", P, H_LIVE, K_ONE, v_nothing, op_create_or_open, post_release_all, 0, ASH_OK},
  {"attach-held/auto", 0, H_LIVE, K_ONE, v_nothing, op_attach, post_verify_release, 0, ASH_OK},
  {"attach-held/persist", P, H_LIVE, K_ONE, v_nothing, op_attach, post_verify_release, 0, ASH_OK},
  {"reattach-cached-held/auto", 0, H_LIVE, K_ONE, pre_attach_release, op_attach, post_verify_release, 0, ASH_OK},
  {"reattach-cached-held/persist", P, H_LIVE, K_ONE, pre_attach_release, op_attach, post_verify_release, 0, ASH_OK},
  {"attach-orphan/auto", 0, H_ORPHAN, K_ONE, v_nothing, op_attach, post_verify_release, 0, ASH_OK},
  {"attach-orphan/persist", P, H_ORPHAN, K_ONE, v_nothing, op_attach, post_verify_release, 0, ASH_OK},
  {"detach-held/auto", 0, H_LIVE, K_ONE, pre_attach, op_release, v_nothing, 0, ASH_OK},
  {"detach-held/persist", P, H_LIVE, K_ONE, pre_attach, op_release, v_nothing, 0, ASH_OK},
  {"detach-last-creator/auto", 0, H_NONE, K_ONE, pre_create_fill, op_release, v_nothing, F_OWN_DATA, ASH_OK},
  {"detach-last-creator/persist", P, H_NONE, K_ONE, pre_create_fill, op_release, v_nothing, F_OWN_DATA, ASH_OK},
  {"detach-last-opener/auto", 0, H_LIVE, K_ONE, pre_attach, op_release, v_nothing, F_QUIT_H, ASH_OK},
  {"detach-last-opener/persist", P, H_LIVE, K_ONE, pre_attach, op_release, v_nothing, F_QUIT_H, ASH_OK},
  {"exit-holding-last/auto", 0, H_NONE, K_ONE, pre_create_fill, op_exit, v_nothing, F_EXITS | F_OWN_DATA | F_GONE_IF_DONE, ASH_OK},
  {"exit-holding-last/persist", P, H_NONE, K_ONE, pre_create_fill, op_exit, v_nothing, F_EXITS | F_OWN_DATA, ASH_OK},
  {"exit-holding-held/auto", 0, H_LIVE, K_ONE, pre_attach, op_exit, v_nothing, F_EXITS, ASH_OK},
  {"exit-cached-orphan/auto", 0, H_LIVE, K_ONE, pre_attach_release, op_exit, v_nothing, F_EXITS | F_KILL_H | F_GONE_IF_DONE, ASH_OK},
  {"add-array-held/auto", 0, H_LIVE, K_MULTI, pre_open, op_add_array, post_release_all, F_ADD, ASH_OK},
  {"add-array-held/persist", P, H_LIVE, K_MULTI, pre_open, op_add_array, post_release_all, F_ADD, ASH_OK},
  /* ash_create makes room for one array: the add must say FULL. */
  {"add-array-full-held/auto", 0, H_LIVE, K_ONE, pre_open, op_add_array, post_release_all, F_ADD, ASH_E_FULL},
  {"unlink-held/auto", 0, H_LIVE, K_ONE, v_nothing, op_unlink, v_nothing, F_GONE_OK | F_GONE_IF_DONE, ASH_OK},
  {"unlink-held/persist", P, H_LIVE, K_ONE, v_nothing, op_unlink, v_nothing, F_GONE_OK | F_GONE_IF_DONE, ASH_OK},
  {"unlink-orphan/auto", 0, H_ORPHAN, K_ONE, v_nothing, op_unlink, v_nothing, F_GONE_OK | F_GONE_IF_DONE, ASH_OK},
  /* ash_unlink of a segment the victim maps: through its map's descriptor */
  {"unlink-mapped-held/auto", 0, H_LIVE, K_ONE, pre_attach, op_unlink, post_release_all, F_GONE_OK | F_GONE_IF_DONE, ASH_OK},
  {"unlink-mapped-cached/persist", P, H_LIVE, K_ONE, pre_attach_release, op_unlink, v_nothing, F_GONE_OK | F_GONE_IF_DONE, ASH_OK},
  {"unlink-own/auto", 0, H_NONE, K_ONE, pre_create_fill, op_unlink, post_release_all, F_GONE_OK | F_OWN_DATA | F_GONE_IF_DONE, ASH_OK},
  {"gc-held+dead/auto", 0, H_LIVE_DEAD, K_ONE, v_nothing, op_gc_match, post_gc_kept, 0, ASH_OK},
  {"gc-held+dead/persist", P, H_LIVE_DEAD, K_ONE, v_nothing, op_gc_match, post_gc_kept, 0, ASH_OK},
  {"gc-orphan/auto", 0, H_ORPHAN, K_ONE, v_nothing, op_gc_match, post_gc_removed, F_GONE_IF_DONE, ASH_OK},
  {"gc-orphan/persist", P, H_ORPHAN, K_ONE, v_nothing, op_gc_match, post_gc_kept, 0, ASH_OK},
  {"gc-all-held+dead/auto", 0, H_LIVE_DEAD, K_ONE, v_nothing, op_gc_all, v_nothing, 0, ASH_OK},
  {"list-held+dead/auto", 0, H_LIVE_DEAD, K_ONE, v_nothing, op_list, post_list_has, 0, ASH_OK},
  {"list-orphan/auto", 0, H_ORPHAN, K_ONE, v_nothing, op_list, post_list_not, F_GONE_IF_DONE, ASH_OK},
};
#undef P
#define NSCEN ((int)(sizeof g_scen / sizeof g_scen[0]))

/* ---- processes ---------------------------------------------------------------- */

struct proc {
  pid_t pid;
  int to, from; /* pipes: commands to it, lines from it */
  struct kp_lines in;
  int64_t ctime;
  uint64_t ino;
  char *pending; /* a line read early */
};

struct point { /* one (scenario, n) run, seen from the parent */
  const struct scen *sc;
  int n;
  int mode;
  char name[96];
  uint64_t seed;
  struct proc h;      /* the holder */
  int h_alive;
  int name_unowned; /* the name was unlinked by a peer: no owner to check */
  int data_known; /* a persist segment must still hold pattern(seed) */
  int nviol;
  char report[8192];  /* the violations, one per line */
};

static int g_quiet, g_gdb, g_total_viol;

static void viol(struct point *pt, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void viol(struct point *pt, const char *fmt, ...) {
  char m[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m, sizeof m, fmt, ap);
  va_end(ap);
  size_t at = strlen(pt->report);
  snprintf(pt->report + at, sizeof pt->report - at, "    VIOLATION: %s\n", m);
  pt->nviol++;
}

/* Starts a child running @fn with a command pipe and a line pipe. */
static int spawn(struct proc *p, void (*fn)(int in, int out, void *), void *arg) {
  int a[2], b[2];
  if (pipe(a) != 0)
    return -1;
  if (pipe(b) != 0) {
    close(a[0]);
    close(a[1]);
    return -1;
  }
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    int keep[2] = {a[0], b[1]};
    kp_close_fds_except(keep, 2);
    fn(a[0], b[1], arg);
    _exit(0);
  }
  close(a[0]);
  close(b[1]);
  p->pid = pid;
  p->to = a[1];
  p->from = b[0];
  kp_lines_init(&p->in, p->from);
  return 0;
}

static void proc_close(struct proc *p) {
  if (p->to >= 0)
    close(p->to);
  if (p->from >= 0)
    close(p->from);
  p->to = p->from = -1;
}

static void proc_kill(struct proc *p) {
  kp_kill_wait(p->pid);
  proc_close(p);
  p->pid = 0;
}

static void send_cmd(struct proc *p, char c) {
  ssize_t w = write(p->to, &c, 1);
  (void)w;
}

static int wait_cmd(int in) {
  char c;
  ssize_t r;
  do
    r = read(in, &c, 1);
  while (r < 0 && errno == EINTR);
  return r == 1 ? c : -1;
}

/* -- the holder: creates (or attaches) the segment, keeps a view, answers -- */

struct holder_arg {
  const char *name;
  unsigned policy;
  int kind;
  int how;
  uint64_t seed;
};
enum { HOW_CREATE, HOW_ATTACH, HOW_REPLACE /* unlink the name, create anew */ };

static void holder_main(int in, int out, void *varg) {
  struct holder_arg *a = varg;
  ash_view *v = NULL;
  ash_segment *s = NULL;
  int r;
  if (a->how == HOW_REPLACE)
    (void)ash_unlink(a->name, 0);
  if (a->how == HOW_ATTACH)
    r = ash_attach(a->name, 0, &v);
  else if (a->kind == K_ONE)
    r = ash_create(a->name, ASH_UINT64, 2, g_shape, a->policy, 0600, &v);
  else {
    r = ash_segment_create(a->name, 1 << 16, 8, a->policy, 0600, &s);
    if (r == ASH_OK)
      r = ash_segment_add_array(s, "data", ASH_UINT64, 2, g_shape, &v);
  }
  if (r != ASH_OK) {
    kp_say(out, "E %s %s", ash_err_name(r), ash_last_error());
    return;
  }
  if (a->how != HOW_ATTACH)
    fill(v, a->seed);
  ash_segment *vs = NULL;
  int64_t ctime = 0;
  if (ash_view_segment(v, &vs) == ASH_OK)
    ctime = ash_segment_ctime(vs);
  ash_segment_close(vs);
  char path[512];
  kp_path(a->name, path, sizeof path);
  struct stat st;
  if (lstat(path, &st) != 0)
    st.st_ino = 0;
  kp_say(out, "H %lld %llu", (long long)ctime, (unsigned long long)st.st_ino);
  for (;;) {
    int c = wait_cmd(in);
    if (c == 'v') {
      char buf[200];
      const char *d = pattern_diff(v, a->seed, buf, sizeof buf);
      kp_say(out, "%s", *d ? d : "ok");
    } else { /* 'q' or the parent gone: leave normally */
      ash_view_release(v);
      ash_segment_close(s);
      return;
    }
  }
}

/* A holder's first answer: 1 "H ctime inode" (kept in @p), 2 another line
 * (in @line), 0 it died, -1 timeout. */
static int holder_answer(struct proc *p, char *line, size_t cap) {
  int r = 1;
  if (p->pending) {
    snprintf(line, cap, "%s", p->pending);
    free(p->pending);
    p->pending = NULL;
  } else {
    r = kp_line(&p->in, line, cap, OP_TIMEOUT_MS);
  }
  if (r != 1)
    return r;
  long long ct;
  unsigned long long ino;
  if (sscanf(line, "H %lld %llu", &ct, &ino) != 2)
    return 2;
  p->ctime = ct;
  p->ino = ino;
  return 1;
}

static int start_holder(struct point *pt, struct proc *p, int attach) {
  struct holder_arg a = {pt->name, pt->sc->policy, pt->sc->kind,
                         attach ? HOW_ATTACH : HOW_CREATE, pt->seed};
  if (spawn(p, holder_main, &a) != 0) {
    viol(pt, "setup: fork failed");
    return -1;
  }
  char line[1024];
  int r = holder_answer(p, line, sizeof line);
  if (r == 1)
    return 0;
  viol(pt, "setup: the %s could not %s the segment: %s",
       attach ? "second attacher" : "holder", attach ? "attach" : "create",
       r == 2 ? line : r == 0 ? "it died" : "timeout");
  proc_kill(p);
  return -1;
}

/* -- checks: each runs in a fresh child, traced, with a timeout -- */

struct cctx {
  const struct point *pt;
  int out;
};

typedef void (*cfn)(struct cctx *);
struct check_arg {
  const struct point *pt;
  cfn fn;
};

static void check_main(int in, int out, void *varg) {
  (void)in;
  struct check_arg *a = varg;
  ks_log(g_log);
  ks_arm(LONG_MAX); /* log every call, never act */
  struct cctx c = {a->pt, out};
  a->fn(&c);
  kp_say(out, "E");
}

static void run_check(struct point *pt, const char *what, cfn fn) {
  struct check_arg a = {pt, fn};
  struct proc p;
  g_log->count = 0;
  if (spawn(&p, check_main, &a) != 0) {
    viol(pt, "check %s: fork failed", what);
    return;
  }
  char line[1024];
  for (;;) {
    int r = kp_line(&p.in, line, sizeof line, CHECK_TIMEOUT_MS);
    if (r == 1 && line[0] == 'V') {
      viol(pt, "%s: %s", what, line + 2);
      continue;
    }
    if (r == 1 && line[0] == 'E')
      break;
    if (r == 0) {
      viol(pt, "check %s died", what);
      break;
    }
    if (r < 0) {
      viol(pt, "check %s HUNG (%d s) in %s", what, CHECK_TIMEOUT_MS / 1000,
           last_call());
      if (g_gdb)
        kp_dump_stack(p.pid, true, "      ");
      break;
    }
  }
  proc_kill(&p);
}

static int path_ino(const char *name, uint64_t *ino) {
  char path[512];
  kp_path(name, path, sizeof path);
  struct stat st;
  if (lstat(path, &st) != 0)
    return errno == ENOENT ? 0 : -1;
  *ino = st.st_ino;
  return 1;
}

/* The live holder's segment is attachable under the name and is its. */
static void ck_live(struct cctx *c) {
  const struct point *pt = c->pt;
  if (pt->name_unowned)
    return;
  ash_view *v;
  int r = ash_attach(pt->name, 0, &v);
  if (r == ASH_E_NOENT && (pt->sc->flags & F_GONE_OK))
    return;
  if (r != ASH_OK) {
    report(c->out, "attach with a live holder: %s (%s)", ash_err_name(r),
          ash_last_error());
    return;
  }
  char buf[200];
  const char *d = pattern_diff(v, pt->seed, buf, sizeof buf);
  if (*d)
    report(c->out, "attach with a live holder does not see its data: %s", d);
  ash_segment *s;
  if (ash_view_segment(v, &s) == ASH_OK) {
    if (ash_segment_ctime(s) != pt->h.ctime)
      report(c->out, "the name refers to another segment (ctime %lld, holder's %lld)",
            (long long)ash_segment_ctime(s), (long long)pt->h.ctime);
    ash_segment_close(s);
  }
  ash_view_release(v);
  uint64_t ino = 0;
  if (path_ino(pt->name, &ino) == 1 && ino != pt->h.ino)
    report(c->out, "the name refers to inode %llu, the holder's is %llu",
          (unsigned long long)ino, (unsigned long long)pt->h.ino);
}

static void ck_same_file(struct cctx *c, const char *after) {
  const struct point *pt = c->pt;
  uint64_t ino = 0;
  int e = path_ino(pt->name, &ino);
  if (pt->name_unowned)
    return;
  if (e == 0 && !(pt->sc->flags & F_GONE_OK))
    report(c->out, "%s removed the segment of a live holder", after);
  else if (e == 1 && ino != pt->h.ino)
    report(c->out, "after %s the name refers to inode %llu, the holder's is %llu",
          after, (unsigned long long)ino, (unsigned long long)pt->h.ino);
}

/* gc and list leave a live holder's segment alone. */
static void ck_gc_keeps(struct cctx *c) {
  const struct point *pt = c->pt;
  ash_list *l = NULL;
  int r = ash_gc_match(pt->name, 0, &l);
  if (r != ASH_OK)
    report(c->out, "ash_gc_match: %s (%s)", ash_err_name(r), ash_last_error());
  else if (ash_list_count(l) != 0)
    report(c->out, "ash_gc_match reports removing the segment of a live holder");
  ash_list_free(l);
  ck_same_file(c, "ash_gc_match");
  l = NULL;
  r = ash_list_segments(&l);
  uint64_t ino;
  if (r != ASH_OK)
    report(c->out, "ash_list_segments: %s (%s)", ash_err_name(r), ash_last_error());
  else if (!list_has(l, pt->name) && path_ino(pt->name, &ino) == 1 &&
           !pt->name_unowned)
    report(c->out, "ash_list_segments does not list a segment with a live holder");
  ash_list_free(l);
  ck_same_file(c, "ash_list_segments");
}

/* Whatever is under the name is complete (all or nothing). */
static void ck_complete(struct cctx *c) {
  const struct point *pt = c->pt;
  uint64_t ino;
  if (path_ino(pt->name, &ino) != 1)
    return;
  ash_segment *s;
  int r = ash_segment_open(pt->name, ASH_NOATTACH, &s);
  if (r == ASH_E_NOENT)
    return; /* removed meanwhile (an orphan reaped by someone) */
  if (r != ASH_OK) {
    report(c->out, "the name refers to an unusable segment: %s (%s)", ash_err_name(r),
          ash_last_error());
    return;
  }
  struct {
    const char *name;
    int dtype, ndim;
    const int64_t *shape;
  } want[3] = {{"data", ASH_UINT64, 2, g_shape},
               {"b", ASH_INT32, 1, g_shape_b},
               {"c", ASH_FLOAT64, 2, g_shape_c}};
  /* A holder's (or a replacer's) segment has one array. */
  int nwant = (pt->sc->flags & F_UNPUB) && ino != pt->h.ino ? 3 : 1;
  if (ash_segment_array_count(s) != nwant)
    report(c->out, "the segment has %d arrays, expected %d", ash_segment_array_count(s),
          nwant);
  for (int i = 0; i < nwant; i++) {
    ash_view *v;
    r = ash_segment_view(s, want[i].name, &v);
    if (r != ASH_OK) {
      report(c->out, "array \"%s\" missing: %s", want[i].name, ash_err_name(r));
      continue;
    }
    if (ash_view_dtype(v) != want[i].dtype || ash_view_ndim(v) != want[i].ndim ||
        memcmp(ash_view_shape(v), want[i].shape,
               sizeof(int64_t) * (size_t)want[i].ndim) != 0)
      report(c->out, "array \"%s\" has the wrong dtype or shape", want[i].name);
    ash_view_release(v);
  }
  ash_segment_close(s);
}

/* add-array: "extra" is fully there or absent; the directory still works
 * (a segment made by ash_create has room for no other array: FULL). */
static void ck_added(struct cctx *c) {
  const struct point *pt = c->pt;
  int full = pt->sc->expect == ASH_E_FULL;
  char desc[160];
  snprintf(desc, sizeof desc, "%s/extra", pt->name);
  ash_view *v;
  int r = ash_attach(desc, 0, &v);
  int present = r == ASH_OK;
  if (r == ASH_OK) {
    if (full)
      report(c->out, "array \"extra\" was added beyond the directory's capacity");
    if (ash_view_dtype(v) != ASH_INT32 || ash_view_ndim(v) != 2 ||
        ash_view_shape(v)[0] != 3 || ash_view_shape(v)[1] != 7)
      report(c->out, "array \"extra\" has the wrong dtype or shape");
    ash_view_release(v);
  } else if (r != ASH_E_NOENT) {
    report(c->out, "attach %s: %s (%s)", desc, ash_err_name(r), ash_last_error());
    return;
  }
  ash_segment *s;
  r = ash_segment_open(pt->name, 0, &s);
  if (r != ASH_OK) {
    report(c->out, "open for add-array: %s (%s)", ash_err_name(r), ash_last_error());
    return;
  }
  int want = full ? ASH_E_FULL : present ? ASH_E_EXIST : ASH_OK;
  r = ash_segment_add_array(s, "extra", ASH_INT32, 2, g_shape_x, NULL);
  if (r != want)
    report(c->out, "add-array \"extra\" again: %s, expected %s (%s)", ash_err_name(r),
          ash_err_name(want), ash_last_error());
  want = full ? ASH_E_FULL : ASH_OK;
  r = ash_segment_add_array(s, "more", ASH_UINT8, 1, g_shape_b, NULL);
  if (r != want)
    report(c->out, "add-array \"more\": %s, expected %s (%s)", ash_err_name(r),
          ash_err_name(want), ash_last_error());
  ash_segment_close(s);
}

/* After the holder is gone: one gc (or list) removes an auto segment; a
 * persist one stays, attachable, and is unlinked here. */
static void ck_final(struct cctx *c) {
  const struct point *pt = c->pt;
  uint64_t ino;
  int exists = path_ino(pt->name, &ino);
  ash_list *l = NULL;
  int r;
  const char *how = pt->n % 2 ? "ash_list_segments" : "ash_gc_match";
  if (pt->n % 2)
    r = ash_list_segments(&l);
  else
    r = ash_gc_match(pt->name, 0, &l);
  if (r != ASH_OK)
    report(c->out, "%s: %s (%s)", how, ash_err_name(r), ash_last_error());
  ash_list_free(l);
  int still = path_ino(pt->name, &ino);
  if (pt->n % 2) { /* a listing leaves abandoned temporary names to gc */
    l = NULL;
    if (ash_gc_match("", 0, &l) != ASH_OK)
      report(c->out, "ash_gc_match: %s", ash_last_error());
    ash_list_free(l);
  }
  if (pt->sc->policy == 0) {
    if (still == 1)
      report(c->out, "an auto segment nobody holds is still there after one %s", how);
    return;
  }
  if (exists == 1 && still != 1) {
    report(c->out, "%s removed a persist segment", how);
    return;
  }
  if (still != 1)
    return;
  ash_view *v;
  r = ash_attach(pt->name, 0, &v);
  if (r != ASH_OK) {
    report(c->out, "attach of the persist segment: %s (%s)", ash_err_name(r),
          ash_last_error());
  } else {
    char buf[200];
    const char *d = pattern_diff(v, pt->seed, buf, sizeof buf);
    /* The data is known when a holder wrote it, or the victim did (and
     * completed: "own data" scenarios only write when they get there). */
    if (*d && pt->data_known)
      report(c->out, "the persist segment lost the holder's data: %s", d);
    ash_view_release(v);
  }
  r = ash_unlink(pt->name, 0);
  if (r != ASH_OK)
    report(c->out, "unlink of the persist segment: %s (%s)", ash_err_name(r),
          ash_last_error());
}

/* Not stuck: the name can be made again (and goes with its last user). */
static void ck_recreate(struct cctx *c) {
  const struct point *pt = c->pt;
  ash_view *v;
  int r = ash_create(pt->name, ASH_UINT64, 2, g_shape, 0, 0600, &v);
  if (r != ASH_OK) {
    report(c->out, "the name cannot be created again: %s (%s)", ash_err_name(r),
          ash_last_error());
    return;
  }
  ash_view_release(v);
  uint64_t ino;
  if (path_ino(pt->name, &ino) == 1)
    report(c->out, "an auto segment is still there after its only user released it");
}

/* ---- one kill point ----------------------------------------------------------- */

struct victim_arg {
  const struct point *pt;
  long n; /* 0: count */
};

static void victim_main(int in, int out, void *varg) {
  struct victim_arg *a = varg;
  const struct scen *sc = a->pt->sc;
  struct vctx c = {0};
  c.name = a->pt->name;
  c.policy = sc->policy;
  c.seed = a->pt->seed;
  c.out = out;
  c.checks = a->pt->mode == M_KILL;
  int r = sc->pre(&c);
  if (r != ASH_OK) {
    kp_say(out, "V set-up of the victim failed: %s (%s)", ash_err_name(r),
           ash_last_error());
    return;
  }
  kp_say(out, "R");
  if (wait_cmd(in) != 'g')
    return;
  ks_log(g_log);
  if (a->pt->mode == M_KILL || a->n == 0)
    ks_arm(a->n);
  else
    ks_arm_stop(a->n);
  r = sc->op(&c);
  char err[300];
  snprintf(err, sizeof err, "%s", r ? ash_last_error() : "");
  ks_point();
  long k = ks_disarm();
  ks_log(NULL);
  kp_say(out, "O %d %ld %s", r, k, err);
  sc->post(&c);
  kp_say(out, "P");
}

static void report_leftover(const char *file, void *ctx) {
  viol(ctx, "left in /dev/shm: %s", file);
}

/* The interference while the victim is stopped (stop modes): a gc, or a
 * process attaching (started now, still trying or holding when the victim
 * goes on). */
static void ck_interfere_gc(struct cctx *c) {
  int n = 0;
  int r = ash_gc(&n);
  if (r != ASH_OK)
    report(c->out, "ash_gc: %s (%s)", ash_err_name(r), ash_last_error());
}

static void interfere(struct point *pt, struct proc *att, int *att_started) {
  if (pt->mode == M_STOP_GC) {
    run_check(pt, "gc while the victim is stopped", ck_interfere_gc);
    return;
  }
  struct holder_arg a = {pt->name, pt->sc->policy, pt->sc->kind,
                         pt->mode == M_STOP_REPLACE ? HOW_REPLACE : HOW_ATTACH,
                         pt->seed};
  if (spawn(att, holder_main, &a) == 0)
    *att_started = 1;
  /* Let it get as far as it can while the victim is stopped. */
  char line[1024];
  int r = kp_line(&att->in, line, sizeof line, 5);
  if (r == 1) /* it answered already: keep the answer for attacher_result */
    att->pending = strdup(line);
}

/* The attacher's outcome: 1 attached (its ctime, inode in @att), 0 did
 * not (the segment was being removed, or not there yet). */
static int attacher_result(struct point *pt, struct proc *att) {
  char line[1024];
  int r = holder_answer(att, line, sizeof line);
  if (r == 1)
    return 1;
  if (r == 2 && strncmp(line, "E NOENT", 7) == 0)
    return 0;
  if (r == 2 && strncmp(line, "E EXIST", 7) == 0 && pt->mode == M_STOP_REPLACE)
    return 0; /* the victim's create named it first */
  viol(pt, "the concurrent attacher: %s",
       r == 2 ? line : r == 0 ? "died" : "HUNG");
  return 0;
}

static int reaped_or_exited(int st) { return WIFEXITED(st) && WEXITSTATUS(st) == 0; }

/* Runs point @n (0: the counting run, which fills @descs). Returns K from
 * a counting run, -1 when it failed. */
static long run_point(const struct scen *sc, int si, int mode, int n,
                      char (*descs)[80], long ndesc) {
  struct point pt;
  memset(&pt, 0, sizeof pt);
  pt.sc = sc;
  pt.n = n;
  pt.mode = mode;
  pt.h.to = pt.h.from = -1;
  snprintf(pt.name, sizeof pt.name, "kp%d-%d-%d-%d", (int)getpid(), si, mode, n);
  pt.seed = (uint64_t)getpid() * 1000003u + (uint64_t)si * 1009u + (uint64_t)n;

  long k = 0;
  int rc = ASH_OK, completed = 0, post_done = 0, killed = 0, stopped = 0;
  int r = 0, att_started = 0, att_ok = 0;
  struct proc att = {0};
  att.to = att.from = -1;
  if (sc->holder != H_NONE) {
    if (start_holder(&pt, &pt.h, 0) != 0)
      goto report;
    pt.h_alive = 1;
    struct proc dead = {0};
    if (sc->holder == H_LIVE_DEAD && start_holder(&pt, &dead, 1) == 0)
      proc_kill(&dead); /* leaves a dead attacher's record */
    if (sc->holder == H_ORPHAN) {
      proc_kill(&pt.h);
      pt.h_alive = 0;
    }
  }

  /* The victim. */
  struct victim_arg va = {&pt, n};
  struct proc v;
  g_log->count = 0;
  char oerr[600] = "";
  if (spawn(&v, victim_main, &va) != 0) {
    viol(&pt, "fork of the victim failed");
    goto holders;
  }
  char line[1024];
  int64_t deadline = kp_now_ns() + OP_TIMEOUT_MS * 1000000LL;
  int st = 0, reaped = 0;
  for (;;) {
    r = kp_line(&v.in, line, sizeof line, mode == M_KILL ? OP_TIMEOUT_MS : 1);
    if (r == 0)
      break;
    if (r < 0) {
      if (mode != M_KILL && !stopped && !reaped) {
        pid_t w = waitpid(v.pid, &st, WNOHANG | WUNTRACED);
        if (w == v.pid && WIFSTOPPED(st)) {
          stopped = 1;
          interfere(&pt, &att, &att_started);
          kill(v.pid, SIGCONT);
          continue;
        }
        if (w == v.pid)
          reaped = 1;
      }
      if (mode == M_KILL || kp_now_ns() > deadline)
        break;
      continue;
    }
    if (line[0] == 'R') {
      if ((sc->flags & F_KILL_H) && pt.h_alive) {
        proc_kill(&pt.h);
        pt.h_alive = 0;
      }
      if ((sc->flags & F_QUIT_H) && pt.h_alive) {
        send_cmd(&pt.h, 'q');
        int hst;
        if (!kp_wait(pt.h.pid, &hst, OP_TIMEOUT_MS))
          viol(&pt, "the holder hung while exiting normally");
        proc_kill(&pt.h);
        pt.h_alive = 0;
      }
      deadline = kp_now_ns() + OP_TIMEOUT_MS * 1000000LL;
      send_cmd(&v, 'g');
    } else if (line[0] == 'O') {
      completed = 1;
      int off = 0;
      if (sscanf(line, "O %d %ld %n", &rc, &k, &off) >= 2 && off > 0)
        snprintf(oerr, sizeof oerr, "%s", line + off);
    } else if (line[0] == 'V') {
      viol(&pt, "%s", line + 2);
    } else if (line[0] == 'P') {
      post_done = 1;
    }
  }
  if (r < 0) {
    viol(&pt, "the victim HUNG (%d s) %s, last call: %s", OP_TIMEOUT_MS / 1000,
         completed ? "after the operation" : "in the operation", last_call());
    if (g_gdb)
      kp_dump_stack(v.pid, true, "      ");
  }
  if (!reaped && !kp_wait(v.pid, &st, r < 0 ? 0 : OP_TIMEOUT_MS)) {
    if (r >= 0)
      viol(&pt, "the victim did not exit");
    kp_kill_wait(v.pid);
  } else if (WIFSIGNALED(st)) {
    killed = WTERMSIG(st) == SIGKILL;
    if (WTERMSIG(st) != SIGKILL)
      viol(&pt, "the victim died of signal %d (%s)", WTERMSIG(st),
           strsignal(WTERMSIG(st)));
  }
  proc_close(&v);
  if ((sc->flags & F_EXITS) && !killed && reaped_or_exited(st) && !completed) {
    completed = 1; /* it left through exit(0): the operation is the exit */
    rc = ASH_OK;
    k = g_log->count;
  }
  if (n == 0 && descs)
    for (long i = 0; i < k && i < ndesc && i < KILLSHIM_LOG_MAX; i++)
      snprintf(descs[i], 80, "%s", g_log->desc[i]);
  /* The concurrent attacher (stop-attach mode): it either attached, and
   * then the segment is its and stays named while it holds it, or it was
   * told the segment was gone. */
  if (att_started)
    att_ok = attacher_result(&pt, &att);
  int ok_rc = sc->expect;
  int orphan = sc->holder == H_ORPHAN && sc->policy == 0;
  int replace = mode == M_STOP_REPLACE;
  if (replace && att_started) {
    /* The name's owner is now the replacer (when it got to create), or
     * nobody can say (the victim's own create or unlink raced it). */
    if (att_ok) {
      pt.h.ino = att.ino;
      pt.h.ctime = att.ctime;
    } else {
      pt.name_unowned = 1;
    }
  }
  if (completed && rc != ok_rc &&
      !(rc == ASH_E_NOENT && mode == M_STOP_GC && orphan) && /* gc reaped it */
      !(rc == ASH_E_EXIST && att_ok && orphan) && /* no orphan any more */
      !(replace && (rc == ASH_E_NOENT || rc == ASH_E_EXIST))) /* a user race */
    viol(&pt, "the operation returned %s, expected %s (%s)", ash_err_name(rc),
         ash_err_name(ok_rc), oerr);
  if (n > 0 && mode == M_KILL && !killed && r >= 0)
    printf("    note: kill point %d not reached (fewer calls than counted)\n", n);
  if (n > 0 && mode != M_KILL && !stopped && r >= 0)
    printf("    note: stop point %d not reached (fewer calls than counted)\n", n);

  if (att_started) {
    uint64_t ino = 0;
    int e = path_ino(pt.name, &ino);
    const char *who = replace ? "the replacer's new segment (held)"
                              : "the segment of the live attacher";
    if (att_ok && !(sc->flags & F_GONE_OK)) {
      if (e != 1)
        viol(&pt, "%s lost its name", who);
      else if (ino != att.ino)
        viol(&pt, "the name refers to inode %llu, not to %s (%llu)",
             (unsigned long long)ino, who, (unsigned long long)att.ino);
    }
  }

  /* Checks with the holder alive. */
  if (pt.h_alive) {
    run_check(&pt, "live segment", ck_live);
    send_cmd(&pt.h, 'v');
    char hl[300];
    int hr = kp_line(&pt.h.in, hl, sizeof hl, CHECK_TIMEOUT_MS);
    if (hr != 1 || strcmp(hl, "ok") != 0)
      viol(&pt, "the holder's own view: %s",
           hr == 1 ? hl : hr == 0 ? "the holder died" : "timeout");
    run_check(&pt, "gc with a live holder", ck_gc_keeps);
  }
  if (completed && (sc->flags & F_GONE_IF_DONE) && !att_ok) {
    uint64_t ino;
    if (path_ino(pt.name, &ino) == 1)
      viol(&pt, "the operation completed but the name still exists");
  }
  if (sc->flags & F_CREATE)
    run_check(&pt, "all or nothing", ck_complete);
  if (sc->flags & F_ADD)
    run_check(&pt, "add-array", ck_added);

holders:
  if (att_started)
    proc_kill(&att);
  if (pt.h_alive) { /* killed, or a normal exit, in turn */
    if (n % 2 == 0) {
      proc_kill(&pt.h);
    } else {
      send_cmd(&pt.h, 'q');
      if (!kp_wait(pt.h.pid, &st, OP_TIMEOUT_MS))
        viol(&pt, "the holder hung while exiting normally");
      proc_kill(&pt.h);
    }
    pt.h_alive = 0;
  }
  /* Whose data a persist segment must still hold: the holder's, or the
   * victim's once it wrote it. */
  pt.data_known = post_done || sc->pre == pre_create_fill ||
                  (sc->holder != H_NONE && !(sc->flags & F_CREATE));
  run_check(&pt, "after the holder", ck_final);
  kp_leftovers(report_leftover, &pt, true); /* removed: the next points start clean */
  run_check(&pt, "re-create", ck_recreate);
  kp_leftovers(report_leftover, &pt, true);

report:
  if (n > 0) {
    const char *where = n <= ndesc && descs ? descs[n - 1] : "?";
    static const char *const stop_what[] = {"killed before", "gc before    ",
                                            "attach before", "replace before"};
    const char *what = mode == M_KILL ? (killed ? stop_what[0] : "not killed   ")
                       : stopped      ? stop_what[mode]
                                      : "not stopped  ";
    if (!g_quiet || pt.nviol)
      printf("%-30s %3d/%-3ld %s %-46s %s\n", sc->name, n, ndesc, what, where,
             pt.nviol ? "VIOLATION" : "ok");
  } else if (!g_quiet || pt.nviol) {
    printf("%-30s count: %ld points%s\n", sc->name, k,
           pt.nviol ? ", VIOLATION" : "");
  }
  if (pt.nviol)
    fputs(pt.report, stdout);
  g_total_viol += pt.nviol;
  fflush(stdout);
  return n == 0 && !completed ? -1 : k;
}

static const char *const g_mode_name[] = {"kill", "stop-gc", "stop-attach",
                                          "stop-replace"};

static int mode_of(const char *name, size_t len) {
  for (int m = 0; m < M_COUNT; m++)
    if (strlen(g_mode_name[m]) == len && strncmp(g_mode_name[m], name, len) == 0)
      return m;
  return -1;
}

/* --skip SCENARIO (every mode; @mode -1 asks for that) or SCENARIO:MODE. */
static int skipped(const char *const *skip, int nskip, const char *scen,
                   int mode) {
  size_t n = strlen(scen);
  for (int i = 0; i < nskip; i++) {
    if (strncmp(skip[i], scen, n) != 0)
      continue;
    if (skip[i][n] == '\0')
      return 1;
    if (skip[i][n] == ':' && mode >= 0 && mode_of(skip[i] + n + 1, strlen(skip[i] + n + 1)) == mode)
      return 1;
  }
  return 0;
}

static void usage(void) {
  fprintf(stderr,
          "usage: killpoint [-q] [-g] [-l] [--no-tmpfile] [-m MODE[,MODE...]]\n"
          "                 [--skip SCENARIO[:MODE]]... [SCENARIO-SUBSTRING...]\n"
          "modes: kill (default), stop-gc, stop-attach, stop-replace\n");
}

int main(int argc, char **argv) {
  int list_only = 0, modes = 1 << M_KILL;
  const char *only[64], *skip[64];
  int nonly = 0, nskip = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-q") == 0)
      g_quiet = 1;
    else if (strcmp(argv[i], "-g") == 0)
      g_gdb = 1;
    else if (strcmp(argv[i], "-l") == 0)
      list_only = 1;
    else if (strcmp(argv[i], "--no-tmpfile") == 0)
      setenv("ASH_TEST_NO_TMPFILE", "1", 1);
    else if (strcmp(argv[i], "-m") == 0 && i + 1 < argc) {
      modes = 0;
      for (const char *m = argv[++i]; *m;) {
        size_t len = strcspn(m, ",");
        int mode = mode_of(m, len);
        if (mode < 0) {
          usage();
          return 2;
        }
        modes |= 1 << mode;
        m += len + (m[len] == ',');
      }
    } else if (strcmp(argv[i], "--skip") == 0 && i + 1 < argc && nskip < 64)
      skip[nskip++] = argv[++i];
    else if (argv[i][0] == '-') {
      usage();
      return 2;
    } else if (nonly < 64)
      only[nonly++] = argv[i];
  }
  if (list_only) {
    for (int i = 0; i < NSCEN; i++)
      puts(g_scen[i].name);
    return 0;
  }
  if (load_shim() != 0) {
    fprintf(stderr, "killpoint: the shim is not loaded (run with "
                    "LD_PRELOAD=.../libkillshim.so)\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  kp_prefix_init("kp");
  printf("killpoint: prefix %s, %s creation, modes:", kp_prefix(),
         getenv("ASH_TEST_NO_TMPFILE") ? "temporary-name" : "O_TMPFILE");
  for (int mode = 0; mode < M_COUNT; mode++)
    if (modes & (1 << mode))
      printf(" %s", g_mode_name[mode]);
  printf("\n");
  long total[M_COUNT] = {0};
  int nrun = 0;
  struct {
    long k;
    int viol[M_COUNT];
  } sum[NSCEN];
  memset(sum, 0, sizeof sum);
  static char descs[4096][80];
  for (int si = 0; si < NSCEN; si++) {
    const struct scen *sc = &g_scen[si];
    sum[si].k = -1;
    int want = nonly == 0;
    for (int j = 0; j < nonly; j++)
      want |= strstr(sc->name, only[j]) != NULL;
    if (!want || skipped(skip, nskip, sc->name, -1))
      continue;
    nrun++;
    int before = g_total_viol;
    long k = run_point(sc, si, M_KILL, 0, descs, 4096);
    if (k <= 0) {
      printf("%-30s no points: the counting run failed\n", sc->name);
      if (g_total_viol == before)
        g_total_viol++;
      sum[si].viol[M_KILL] = g_total_viol - before;
      continue;
    }
    sum[si].k = k;
    for (int mode = 0; mode < M_COUNT; mode++) {
      if (!(modes & (1 << mode)) || skipped(skip, nskip, sc->name, mode))
        continue;
      before = g_total_viol;
      for (long n = 1; n <= k; n++)
        run_point(sc, si, mode, (int)n, descs, k);
      total[mode] += k;
      sum[si].viol[mode] = g_total_viol - before;
    }
  }
  printf("\n%-30s %6s", "scenario", "points");
  for (int mode = 0; mode < M_COUNT; mode++)
    if (modes & (1 << mode))
      printf(" %12s", g_mode_name[mode]);
  printf("   (violations)\n");
  for (int si = 0; si < NSCEN; si++) {
    if (sum[si].k < 0 && !sum[si].viol[M_KILL])
      continue;
    printf("%-30s %6ld", g_scen[si].name, sum[si].k < 0 ? 0 : sum[si].k);
    for (int mode = 0; mode < M_COUNT; mode++)
      if (modes & (1 << mode))
        printf(" %12d", sum[si].viol[mode]);
    printf("\n");
  }
  int left = kp_leftovers(NULL, NULL, true);
  if (left) {
    printf("VIOLATION: %d files of the run left in /dev/shm at the end\n", left);
    g_total_viol += left;
  }
  printf("\n%d scenarios", nrun);
  for (int mode = 0; mode < M_COUNT; mode++)
    if (modes & (1 << mode))
      printf(", %ld %s points", total[mode], g_mode_name[mode]);
  printf(", %d violations\n", g_total_viol);
  return g_total_viol ? 1 : 0;
}
