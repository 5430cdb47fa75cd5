/* SPDX-License-Identifier: MIT */
/* Lifetime: views keep mappings alive, the auto and persist policies, the
 * attach table across processes, crashed attachers and ash_gc().
 * Run with Criterion --jobs 1 (see CMakeLists.txt): ash_gc() must not race
 * the deliberately dead segments of another test. */
#include "common.h"

TestSuite(lifetime, .fini = t_fini, .timeout = 60);

TEST(lifetime, view_outlives_segment_handle) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 1 << 20, 2, 0, 0600, &seg));
  ash_view *v = NULL;
  ASSERT_OK(ash_segment_add_array(seg, "big", ASH_FLOAT64, 1,
                                  (int64_t[]){100000}, &v));
  ash_view *s = NULL;
  ASSERT_OK(ash_view_slice(v, 0, 10, 20, 1, 0, &s));
  ash_segment_close(seg);
  /* still attached through the views: the name stays (auto policy) */
  cr_assert(t_shm_exists(name), "closing the handle with views alive must "
                                "not detach");
  double *d = ash_view_data(v);
  for (int i = 0; i < 100000; i++)
    d[i] = i;
  ASSERT_OK(ash_view_set_f64(v, 1, (int64_t[]){99999}, -1.0));
  double x = 0;
  ASSERT_OK(ash_view_get_f64(s, 1, (int64_t[]){5}, &x));
  cr_assert_eq(x, 15.0);
  ash_view_release(v);
  cr_assert(t_shm_exists(name), "the slice still holds the mapping");
  ASSERT_OK(ash_view_get_f64(s, 1, (int64_t[]){9}, &x));
  cr_assert_eq(x, 19.0);
  ash_segment *again = NULL;
  ASSERT_OK(ash_view_segment(s, &again));
  cr_assert_str_eq(ash_segment_name(again), name);
  cr_assert_eq(ash_segment_array_count(again), 1);
  ash_segment_close(again);
  cr_assert(t_shm_exists(name));
  ash_view_release(s);
  cr_assert(!t_shm_exists(name), "last view gone: detach and unlink (auto)");
}

TEST(lifetime, one_call_create_view_holds_segment) {
  TNAME(name);
  ash_view *v = NULL;
  ASSERT_OK(ash_create(name, ASH_INT32, 2, (int64_t[]){3, 4}, 0, 0600, &v));
  cr_assert_str_eq(ash_view_array_name(v), "data");
  cr_assert_str_eq(ash_view_segment_name(v), name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_view_segment(v, &seg));
  cr_assert_eq(ash_segment_array_count(seg), 1);
  cr_assert_str_eq(ash_segment_array_name(seg, 0), "data");
  cr_assert_eq(ash_segment_policy(seg), ASH_POLICY_AUTO);
  ash_segment_close(seg);
  cr_assert(t_shm_exists(name));
  ash_view_release(v);
  cr_assert(!t_shm_exists(name));

  ASSERT_OK(
      ash_create(name, ASH_INT32, 1, (int64_t[]){3}, ASH_PERSIST, 0600, &v));
  ash_view_release(v);
  cr_assert(t_shm_exists(name));
  ASSERT_OK(ash_attach(name, 0, &v));
  cr_assert_eq(ash_view_dim(v, 0), 3);
  ash_view_release(v);
  ASSERT_OK(ash_unlink(name, 0));
  cr_assert(!t_shm_exists(name));
}

TEST(lifetime, auto_unlinked_when_last_handle_closes) {
  TNAME(name);
  ash_segment *a = NULL, *b = NULL;
  ASSERT_OK(ash_segment_create(name, 64, 1, 0, 0600, &a));
  ASSERT_OK(ash_segment_open(name, 0, &b));
  int alive = -1;
  ASSERT_OK(ash_segment_attachers(b, &alive, NULL));
  cr_assert_eq(alive, 1, "a process counts once, however many handles");
  ash_segment_close(a);
  cr_assert(t_shm_exists(name));
  ash_segment_close(b);
  cr_assert(!t_shm_exists(name));
}

TEST(lifetime, persist_stays_until_unlink) {
  TNAME(name);
  ash_segment *a = NULL;
  ASSERT_OK(ash_segment_create(name, 64, 1, ASH_PERSIST, 0600, &a));
  ash_segment_close(a);
  cr_assert(t_shm_exists(name));
  ASSERT_OK(ash_segment_open(name, 0, &a));
  int alive = -1, dead = -1;
  ASSERT_OK(ash_segment_attachers(a, &alive, &dead));
  cr_assert_eq(alive, 1);
  cr_assert_eq(dead, 0, "the creator detached cleanly");
  ash_segment_close(a);
  cr_assert(t_shm_exists(name));
  ASSERT_OK(ash_unlink(name, 0));
  cr_assert(!t_shm_exists(name));
}

/* ---- across processes ------------------------------------------------------ */

struct attacher {
  const char *name;
  unsigned flags;
  t_pipe ready; /* child -> parent: 'r' attached, 'e' failed */
  t_pipe go;    /* parent -> child: 'c' close and exit */
};

static void attacher_init(struct attacher *a, const char *name,
                          unsigned flags) {
  a->name = name;
  a->flags = flags;
  t_pipe_init(&a->ready);
  t_pipe_init(&a->go);
}

static int child_attach_wait(void *arg) {
  struct attacher *a = arg;
  ash_segment *seg = NULL;
  int rc = ash_segment_open(a->name, a->flags, &seg);
  t_pipe_send(&a->ready, rc == ASH_OK ? 'r' : 'e');
  if (rc != ASH_OK)
    return 2;
  int c = t_pipe_recv(&a->go); /* 'c', or EOF */
  (void)c;
  ash_segment_close(seg);
  return 0;
}

static pid_t start_attacher(struct attacher *a) {
  pid_t pid = t_spawn(child_attach_wait, a);
  cr_assert_eq(t_pipe_recv(&a->ready), 'r', "child could not attach");
  return pid;
}

TEST(lifetime, attachers_counted_across_fork) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 64, 1, 0, 0600, &seg));
  enum { N = 3 };
  struct attacher at[N];
  pid_t pids[N];
  for (int i = 0; i < N; i++) {
    attacher_init(&at[i], name, 0);
    pids[i] = start_attacher(&at[i]);
  }
  int alive = -1, dead = -1;
  ASSERT_OK(ash_segment_attachers(seg, &alive, &dead));
  cr_assert_eq(alive, N + 1);
  cr_assert_eq(dead, 0);
  int seen[N] = {0}, self = 0;
  for (int k = 0; k < alive + dead; k++) {
    int64_t pid = 0;
    int is_alive = -1;
    ASSERT_OK(ash_segment_attacher(seg, k, &pid, &is_alive));
    cr_assert_eq(is_alive, 1);
    if (pid == getpid())
      self++;
    for (int i = 0; i < N; i++)
      if (pid == pids[i])
        seen[i]++;
  }
  cr_assert_eq(self, 1);
  for (int i = 0; i < N; i++)
    cr_assert_eq(seen[i], 1, "child %d listed %d times", i, seen[i]);
  ASSERT_ERR(ash_segment_attacher(seg, alive + dead, &(int64_t){0}, &(int){0}),
             ASH_E_INDEX);

  for (int i = 0; i < N; i++) {
    t_pipe_send(&at[i].go, 'c');
    cr_assert_eq(t_wait(pids[i]), 0);
    t_pipe_close(&at[i].ready);
    t_pipe_close(&at[i].go);
    ASSERT_OK(ash_segment_attachers(seg, &alive, &dead));
    cr_assert_eq(alive, N - i);
    cr_assert_eq(dead, 0);
  }
  cr_assert(t_shm_exists(name), "children detaching must not unlink while "
                                "the parent is attached");
  ash_segment_close(seg);
  cr_assert(!t_shm_exists(name));
}

TEST(lifetime, last_attacher_in_another_process_unlinks) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 64, 1, 0, 0600, &seg));
  struct attacher at;
  attacher_init(&at, name, 0);
  pid_t pid = start_attacher(&at);
  ash_segment_close(seg); /* the child is now the only attacher */
  cr_assert(t_shm_exists(name));
  t_pipe_send(&at.go, 'c');
  cr_assert_eq(t_wait(pid), 0);
  t_pipe_close(&at.ready);
  t_pipe_close(&at.go);
  cr_assert(!t_shm_exists(name), "the child's close was the last detach");
}

TEST(lifetime, killed_attacher_is_dead_and_gc_reaps) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 64, 1, 0, 0600, &seg));
  struct attacher at;
  attacher_init(&at, name, 0);
  pid_t pid = start_attacher(&at);
  int alive = -1, dead = -1;
  ASSERT_OK(ash_segment_attachers(seg, &alive, &dead));
  cr_assert_eq(alive, 2);
  cr_assert_eq(dead, 0);
  ash_segment_close(seg); /* the child alone holds it */
  cr_assert(t_shm_exists(name));
  kill(pid, SIGKILL);
  cr_assert_eq(t_wait(pid), 1000 + SIGKILL);
  t_pipe_close(&at.ready);
  t_pipe_close(&at.go);
  cr_assert(t_shm_exists(name), "nobody detached: the name stays until gc");

  /* inspect without attaching */
  ASSERT_OK(ash_segment_open(name, ASH_NOATTACH, &seg));
  ASSERT_OK(ash_segment_attachers(seg, &alive, &dead));
  cr_assert_eq(alive, 0);
  cr_assert_eq(dead, 1);
  int64_t apid = 0;
  int is_alive = -1;
  ASSERT_OK(ash_segment_attacher(seg, 0, &apid, &is_alive));
  cr_assert_eq(apid, (int64_t)pid);
  cr_assert_eq(is_alive, 0);
  ash_segment_close(seg);
  cr_assert(t_shm_exists(name), "a NOATTACH close must not unlink");

  int reaped = -1;
  ASSERT_OK(ash_gc(&reaped));
  cr_assert_geq(reaped, 1);
  cr_assert(!t_shm_exists(name), "ash_gc must reap an auto segment whose "
                                 "attachers are all dead");
  ASSERT_OK(ash_gc(NULL));
}

TEST(lifetime, killed_attacher_seen_by_live_one) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 64, 1, 0, 0600, &seg));
  struct attacher at;
  attacher_init(&at, name, 0);
  pid_t pid = start_attacher(&at);
  kill(pid, SIGKILL);
  cr_assert_eq(t_wait(pid), 1000 + SIGKILL);
  t_pipe_close(&at.ready);
  t_pipe_close(&at.go);
  int alive = -1, dead = -1;
  ASSERT_OK(ash_segment_attachers(seg, &alive, &dead));
  cr_assert_eq(alive, 1);
  cr_assert_eq(dead, 1);
  /* gc keeps a segment that still has a live attacher, and prunes the dead */
  ASSERT_OK(ash_gc(NULL));
  cr_assert(t_shm_exists(name), "gc removed a segment with a live attacher");
  ASSERT_OK(ash_segment_attachers(seg, &alive, &dead));
  cr_assert_eq(alive, 1);
  cr_assert_eq(dead, 0, "gc removes dead processes from attach tables");
  ash_segment_close(seg);
  /* the last live attacher left: unlinked on close or, at the latest, by gc */
  ASSERT_OK(ash_gc(NULL));
  cr_assert(!t_shm_exists(name));
}

TEST(lifetime, gc_keeps_persist) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 64, 1, ASH_PERSIST, 0600, &seg));
  ash_segment_close(seg);
  struct attacher at;
  attacher_init(&at, name, 0);
  pid_t pid = start_attacher(&at);
  kill(pid, SIGKILL);
  cr_assert_eq(t_wait(pid), 1000 + SIGKILL);
  t_pipe_close(&at.ready);
  t_pipe_close(&at.go);

  ASSERT_OK(ash_segment_open(name, ASH_NOATTACH, &seg));
  int alive = -1, dead = -1;
  ASSERT_OK(ash_segment_attachers(seg, &alive, &dead));
  cr_assert_eq(alive, 0);
  cr_assert_eq(dead, 1);
  ash_segment_close(seg);

  ASSERT_OK(ash_gc(NULL));
  cr_assert(t_shm_exists(name), "gc must keep persist segments");
  ASSERT_OK(ash_segment_open(name, ASH_NOATTACH, &seg));
  ASSERT_OK(ash_segment_attachers(seg, &alive, &dead));
  cr_assert_eq(dead, 0, "gc removes the dead attacher from the table");
  ash_segment_close(seg);
  ASSERT_OK(ash_unlink(name, 0));
}

static const char *g_name;

static int child_create_then_die(void *arg) {
  (void)arg;
  ash_segment *seg = NULL;
  if (ash_segment_create(g_name, 64, 1, 0, 0600, &seg) != ASH_OK)
    return 2;
  if (ash_segment_add_array(seg, "a", ASH_UINT8, 1, (int64_t[]){8}, NULL) !=
      ASH_OK)
    return 4;
  raise(SIGKILL);
  return 3;
}

TEST(lifetime, attaching_never_unlinks) {
  TNAME(name);
  g_name = name;
  /* an auto segment whose only attacher (its creator) died */
  cr_assert_eq(t_run_child(child_create_then_die, NULL), 1000 + SIGKILL);
  cr_assert(t_shm_exists(name));
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_open(name, 0, &seg));
  cr_assert(t_shm_exists(name), "open must not unlink a dead segment");
  int alive = -1;
  ASSERT_OK(ash_segment_attachers(seg, &alive, NULL));
  cr_assert_eq(alive, 1);
  ash_view *v = NULL;
  ASSERT_OK(ash_attach(name, ASH_NOATTACH, &v));
  ash_view_release(v);
  cr_assert(t_shm_exists(name));
  ash_segment_close(seg);
  ASSERT_OK(ash_gc(NULL));
  cr_assert(!t_shm_exists(name));
}

TEST(lifetime, noattach_inspection_of_unattached_segment) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 64, 1, ASH_PERSIST, 0600, &seg));
  ash_segment_close(seg);
  for (int i = 0; i < 3; i++) {
    ASSERT_OK(ash_segment_open(name, ASH_NOATTACH, &seg));
    ash_segment_close(seg);
    cr_assert(t_shm_exists(name));
  }
  ASSERT_OK(ash_unlink(name, 0));
}

TEST(lifetime, retain_release_balance) {
  TNAME(name);
  ash_view *v = NULL;
  ASSERT_OK(ash_create(name, ASH_UINT8, 1, (int64_t[]){16}, 0, 0600, &v));
  cr_assert_eq(ash_view_retain(v), v);
  cr_assert_eq(ash_view_retain(v), v);
  ash_view_release(v);
  ash_view_release(v);
  cr_assert(t_shm_exists(name), "one reference is still held");
  ASSERT_OK(ash_view_fill_i64(v, 7));
  ash_view_release(v);
  cr_assert(!t_shm_exists(name));
}

TEST(lifetime, gc_keeps_live_auto_segment) {
  TNAME(name);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, 64, 1, 0, 0600, &seg));
  int reaped = -1;
  ASSERT_OK(ash_gc(&reaped));
  cr_assert(t_shm_exists(name), "ash_gc reaped an auto segment whose "
                                "attacher (this process) is alive");
  int alive = -1, dead = -1;
  ASSERT_OK(ash_segment_attachers(seg, &alive, &dead));
  cr_assert_eq(alive, 1, "gc dropped the live attacher from the table");
  cr_assert_eq(dead, 0);
  ash_segment_close(seg);
  cr_assert(!t_shm_exists(name));
}

/* ---- ash_unlink of a segment this process maps ----------------------------- */

static double t_get0(const ash_view *v) {
  int64_t i = 0;
  double x = -1;
  ASSERT_OK(ash_view_get_f64(v, 1, &i, &x));
  return x;
}

static void t_set0(const ash_view *v, double x) {
  int64_t i = 0;
  ASSERT_OK(ash_view_set_f64(v, 1, &i, x));
}

/* The name now refers to another segment than the one this process mapped
 * under it: ash_unlink removes the name (the segment it refers to now),
 * and both segments stay usable through their views. */
TEST(lifetime, unlink_mapped_after_the_name_was_replaced) {
  TNAME(name);
  const int64_t shape[1] = {4};
  ash_view *a = NULL, *b = NULL;
  ASSERT_OK(ash_create(name, ASH_FLOAT64, 1, shape, ASH_PERSIST, 0600, &a));
  t_set0(a, 1.0);
  t_shm_remove(name); /* behind the library's back */
  ASSERT_OK(ash_create(name, ASH_FLOAT64, 1, shape, ASH_PERSIST, 0600, &b));
  t_set0(b, 2.0);
  ASSERT_OK(ash_unlink(name, 0));
  cr_assert(!t_shm_exists(name));
  ASSERT_ERR(ash_unlink(name, 0), ASH_E_NOENT);
  cr_assert_eq(t_get0(a), 1.0);
  cr_assert_eq(t_get0(b), 2.0);
  ash_view_release(a);
  ash_view_release(b);
}

/* The creator unlinks its auto segment while holding it, a new segment
 * takes the name: the old one's last detach removes nothing, the new
 * one's removes its own name. */
TEST(lifetime, unlink_own_auto_then_recreate) {
  TNAME(name);
  const int64_t shape[1] = {4};
  ash_view *a = NULL, *b = NULL;
  ASSERT_OK(ash_create(name, ASH_FLOAT64, 1, shape, 0, 0600, &a));
  ASSERT_OK(ash_unlink(name, 0));
  cr_assert(!t_shm_exists(name));
  ASSERT_OK(ash_create(name, ASH_FLOAT64, 1, shape, 0, 0600, &b));
  ash_view_release(a);
  cr_assert(t_shm_exists(name), "the old segment's detach removed the new one");
  int alive = -1, dead = -1;
  ash_segment *s = NULL;
  ASSERT_OK(ash_view_segment(b, &s));
  ASSERT_OK(ash_segment_attachers(s, &alive, &dead));
  cr_assert_eq(alive, 1);
  cr_assert_eq(dead, 0);
  ash_segment_close(s);
  ash_view_release(b);
  cr_assert(!t_shm_exists(name), "auto: the last detach removes the name");
}

/* A created segment's attach record is the creator's (written with the
 * header): another process sees it alive, then gone once released. */
TEST(lifetime, creator_record_written_with_the_header) {
  TNAME(name);
  const int64_t shape[1] = {4};
  ash_view *a = NULL;
  ASSERT_OK(ash_create(name, ASH_FLOAT64, 1, shape, ASH_PERSIST, 0600, &a));
  ash_segment *s = NULL;
  ASSERT_OK(ash_view_segment(a, &s));
  int64_t pid = 0;
  int alive = 0;
  ASSERT_OK(ash_segment_attacher(s, 0, &pid, &alive));
  cr_assert_eq(pid, (int64_t)getpid());
  cr_assert_eq(alive, 1);
  ash_segment_close(s);
  ash_view_release(a);
  ASSERT_OK(ash_segment_open(name, ASH_NOATTACH, &s));
  int dead = -1;
  ASSERT_OK(ash_segment_attachers(s, &alive, &dead));
  cr_assert_eq(alive, 0);
  cr_assert_eq(dead, 0, "the creator cleared its record at its detach");
  ash_segment_close(s);
  ASSERT_OK(ash_unlink(name, 0));
}

/* The creator's attach, whatever the table's size: its slot (pid modulo
 * the capacity) lies in the head written at creation, or (a large table)
 * beyond it and is recorded apart. Either way it is counted alive, can
 * lock (the lock's owner id carries the record's generation), and leaves
 * no dead record at its detach. */
TEST(lifetime, creator_attach_with_any_table_size) {
  const uint32_t caps[] = {1, 128, 4096, 65536};
  for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
    TNAME(name);
    ash_segment *s = NULL;
    ASSERT_OK(
        ash_segment_create_ex(name, 4096, 1, caps[i], ASH_PERSIST, 0600, &s));
    ash_view *v = NULL;
    ASSERT_OK(
        ash_segment_add_array(s, "a", ASH_FLOAT64, 1, (int64_t[]){4}, &v));
    int alive = -1, dead = -1;
    ASSERT_OK(ash_segment_attachers(s, &alive, &dead));
    cr_assert_eq(alive, 1, "capacity %u", caps[i]);
    cr_assert_eq(dead, 0, "capacity %u", caps[i]);
    int64_t pid = 0;
    ASSERT_OK(ash_segment_attacher(s, 0, &pid, NULL));
    cr_assert_eq(pid, (int64_t)getpid(), "capacity %u", caps[i]);
    ASSERT_OK(ash_view_lock(v, 1.0));
    ASSERT_OK(ash_view_unlock(v));
    ash_view_release(v);
    ash_segment_close(s);
    ASSERT_OK(ash_segment_open(name, ASH_NOATTACH, &s));
    ASSERT_OK(ash_segment_attachers(s, &alive, &dead));
    cr_assert_eq(alive + dead, 0, "capacity %u: a record left", caps[i]);
    ash_segment_close(s);
    ASSERT_OK(ash_unlink(name, 0));
  }
}
