/* SPDX-License-Identifier: MIT */
/* Coordination between threads of one process, for ThreadSanitizer (label
 * "threads"; built with Criterion too): the lock orders the plain writes
 * it guards, atomics count exactly, a version hand-over with wait_change
 * and snapshots, a ring with back-pressure between a producer thread and
 * consumer threads (a consumer never reads a slot the producer writes). */
#include <pthread.h>

#include "common.h"

TestSuite(syncthreads, .fini = t_fini);

enum { NTHREADS = 4, NINC = 5000 };

static ash_view *t_array(const char *name, int64_t n, ash_segment **seg) {
  return t_make_array(name, ASH_INT64, 1, &n, ASH_PERSIST, seg);
}

static void *t_locked_incs(void *arg) {
  ash_view *v = arg;
  int64_t i0 = 0, i1 = 1, x;
  for (int k = 0; k < NINC; k++) {
    if (ash_view_lock(v, 10) != ASH_OK)
      return (void *)1;
    /* a plain read and write, ordered by the lock alone */
    int64_t *p = ash_view_data(v);
    p[0] += 1;
    if (ash_view_unlock(v) != ASH_OK)
      return (void *)2;
    if (ash_view_atomic_i64(v, ASH_ATOMIC_ADD, 1, &i1, 1, 0, &x))
      return (void *)3;
  }
  (void)i0;
  return NULL;
}

TEST(syncthreads, the_lock_and_atomics_count_exactly) {
  TNAME(a);
  ash_view *v = t_array(a, 2, NULL);
  pthread_t th[NTHREADS];
  for (int i = 0; i < NTHREADS; i++)
    pthread_create(&th[i], NULL, t_locked_incs, v);
  for (int i = 0; i < NTHREADS; i++) {
    void *rc;
    pthread_join(th[i], &rc);
    cr_assert_null(rc, "thread %d failed: %s", i, ash_last_error());
  }
  cr_assert_eq(t_get_i64_flat(v, 0), NTHREADS * NINC);
  cr_assert_eq(t_get_i64_flat(v, 1), NTHREADS * NINC);
  ash_view_release(v);
  ASSERT_OK(ash_unlink(a, 0));
}

struct t_pingpong {
  ash_view *data, *ack;
  int n, bad;
};

static void *t_consumer(void *arg) {
  struct t_pingpong *p = arg;
  int64_t ver = 0, buf[8], i0 = 0, x;
  for (int i = 1; i <= p->n; i++) {
    if (ash_view_wait_change(p->data, ver, 10, &ver) ||
        ash_view_read_snapshot(p->data, buf, sizeof buf, 10, &ver) ||
        ver != i || buf[0] != i || buf[7] != 7 * i)
      p->bad = 1;
    ash_view_atomic_i64(p->ack, ASH_ATOMIC_STORE, 1, &i0, i, 0, &x);
    ash_view_notify(p->ack, 1, NULL);
  }
  return NULL;
}

TEST(syncthreads, versions_hand_over_between_threads) {
  TNAME(a);
  ash_segment *seg = NULL;
  ash_view *data = t_array(a, 8, &seg), *ack = NULL;
  int64_t one = 1;
  ASSERT_OK(ash_segment_add_array(seg, "ack", ASH_INT64, 1, &one, &ack));
  struct t_pingpong p = {data, ack, 200, 0};
  pthread_t th;
  pthread_create(&th, NULL, t_consumer, &p);
  int64_t i0 = 0, acked = 0, ackver = 0;
  for (int i = 1; i <= p.n; i++) {
    ASSERT_OK(ash_view_write_begin(data, 10));
    int64_t *d = ash_view_data(data);
    for (int k = 0; k < 8; k++)
      d[k] = (k ? k : 1) * i;
    ASSERT_OK(ash_view_write_end(data));
    while (acked < i) {
      ASSERT_OK(
          ash_view_atomic_i64(ack, ASH_ATOMIC_LOAD, 1, &i0, 0, 0, &acked));
      if (acked < i)
        ASSERT_OK(ash_view_wait_change(ack, ackver, 10, &ackver));
    }
  }
  pthread_join(th, NULL);
  cr_assert_eq(p.bad, 0);
  ash_view_release(ack);
  ash_view_release(data);
  ash_segment_close(seg);
  ASSERT_OK(ash_unlink(a, 0));
}

struct t_reader {
  const char *desc;
  int n, bad;
};

static void *t_ring_reader(void *arg) {
  struct t_reader *r = arg;
  ash_ring *c = NULL;
  if (ash_ring_attach(r->desc, ASH_RING_CONSUMER, &c) != ASH_OK) {
    r->bad = 1;
    return NULL;
  }
  int64_t buf[16], seq;
  for (int i = 0; i < r->n; i++) {
    if (ash_ring_read(c, buf, sizeof buf, 10, &seq) || seq != i ||
        buf[0] != i || buf[15] != i * 15)
      r->bad = 1;
  }
  if (ash_ring_missed(c))
    r->bad = 1;
  ash_ring_close(c);
  return NULL;
}

TEST(syncthreads, a_ring_between_threads) {
  TNAME(a);
  int64_t slot = 16;
  uint64_t arena = 0;
  ASSERT_OK(ash_ring_arena_bytes(ASH_INT64, 1, &slot, 4, &arena));
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(a, arena, 1, ASH_PERSIST, 0600, &seg));
  ash_ring *p = NULL;
  ASSERT_OK(ash_ring_create(seg, "r", ASH_INT64, 1, &slot, 4,
                            ASH_RING_BACKPRESSURE, &p));
  char desc[128];
  snprintf(desc, sizeof desc, "%s/r", a);
  enum { N = 300 };
  struct t_reader rd[2] = {{desc, N, 0}, {desc, N, 0}};
  pthread_t th[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&th[i], NULL, t_ring_reader, &rd[i]);
  while (ash_ring_consumers(p) < 2)
    usleep(1000);
  for (int64_t i = 0; i < N; i++) {
    ash_view *s = NULL;
    ASSERT_OK(ash_ring_write_begin(p, 10, &s));
    int64_t *d = ash_view_data(s);
    for (int k = 0; k < 16; k++)
      d[k] = i * (k ? k : 1);
    ash_view_release(s);
    ASSERT_OK(ash_ring_write_end(p));
  }
  for (int i = 0; i < 2; i++) {
    pthread_join(th[i], NULL);
    cr_assert_eq(rd[i].bad, 0, "reader %d", i);
  }
  ash_ring_close(p);
  ash_segment_close(seg);
  ASSERT_OK(ash_unlink(a, 0));
}
