/* SPDX-License-Identifier: MIT */
/* Coordination in the segment: the recoverable lock (owner death across
 * processes and threads, detach, slot reuse, a corrupted word), the
 * segment lock, versions and snapshots (a writer killed mid-write), wait
 * and notify (futex_waitv and its fallback), element atomics. */
#include <pthread.h>

#include "common.h"

TestSuite(sync, .fini = t_fini, .timeout = 60);

static int64_t t_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static ash_view *t_counter(const char *name, ash_segment **seg) {
  int64_t n = 4;
  return t_make_array(name, ASH_INT64, 1, &n, ASH_PERSIST, seg);
}

/* A child that attaches @name, does @what, says 'y' on @p, then waits to be
 * killed (or exits / detaches, see the modes). */
enum { HOLD_LOCK, HOLD_WRITE, HOLD_THEN_CLOSE };
struct t_holder {
  const char *name;
  int mode;
  t_pipe p;
};

static int t_holder_main(void *arg) {
  struct t_holder *h = arg;
  char d[128];
  snprintf(d, sizeof d, "%s/a", h->name);
  ash_view *v = NULL;
  if (ash_attach(d, 0, &v) != ASH_OK)
    return 2;
  int r = h->mode == HOLD_WRITE ? ash_view_write_begin(v, 1.0)
                                : ash_view_lock(v, 1.0);
  if (r != ASH_OK)
    return 3;
  if (h->mode == HOLD_WRITE) {
    int64_t i = 0;
    (void)ash_view_set_i64(v, 1, &i, 666); /* half a write */
  }
  if (h->mode == HOLD_THEN_CLOSE) {
    ash_view_release(v); /* detaches while holding */
    t_pipe_send(&h->p, 'y');
    pause();
    return 0;
  }
  t_pipe_send(&h->p, 'y');
  pause();
  return 0;
}

static pid_t t_holder(struct t_holder *h, const char *name, int mode) {
  h->name = name;
  h->mode = mode;
  t_pipe_init(&h->p);
  pid_t pid = t_spawn(t_holder_main, h);
  cr_assert_eq(t_pipe_recv(&h->p), 'y', "the holder could not start");
  t_pipe_close(&h->p);
  return pid;
}

static void t_kill(pid_t pid) {
  kill(pid, SIGKILL);
  t_wait(pid);
}

/* ---- the lock: basics --------------------------------------------------------- */

struct t_try {
  const ash_view *v;
  int rc, rc2;
};

static void *t_try_thread(void *arg) {
  struct t_try *t = arg;
  t->rc = ash_view_trylock(t->v);
  t->rc2 = ash_view_unlock(t->v);
  return NULL;
}

TEST(sync, lock_unlock_and_misuse) {
  TNAME(a);
  ash_view *v = t_counter(a, NULL);
  int st;
  int64_t pid;
  ASSERT_OK(ash_view_lock_state(v, &st, &pid));
  cr_assert_eq(st, ASH_LOCK_FREE);
  ASSERT_ERR(ash_view_unlock(v), ASH_E_NOTOWNER);
  cr_assert(strstr(ash_last_error(), "not held"), "%s", ash_last_error());
  ASSERT_OK(ash_view_lock(v, ASH_FOREVER));
  ASSERT_OK(ash_view_lock_state(v, &st, &pid));
  cr_assert_eq(st, ASH_LOCK_HELD);
  cr_assert_eq(pid, getpid());
  ASSERT_ERR(ash_view_lock(v, 0.1), ASH_E_DEADLOCK);
  ASSERT_ERR(ash_view_trylock(v), ASH_E_DEADLOCK);
  ASSERT_ERR(ash_view_consistent(v), ASH_E_INVAL);
  /* another thread of this process is excluded, and may not unlock */
  struct t_try t = {v, 0, 0};
  pthread_t th;
  pthread_create(&th, NULL, t_try_thread, &t);
  pthread_join(th, NULL);
  cr_assert_eq(t.rc, ASH_E_TIMEOUT, "%s", ash_err_name(t.rc));
  cr_assert_eq(t.rc2, ASH_E_NOTOWNER, "%s", ash_err_name(t.rc2));
  ASSERT_OK(ash_view_unlock(v));
  ASSERT_OK(ash_view_trylock(v));
  ASSERT_OK(ash_view_unlock(v));
  ASSERT_ERR(ash_view_lock(v, NAN), ASH_E_INVAL);
  ASSERT_ERR(ash_view_lock(NULL, 1), ASH_E_INVAL);
  /* a slice locks the whole array */
  ash_view *s = NULL;
  ASSERT_OK(ash_view_slice(v, 0, 1, 3, 1, 0, &s));
  ASSERT_OK(ash_view_lock(s, 1));
  ASSERT_ERR(ash_view_lock(v, 0), ASH_E_DEADLOCK);
  ASSERT_OK(ash_view_unlock(v));
  ash_view_release(s);
  ash_view_release(v);
  ASSERT_OK(ash_unlink(a, 0));
}

struct t_timed {
  const ash_view *v;
  int rc;
  int64_t ms;
};

static void *t_timed_lock(void *arg) {
  struct t_timed *t = arg;
  int64_t t0 = t_now_ms();
  t->rc = ash_view_lock(t->v, 0.15);
  t->ms = t_now_ms() - t0;
  if (t->rc == ASH_OK)
    ash_view_unlock(t->v);
  return NULL;
}

TEST(sync, a_timeout_expires_and_changes_nothing) {
  TNAME(a);
  ash_view *v = t_counter(a, NULL);
  ASSERT_OK(ash_view_lock(v, 1));
  struct t_timed t = {v, 0, 0};
  pthread_t th;
  pthread_create(&th, NULL, t_timed_lock, &t);
  pthread_join(th, NULL);
  cr_assert_eq(t.rc, ASH_E_TIMEOUT);
  cr_assert(t.ms >= 140 && t.ms < 1000, "waited %lld ms", (long long)t.ms);
  int st;
  int64_t pid;
  ASSERT_OK(ash_view_lock_state(v, &st, &pid));
  cr_assert_eq(st, ASH_LOCK_HELD);
  ASSERT_OK(ash_view_unlock(v));
  ash_view_release(v);
  ASSERT_OK(ash_unlink(a, 0));
}

/* ---- owner death ------------------------------------------------------------------ */

TEST(sync, a_killed_holder_hands_over_with_ownerdead) {
  TNAME(a);
  ash_view *v = t_counter(a, NULL);
  struct t_holder h;
  pid_t pid = t_holder(&h, a, HOLD_LOCK);
  int st;
  int64_t who;
  ASSERT_OK(ash_view_lock_state(v, &st, &who));
  cr_assert_eq(st, ASH_LOCK_HELD);
  cr_assert_eq(who, pid);
  ASSERT_ERR(ash_view_trylock(v), ASH_E_TIMEOUT);
  t_kill(pid);
  ASSERT_OK(ash_view_lock_state(v, &st, &who));
  cr_assert_eq(st, ASH_LOCK_OWNER_DEAD);
  cr_assert_eq(who, pid);
  ASSERT_ERR(ash_view_lock(v, 1), ASH_E_OWNERDEAD);
  ASSERT_OK(ash_view_lock_state(v, &st, &who));
  cr_assert_eq(st, ASH_LOCK_INCONSISTENT);
  ASSERT_OK(ash_view_consistent(v));
  ASSERT_OK(ash_view_lock_state(v, &st, &who));
  cr_assert_eq(st, ASH_LOCK_HELD);
  ASSERT_OK(ash_view_unlock(v));
  ASSERT_OK(ash_view_lock(v, 1)); /* a normal lock again */
  ASSERT_OK(ash_view_unlock(v));
  ash_view_release(v);
  ASSERT_OK(ash_unlink(a, 0));
}

TEST(sync, without_consistent_the_lock_is_not_recoverable) {
  TNAME(a);
  ash_view *v = t_counter(a, NULL);
  struct t_holder h;
  t_kill(t_holder(&h, a, HOLD_LOCK));
  ASSERT_ERR(ash_view_trylock(v), ASH_E_OWNERDEAD);
  ASSERT_OK(ash_view_unlock(v));
  ASSERT_ERR(ash_view_lock(v, 1), ASH_E_NOTRECOVERABLE);
  ASSERT_ERR(ash_view_trylock(v), ASH_E_NOTRECOVERABLE);
  int st;
  int64_t who;
  ASSERT_OK(ash_view_lock_state(v, &st, &who));
  cr_assert_eq(st, ASH_LOCK_NOTRECOVERABLE);
  ash_view_release(v);
  ASSERT_OK(ash_unlink(a, 0));
}

struct t_waiter {
  const ash_view *v;
  int rc;
  int64_t done_ms;
};

static void *t_blocking_lock(void *arg) {
  struct t_waiter *w = arg;
  w->rc = ash_view_lock(w->v, 10);
  w->done_ms = t_now_ms();
  return NULL;
}

/* A waiter sleeping in lock() gets the lock soon after its holder is
 * killed: it looks at the holder's liveness at least every 16 ms. */
TEST(sync, a_waiter_gets_the_lock_of_a_holder_killed_meanwhile) {
  TNAME(a);
  ash_view *v = t_counter(a, NULL);
  struct t_holder h;
  pid_t pid = t_holder(&h, a, HOLD_LOCK);
  struct t_waiter w = {v, 0, 0};
  pthread_t th;
  pthread_create(&th, NULL, t_blocking_lock, &w);
  usleep(100000); /* sleeping by now, in its longest slices */
  int64_t t0 = t_now_ms();
  t_kill(pid);
  pthread_join(th, NULL);
  cr_assert_eq(w.rc, ASH_E_OWNERDEAD, "%s", ash_err_name(w.rc));
  cr_assert(w.done_ms - t0 < 100, "hand-over took %lld ms",
            (long long)(w.done_ms - t0));
  /* the thread holds it: another thread can neither unlock nor relock */
  ASSERT_ERR(ash_view_unlock(v), ASH_E_NOTOWNER);
  ash_view_release(v);
  ASSERT_OK(ash_unlink(a, 0));
}

/* (A normal exit detaches the same way: the conformance op lock_and_exit
 * runs it in a program of its own.) */
TEST(sync, closing_while_holding_releases_at_once) {
  TNAME(a);
  ash_view *v = t_counter(a, NULL);
  for (int mode = HOLD_THEN_CLOSE; mode <= HOLD_THEN_CLOSE; mode++) {
    struct t_holder h;
    pid_t pid = t_holder(&h, a, mode);
    int st;
    int64_t who;
    ASSERT_OK(ash_view_lock_state(v, &st, &who));
    cr_assert_eq(st, ASH_LOCK_ABANDONED, "mode %d: state %d", mode, st);
    int64_t t0 = t_now_ms();
    ASSERT_ERR(ash_view_lock(v, 5), ASH_E_OWNERDEAD);
    /* at once, not at the 5 s timeout (bound loose for loaded machines) */
    cr_assert(t_now_ms() - t0 < 1000);
    ASSERT_OK(ash_view_consistent(v));
    ASSERT_OK(ash_view_unlock(v));
    if (mode == HOLD_THEN_CLOSE)
      t_kill(pid);
  }
  ash_view_release(v);
  ASSERT_OK(ash_unlink(a, 0));
}

static void *t_lock_and_vanish(void *arg) {
  ash_view_lock(arg, 1);
  return NULL; /* exits holding it */
}

TEST(sync, a_thread_that_exits_holding_is_a_dead_owner) {
  TNAME(a);
  ash_view *v = t_counter(a, NULL);
  pthread_t th;
  pthread_create(&th, NULL, t_lock_and_vanish, v);
  pthread_join(th, NULL);
  ASSERT_ERR(ash_view_lock(v, 2), ASH_E_OWNERDEAD);
  ASSERT_OK(ash_view_consistent(v));
  ASSERT_OK(ash_view_unlock(v));
  ash_view_release(v);
  ASSERT_OK(ash_unlink(a, 0));
}

static int t_attach_and_pause(void *arg) {
  struct t_holder *h = arg;
  ash_view *v = NULL;
  if (ash_attach(h->name, 0, &v) != ASH_OK)
    return 2;
  t_pipe_send(&h->p, 'y');
  pause();
  return 0;
}

/* The dead owner's slot taken by a live process (a new generation) must
 * not be taken for the owner. */
TEST(sync, a_reused_slot_is_not_the_dead_owner) {
  TNAME(a);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create_ex(a, 4096, 1, 2, ASH_PERSIST, 0600, &seg));
  int64_t n = 1;
  ash_view *v = NULL;
  ASSERT_OK(ash_segment_add_array(seg, "a", ASH_INT64, 1, &n, &v));
  struct t_holder h;
  t_kill(t_holder(&h, a, HOLD_LOCK)); /* had the other slot */
  struct t_holder h2 = {a, 0, {{0, 0}}};
  t_pipe_init(&h2.p);
  pid_t pid2 = t_spawn(t_attach_and_pause, &h2);
  cr_assert_eq(t_pipe_recv(&h2.p), 'y');
  t_pipe_close(&h2.p);
  int alive = 0, dead = 0;
  ASSERT_OK(ash_segment_attachers(seg, &alive, &dead));
  cr_assert_eq(alive, 2, "the second child must hold the dead one's slot");
  int64_t t0 = t_now_ms();
  ASSERT_ERR(ash_view_lock(v, 5), ASH_E_OWNERDEAD);
  cr_assert(t_now_ms() - t0 < 1000);
  ASSERT_OK(ash_view_consistent(v));
  ASSERT_OK(ash_view_unlock(v));
  t_kill(pid2);
  ash_view_release(v);
  ash_segment_close(seg);
  ASSERT_OK(ash_unlink(a, 0));
}

/* A hostile peer writes the lock word: an owner outside the table is dead;
 * a live-looking owner costs at most the timeout. */
TEST(sync, a_corrupted_lock_word_costs_at_most_the_timeout) {
  TNAME(a);
  ash_segment *seg = NULL;
  ash_view *v = t_counter(a, &seg);
  char p[300];
  int fd = open(t_shm_path(p, sizeof p, a), O_RDWR);
  cr_assert_geq(fd, 0);
  uint64_t dir = 0;
  cr_assert_eq(pread(fd, &dir, 8, 112), 8);
  uint32_t bad = 0x1FFFEu; /* slot 131069: no such slot */
  cr_assert_eq(pwrite(fd, &bad, 4, (off_t)(dir + 448)), 4);
  ASSERT_ERR(ash_view_lock(v, 1), ASH_E_OWNERDEAD);
  ASSERT_OK(ash_view_consistent(v));
  ASSERT_OK(ash_view_unlock(v));
  /* this process's own id with a thread id nobody has: a dead thread */
  ASSERT_OK(ash_view_lock(v, 1));
  uint32_t word = 0, tid = 0x7FFFFFF0u;
  cr_assert_eq(pread(fd, &word, 4, (off_t)(dir + 448)), 4);
  ASSERT_OK(ash_view_unlock(v));
  cr_assert_eq(pwrite(fd, &word, 4, (off_t)(dir + 448)), 4);
  cr_assert_eq(pwrite(fd, &tid, 4, (off_t)(dir + 452)), 4);
  ASSERT_ERR(ash_view_lock(v, 1), ASH_E_OWNERDEAD);
  ASSERT_OK(ash_view_consistent(v));
  ASSERT_OK(ash_view_unlock(v));
  /* garbage with every bit set but the id of nobody: not recoverable */
  uint32_t all = 0xFFFFFFFFu;
  cr_assert_eq(pwrite(fd, &all, 4, (off_t)(dir + 448)), 4);
  int64_t t0 = t_now_ms();
  ASSERT_ERR(ash_view_lock(v, 5), ASH_E_NOTRECOVERABLE);
  cr_assert(t_now_ms() - t0 < 1000);
  close(fd);
  ash_view_release(v);
  ash_segment_close(seg);
  ASSERT_OK(ash_unlink(a, 0));
}

static int t_child_inherited_lock(void *arg) {
  int r = ash_view_lock(arg, 0.1);
  return r == ASH_E_INVAL ? 0 : 1;
}

/* An inspection (not attached) can read the state, not lock. */
static int t_child_inspect(void *arg) {
  ash_segment *ins = NULL;
  ash_view *iv = NULL;
  if (ash_segment_open(arg, ASH_NOATTACH, &ins) ||
      ash_segment_view(ins, "a", &iv))
    return 2;
  int r = ash_view_lock(iv, 0.1);
  if (r != ASH_E_INVAL && r != ASH_E_RDONLY)
    return 3;
  int st;
  int64_t who;
  if (ash_view_lock_state(iv, &st, &who) || st != ASH_LOCK_ABANDONED)
    return 4;
  return 0;
}

TEST(sync, locking_needs_an_attached_writable_process) {
  TNAME(a);
  ash_view *v = t_counter(a, NULL);
  cr_assert_eq(t_run_child(t_child_inherited_lock, v), 0,
               "a view inherited through fork cannot lock");
  ASSERT_OK(ash_view_lock(v, 1));
  ash_view_release(v);
  ash_cache_clear(); /* detached: the lock is abandoned */
  cr_assert_eq(t_run_child(t_child_inspect, a), 0);
  ASSERT_OK(ash_attach(a, 0, &v));
  ASSERT_ERR(ash_view_lock(v, 1), ASH_E_OWNERDEAD);
  ASSERT_OK(ash_view_consistent(v));
  ASSERT_OK(ash_view_unlock(v));
  ash_view_release(v);
  ASSERT_OK(ash_unlink(a, 0));
}

/* A format 1.0 segment has no sync block: every call says so. */
TEST(sync, format_1_0_segments_refuse_with_version) {
  TNAME(a);
  ash_segment *seg = NULL;
  ash_view *v = t_counter(a, &seg);
  ash_view_release(v);
  ash_segment_close(seg);
  ash_cache_clear();
  char p[300];
  int fd = open(t_shm_path(p, sizeof p, a), O_RDWR);
  uint16_t minor = 0;
  uint32_t zero = 0;
  cr_assert_eq(pwrite(fd, &minor, 2, 10), 2);
  cr_assert_eq(pwrite(fd, &zero, 4, 132), 4);
  close(fd);
  ASSERT_OK(ash_segment_open(a, 0, &seg));
  cr_assert_eq(ash_segment_format_minor(seg), 0);
  ASSERT_OK(ash_segment_view(seg, "a", &v));
  ASSERT_ERR(ash_view_lock(v, 1), ASH_E_VERSION);
  ASSERT_ERR(ash_segment_lock(seg, 1), ASH_E_VERSION);
  int64_t ver;
  ASSERT_ERR(ash_view_version(v, &ver), ASH_E_VERSION);
  ASSERT_ERR(ash_view_write_begin(v, 1), ASH_E_VERSION);
  ASSERT_ERR(ash_view_wait_change(v, 0, 0.01, &ver), ASH_E_VERSION);
  ash_view_release(v);
  ash_segment_close(seg);
  ASSERT_OK(ash_unlink(a, 0));
}

TEST(sync, the_segment_lock_is_its_own) {
  TNAME(a);
  ash_segment *seg = NULL;
  ash_view *v = t_counter(a, &seg);
  ASSERT_OK(ash_segment_lock(seg, 1));
  ASSERT_OK(ash_view_lock(v, 0)); /* independent of the arrays' locks */
  ASSERT_ERR(ash_segment_trylock(seg), ASH_E_DEADLOCK);
  int st;
  int64_t who;
  ASSERT_OK(ash_segment_lock_state(seg, &st, &who));
  cr_assert_eq(st, ASH_LOCK_HELD);
  ASSERT_OK(ash_view_unlock(v));
  ASSERT_OK(ash_segment_unlock(seg));
  ASSERT_ERR(ash_segment_unlock(seg), ASH_E_NOTOWNER);
  ASSERT_ERR(ash_segment_consistent(seg), ASH_E_NOTOWNER);
  ash_view_release(v);
  ash_segment_close(seg);
  ASSERT_OK(ash_unlink(a, 0));
}

/* ---- versions and snapshots --------------------------------------------------------- */

TEST(sync, writes_publish_versions_and_snapshots_are_whole) {
  TNAME(a);
  ash_view *v = t_counter(a, NULL);
  int64_t ver = -1, buf[4];
  ASSERT_OK(ash_view_version(v, &ver));
  cr_assert_eq(ver, 0);
  ASSERT_OK(ash_view_write_begin(v, 1));
  ASSERT_ERR(ash_view_write_begin(v, 1), ASH_E_INVAL);
  ASSERT_ERR(ash_view_unlock(v), ASH_E_INVAL); /* end the write first */
  ASSERT_OK(ash_view_fill_i64(v, 7));
  ASSERT_OK(ash_view_version(v, &ver));
  cr_assert_eq(ver, 0, "not published yet");
  ASSERT_OK(ash_view_write_end(v));
  ASSERT_ERR(ash_view_write_end(v), ASH_E_INVAL);
  ASSERT_OK(ash_view_version(v, &ver));
  cr_assert_eq(ver, 1);
  ASSERT_OK(ash_view_read_snapshot(v, buf, sizeof buf, 1, &ver));
  cr_assert_eq(ver, 1);
  cr_assert_eq(buf[3], 7);
  ASSERT_ERR(ash_view_read_snapshot(v, buf, 8, 1, &ver), ASH_E_INVAL);
  /* a write inside a lock the caller holds leaves the lock held */
  ASSERT_OK(ash_view_lock(v, 1));
  ASSERT_OK(ash_view_write_begin(v, 1));
  ASSERT_OK(ash_view_write_end(v));
  ASSERT_ERR(ash_view_lock(v, 0), ASH_E_DEADLOCK);
  ASSERT_OK(ash_view_unlock(v));
  ASSERT_OK(ash_view_version(v, &ver));
  cr_assert_eq(ver, 2);
  /* a read-only view cannot write */
  ash_view *ro = NULL;
  ASSERT_OK(ash_view_readonly(v, &ro));
  ASSERT_ERR(ash_view_write_begin(ro, 1), ASH_E_RDONLY);
  ASSERT_OK(ash_view_lock(ro, 1)); /* but may lock */
  ASSERT_OK(ash_view_unlock(ro));
  ash_view_release(ro);
  ash_view_release(v);
  ASSERT_OK(ash_unlink(a, 0));
}

TEST(sync, a_writer_killed_mid_write_leaves_a_torn_array) {
  TNAME(a);
  ash_view *v = t_counter(a, NULL);
  struct t_holder h;
  pid_t pid = t_holder(&h, a, HOLD_WRITE);
  int64_t buf[4], ver = -1;
  /* a live writer: the snapshot waits, up to its timeout */
  int64_t t0 = t_now_ms();
  ASSERT_ERR(ash_view_read_snapshot(v, buf, sizeof buf, 0.1, &ver),
             ASH_E_TIMEOUT);
  cr_assert(t_now_ms() - t0 >= 90);
  t_kill(pid);
  ASSERT_ERR(ash_view_read_snapshot(v, buf, sizeof buf, 1, &ver), ASH_E_TORN);
  cr_assert(strstr(ash_last_error(), "died in the middle"), "%s",
            ash_last_error());
  ASSERT_ERR(ash_view_wait_change(v, 0, 1, &ver), ASH_E_TORN);
  /* the next writer is told, rewrites, and the array is whole again */
  ASSERT_ERR(ash_view_write_begin(v, 1), ASH_E_OWNERDEAD);
  ASSERT_OK(ash_view_fill_i64(v, 5));
  ASSERT_OK(ash_view_write_end(v));
  ASSERT_OK(ash_view_read_snapshot(v, buf, sizeof buf, 1, &ver));
  cr_assert_eq(ver, 1);
  cr_assert_eq(buf[0], 5);
  int st;
  int64_t who;
  ASSERT_OK(ash_view_lock_state(v, &st, &who));
  cr_assert_eq(st, ASH_LOCK_FREE, "write_end marked it consistent");
  ash_view_release(v);
  ASSERT_OK(ash_unlink(a, 0));
}

/* ---- wait and notify ---------------------------------------------------------------- */

struct t_pub {
  const char *name;
  int n;
  double delay;
};

static int t_publisher(void *arg) {
  struct t_pub *p = arg;
  char d[128];
  snprintf(d, sizeof d, "%s/a", p->name);
  ash_view *v = NULL;
  if (ash_attach(d, 0, &v) != ASH_OK)
    return 2;
  for (int i = 1; i <= p->n; i++) {
    usleep((useconds_t)(p->delay * 1e6));
    if (ash_view_write_begin(v, 1) || ash_view_fill_i64(v, i) ||
        ash_view_write_end(v))
      return 3;
  }
  ash_view_release(v);
  return 0;
}

TEST(sync, waiters_see_every_version_of_another_process) {
  TNAME(a);
  ash_view *v = t_counter(a, NULL);
  int64_t ver = 0, got;
  ASSERT_ERR(ash_view_wait_change(v, 0, 0.05, &got), ASH_E_TIMEOUT);
  ASSERT_OK(ash_view_wait_change(v, 5, 0.05, &got)); /* differs already */
  cr_assert_eq(got, 0);
  struct t_pub p = {a, 20, 0.002};
  pid_t pid = t_spawn(t_publisher, &p);
  int64_t buf[4];
  while (ver < 20) {
    ASSERT_OK(ash_view_wait_change(v, ver, 5, &got));
    cr_assert_gt(got, ver);
    ASSERT_OK(ash_view_read_snapshot(v, buf, sizeof buf, 1, &ver));
    cr_assert_eq(buf[0], ver, "snapshot of version %lld holds %lld",
                 (long long)ver, (long long)buf[0]);
  }
  cr_assert_eq(t_wait(pid), 0);
  ash_view_release(v);
  ASSERT_OK(ash_unlink(a, 0));
}

static void t_wait_any_case(const char *a) {
  ash_segment *seg = NULL;
  ash_view *v = t_counter(a, &seg);
  int64_t n = 2;
  ash_view *w = NULL;
  ASSERT_OK(ash_segment_add_array(seg, "b", ASH_INT32, 1, &n, &w));
  ash_view *both[2] = {v, w};
  int64_t vers[2] = {0, 0};
  int idx = -1;
  ASSERT_ERR(ash_view_wait_any(2, both, 2, vers, 0.03, &idx), ASH_E_TIMEOUT);
  ASSERT_ERR(ash_view_wait_any(2, both, 1, vers, 0.03, &idx), ASH_E_INVAL);
  ASSERT_ERR(ash_view_wait_any(0, both, 0, vers, 0.03, &idx), ASH_E_INVAL);
  int woken = -1;
  ASSERT_OK(ash_view_notify(w, 1, &woken));
  cr_assert_eq(woken, 0, "nobody waits: no wake");
  ASSERT_OK(ash_view_wait_any(2, both, 2, vers, 1, &idx));
  cr_assert_eq(idx, 1);
  vers[1] = 1;
  struct t_pub p = {a, 1, 0.05};
  pid_t pid = t_spawn(t_publisher, &p);
  int64_t t0 = t_now_ms();
  ASSERT_OK(ash_view_wait_any(2, both, 2, vers, 5, &idx));
  cr_assert_eq(idx, 0);
  cr_assert(t_now_ms() - t0 < 1000);
  cr_assert_eq(t_wait(pid), 0);
  ash_view_release(w);
  ash_view_release(v);
  ash_segment_close(seg);
  ASSERT_OK(ash_unlink(a, 0));
}

TEST(sync, wait_any_with_futex_waitv) {
  TNAME(a);
  t_wait_any_case(a);
}

TEST(sync, wait_any_without_futex_waitv) {
  TNAME(a);
  setenv("ASH_TEST_NO_FUTEX_WAITV", "1", 1);
  t_wait_any_case(a);
}

struct t_sleeper {
  const ash_view *v;
  int rc;
  int64_t got;
};

static void *t_sleep_change(void *arg) {
  struct t_sleeper *s = arg;
  s->rc = ash_view_wait_change(s->v, 0, 5, &s->got);
  return NULL;
}

TEST(sync, notify_wakes_one_or_all) {
  TNAME(a);
  ash_view *v = t_counter(a, NULL);
  struct t_sleeper s[2] = {{v, 0, 0}, {v, 0, 0}};
  pthread_t th[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&th[i], NULL, t_sleep_change, &s[i]);
  usleep(50000);
  /* @woken counts the waiters asleep in the kernel at that instant: both,
   * usually, but a waiter between two of its bounded slices (or not yet
   * asleep on a loaded machine) is not counted. What must hold whatever
   * the timing: no wake-up is lost, every waiter returns with version 1. */
  int woken = -1;
  ASSERT_OK(ash_view_notify(v, 1, &woken));
  cr_assert(woken >= 0 && woken <= 2, "woken %d", woken);
  for (int i = 0; i < 2; i++) {
    pthread_join(th[i], NULL);
    cr_assert_eq(s[i].rc, ASH_OK);
    cr_assert_eq(s[i].got, 1);
  }
  struct t_sleeper one = {v, 0, 0};
  one.got = 0;
  pthread_create(&th[0], NULL, t_sleep_change, &one);
  usleep(30000);
  ASSERT_OK(ash_view_notify(v, 0, &woken)); /* version 2: differs from 0 */
  pthread_join(th[0], NULL);
  cr_assert_eq(one.rc, ASH_OK);
  ash_view_release(v);
  ASSERT_OK(ash_unlink(a, 0));
}

/* ---- element atomics ------------------------------------------------------------- */

TEST(sync, atomics_on_every_integer_dtype) {
  TNAME(a);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(a, 65536, 16, ASH_PERSIST, 0600, &seg));
  int dts[] = {ASH_INT8,  ASH_INT16,  ASH_INT32, ASH_INT64,
               ASH_UINT8, ASH_UINT16, ASH_UINT32};
  for (size_t k = 0; k < sizeof dts / sizeof dts[0]; k++) {
    char nm[16];
    snprintf(nm, sizeof nm, "d%zu", k);
    int64_t n = 3, i = 1, old = -1;
    ash_view *v = NULL;
    ASSERT_OK(ash_segment_add_array(seg, nm, dts[k], 1, &n, &v));
    ASSERT_OK(ash_view_atomic_i64(v, ASH_ATOMIC_STORE, 1, &i, 100, 0, &old));
    cr_assert_eq(old, 100);
    ASSERT_OK(ash_view_atomic_i64(v, ASH_ATOMIC_ADD, 1, &i, 5, 0, &old));
    cr_assert_eq(old, 100);
    ASSERT_OK(ash_view_atomic_i64(v, ASH_ATOMIC_SUB, 1, &i, 3, 0, &old));
    cr_assert_eq(old, 105);
    ASSERT_OK(ash_view_atomic_i64(v, ASH_ATOMIC_CAS, 1, &i, 9, 1, &old));
    cr_assert_eq(old, 102, "a failed CAS returns the value");
    ASSERT_OK(ash_view_atomic_i64(v, ASH_ATOMIC_CAS, 1, &i, 9, 102, &old));
    cr_assert_eq(old, 102);
    ASSERT_OK(ash_view_atomic_i64(v, ASH_ATOMIC_OR, 1, &i, 6, 0, &old));
    cr_assert_eq(old, 9);
    ASSERT_OK(ash_view_atomic_i64(v, ASH_ATOMIC_AND, 1, &i, 12, 0, &old));
    cr_assert_eq(old, 15);
    ASSERT_OK(ash_view_atomic_i64(v, ASH_ATOMIC_XOR, 1, &i, 5, 0, &old));
    cr_assert_eq(old, 12);
    ASSERT_OK(ash_view_atomic_i64(v, ASH_ATOMIC_EXCHANGE, 1, &i, 1, 0, &old));
    cr_assert_eq(old, 9);
    ASSERT_OK(ash_view_atomic_i64(v, ASH_ATOMIC_LOAD, 1, &i, 0, 0, &old));
    cr_assert_eq(old, 1);
    cr_assert_eq(t_get_i64_flat(v, 1), 1);
    cr_assert_eq(t_get_i64_flat(v, 0), 0, "neighbours untouched");
    cr_assert_eq(t_get_i64_flat(v, 2), 0, "neighbours untouched");
    ash_view_release(v);
  }
  /* wrap-around at the width, as C atomics do */
  int64_t n = 1, i = 0, old;
  ash_view *v8 = NULL;
  ASSERT_OK(ash_segment_add_array(seg, "w", ASH_INT8, 1, &n, &v8));
  ASSERT_OK(ash_view_atomic_i64(v8, ASH_ATOMIC_STORE, 1, &i, 127, 0, &old));
  ASSERT_OK(ash_view_atomic_i64(v8, ASH_ATOMIC_ADD, 1, &i, 1, 0, &old));
  ASSERT_OK(ash_view_atomic_i64(v8, ASH_ATOMIC_LOAD, 1, &i, 0, 0, &old));
  cr_assert_eq(old, -128);
  ASSERT_ERR(ash_view_atomic_i64(v8, ASH_ATOMIC_ADD, 1, &i, 300, 0, &old),
             ASH_E_VALUE);
  ASSERT_ERR(ash_view_atomic_i64(v8, 42, 1, &i, 1, 0, &old), ASH_E_INVAL);
  ASSERT_ERR(
      ash_view_atomic_u64(v8, ASH_ATOMIC_ADD, 1, &i, 1, 0, (uint64_t *)&old),
      ASH_E_DTYPE);
  ash_view_release(v8);
  /* uint64 through the u64 form only */
  ash_view *u = NULL;
  ASSERT_OK(ash_segment_add_array(seg, "u", ASH_UINT64, 1, &n, &u));
  uint64_t uo = 0;
  ASSERT_ERR(ash_view_atomic_i64(u, ASH_ATOMIC_ADD, 1, &i, 1, 0, &old),
             ASH_E_DTYPE);
  ASSERT_OK(
      ash_view_atomic_u64(u, ASH_ATOMIC_STORE, 1, &i, UINT64_MAX, 0, &uo));
  ASSERT_OK(ash_view_atomic_u64(u, ASH_ATOMIC_ADD, 1, &i, 2, 0, &uo));
  cr_assert_eq(uo, UINT64_MAX);
  ASSERT_OK(ash_view_atomic_u64(u, ASH_ATOMIC_LOAD, 1, &i, 0, 0, &uo));
  cr_assert_eq(uo, 1);
  ash_view_release(u);
  ash_segment_close(seg);
  ASSERT_OK(ash_unlink(a, 0));
}

TEST(sync, atomics_refuse_floats_unaligned_and_read_only) {
  TNAME(a);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(a, 65536, 8, ASH_PERSIST, 0600, &seg));
  int64_t n = 16, i = 0, old;
  ash_view *f = NULL, *b = NULL, *c = NULL;
  ASSERT_OK(ash_segment_add_array(seg, "f", ASH_FLOAT64, 1, &n, &f));
  ASSERT_OK(ash_segment_add_array(seg, "b", ASH_BOOL, 1, &n, &b));
  ASSERT_OK(ash_segment_add_array(seg, "c", ASH_UINT8, 1, &n, &c));
  ASSERT_ERR(ash_view_atomic_i64(f, ASH_ATOMIC_ADD, 1, &i, 1, 0, &old),
             ASH_E_DTYPE);
  cr_assert(strstr(ash_last_error(), "float64"), "%s", ash_last_error());
  ASSERT_ERR(ash_view_atomic_i64(b, ASH_ATOMIC_LOAD, 1, &i, 0, 0, &old),
             ASH_E_DTYPE);
  ash_view *s = NULL, *r = NULL, *ro = NULL;
  ASSERT_OK(ash_view_slice(c, 0, 1, 9, 1, 0, &s));
  ASSERT_OK(ash_view_reinterpret(s, ASH_INT32, &r)); /* at byte 1 */
  ASSERT_ERR(ash_view_atomic_i64(r, ASH_ATOMIC_ADD, 1, &i, 1, 0, &old),
             ASH_E_INVAL);
  cr_assert(strstr(ash_last_error(), "aligned"), "%s", ash_last_error());
  ASSERT_OK(ash_view_readonly(c, &ro));
  ASSERT_ERR(ash_view_atomic_i64(ro, ASH_ATOMIC_ADD, 1, &i, 1, 0, &old),
             ASH_E_RDONLY);
  ASSERT_OK(ash_view_atomic_i64(ro, ASH_ATOMIC_LOAD, 1, &i, 0, 0, &old));
  int64_t far = 99;
  ASSERT_ERR(ash_view_atomic_i64(c, ASH_ATOMIC_ADD, 1, &far, 1, 0, &old),
             ASH_E_INDEX);
  ash_view_release(ro);
  ash_view_release(r);
  ash_view_release(s);
  ash_view_release(c);
  ash_view_release(b);
  ash_view_release(f);
  ash_segment_close(seg);
  ASSERT_OK(ash_unlink(a, 0));
}

TEST(sync, the_vector_form_checks_everything_first) {
  TNAME(a);
  int64_t n = 5;
  ash_view *v = t_make_array(a, ASH_INT32, 1, &n, ASH_PERSIST, NULL);
  int64_t idx[4] = {0, 2, -1, 2}, vals[4] = {1, 2, 3, 4}, olds[4];
  ASSERT_OK(ash_view_atomic_vec(v, ASH_ATOMIC_ADD, 4, idx, 4, vals, olds));
  cr_assert_eq(olds[3], 2, "repeats apply in order");
  cr_assert_eq(t_get_i64_flat(v, 2), 6);
  cr_assert_eq(t_get_i64_flat(v, 4), 3);
  ASSERT_OK(ash_view_atomic_vec(v, ASH_ATOMIC_ADD, 4, idx, 1, vals, NULL));
  cr_assert_eq(t_get_i64_flat(v, 0), 2);
  ASSERT_OK(ash_view_atomic_vec(v, ASH_ATOMIC_LOAD, 2, idx, 0, NULL, olds));
  cr_assert_eq(olds[1], 8);
  int64_t bad[2] = {1, 7};
  ASSERT_ERR(ash_view_atomic_vec(v, ASH_ATOMIC_ADD, 2, bad, 1, vals, olds),
             ASH_E_INDEX);
  cr_assert_eq(t_get_i64_flat(v, 1), 0, "nothing changed");
  int64_t big[2] = {1, INT64_C(1) << 40};
  ASSERT_ERR(ash_view_atomic_vec(v, ASH_ATOMIC_ADD, 2, idx, 2, big, olds),
             ASH_E_VALUE);
  cr_assert_eq(t_get_i64_flat(v, 0), 2, "nothing changed");
  ASSERT_ERR(ash_view_atomic_vec(v, ASH_ATOMIC_CAS, 1, idx, 1, vals, olds),
             ASH_E_INVAL);
  ASSERT_ERR(ash_view_atomic_vec(v, ASH_ATOMIC_ADD, 2, idx, 3, vals, olds),
             ASH_E_INVAL);
  ash_view_release(v);
  ASSERT_OK(ash_unlink(a, 0));
}

/* ---- two processes, one counter ----------------------------------------------------- */

struct t_inc {
  const char *name;
  int n, atomics;
};

static int t_incrementer(void *arg) {
  struct t_inc *c = arg;
  char d[128];
  snprintf(d, sizeof d, "%s/a", c->name);
  ash_view *v = NULL;
  if (ash_attach(d, 0, &v) != ASH_OK)
    return 2;
  int64_t i = 0, x;
  for (int k = 0; k < c->n; k++) {
    if (c->atomics) {
      if (ash_view_atomic_i64(v, ASH_ATOMIC_ADD, 1, &i, 1, 0, &x))
        return 3;
      continue;
    }
    if (ash_view_lock(v, 10) || ash_view_get_i64(v, 1, &i, &x) ||
        ash_view_set_i64(v, 1, &i, x + 1) || ash_view_unlock(v))
      return 4;
  }
  ash_view_release(v);
  return 0;
}

TEST(sync, two_processes_count_exactly) {
  TNAME(a);
  ash_view *v = t_counter(a, NULL);
  for (int atomics = 0; atomics < 2; atomics++) {
    ASSERT_OK(ash_view_fill_i64(v, 0));
    struct t_inc c = {a, 10000, atomics};
    pid_t p1 = t_spawn(t_incrementer, &c), p2 = t_spawn(t_incrementer, &c);
    cr_assert_eq(t_wait(p1), 0);
    cr_assert_eq(t_wait(p2), 0);
    cr_assert_eq(t_get_i64_flat(v, 0), 20000, "atomics=%d", atomics);
  }
  ash_view_release(v);
  ASSERT_OK(ash_unlink(a, 0));
}
