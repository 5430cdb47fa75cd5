/* SPDX-License-Identifier: MIT */
/* Random-kill torture run (issue 7, "What to build" item 4).
 *
 * For a bounded time, W worker processes repeatedly create, attach, write,
 * verify, add arrays to, hold, release, unlink, collect (gc) and list a
 * small set of names, while a killer SIGKILLs a random worker at random
 * times and starts a new one in its place. It checks:
 *
 *  - nothing hangs: every worker reports progress (a heartbeat in shared
 *    memory) at least every HANG_S seconds; a stuck one is a violation,
 *    reported with where it is (kernel wait channel, system call, and the
 *    user stacks through gdb when installed), then killed;
 *  - no committed data is lost or torn, as readers see it (the protocol
 *    below);
 *  - nothing is removed under a live holder: a worker holding a view
 *    checks, before it lets go, that the name still refers to its segment
 *    unless the name was explicitly unlinked since it attached;
 *  - names stay usable: the two stable names (one "auto" held by the
 *    controller all along, one "persist" nobody unlinks) are attachable at
 *    every moment, always the same segment, never listed missing; on any
 *    name, BUSY, CORRUPT, TRUNC or a system error is a violation;
 *  - after the run, the workers' normal exit, the controller's own release
 *    and unlink of the persist names, and one ash_gc(), nothing of the run
 *    is left in /dev/shm.
 *
 * The commit protocol (the library has no locks yet, so the test brings
 * its own): an array of uint64 is [commit word, slot 0, slot 1], a slot
 * being [gen, payload..., checksum]. The commit word is (gen << 1 | slot)
 * of the last committed state; gen 0 is the all-zero initial state. A
 * writer takes the test's own lock for that array (an OFD lock on a byte of
 * a memfd, so a killed writer's lock goes with it), writes the new state
 * into the slot the commit word does not name, then release-stores the
 * commit word: that store is the commit, and it then records the gen as
 * committed in shared memory (for the stable names). A writer killed
 * before the store leaves the committed slot untouched. A reader takes no
 * lock: it reads the commit word, copies the slot it names, reads the
 * commit word again, and retries if it changed (a slot is only rewritten
 * after a later commit names the other one, so an unchanged word means an
 * unchanged slot). Then:
 *   - the slot's gen must equal the commit word's, and its checksum must
 *     match its payload: a committed state is complete (not torn);
 *   - its gen must be at least the highest gen recorded committed before
 *     the read began (stable names): committed data is never lost;
 *   - a worker never sees the gen of one array of one segment (name and
 *     creation time) go back: no stale mapping.
 *
 * Usage: torture [-w WORKERS] [-k MEAN_KILL_MS] [--no-gdb] [--no-tmpfile]
 *                [--unlink-persist-only] SECONDS
 *   --unlink-persist-only  explicit unlinks of the persist name only: an
 *       explicit unlink of an "auto" name races the last detacher's
 *       same-inode check (a known defect, see README.md)
 * With the shim preloaded (LD_PRELOAD=.../libkillshim.so), a segment
 * removed under its holder is reported with every link and unlink of its
 * name since, and the operation each process was doing.
 * Exit status 0 when no violation. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arrayshare.h"
#include "kpcommon.h"
#include "shim.h"
#include <dlfcn.h>

#define MAX_WORKERS 32
#define HANG_S 5
#define NNAMES 5
#define MAX_ARRAYS 8
#define DATA_SLOT 512 /* words per slot of "data" (4 KiB) */
#define X_SLOT 16     /* words per slot of the added arrays */
#define MAX_HELD 3

/* The names: two stable ones, three that come and go. */
enum { N_STABLE_AUTO, N_STABLE_PERSIST, N_CHURN_A0, N_CHURN_A1, N_CHURN_P };
static const char *const g_names[NNAMES] = {"stable-auto", "stable-persist",
                                            "churn-a0", "churn-a1", "churn-p"};
static int name_persist(int n) { return n == N_STABLE_PERSIST || n == N_CHURN_P; }
static int name_stable(int n) { return n <= N_STABLE_PERSIST; }

enum op {
  OP_WRITE, OP_VERIFY, OP_ADD, OP_HOLD, OP_RELEASE, OP_UNLINK, OP_GC, OP_LIST,
  OP_CREATE, OP_REATTACH, OP_CACHE_CLEAR, OP_COUNT
};
static const char *const g_op_name[OP_COUNT] = {
    "write", "verify", "add-array", "hold", "release", "unlink", "gc", "list",
    "create", "reattach", "cache-clear"};
static const int g_op_weight[OP_COUNT] = {30, 25, 6, 8, 8, 4, 3, 3, 6, 6, 1};

struct worker_slot {
  _Atomic pid_t pid;
  _Atomic int reporting; /* printing a violation: not to be killed now */
  _Atomic int unlinking; /* name + 1 while it unlinks a name */
  _Atomic int64_t progress_ns; /* last heartbeat */
  _Atomic int op;              /* the operation under way, -1 between */
  _Atomic int name;
};

#define HIST 2048
struct hist { /* what each worker started, for traces */
  long long ns; /* CLOCK_REALTIME */
  int pid;
  short op, name;
};

struct shared {
  _Atomic int stop;
  _Atomic unsigned long nhist[MAX_WORKERS];
  struct hist hist[MAX_WORKERS][HIST];
  _Atomic long violations;
  _Atomic long ops[OP_COUNT];
  _Atomic long failures_allowed; /* NOENT, EXIST, FULL where allowed */
  _Atomic long commits;
  _Atomic long verified;
  _Atomic long kills;
  _Atomic long hangs;
  _Atomic uint64_t committed[NNAMES][MAX_ARRAYS]; /* stable names only */
  _Atomic long unlinks[NNAMES]; /* explicit unlinks of each name so far */
  int64_t stable_ctime[NNAMES];
  struct worker_slot w[MAX_WORKERS];
};

static struct shared *g_sh;
static struct killshim_ring *g_ring; /* with the shim preloaded: name changes */
static int g_lockfd = -1; /* the controller's memfd; workers re-open it */
static int g_wid = -1;    /* this worker's index */
static int g_gdb = 1;
static int g_unlink_persist_only; /* explicit unlinks of persist names only */

static void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void violation(const char *fmt, ...) {
  char m[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(m, sizeof m, fmt, ap);
  va_end(ap);
  atomic_fetch_add(&g_sh->violations, 1);
  char line[1200];
  n = snprintf(line, sizeof line, "VIOLATION [worker %d, pid %d]: %s\n", g_wid,
               (int)getpid(), m);
  if (n > 0)
    (void)!write(1, line, (size_t)(n < (int)sizeof line ? n : (int)sizeof line - 1));
}

/* ---- the commit protocol ------------------------------------------------- */

static uint64_t slot_words(uint64_t nelem) { return (nelem - 1) / 2; }

static uint64_t checksum(const uint64_t *slot, uint64_t words) {
  uint64_t h = UINT64_C(1469598103934665603);
  for (uint64_t i = 0; i + 1 < words; i++) {
    h ^= slot[i];
    h *= UINT64_C(1099511628211);
    h ^= h >> 31;
  }
  return h;
}

/* The worker's own lock on (name, array): an OFD lock on one byte of the
 * shared memfd, dropped by the kernel if the worker is killed. */
static int my_lockfd = -1;
static int test_lock(int name, int arr, short type) {
  if (my_lockfd < 0) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", g_lockfd);
    my_lockfd = open(path, O_RDWR | O_CLOEXEC);
    if (my_lockfd < 0)
      return -1;
  }
  struct flock fl = {0};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = name * MAX_ARRAYS + arr;
  fl.l_len = 1;
  int r;
  do
    r = fcntl(my_lockfd, type == F_UNLCK ? F_OFD_SETLK : F_OFD_SETLKW, &fl);
  while (r != 0 && errno == EINTR);
  return r;
}

static void commit(ash_view *v, int name, int arr) {
  uint64_t nelem = (uint64_t)ash_view_size(v);
  uint64_t *p = ash_view_data(v);
  uint64_t words = slot_words(nelem);
  if (test_lock(name, arr, F_WRLCK) != 0) {
    violation("test lock: %s", strerror(errno));
    return;
  }
  uint64_t c = __atomic_load_n(&p[0], __ATOMIC_ACQUIRE);
  uint64_t gen = (c >> 1) + 1;
  uint64_t t = c == 0 ? 0 : 1 - (c & 1);
  uint64_t *slot = p + 1 + t * words;
  uint64_t seed = ((uint64_t)getpid() << 32) ^ gen ^ (uint64_t)kp_now_ns();
  slot[0] = gen;
  for (uint64_t i = 1; i + 1 < words; i++)
    slot[i] = kp_pattern(seed, i);
  slot[words - 1] = checksum(slot, words);
  __atomic_store_n(&p[0], gen << 1 | t, __ATOMIC_RELEASE); /* the commit */
  if (name_stable(name)) {
    uint64_t old = atomic_load(&g_sh->committed[name][arr]);
    while (old < gen &&
           !atomic_compare_exchange_weak(&g_sh->committed[name][arr], &old, gen))
      ;
  }
  atomic_fetch_add(&g_sh->commits, 1);
  test_lock(name, arr, F_UNLCK);
}

/* What this worker saw last, per (name, ctime, array). */
struct seen {
  int64_t ctime;
  uint64_t gen[MAX_ARRAYS];
};
static struct seen g_seen[NNAMES];

static void verify(ash_view *v, int name, int64_t ctime, int arr, const char *an) {
  uint64_t nelem = (uint64_t)ash_view_size(v);
  const uint64_t *p = ash_view_data(v);
  uint64_t words = slot_words(nelem);
  uint64_t floor = name_stable(name) ? atomic_load(&g_sh->committed[name][arr]) : 0;
  uint64_t buf[DATA_SLOT];
  if (words > DATA_SLOT || words < 3) {
    violation("%s/%s: %llu elements, not a torture array", g_names[name], an,
              (unsigned long long)nelem);
    return;
  }
  for (int attempt = 0; attempt < 1000; attempt++) {
    uint64_t c1 = __atomic_load_n(&p[0], __ATOMIC_ACQUIRE);
    if (c1 == 0) { /* gen 0: the initial state */
      if (floor > 0)
        violation("%s/%s: committed gen %llu lost (the array reads as new)",
                  g_names[name], an, (unsigned long long)floor);
      return;
    }
    const uint64_t *slot = p + 1 + (c1 & 1) * words;
    for (uint64_t i = 0; i < words; i++)
      buf[i] = __atomic_load_n(&slot[i], __ATOMIC_RELAXED);
    atomic_thread_fence(memory_order_acquire);
    uint64_t c2 = __atomic_load_n(&p[0], __ATOMIC_ACQUIRE);
    if (c1 != c2)
      continue; /* a later commit: read again */
    uint64_t gen = c1 >> 1;
    if (buf[0] != gen || buf[words - 1] != checksum(buf, words)) {
      violation("%s/%s: committed gen %llu is torn (slot gen %llu, checksum %s)",
                g_names[name], an, (unsigned long long)gen,
                (unsigned long long)buf[0],
                buf[words - 1] == checksum(buf, words) ? "ok" : "wrong");
      return;
    }
    if (gen < floor)
      violation("%s/%s: reads gen %llu, but gen %llu was committed before the "
                "read began", g_names[name], an, (unsigned long long)gen,
                (unsigned long long)floor);
    struct seen *s = &g_seen[name];
    if (s->ctime != ctime) {
      memset(s, 0, sizeof *s);
      s->ctime = ctime;
    }
    if (gen < s->gen[arr])
      violation("%s/%s: gen went back from %llu to %llu (same segment)",
                g_names[name], an, (unsigned long long)s->gen[arr],
                (unsigned long long)gen);
    else
      s->gen[arr] = gen;
    atomic_fetch_add(&g_sh->verified, 1);
    return;
  }
  /* A thousand commits during our reads: not a violation, just busy. */
}

/* ---- the worker ------------------------------------------------------------ */

static long long wall_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void beat(int op, int name) {
  struct worker_slot *w = &g_sh->w[g_wid];
  if (op >= 0) {
    unsigned long i = atomic_fetch_add(&g_sh->nhist[g_wid], 1) % HIST;
    g_sh->hist[g_wid][i] = (struct hist){wall_ns(), (int)getpid(), (short)op,
                                         (short)name};
  }
  atomic_store(&w->op, op);
  atomic_store(&w->name, name);
  atomic_store(&w->progress_ns, kp_now_ns());
}

static unsigned rnd(void) {
  static uint64_t x;
  if (x == 0)
    x = ((uint64_t)kp_now_ns() ^ ((uint64_t)getpid() << 20)) | 1;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return (unsigned)(x >> 16);
}

/* Library results: allowed ones count, the others are violations. */
static int check_rc(int r, const char *what, int name, unsigned allowed) {
  if (r == ASH_OK)
    return 0;
  int bit = r == ASH_E_NOENT ? 1 : r == ASH_E_EXIST ? 2 : r == ASH_E_FULL ? 4 : 0;
  if (bit & allowed) {
    atomic_fetch_add(&g_sh->failures_allowed, 1);
    return -1;
  }
  violation("%s \"%s\": %s (%s)", what, g_names[name], ash_err_name(r),
            ash_last_error());
  return -1;
}
#define A_NOENT 1u
#define A_EXIST 2u
#define A_FULL 4u

static const int64_t g_data_shape[1] = {1 + 2 * DATA_SLOT};
static const int64_t g_x_shape[1] = {1 + 2 * X_SLOT};

/* A new segment: built unpublished with its "data" array, then named, so
 * that no one sees it without "data". EXIST when the name is taken. */
static int make_segment(int name, ash_segment **out, int one_call) {
  ash_segment *s;
  if (one_call) { /* ash_create: "data" only, no room for more arrays */
    ash_view *v;
    int r = ash_create(g_names[name], ASH_UINT64, 1, g_data_shape,
                       name_persist(name) ? ASH_PERSIST : 0, 0600, &v);
    if (r)
      return r;
    r = ash_view_segment(v, out);
    ash_view_release(v);
    return r;
  }
  unsigned f = ASH_UNPUBLISHED | (name_persist(name) ? ASH_PERSIST : 0);
  int r = ash_segment_create(g_names[name], 64 * 1024, MAX_ARRAYS, f, 0600, &s);
  if (r)
    return r;
  r = ash_segment_add_array(s, "data", ASH_UINT64, 1, g_data_shape, NULL);
  if (r == ASH_OK)
    r = ash_segment_publish(s);
  if (r) {
    ash_segment_close(s);
    return r;
  }
  *out = s;
  return ASH_OK;
}

/* Opens the name, creating a churn name when it is missing. */
static int open_name(int name, ash_segment **out) {
  int r = ash_segment_open(g_names[name], 0, out);
  if (r != ASH_E_NOENT || name_stable(name))
    return r;
  r = make_segment(name, out, rnd() % 4 == 0);
  if (r == ASH_E_EXIST) /* another worker made it meanwhile */
    r = ash_segment_open(g_names[name], 0, out);
  return r;
}

static int check_stable(int name, ash_segment *s) {
  if (name_stable(name) && ash_segment_ctime(s) != g_sh->stable_ctime[name]) {
    violation("\"%s\" is another segment (created at %lld, not %lld)",
              g_names[name], (long long)ash_segment_ctime(s),
              (long long)g_sh->stable_ctime[name]);
    return -1;
  }
  return 0;
}

static void verify_all(ash_segment *s, int name) {
  int n = ash_segment_array_count(s);
  for (int i = 0; i < n && i < MAX_ARRAYS; i++) {
    const char *an = ash_segment_array_name(s, i);
    ash_view *v;
    int r = ash_segment_view(s, an, &v);
    if (check_rc(r, "view", name, 0))
      continue;
    verify(v, name, ash_segment_ctime(s), i, an);
    ash_view_release(v);
  }
}

/* Views this worker holds, each with what it knew when it attached: the
 * count of explicit unlinks of the name, so that a held segment that lost
 * its name with no explicit unlink in between was removed under a live
 * holder (-1: unknown, someone was unlinking the name). */
static ash_view *g_held[MAX_HELD];
static long g_held_unlinks[MAX_HELD];
static int g_held_name[MAX_HELD];
static struct timespec g_held_at[MAX_HELD]; /* wall clock, for traces */

static int someone_unlinking(int name) {
  for (int i = 0; i < MAX_WORKERS; i++)
    if (atomic_load(&g_sh->w[i].unlinking) == name + 1)
      return 1;
  return 0;
}

/* A held view's segment must still be the one its name refers to, unless
 * the name was explicitly unlinked since the view was taken. */
/* What worker process @pid had started last at @ns. */
static const struct hist *op_at(int pid, long long ns) {
  const struct hist *best = NULL;
  for (int w = 0; w < MAX_WORKERS; w++)
    for (int i = 0; i < HIST; i++) {
      const struct hist *h = &g_sh->hist[w][i];
      if (h->pid == pid && h->ns <= ns && (best == NULL || h->ns > best->ns))
        best = h;
    }
  return best;
}

/* With the shim preloaded: who made and removed @name since @since. */
static void trace_name(int name, long long since) {
  if (g_ring == NULL)
    return;
  char want[96];
  snprintf(want, sizeof want, "%s%s", kp_prefix(), g_names[name]);
  unsigned long n = g_ring->n;
  unsigned long from = n > KILLSHIM_RING ? n - KILLSHIM_RING : 0;
  for (unsigned long i = from; i < n; i++) {
    const __typeof__(g_ring->e[0]) *e = &g_ring->e[i % KILLSHIM_RING];
    const char *sp = strchr(e->desc, ' ');
    if (e->ns < since - 2000000 || sp == NULL || strcmp(sp + 1, want) != 0)
      continue;
    const struct hist *h = op_at(e->pid, e->ns);
    printf("    trace: %lld.%09lld pid %d %s%s during %s of \"%s\"\n",
           e->ns / 1000000000LL, e->ns % 1000000000LL, e->pid, e->desc,
           e->ok ? "" : " (failed)", h ? g_op_name[h->op] : "?",
           h ? g_names[h->name] : "?");
  }
}

static void check_held(int k) {
  int name = g_held_name[k];
  long e = g_held_unlinks[k];
  if (g_held[k] == NULL || e < 0)
    return;
  ash_segment *mine = NULL, *now = NULL;
  if (ash_view_segment(g_held[k], &mine) != ASH_OK)
    return;
  int r = ash_segment_open(g_names[name], ASH_NOATTACH, &now);
  int64_t c = r == ASH_OK ? ash_segment_ctime(now) : 0;
  if (atomic_load(&g_sh->unlinks[name]) == e && !someone_unlinking(name) &&
      (r != ASH_OK || c != ash_segment_ctime(mine))) {
    atomic_store(&g_sh->w[g_wid].reporting, 1);
    violation("\"%s\" held by this worker lost its name with no unlink of it "
              "(held since %lld.%09ld: created at %lld by pid %lld; now: %s, "
              "created at %lld by pid %lld)",
              g_names[name], (long long)g_held_at[k].tv_sec,
              g_held_at[k].tv_nsec, (long long)ash_segment_ctime(mine),
              (long long)ash_segment_creator_pid(mine),
              r == ASH_OK ? "another segment" : ash_err_name(r), (long long)c,
              (long long)(r == ASH_OK ? ash_segment_creator_pid(now) : 0));
    trace_name(name, (long long)g_held_at[k].tv_sec * 1000000000LL +
                         g_held_at[k].tv_nsec);
    fflush(stdout);
    atomic_store(&g_sh->w[g_wid].reporting, 0);
  }
  ash_segment_close(now);
  ash_segment_close(mine);
}

/* Lets go of a random held view (checked first); returns its place. */
static int drop_held(void) {
  int k = (int)(rnd() % MAX_HELD);
  check_held(k);
  ash_view_release(g_held[k]);
  g_held[k] = NULL;
  return k;
}

static void one_op(int op, int name) {
  ash_segment *s = NULL;
  ash_view *v = NULL;
  int r;
  unsigned churn_ok = name_stable(name) ? 0 : A_NOENT;
  switch (op) {
  case OP_WRITE:
  case OP_VERIFY:
    r = open_name(name, &s);
    if (check_rc(r, "open", name, churn_ok) || check_stable(name, s))
      break;
    if (op == OP_VERIFY) {
      verify_all(s, name);
      break;
    }
    {
      int n = ash_segment_array_count(s);
      int i = n > 0 ? (int)(rnd() % (unsigned)n) : 0;
      r = ash_segment_view(s, ash_segment_array_name(s, i), &v);
      if (check_rc(r, "view", name, 0) == 0 && i < MAX_ARRAYS) {
        commit(v, name, i);
        verify(v, name, ash_segment_ctime(s), i, ash_view_array_name(v));
      }
    }
    break;
  case OP_ADD: {
    r = open_name(name, &s);
    if (check_rc(r, "open", name, churn_ok) || check_stable(name, s))
      break;
    char an[8];
    snprintf(an, sizeof an, "x%u", rnd() % 5);
    r = ash_segment_add_array(s, an, ASH_UINT64, 1, g_x_shape, &v);
    if (check_rc(r, "add-array", name, A_EXIST | A_FULL) == 0 &&
        (ash_view_ndim(v) != 1 || ash_view_size(v) != g_x_shape[0]))
      violation("added array %s of \"%s\" has the wrong shape", an, g_names[name]);
    break;
  }
  case OP_HOLD: {
    int k = drop_held();
    long e = atomic_load(&g_sh->unlinks[name]);
    if (someone_unlinking(name))
      e = -1;
    r = ash_attach(g_names[name], 0, &g_held[k]);
    check_rc(r, "attach", name, churn_ok);
    clock_gettime(CLOCK_REALTIME, &g_held_at[k]);
    g_held_unlinks[k] = e;
    g_held_name[k] = name;
    break;
  }
  case OP_RELEASE:
    drop_held();
    break;
  case OP_UNLINK:
    if (name_stable(name) || (g_unlink_persist_only && !name_persist(name)))
      break; /* the stable names are never unlinked */
    atomic_store(&g_sh->w[g_wid].unlinking, name + 1);
    atomic_fetch_add(&g_sh->unlinks[name], 1);
    r = ash_unlink(g_names[name], 0);
    atomic_fetch_add(&g_sh->unlinks[name], 1);
    atomic_store(&g_sh->w[g_wid].unlinking, 0);
    check_rc(r, "unlink", name, A_NOENT);
    break;
  case OP_GC: {
    int n = 0;
    r = ash_gc(&n);
    check_rc(r, "gc", name, 0);
    break;
  }
  case OP_LIST: {
    ash_list *l = NULL;
    r = ash_list_segments(&l);
    if (check_rc(r, "list", name, 0) == 0) {
      for (int sn = 0; sn <= N_STABLE_PERSIST; sn++) {
        int found = 0;
        for (int i = 0; i < ash_list_count(l); i++)
          found |= strcmp(ash_list_name(l, i), g_names[sn]) == 0;
        if (!found)
          violation("ash_list_segments does not list \"%s\"", g_names[sn]);
      }
    }
    ash_list_free(l);
    break;
  }
  case OP_CREATE:
    if (name_stable(name))
      break;
    r = make_segment(name, &s, rnd() % 4 == 0);
    check_rc(r, "create", name, A_EXIST);
    break;
  case OP_REATTACH:
    r = ash_attach(g_names[name], 0, &v);
    if (check_rc(r, "attach", name, churn_ok))
      break;
    ash_view_release(v);
    v = NULL;
    r = ash_attach(g_names[name], 0, &v);
    check_rc(r, "re-attach", name, churn_ok);
    break;
  case OP_CACHE_CLEAR:
    ash_cache_clear();
    break;
  }
  ash_view_release(v);
  ash_segment_close(s);
}

static int pick_op(void) {
  int total = 0;
  for (int i = 0; i < OP_COUNT; i++)
    total += g_op_weight[i];
  int x = (int)(rnd() % (unsigned)total);
  for (int i = 0; i < OP_COUNT; i++) {
    if (x < g_op_weight[i])
      return i;
    x -= g_op_weight[i];
  }
  return OP_VERIFY;
}

static void worker(int wid) {
  g_wid = wid;
  signal(SIGTERM, SIG_DFL);
  while (!atomic_load(&g_sh->stop)) {
    int op = pick_op();
    int name = (int)(rnd() % NNAMES);
    beat(op, name);
    one_op(op, name);
    atomic_fetch_add(&g_sh->ops[op], 1);
    beat(-1, -1);
  }
  for (int k = 0; k < MAX_HELD; k++) {
    check_held(k);
    ash_view_release(g_held[k]);
  }
  exit(0); /* a normal exit: the library's exit handler runs */
}

/* ---- the controller ---------------------------------------------------------- */

static pid_t start_worker(int wid) {
  /* A worker killed while unlinking: count the unlink as done. */
  int u = atomic_exchange(&g_sh->w[wid].unlinking, 0);
  if (u > 0)
    atomic_fetch_add(&g_sh->unlinks[u - 1], 1);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0)
    worker(wid);
  if (pid > 0) {
    atomic_store(&g_sh->w[wid].progress_ns, kp_now_ns());
    atomic_store(&g_sh->w[wid].op, -1);
    atomic_store(&g_sh->w[wid].reporting, 0);
    atomic_store(&g_sh->w[wid].pid, pid);
  }
  return pid;
}

static void report_leftover(const char *file, void *ctx) {
  (void)ctx;
  printf("VIOLATION: left in /dev/shm after the run and one gc: %s\n", file);
}

static int controller_verify(void) {
  long before = atomic_load(&g_sh->violations);
  for (int name = 0; name <= N_STABLE_PERSIST; name++) {
    ash_segment *s;
    int r = ash_segment_open(g_names[name], 0, &s);
    if (check_rc(r, "final open", name, 0))
      continue;
    if (check_stable(name, s) == 0)
      verify_all(s, name);
    ash_segment_close(s);
  }
  return (int)(atomic_load(&g_sh->violations) - before);
}

int main(int argc, char **argv) {
  int nworkers = 4, kill_ms = 10;
  double seconds = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-w") == 0 && i + 1 < argc)
      nworkers = atoi(argv[++i]);
    else if (strcmp(argv[i], "-k") == 0 && i + 1 < argc)
      kill_ms = atoi(argv[++i]);
    else if (strcmp(argv[i], "--no-gdb") == 0)
      g_gdb = 0;
    else if (strcmp(argv[i], "--no-tmpfile") == 0)
      setenv("ASH_TEST_NO_TMPFILE", "1", 1);
    else if (strcmp(argv[i], "--unlink-persist-only") == 0)
      g_unlink_persist_only = 1;
    else
      seconds = atof(argv[i]);
  }
  if (seconds <= 0 || nworkers < 1 || nworkers > MAX_WORKERS || kill_ms < 1) {
    fprintf(stderr, "usage: torture [-w WORKERS] [-k MEAN_KILL_MS] [--no-gdb] "
                    "[--no-tmpfile] [--unlink-persist-only] SECONDS\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  setvbuf(stdout, NULL, _IOLBF, 0);
  kp_prefix_init("kt");
  g_sh = mmap(NULL, sizeof *g_sh, PROT_READ | PROT_WRITE,
              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  g_lockfd = memfd_create("torture-locks", MFD_CLOEXEC);
  if (g_sh == MAP_FAILED || g_lockfd < 0 ||
      ftruncate(g_lockfd, NNAMES * MAX_ARRAYS) != 0) {
    perror("torture: setup");
    return 2;
  }
  void (*ring)(struct killshim_ring *) =
      (void (*)(struct killshim_ring *))dlsym(RTLD_DEFAULT, "killshim_ring");
  if (ring) {
    g_ring = mmap(NULL, sizeof *g_ring, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (g_ring == MAP_FAILED)
      g_ring = NULL;
    ring(g_ring);
  }
  printf("torture: prefix %s, %d workers, a kill every %d ms on average, "
         "%.0f s, %s creation, explicit unlinks of %s\n",
         kp_prefix(), nworkers, kill_ms, seconds,
         getenv("ASH_TEST_NO_TMPFILE") ? "temporary-name" : "O_TMPFILE",
         g_unlink_persist_only ? "the persist name" : "every churn name");

  /* The stable names. */
  ash_segment *stable_auto = NULL, *sp = NULL;
  if (make_segment(N_STABLE_AUTO, &stable_auto, 0) != ASH_OK ||
      make_segment(N_STABLE_PERSIST, &sp, 0) != ASH_OK) {
    printf("torture: cannot create the stable segments: %s\n", ash_last_error());
    return 2;
  }
  g_sh->stable_ctime[N_STABLE_AUTO] = ash_segment_ctime(stable_auto);
  g_sh->stable_ctime[N_STABLE_PERSIST] = ash_segment_ctime(sp);
  ash_segment_close(sp);

  for (int i = 0; i < nworkers; i++)
    start_worker(i);
  int64_t start = kp_now_ns(), end = start + (int64_t)(seconds * 1e9);
  srand((unsigned)getpid());
  int64_t next_kill = start + (int64_t)(rand() % (2 * kill_ms)) * 1000000;
  while (kp_now_ns() < end) {
    kp_sleep_us(1000);
    int64_t now = kp_now_ns();
    /* Workers that died on their own: a crash is a violation. */
    int st;
    pid_t dead;
    while ((dead = waitpid(-1, &st, WNOHANG)) > 0) {
      for (int i = 0; i < nworkers; i++)
        if (atomic_load(&g_sh->w[i].pid) == dead) {
          if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL))
            printf("VIOLATION: worker %d (pid %d) ended by itself: %s %d\n", i,
                   (int)dead, WIFSIGNALED(st) ? "signal" : "exit status",
                   WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
          if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL))
            atomic_fetch_add(&g_sh->violations, 1);
          start_worker(i);
        }
    }
    /* Hangs. */
    for (int i = 0; i < nworkers; i++) {
      struct worker_slot *w = &g_sh->w[i];
      int64_t last = atomic_load(&w->progress_ns);
      if (now - last < (int64_t)HANG_S * 1000000000LL)
        continue;
      pid_t pid = atomic_load(&w->pid);
      int op = atomic_load(&w->op), name = atomic_load(&w->name);
      printf("VIOLATION: worker %d (pid %d) made no progress for %d s, in %s "
             "of \"%s\"; where it is:\n",
             i, (int)pid, HANG_S, op >= 0 ? g_op_name[op] : "(between operations)",
             name >= 0 ? g_names[name] : "-");
      kp_dump_stack(pid, g_gdb, "    ");
      atomic_fetch_add(&g_sh->violations, 1);
      atomic_fetch_add(&g_sh->hangs, 1);
      kp_kill_wait(pid);
      start_worker(i);
    }
    /* The killer. */
    if (now >= next_kill) {
      int i = rand() % nworkers;
      pid_t pid = atomic_load(&g_sh->w[i].pid);
      if (atomic_load(&g_sh->w[i].reporting))
        continue;
      kp_kill_wait(pid);
      atomic_fetch_add(&g_sh->kills, 1);
      start_worker(i);
      next_kill = now + (int64_t)(rand() % (2 * kill_ms) + 1) * 1000000;
    }
  }

  /* The end: workers leave normally (they release what they hold). */
  atomic_store(&g_sh->stop, 1);
  for (int i = 0; i < nworkers; i++) {
    pid_t pid = atomic_load(&g_sh->w[i].pid);
    int st;
    if (!kp_wait(pid, &st, HANG_S * 1000)) {
      printf("VIOLATION: worker %d (pid %d) did not finish within %d s; where "
             "it is:\n", i, (int)pid, HANG_S);
      kp_dump_stack(pid, g_gdb, "    ");
      atomic_fetch_add(&g_sh->violations, 1);
      atomic_fetch_add(&g_sh->hangs, 1);
      kp_kill_wait(pid);
    } else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      printf("VIOLATION: worker %d (pid %d) ended badly at the end (status %d)\n",
             i, (int)pid, st);
      atomic_fetch_add(&g_sh->violations, 1);
    }
  }
  g_wid = -1;
  controller_verify();
  ash_segment_close(stable_auto); /* the last attacher: it goes */
  for (int n = 0; n < NNAMES; n++)
    if (name_persist(n)) {
      int r = ash_unlink(g_names[n], 0);
      if (r != ASH_OK && !(r == ASH_E_NOENT && !name_stable(n)))
        check_rc(r, "final unlink", n, 0);
    }
  int reaped = 0;
  int r = ash_gc(&reaped);
  if (r != ASH_OK)
    check_rc(r, "final gc", 0, 0);
  int left = kp_leftovers(report_leftover, NULL, true);
  atomic_fetch_add(&g_sh->violations, left);

  long ops = 0;
  for (int i = 0; i < OP_COUNT; i++)
    ops += atomic_load(&g_sh->ops[i]);
  printf("\noperations:");
  for (int i = 0; i < OP_COUNT; i++)
    printf(" %s %ld", g_op_name[i], atomic_load(&g_sh->ops[i]));
  printf("\n%.0f s: %ld kills, %ld operations completed (%ld commits, %ld "
         "verified reads, %ld allowed failures: NOENT/EXIST/FULL), %ld hangs, "
         "final gc reaped %d, %d files left, %ld violations\n",
         seconds, atomic_load(&g_sh->kills), ops, atomic_load(&g_sh->commits),
         atomic_load(&g_sh->verified), atomic_load(&g_sh->failures_allowed),
         atomic_load(&g_sh->hangs), reaped, left, atomic_load(&g_sh->violations));
  if (g_ring)
    printf("(shim preloaded: %lu name changes traced)\n", g_ring->n);
  return atomic_load(&g_sh->violations) ? 1 : 0;
}
