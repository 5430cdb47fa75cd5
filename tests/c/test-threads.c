/* SPDX-License-Identifier: MIT */
/* Threads (issue 7): many threads share views and one segment at the same
 * time. They slice, index, permute, reshape, reinterpret, describe, retain
 * and release views other threads are using; attach and close one segment
 * (its mapping dropped to nothing and made again while others open it);
 * look arrays up while another thread adds them. Values are checked on the
 * way, failures counted and reported by the main thread (Criterion's
 * assertions are not for other threads).
 *
 * scripts/test.sh also runs these tests (label "threads") in a
 * ThreadSanitizer build (-DASH_TSAN=ON): the library must report no race. */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>

#include "common.h"

TestSuite(threads, .fini = t_fini);

#define NTHREADS 8

/* Rounds per thread: enough to interleave under ThreadSanitizer (which
 * slows this down about tenfold) and still take well under a second
 * without it. */
#define ROUNDS 1000

struct shared {
  const char *name;
  ash_view *base;    /* float64 (16, 24) holding 0..383: value = offset / 8 */
  ash_view *derived; /* base[1:, ::-2], described by every thread */
  ash_view *nested;  /* base.T[3:9, ::5], cloned by every thread */
  atomic_int failures;
  atomic_int rounds;
  pthread_mutex_t why_lock;
  char why[512]; /* the first failure */
  pthread_barrier_t start;
  atomic_int tid;
};

static void fail_at(struct shared *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void fail_at(struct shared *s, const char *fmt, ...) {
  if (atomic_fetch_add(&s->failures, 1) != 0)
    return;
  pthread_mutex_lock(&s->why_lock);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->why, sizeof s->why, fmt, ap);
  va_end(ap);
  pthread_mutex_unlock(&s->why_lock);
}

#define CHECK(s, cond, ...)                                                    \
  do {                                                                         \
    if (!(cond))                                                               \
      fail_at((s), __VA_ARGS__);                                               \
  } while (0)

static uint64_t rnd(uint64_t *x) { /* xorshift64 */
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return *x;
}

/* Every element of a float64 view of the arange array equals its byte
 * offset from the array start divided by 8: checks a view's layout and its
 * data through element reads, whatever chain of operations made it. */
static void check_values(struct shared *s, const ash_view *v, uint64_t *rng,
                         const char *what) {
  if (ash_view_dtype(v) != ASH_FLOAT64 || ash_view_size(v) == 0)
    return;
  int nd = ash_view_ndim(v);
  for (int k = 0; k < 4; k++) {
    int64_t idx[ASH_MAX_NDIM], off = ash_view_offset(v);
    for (int i = 0; i < nd; i++) {
      idx[i] = (int64_t)(rnd(rng) % (uint64_t)ash_view_dim(v, i));
      off += idx[i] * ash_view_stride(v, i);
    }
    double x = -1;
    int rc = ash_view_get_f64(v, nd, idx, &x);
    CHECK(s, rc == ASH_OK && x == (double)(off / 8),
          "%s %s: element at byte %lld is %g (rc %s)", what,
          ash_view_descriptor(v), (long long)off, x, ash_err_name(rc));
  }
}

/* A view derived from @v by one random operation (NULL when refused). */
static ash_view *derive(struct shared *s, const ash_view *v, uint64_t *rng) {
  ash_view *out = NULL;
  int nd = ash_view_ndim(v), rc = ASH_OK;
  int ax = nd ? (int)(rnd(rng) % (uint64_t)nd) : 0;
  switch (rnd(rng) % 7) {
  case 0: {
    if (nd == 0)
      return NULL;
    int64_t n = ash_view_dim(v, ax);
    int64_t step = (int64_t)(rnd(rng) % 5) + 1;
    if (rnd(rng) & 1)
      step = -step;
    int64_t a = (int64_t)(rnd(rng) % (uint64_t)(n + 1));
    int64_t b = (int64_t)(rnd(rng) % (uint64_t)(n + 1));
    rc = ash_view_slice(v, ax, a, b, step, 0, &out);
    break;
  }
  case 1:
    if (nd == 0 || ash_view_dim(v, ax) == 0)
      return NULL;
    rc = ash_view_index(
        v, ax, (int64_t)(rnd(rng) % (uint64_t)ash_view_dim(v, ax)), &out);
    break;
  case 2:
    rc = ash_view_transpose(v, &out);
    break;
  case 3: {
    int64_t axes[ASH_MAX_NDIM];
    for (int i = 0; i < nd; i++)
      axes[i] = i;
    for (int i = nd - 1; i > 0; i--) {
      int j = (int)(rnd(rng) % (uint64_t)(i + 1));
      int64_t t = axes[i];
      axes[i] = axes[j];
      axes[j] = t;
    }
    rc = ash_view_permute(v, nd, axes, &out);
    break;
  }
  case 4:
    if (!(ash_view_flags(v) & ASH_VIEW_C_CONTIGUOUS))
      return NULL;
    rc = ash_view_reshape(v, 1, (int64_t[]){-1}, &out);
    break;
  case 5: { /* through int64 and back: same bytes, same layout */
    ash_view *i = NULL;
    rc = ash_view_reinterpret(v, ASH_INT64, &i);
    if (rc == ASH_OK) {
      rc = ash_view_reinterpret(i, ASH_FLOAT64, &out);
      ash_view_release(i);
    }
    break;
  }
  default:
    rc = ash_view_readonly(v, &out);
    break;
  }
  CHECK(s, rc == ASH_OK, "derive from %s: %s: %s", ash_view_descriptor(v),
        ash_err_name(rc), ash_last_error());
  return rc == ASH_OK ? out : NULL;
}

/* The descriptor of @v parses back to the same layout. */
static void check_round_trip(struct shared *s, const ash_view *v) {
  const char *d = ash_view_descriptor(v);
  if (d == NULL) {
    fail_at(s, "descriptor: out of memory");
    return;
  }
  ash_view *w = NULL;
  int rc = ash_view_from_descriptor(d, 0, &w);
  if (rc != ASH_OK) {
    fail_at(s, "parse \"%s\": %s: %s", d, ash_err_name(rc), ash_last_error());
    return;
  }
  bool same = ash_view_ndim(w) == ash_view_ndim(v) &&
              ash_view_offset(w) == ash_view_offset(v) &&
              ash_view_data(w) == ash_view_data(v);
  for (int i = 0; same && i < ash_view_ndim(v); i++)
    same = ash_view_dim(w, i) == ash_view_dim(v, i) &&
           (ash_view_dim(v, i) <= 1 ||
            ash_view_stride(w, i) == ash_view_stride(v, i));
  CHECK(s, same, "\"%s\" parsed to another layout", d);
  CHECK(s, strcmp(ash_view_descriptor(w), d) == 0, "\"%s\" re-described", d);
  ash_view_release(w);
}

static void *view_worker(void *arg) {
  struct shared *s = arg;
  uint64_t rng =
      0x9E3779B97F4A7C15u * (uint64_t)(atomic_fetch_add(&s->tid, 1) + 1);
  ash_view *shared_views[3] = {s->base, s->derived, s->nested};
  pthread_barrier_wait(&s->start);
  for (int round = 0; round < ROUNDS; round++) {
    ash_view *src = ash_view_retain(shared_views[rnd(&rng) % 3]);
    /* the shared views are described by every thread at once */
    const char *d0 = ash_view_descriptor(s->derived);
    const char *d1 = ash_view_descriptor(src);
    CHECK(s, d0 && d1 && strstr(d0, s->name), "shared descriptor");
    /* a chain of up to 4 operations, each view cloned from one that other
     * threads may be describing, retaining or releasing right now */
    ash_view *v = ash_view_retain(src);
    int depth = (int)(rnd(&rng) % 5);
    for (int k = 0; k < depth && v; k++) {
      ash_view *n = derive(s, v, &rng);
      if (n == NULL)
        break;
      ash_view_release(v);
      v = n;
    }
    check_values(s, v, &rng, "chain");
    if (rnd(&rng) % 4 == 0)
      check_round_trip(s, v);
    ash_view_release(v);
    ash_view_release(src);
    atomic_fetch_add(&s->rounds, 1);
  }
  return NULL;
}

static void run_threads(struct shared *s, void *(*fn)(void *)) {
  pthread_t th[NTHREADS];
  cr_assert_eq(pthread_barrier_init(&s->start, NULL, NTHREADS), 0);
  for (int i = 0; i < NTHREADS; i++)
    cr_assert_eq(pthread_create(&th[i], NULL, fn, s), 0);
  for (int i = 0; i < NTHREADS; i++)
    pthread_join(th[i], NULL);
  pthread_barrier_destroy(&s->start);
  cr_assert_eq(atomic_load(&s->failures), 0, "%d failures; first: %s",
               atomic_load(&s->failures), s->why);
}

static void shared_init(struct shared *s, const char *name) {
  memset(s, 0, sizeof *s);
  s->name = name;
  pthread_mutex_init(&s->why_lock, NULL);
}

TEST(threads, views_shared_between_threads) {
  TNAME(name);
  struct shared s;
  shared_init(&s, name);
  s.base = t_make_array(name, ASH_FLOAT64, 2, (int64_t[]){16, 24}, 0, NULL);
  t_fill_arange(s.base);
  ash_view *t = NULL;
  ASSERT_OK(ash_view_slice(s.base, 0, 1, ASH_NONE, 1, 0, &t));
  ASSERT_OK(ash_view_slice(t, 1, ASH_NONE, ASH_NONE, -2, 0, &s.derived));
  ash_view_release(t);
  ASSERT_OK(ash_view_transpose(s.base, &t));
  ash_view *u = NULL;
  ASSERT_OK(ash_view_slice(t, 0, 3, 9, 1, 0, &u));
  ASSERT_OK(ash_view_slice(u, 1, ASH_NONE, ASH_NONE, 5, 0, &s.nested));
  ash_view_release(u);
  ash_view_release(t);
  run_threads(&s, view_worker);
  cr_assert_eq(atomic_load(&s.rounds), NTHREADS * ROUNDS);
  ash_view_release(s.nested);
  ash_view_release(s.derived);
  ash_view_release(s.base);
  cr_assert(!t_shm_exists(name), "the last release unlinked the segment");
}

/* ---- one segment attached and closed by every thread ------------------- */

/* Opens the segment, views and checks its array, attaches by name and by
 * descriptor, closes; nobody else holds it, so its mapping is dropped and
 * made again all the time while other threads are opening it. */
static void *attach_worker(void *arg) {
  struct shared *s = arg;
  uint64_t rng =
      0xD1B54A32D192ED03u * (uint64_t)(atomic_fetch_add(&s->tid, 1) + 1);
  char desc[160];
  snprintf(desc, sizeof desc, "ash://%s/a[2:, ::-3]", s->name);
  pthread_barrier_wait(&s->start);
  for (int round = 0; round < ROUNDS; round++) {
    ash_view *v = NULL;
    int rc;
    switch (rnd(&rng) % 3) {
    case 0: {
      ash_segment *seg = NULL;
      rc = ash_segment_open(s->name, rnd(&rng) & 1 ? ASH_RDONLY : 0, &seg);
      if (rc == ASH_OK) {
        CHECK(s, ash_segment_array_count(seg) == 1, "array count");
        rc = ash_segment_view(seg, "a", &v);
        ash_segment *again = NULL;
        if (rc == ASH_OK && (rc = ash_view_segment(v, &again)) == ASH_OK)
          CHECK(s, strcmp(ash_segment_name(again), s->name) == 0,
                "segment name");
        ash_segment_close(again);
      }
      ash_segment_close(seg);
      break;
    }
    case 1:
      rc = ash_attach(s->name, 0, &v);
      break;
    default:
      rc = ash_view_from_descriptor(desc, 0, &v);
      break;
    }
    CHECK(s, rc == ASH_OK, "attach \"%s\": %s: %s", s->name, ash_err_name(rc),
          ash_last_error());
    if (v) {
      check_values(s, v, &rng, "attached");
      ash_view *w = derive(s, v, &rng);
      ash_view_release(v); /* w may now hold the last reference */
      if (w)
        check_values(s, w, &rng, "derived after release");
      ash_view_release(w);
    }
    atomic_fetch_add(&s->rounds, 1);
  }
  return NULL;
}

TEST(threads, attach_and_close_one_segment) {
  TNAME(name);
  struct shared s;
  shared_init(&s, name);
  ash_view *v = t_make_array(name, ASH_FLOAT64, 2, (int64_t[]){16, 24},
                             ASH_PERSIST, NULL);
  t_fill_arange(v);
  ash_view_release(v); /* nobody in this process holds it now */
  run_threads(&s, attach_worker);
  cr_assert_eq(atomic_load(&s.rounds), NTHREADS * ROUNDS);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_open(name, ASH_NOATTACH, &seg));
  int alive = -1, dead = -1;
  ASSERT_OK(ash_segment_attachers(seg, &alive, &dead));
  cr_assert_eq(alive, 0, "every thread's attachment was released");
  ash_segment_close(seg);
  ASSERT_OK(ash_unlink(name, 0));
}

/* ---- the directory grows while other threads read it ------------------- */

#define NADD 48

struct grow {
  struct shared s;
  ash_segment *seg;
  atomic_int added;
};

static void *grow_worker(void *arg) {
  struct grow *g = arg;
  struct shared *s = &g->s;
  int me = atomic_fetch_add(&s->tid, 1);
  pthread_barrier_wait(&s->start);
  if (me == 0) { /* the writer */
    for (int i = 0; i < NADD; i++) {
      char nm[16];
      snprintf(nm, sizeof nm, "x%d", i);
      ash_view *v = NULL;
      int rc = ash_segment_add_array(g->seg, nm, ASH_INT32, 1,
                                     (int64_t[]){i + 1}, &v);
      CHECK(s, rc == ASH_OK, "add %s: %s", nm, ash_last_error());
      if (v)
        CHECK(s, ash_view_fill_i64(v, i) == ASH_OK, "fill %s", nm);
      ash_view_release(v);
      atomic_store(&g->added, i + 1);
    }
    return NULL;
  }
  uint64_t rng = (uint64_t)me * 0x2545F4914F6CDD1Du;
  while (atomic_load(&g->added) < NADD) {
    int known = atomic_load(&g->added);
    int n = ash_segment_array_count(g->seg);
    CHECK(s, n >= known && n <= NADD, "count %d, %d known added", n, known);
    if (known == 0)
      continue;
    int i = (int)(rnd(&rng) % (uint64_t)known);
    char nm[16];
    snprintf(nm, sizeof nm, "x%d", i);
    ash_view *v = NULL;
    int rc = ash_segment_view(g->seg, nm, &v);
    CHECK(s, rc == ASH_OK, "view %s: %s", nm, ash_last_error());
    if (v) {
      int64_t x = -1, last = ash_view_dim(v, 0) - 1;
      CHECK(s, ash_view_dim(v, 0) == i + 1, "%s: shape", nm);
      CHECK(s, ash_view_get_i64(v, 1, &last, &x) == ASH_OK && x == i,
            "%s: value %lld", nm, (long long)x);
      const char *name = ash_segment_array_name(g->seg, i);
      CHECK(s, name && strcmp(name, nm) == 0, "array name %d", i);
    }
    ash_view_release(v);
  }
  return NULL;
}

TEST(threads, directory_grows_while_read) {
  TNAME(name);
  struct grow g;
  memset(&g, 0, sizeof g);
  shared_init(&g.s, name);
  ASSERT_OK(ash_segment_create(name, 64 * 4096, NADD, 0, 0600, &g.seg));
  /* run_threads takes the struct shared, which is g's first member */
  run_threads(&g.s, grow_worker);
  cr_assert_eq(ash_segment_array_count(g.seg), NADD);
  ash_segment_close(g.seg);
  cr_assert(!t_shm_exists(name));
}

/* ---- create, unlink and attach one name from every thread --------------- */

/* Thread 0 creates the name, threads 1 and 2 unlink it (by name, and by a
 * handle), the others attach and describe it: every call may fail with
 * NOENT or EXIST, none may crash, and the mapping's state is shared by the
 * threads of this process without a race. */
static void *unlink_worker(void *arg) {
  struct shared *s = arg;
  int me = atomic_fetch_add(&s->tid, 1);
  pthread_barrier_wait(&s->start);
  for (int round = 0; round < 5 * ROUNDS; round++) { /* a narrow window */
    ash_view *v = NULL;
    int rc = ASH_OK;
    if (me == 0) {
      rc = ash_create(s->name, ASH_FLOAT64, 1, (int64_t[]){8}, ASH_PERSIST,
                      0600, &v);
      CHECK(s, rc == ASH_OK || rc == ASH_E_EXIST, "create: %s",
            ash_last_error());
    } else if (me == 1) {
      rc = ash_unlink(s->name, 0);
      CHECK(s, rc == ASH_OK || rc == ASH_E_NOENT, "unlink: %s",
            ash_last_error());
    } else if (me == 2) {
      ash_segment *seg = NULL;
      if (ash_segment_open(s->name, 0, &seg) == ASH_OK) {
        rc = ash_segment_unlink(seg);
        CHECK(s, rc == ASH_OK || rc == ASH_E_NOENT, "segment_unlink: %s",
              ash_last_error());
      }
      ash_segment_close(seg);
    } else if (ash_attach(s->name, 0, &v) == ASH_OK) {
      CHECK(s, ash_view_descriptor(v) != NULL, "descriptor");
    }
    ash_view_release(v);
  }
  return NULL;
}

TEST(threads, create_unlink_and_attach_one_name) {
  TNAME(name);
  struct shared s;
  shared_init(&s, name);
  run_threads(&s, unlink_worker);
  int rc = ash_unlink(name, 0);
  cr_assert(rc == ASH_OK || rc == ASH_E_NOENT, "%s", ash_last_error());
}
