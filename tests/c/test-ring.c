/* SPDX-License-Identifier: MIT */
/* Rings of arrays: one producer, consumers in other processes, missed
 * slots, back-pressure, zero-copy reads, a producer killed mid-write, and
 * the ring as an ordinary array. */
#include "common.h"

TestSuite(ring, .fini = t_fini, .timeout = 60);

#define SLOT 64 /* int32 elements per slot */

static ash_segment *t_ring_seg(const char *name, int64_t nslots, unsigned flags,
                               ash_ring **r) {
  int64_t shape = SLOT;
  uint64_t total = 0;
  ASSERT_OK(ash_ring_arena_bytes(ASH_INT32, 1, &shape, nslots, &total));
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(name, total, 2, ASH_PERSIST, 0600, &seg));
  ASSERT_OK(
      ash_ring_create(seg, "frames", ASH_INT32, 1, &shape, nslots, flags, r));
  return seg;
}

static void t_fill(int32_t *buf, int64_t seq) {
  for (int i = 0; i < SLOT; i++)
    buf[i] = (int32_t)(seq * 1000 + i);
}

static int t_check(const int32_t *buf, int64_t seq) {
  for (int i = 0; i < SLOT; i++)
    if (buf[i] != (int32_t)(seq * 1000 + i))
      return 0;
  return 1;
}

TEST(ring, write_read_in_one_process) {
  TNAME(a);
  ash_ring *p = NULL;
  ash_segment *seg = t_ring_seg(a, 4, 0, &p);
  char d[128];
  snprintf(d, sizeof d, "%s/frames", a);
  ash_ring *c = NULL;
  ASSERT_OK(ash_ring_attach(d, 0, &c));
  cr_assert_eq(ash_ring_nslots(c), 4);
  cr_assert_eq(ash_ring_slot_nbytes(c), SLOT * 4);
  cr_assert_eq(ash_ring_head(c), 0);
  int32_t buf[SLOT];
  int64_t seq = -1;
  ASSERT_ERR(ash_ring_read(c, buf, sizeof buf, 0.02, &seq), ASH_E_TIMEOUT);
  ASSERT_ERR(ash_ring_read(c, buf, 8, 0.02, &seq), ASH_E_INVAL);
  for (int64_t i = 0; i < 3; i++) {
    t_fill(buf, i);
    ASSERT_OK(ash_ring_write(p, buf, sizeof buf, 1));
  }
  cr_assert_eq(ash_ring_head(c), 3);
  for (int64_t i = 0; i < 3; i++) {
    memset(buf, 0, sizeof buf);
    ASSERT_OK(ash_ring_read(c, buf, sizeof buf, 1, &seq));
    cr_assert_eq(seq, i);
    cr_assert(t_check(buf, i));
  }
  cr_assert_eq(ash_ring_missed(c), 0);
  /* fall behind by more than the ring: skip to the oldest, count */
  for (int64_t i = 3; i < 13; i++) {
    t_fill(buf, i);
    ASSERT_OK(ash_ring_write(p, buf, sizeof buf, 1));
  }
  ASSERT_OK(ash_ring_read(c, buf, sizeof buf, 1, &seq));
  cr_assert_eq(seq, 9);
  cr_assert(t_check(buf, 9));
  cr_assert_eq(ash_ring_missed(c), 6);
  /* zero-copy */
  ash_view *s = NULL;
  ASSERT_OK(ash_ring_read_begin(c, 1, &s));
  cr_assert_eq(ash_ring_cursor(c), 10);
  cr_assert(ash_view_flags(s) & ASH_VIEW_READONLY);
  cr_assert(t_check(ash_view_data(s), 10));
  ASSERT_ERR(ash_ring_read(c, buf, sizeof buf, 0, &seq), ASH_E_INVAL);
  ash_view_release(s);
  ASSERT_OK(ash_ring_read_end(c));
  ASSERT_ERR(ash_ring_read_end(c), ASH_E_INVAL);
  /* overwritten during a zero-copy read */
  ASSERT_OK(ash_ring_read_begin(c, 1, &s));
  for (int64_t i = 13; i < 17; i++) {
    t_fill(buf, i);
    ASSERT_OK(ash_ring_write(p, buf, sizeof buf, 1));
  }
  ash_view_release(s);
  ASSERT_ERR(ash_ring_read_end(c), ASH_E_OVERRUN);
  /* the ring is an array: its version is the head */
  ash_view *whole = NULL;
  ASSERT_OK(ash_ring_view(c, &whole));
  int64_t ver = 0;
  ASSERT_OK(ash_view_version(whole, &ver));
  cr_assert_eq(ver, 17);
  cr_assert_eq(ash_view_dim(whole, 0), 4);
  ASSERT_ERR(ash_view_write_begin(whole, 0), ASH_E_INVAL);
  ash_view_release(whole);
  /* one producer */
  ash_ring *p2 = NULL;
  ASSERT_OK(ash_ring_attach(d, 0, &p2));
  ASSERT_ERR(ash_ring_write(p2, buf, sizeof buf, 0), ASH_E_EXIST);
  int64_t pid = 0;
  int alive = 0;
  ASSERT_OK(ash_ring_producer(p2, &pid, &alive));
  cr_assert_eq(pid, getpid());
  cr_assert_eq(alive, 1);
  ash_ring_close(p);
  ASSERT_OK(ash_ring_write(p2, buf, sizeof buf, 0)); /* the role is free */
  ash_ring_close(p2);
  ash_ring_close(c);
  /* not a ring, a part of one, bad flags */
  int64_t n = 2;
  ASSERT_ERR(ash_segment_add_array(seg, "frames", ASH_INT8, 1, &n, NULL),
             ASH_E_EXIST);
  char part[160];
  snprintf(part, sizeof part, "%s/frames[1:3]", a);
  ASSERT_ERR(ash_ring_attach(part, 0, &c), ASH_E_INVAL);
  ASSERT_ERR(ash_ring_attach(d, ASH_RDONLY | ASH_RING_CONSUMER, &c),
             ASH_E_INVAL);
  ash_segment_close(seg);
  ASSERT_OK(ash_unlink(a, 0));
}

struct t_cons {
  const char *name;
  int n;
  t_pipe ready;
};

/* A registered consumer in another process: reads n slots, checks each. */
static int t_consumer(void *arg) {
  struct t_cons *c = arg;
  char d[128];
  snprintf(d, sizeof d, "%s/frames", c->name);
  ash_ring *r = NULL;
  if (ash_ring_attach(d, ASH_RING_CONSUMER, &r) != ASH_OK)
    return 2;
  t_pipe_send(&c->ready, 'y');
  int32_t buf[SLOT];
  for (int i = 0; i < c->n; i++) {
    int64_t seq;
    if (ash_ring_read(r, buf, sizeof buf, 5, &seq) != ASH_OK)
      return 3;
    if (seq != i || !t_check(buf, seq))
      return 4;
  }
  int rc = ash_ring_missed(r) == 0 ? 0 : 5;
  ash_ring_close(r);
  return rc;
}

TEST(ring, backpressure_delivers_every_slot_to_every_consumer) {
  TNAME(a);
  ash_ring *p = NULL;
  ash_segment *seg = t_ring_seg(a, 4, ASH_RING_BACKPRESSURE, &p);
  enum { N = 500 };
  struct t_cons c = {a, N, {{0, 0}}};
  t_pipe_init(&c.ready);
  pid_t k1 = t_spawn(t_consumer, &c), k2 = t_spawn(t_consumer, &c);
  cr_assert_eq(t_pipe_recv(&c.ready), 'y');
  cr_assert_eq(t_pipe_recv(&c.ready), 'y');
  cr_assert_eq(ash_ring_consumers(p), 2);
  ash_list *l = NULL;
  ASSERT_OK(ash_ring_consumer_list(p, &l));
  cr_assert_eq(ash_list_count(l), 2);
  cr_assert_eq(ash_list_flag(l, 0), 1);
  ash_list_free(l);
  int32_t buf[SLOT];
  for (int64_t i = 0; i < N; i++) {
    t_fill(buf, i);
    ASSERT_OK(ash_ring_write(p, buf, sizeof buf, 5));
  }
  cr_assert_eq(t_wait(k1), 0);
  cr_assert_eq(t_wait(k2), 0);
  t_pipe_close(&c.ready);
  cr_assert_eq(ash_ring_consumers(p), 0, "closed consumers unregister");
  /* with no registered consumer, nothing holds the producer back */
  for (int64_t i = 0; i < 10; i++)
    ASSERT_OK(ash_ring_write(p, buf, sizeof buf, 0));
  ash_ring_close(p);
  ash_segment_close(seg);
  ASSERT_OK(ash_unlink(a, 0));
}

static int t_stuck_consumer(void *arg) {
  struct t_cons *c = arg;
  char d[128];
  snprintf(d, sizeof d, "%s/frames", c->name);
  ash_ring *r = NULL;
  if (ash_ring_attach(d, ASH_RING_CONSUMER, &r) != ASH_OK)
    return 2;
  t_pipe_send(&c->ready, 'y');
  pause(); /* never reads */
  return 0;
}

TEST(ring, a_full_ring_waits_and_a_dead_consumer_lets_go) {
  TNAME(a);
  ash_ring *p = NULL;
  ash_segment *seg = t_ring_seg(a, 2, ASH_RING_BACKPRESSURE, &p);
  struct t_cons c = {a, 0, {{0, 0}}};
  t_pipe_init(&c.ready);
  pid_t k = t_spawn(t_stuck_consumer, &c);
  cr_assert_eq(t_pipe_recv(&c.ready), 'y');
  t_pipe_close(&c.ready);
  int32_t buf[SLOT] = {0};
  ASSERT_OK(ash_ring_write(p, buf, sizeof buf, 0));
  ASSERT_OK(ash_ring_write(p, buf, sizeof buf, 0));
  ASSERT_ERR(ash_ring_write(p, buf, sizeof buf, 0.05), ASH_E_TIMEOUT);
  cr_assert(strstr(ash_last_error(), "full"), "%s", ash_last_error());
  kill(k, SIGKILL);
  t_wait(k);
  ASSERT_OK(ash_ring_write(p, buf, sizeof buf, 1));
  ash_ring_close(p);
  ash_segment_close(seg);
  ASSERT_OK(ash_unlink(a, 0));
}

static int t_producer_dies_mid_write(void *arg) {
  struct t_cons *c = arg;
  char d[128];
  snprintf(d, sizeof d, "%s/frames", c->name);
  ash_ring *r = NULL;
  ash_view *s = NULL;
  if (ash_ring_attach(d, 0, &r) || ash_ring_write_begin(r, 1, &s))
    return 2;
  memset(ash_view_data(s), 0xAB, 16); /* half a slot */
  t_pipe_send(&c->ready, 'y');
  pause();
  return 0;
}

TEST(ring, a_producer_killed_mid_write_never_delivers_its_slot) {
  TNAME(a);
  ash_ring *p = NULL;
  ash_segment *seg = t_ring_seg(a, 4, 0, &p);
  ash_ring_close(p);
  char d[128];
  snprintf(d, sizeof d, "%s/frames", a);
  ash_ring *c = NULL;
  ASSERT_OK(ash_ring_attach(d, 0, &c));
  struct t_cons k = {a, 0, {{0, 0}}};
  t_pipe_init(&k.ready);
  pid_t pid = t_spawn(t_producer_dies_mid_write, &k);
  cr_assert_eq(t_pipe_recv(&k.ready), 'y');
  t_pipe_close(&k.ready);
  kill(pid, SIGKILL);
  t_wait(pid);
  int32_t buf[SLOT];
  int64_t seq;
  ASSERT_ERR(ash_ring_read(c, buf, sizeof buf, 0.05, &seq), ASH_E_TIMEOUT);
  int64_t who;
  int alive = 1;
  ASSERT_OK(ash_ring_producer(c, &who, &alive));
  cr_assert_eq(alive, 0);
  /* a new producer takes over and rewrites the slot */
  ASSERT_OK(ash_ring_attach(d, 0, &p));
  t_fill(buf, 0);
  ASSERT_OK(ash_ring_write(p, buf, sizeof buf, 1));
  memset(buf, 0, sizeof buf);
  ASSERT_OK(ash_ring_read(c, buf, sizeof buf, 1, &seq));
  cr_assert_eq(seq, 0);
  cr_assert(t_check(buf, 0));
  ash_ring_close(p);
  ash_ring_close(c);
  ash_segment_close(seg);
  ASSERT_OK(ash_unlink(a, 0));
}

TEST(ring, bad_arguments) {
  TNAME(a);
  int64_t shape = 4;
  uint64_t total = 0;
  ASSERT_ERR(ash_ring_arena_bytes(ASH_INT32, 1, &shape, 0, &total),
             ASH_E_INVAL);
  ASSERT_ERR(ash_ring_arena_bytes(ASH_DTYPE_INVALID, 1, &shape, 2, &total),
             ASH_E_DTYPE);
  ASSERT_ERR(ash_ring_arena_bytes(ASH_INT32, ASH_MAX_NDIM, &shape, 2, &total),
             ASH_E_SHAPE);
  ash_segment *seg = NULL;
  ASSERT_OK(ash_segment_create(a, 4096, 2, ASH_PERSIST, 0600, &seg));
  ash_ring *r = NULL;
  ASSERT_ERR(ash_ring_create(seg, "r", ASH_INT32, 1, &shape, 4, 0x80, &r),
             ASH_E_INVAL);
  int64_t big = 100000;
  ASSERT_ERR(ash_ring_create(seg, "r", ASH_INT32, 1, &big, 4, 0, &r),
             ASH_E_FULL);
  ASSERT_ERR(ash_ring_create(seg, "bad/name", ASH_INT32, 1, &shape, 4, 0, &r),
             ASH_E_NAME);
  int64_t n = 2;
  ASSERT_OK(ash_segment_add_array(seg, "plain", ASH_INT8, 1, &n, NULL));
  char d[128];
  snprintf(d, sizeof d, "%s/plain", a);
  ASSERT_ERR(ash_ring_attach(d, 0, &r), ASH_E_INVAL);
  cr_assert_null(r);
  ash_ring_close(NULL);
  ash_segment_close(seg);
  ASSERT_OK(ash_unlink(a, 0));
}
