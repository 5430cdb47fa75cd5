/* SPDX-License-Identifier: MIT */
/* Rings of arrays: one producer, many consumers (docs/format.md, "Rings").
 *
 * A ring is a directory entry of kind ASH__KIND_RING: an array of shape
 * (nslots, *slot_shape) whose control block lies just before its data in
 * the arena. The array's own sync block counts the published slots (its
 * version: the head) and carries the consumers' futex; the control block
 * holds the producer's owner id, the consumer table and one sequence word
 * per slot. Slot n (its sequence number) lives at position n % nslots;
 * its word is 2n + 1 while the producer writes it and 2n + 2 once it is
 * complete, so a consumer that wants slot n checks for 2n + 2 before and
 * after copying (a seqlock per slot): a slot that was torn, or overwritten
 * meanwhile, is never delivered. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct ash__ring_hdr {            /* the control block's first 64 bytes */
  uint64_t magic;                 /* 0  ASH__RING_MAGIC              */
  uint32_t nslots;                /* 8  */
  uint32_t cons;                  /* 12 consumer table entries       */
  uint64_t slot_bytes;            /* 16 */
  _Atomic uint32_t producer;      /* 24 owner id, 0: none            */
  _Atomic uint32_t space;         /* 28 futex: a consumer advanced   */
  _Atomic uint32_t space_waiters; /* 32 producers sleeping on space  */
  uint32_t reserved[7];           /* 36 */
};
_Static_assert(sizeof(struct ash__ring_hdr) == 64, "ring header size");

struct ash__ring_cons {   /* a registered consumer */
  _Atomic uint32_t owner; /* owner id, 0: free */
  uint32_t reserved;
  _Atomic uint64_t cursor; /* the sequence number it reads next */
};

struct ash_ring {
  atomic_long refs;
  ash_view *view; /* the whole ring array */
  ash__map *m;
  struct ash__sync *sync; /* the array's block: head and notify */
  struct ash__ring_hdr *hdr;
  struct ash__ring_cons *cons;
  _Atomic uint64_t *seqs;
  uint32_t nslots, ncons;
  uint64_t slot_bytes;
  pthread_mutex_t mu; /* the handle's state below */
  int reg;            /* consumer table entry, -1: none */
  bool producer;      /* this handle holds the producer role */
  int64_t cursor, missed;
  int64_t writing;   /* slot being written, -1: none */
  int64_t reading;   /* slot being read (zero-copy), -1 */
  uint64_t read_seq; /* its word when the read began */
};

static int64_t ash__ring_head_of(const struct ash__sync *s) {
  return (int64_t)(atomic_load_explicit(&s->seq, memory_order_acquire) >> 1);
}

static const char *ash__rname(const ash_ring *r) { return r->view->arr->name; }

/* ---- making and opening -------------------------------------------------- */

ash_status ash_ring_arena_bytes(int dtype, int ndim, const int64_t *shape,
                                int64_t nslots, uint64_t *total) {
  if (total == NULL)
    return ash__err(ASH_E_INVAL, "total is NULL");
  if (nslots < 1 || nslots > ASH__RING_MAX_SLOTS)
    return ash__err(ASH_E_INVAL, "a ring has 1 to 2^31 slots, not %lld",
                    (long long)nslots);
  if (ndim < 0 || ndim >= ASH_MAX_NDIM || (ndim > 0 && shape == NULL))
    return ash__err(ASH_E_SHAPE,
                    "a ring's slots have 0 to %d dimensions, not %d",
                    ASH_MAX_NDIM - 1, ndim);
  int64_t full[ASH_MAX_NDIM];
  full[0] = nslots;
  if (ndim > 0)
    memcpy(full + 1, shape, sizeof(int64_t) * (size_t)ndim);
  uint64_t t = *total;
  int r = ash_arena_bytes_for(dtype, ndim + 1, full, &t);
  if (r)
    return r;
  if (!ash__add_u64(
          t, ash__ring_ctl_bytes((uint64_t)nslots, ASH_RING_MAX_CONSUMERS), &t))
    return ash__err(ASH_E_OVERFLOW, "arena total overflows");
  *total = t;
  return ASH_OK;
}

/* The handle of ring view @v (a whole ring array), checking its control
 * block against the validated entry; takes over @v's reference. */
static int ash__ring_wrap(ash_view *v, ash_ring **out) {
  const struct ash__array *a = v->arr;
  ash__map *m = v->map;
  if (a->ring_ctl == 0) {
    int r = ash__err(ASH_E_INVAL, "\"%s/%s\" is an array, not a ring", m->name,
                     a->name);
    ash_view_release(v);
    return r;
  }
  struct ash__ring_hdr *h =
      (struct ash__ring_hdr *)(void *)(m->addr + a->ring_ctl);
  uint64_t slot_bytes = a->nbytes / (uint64_t)a->shape[0];
  if (h->magic != ASH__RING_MAGIC || h->nslots != (uint64_t)a->shape[0] ||
      h->cons != a->ring_cons || h->slot_bytes != slot_bytes) {
    int r = ash__err(ASH_E_CORRUPT,
                     "ring \"%s/%s\": its control block does not match its "
                     "directory entry",
                     m->name, a->name);
    ash_view_release(v);
    return r;
  }
  ash_ring *r = calloc(1, sizeof *r);
  if (r == NULL) {
    ash_view_release(v);
    return ash__err(ASH_E_NOMEM, "out of memory");
  }
  atomic_init(&r->refs, 1);
  r->view = v;
  r->m = m;
  r->sync = ash__sync_block(m, a->index);
  r->hdr = h;
  r->cons = (struct ash__ring_cons *)(void *)(h + 1);
  r->seqs = (_Atomic uint64_t *)(void *)(r->cons + a->ring_cons);
  r->nslots = (uint32_t)a->shape[0];
  r->ncons = a->ring_cons;
  r->slot_bytes = slot_bytes;
  pthread_mutex_init(&r->mu, NULL);
  r->reg = -1;
  r->writing = r->reading = -1;
  r->cursor = ash__ring_head_of(r->sync);
  *out = r;
  return ASH_OK;
}

/* Whether this process may register or produce: attached, words writable,
 * the ring's memory writable (not a read-only handle). */
static int ash__ring_me(const ash_ring *r, uint32_t *me) {
  ash__map *m = r->m;
  if (r->view->flags & ASH_VIEW_READONLY)
    return ash__err(ASH_E_RDONLY,
                    "ring \"%s/%s\" was opened read-only: it can be read, "
                    "not written or registered with",
                    m->name, ash__rname(r));
  if ((*me = atomic_load_explicit(&m->lock_id, memory_order_relaxed)) == 0)
    return ash__err(ASH_E_INVAL,
                    "ring \"%s/%s\": this process is not attached to the "
                    "segment with a descriptor it may write (a handle "
                    "inherited through fork?)",
                    m->name, ash__rname(r));
  return ASH_OK;
}

/* Registers @r as a consumer, in a free entry or one whose owner died. */
static int ash__ring_register(ash_ring *r) {
  uint32_t me;
  int e = ash__ring_me(r, &me);
  if (e)
    return e;
  for (uint32_t i = 0; i < r->ncons; i++) {
    struct ash__ring_cons *c = &r->cons[i];
    uint32_t o = atomic_load(&c->owner);
    if (o != 0 && (o == me || ash__owner_alive(r->m, o)))
      continue;
    atomic_store(&c->cursor, (uint64_t)r->cursor); /* before it counts */
    if (!atomic_compare_exchange_strong(&c->owner, &o, me))
      continue;
    atomic_store(&c->cursor, (uint64_t)r->cursor);
    r->reg = (int)i;
    return ASH_OK;
  }
  return ash__err(ASH_E_FULL,
                  "ring \"%s/%s\": its %u consumer registrations are taken",
                  r->m->name, ash__rname(r), r->ncons);
}

static int ash__ring_open(ash_view *v, unsigned flags, ash_ring **out) {
  int e = ash__ring_wrap(v, out);
  if (e == ASH_OK && (flags & ASH_RING_CONSUMER) &&
      (e = ash__ring_register(*out))) {
    ash_ring_close(*out);
    *out = NULL;
  }
  return e;
}

ash_status ash_ring_create(ash_segment *seg, const char *name, int dtype,
                           int ndim, const int64_t *shape, int64_t nslots,
                           unsigned flags, ash_ring **out) {
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "output pointer is NULL");
  *out = NULL;
  if (flags & ~(unsigned)(ASH_RING_BACKPRESSURE | ASH_RING_CONSUMER))
    return ash__err(ASH_E_INVAL, "ash_ring_create: unknown flags 0x%x",
                    flags &
                        ~(unsigned)(ASH_RING_BACKPRESSURE | ASH_RING_CONSUMER));
  uint64_t total = 0;
  int r = ash_ring_arena_bytes(dtype, ndim, shape, nslots, &total);
  if (r)
    return r;
  if (seg && seg->map->hdr.index_offset == 0)
    return ash__err(ASH_E_VERSION,
                    "segment \"%s\" has format 1.0: rings need format 1.1",
                    seg->map->name);
  int64_t full[ASH_MAX_NDIM];
  full[0] = nslots;
  if (ndim > 0)
    memcpy(full + 1, shape, sizeof(int64_t) * (size_t)ndim);
  uint64_t nbytes;
  if ((r = ash__shape_nbytes(dtype, ndim + 1, full, &nbytes, NULL)))
    return r;
  struct ash__ring_hdr h;
  memset(&h, 0, sizeof h);
  h.magic = ASH__RING_MAGIC;
  h.nslots = (uint32_t)nslots;
  h.cons = ASH_RING_MAX_CONSUMERS;
  h.slot_bytes = nbytes / (uint64_t)nslots;
  struct ash__ringspec spec = {flags & ASH_RING_BACKPRESSURE,
                               ASH_RING_MAX_CONSUMERS, &h, sizeof h};
  ash_view *v;
  if ((r = ash__segment_add(seg, name, dtype, ndim + 1, full, &spec, &v)))
    return r;
  return ash__ring_open(v, flags, out);
}

ash_status ash_ring_attach(const char *name_or_descriptor, unsigned flags,
                           ash_ring **out) {
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "output pointer is NULL");
  *out = NULL;
  unsigned known = ASH_RDONLY | ASH_FILE | ASH_NOATTACH | ASH_RING_CONSUMER;
  if (flags & ~known)
    return ash__err(ASH_E_INVAL, "ash_ring_attach: unknown flags 0x%x",
                    flags & ~known);
  if ((flags & (ASH_RDONLY | ASH_NOATTACH)) && (flags & ASH_RING_CONSUMER))
    return ash__err(ASH_E_INVAL, "a read-only ring handle cannot register "
                                 "as a consumer (ASH_RDONLY with "
                                 "ASH_RING_CONSUMER)");
  ash_view *v;
  int r = ash_attach(name_or_descriptor,
                     flags & (ASH_RDONLY | ASH_FILE | ASH_NOATTACH), &v);
  if (r)
    return r;
  if (v->offset != 0 ||
      v->size * (int64_t)v->itemsize != (int64_t)v->arr->nbytes ||
      v->ndim != v->arr->ndim || !(v->flags & ASH_VIEW_C_CONTIGUOUS)) {
    r = ash__err(ASH_E_INVAL,
                 "\"%s\" names a part of an array: a ring is attached whole",
                 name_or_descriptor);
    ash_view_release(v);
    return r;
  }
  return ash__ring_open(v, flags, out);
}

ash_ring *ash_ring_retain(ash_ring *r) {
  if (r)
    atomic_fetch_add(&r->refs, 1);
  return r;
}

void ash_ring_close(ash_ring *r) {
  if (r == NULL || atomic_fetch_sub(&r->refs, 1) != 1)
    return;
  uint32_t me = atomic_load_explicit(&r->m->lock_id, memory_order_relaxed);
  if (r->reg >= 0) {
    uint32_t o = me;
    (void)atomic_compare_exchange_strong(&r->cons[r->reg].owner, &o, 0);
    (void)ash__sync_wake(&r->hdr->space, &r->hdr->space_waiters, true);
  }
  if (r->producer) {
    uint32_t o = me;
    (void)atomic_compare_exchange_strong(&r->hdr->producer, &o, 0);
  }
  pthread_mutex_destroy(&r->mu);
  ash_view_release(r->view);
  free(r);
}

/* ---- producing ----------------------------------------------------------- */

/* The producer role, under r->mu. */
static int ash__ring_claim(ash_ring *r) {
  if (r->producer)
    return ASH_OK;
  uint32_t me;
  int e = ash__ring_me(r, &me);
  if (e)
    return e;
  uint32_t o = atomic_load(&r->hdr->producer);
  for (;;) {
    if (o == me)
      return ash__err(ASH_E_EXIST,
                      "ring \"%s/%s\": another handle of this process is "
                      "its producer",
                      r->m->name, ash__rname(r));
    if (o != 0 && ash__owner_alive(r->m, o))
      return ash__err(ASH_E_EXIST,
                      "ring \"%s/%s\" has a producer already (a live "
                      "process): a ring has one",
                      r->m->name, ash__rname(r));
    if (atomic_compare_exchange_strong(&r->hdr->producer, &o, me))
      break;
  }
  r->producer = true;
  return ASH_OK;
}

/* The oldest slot a live registered consumer still needs, or @head when
 * none does. Dead consumers' entries are freed on the way. */
static int64_t ash__ring_oldest(ash_ring *r, int64_t head) {
  int64_t low = head;
  for (uint32_t i = 0; i < r->ncons; i++) {
    struct ash__ring_cons *c = &r->cons[i];
    uint32_t o = atomic_load(&c->owner);
    if (o == 0)
      continue;
    int64_t cur = (int64_t)atomic_load(&c->cursor);
    if (cur >= low)
      continue;
    if (!ash__owner_alive(r->m, o)) {
      (void)atomic_compare_exchange_strong(&c->owner, &o, 0);
      continue;
    }
    low = cur;
  }
  return low;
}

struct ash__ring_room {
  ash_ring *r;
  int64_t head;
};

static int ash__ring_room_ready(void *ctx, bool check) {
  (void)check;
  struct ash__ring_room *c = ctx;
  return c->head - ash__ring_oldest(c->r, c->head) < (int64_t)c->r->nslots;
}

ash_status ash_ring_write_begin(ash_ring *r, double timeout, ash_view **out) {
  if (r == NULL || out == NULL)
    return ash__err(ASH_E_INVAL, "ring or output pointer is NULL");
  *out = NULL;
  struct ash__deadline d;
  int e = ash__deadline_init(timeout, &d);
  if (e)
    return e;
  pthread_mutex_lock(&r->mu);
  if (r->writing >= 0)
    e = ash__err(ASH_E_INVAL, "ring \"%s/%s\": a write is open already",
                 r->m->name, ash__rname(r));
  if (e == ASH_OK)
    e = ash__ring_claim(r);
  int64_t head = ash__ring_head_of(r->sync);
  if (e == ASH_OK && (r->view->arr->ring_flags & ASH_RING_BACKPRESSURE)) {
    struct ash__ring_room c = {r, head};
    e = ash__sync_wait(&r->hdr->space, &r->hdr->space_waiters, true,
                       ash__ring_room_ready, &c, &d);
    if (e == ASH__EXPIRED)
      e = ash__err(ASH_E_TIMEOUT,
                   "ring \"%s/%s\" is full: a consumer has not read slot "
                   "%lld yet",
                   r->m->name, ash__rname(r),
                   (long long)ash__ring_oldest(r, head));
  }
  int64_t pos = head % r->nslots;
  if (e == ASH_OK)
    e = ash_view_index(r->view, 0, pos, out);
  if (e == ASH_OK) {
    atomic_store_explicit(&r->seqs[pos], 2 * (uint64_t)head + 1,
                          memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    r->writing = head;
  }
  pthread_mutex_unlock(&r->mu);
  return e;
}

ash_status ash_ring_write_end(ash_ring *r) {
  if (r == NULL)
    return ash__err(ASH_E_INVAL, "ring is NULL");
  pthread_mutex_lock(&r->mu);
  int64_t n = r->writing;
  r->writing = -1;
  pthread_mutex_unlock(&r->mu);
  if (n < 0)
    return ash__err(ASH_E_INVAL, "ring \"%s/%s\": no write open", r->m->name,
                    ash__rname(r));
  atomic_store_explicit(&r->seqs[n % r->nslots], 2 * (uint64_t)n + 2,
                        memory_order_release);
  atomic_fetch_add_explicit(&r->sync->seq, 2, memory_order_release);
  (void)ash__sync_wake(&r->sync->notify, &r->sync->waiters, true);
  return ASH_OK;
}

ash_status ash_ring_write(ash_ring *r, const void *src, uint64_t nbytes,
                          double timeout) {
  if (r == NULL || src == NULL)
    return ash__err(ASH_E_INVAL, "ring or source is NULL");
  if (nbytes != r->slot_bytes)
    return ash__err(
        ASH_E_INVAL, "ring \"%s/%s\": a slot has %llu bytes, not %llu",
        r->m->name, ash__rname(r), (unsigned long long)r->slot_bytes,
        (unsigned long long)nbytes);
  ash_view *slot;
  int e = ash_ring_write_begin(r, timeout, &slot);
  if (e)
    return e;
  e = ash_view_write(slot, src, nbytes);
  ash_view_release(slot);
  int e2 = ash_ring_write_end(r);
  return e ? e : e2;
}

/* ---- consuming ----------------------------------------------------------- */

struct ash__ring_wait {
  ash_ring *r;
};

static int ash__ring_new_ready(void *ctx, bool check) {
  (void)check;
  struct ash__ring_wait *c = ctx;
  return ash__ring_head_of(c->r->sync) > c->r->cursor;
}

/* Advances the cursor to the next slot that is complete now (counting what
 * was overwritten), waiting for one until @d; under r->mu. *@seqword gets
 * the slot's word. */
static int ash__ring_next(ash_ring *r, struct ash__deadline *d,
                          uint64_t *seqword) {
  for (;;) {
    int64_t head = ash__ring_head_of(r->sync);
    int64_t c = r->cursor;
    if (c < head) {
      if (head - c > (int64_t)r->nslots) { /* fell behind: skip */
        r->missed += head - (int64_t)r->nslots - c;
        c = r->cursor = head - (int64_t)r->nslots;
      }
      uint64_t w =
          atomic_load_explicit(&r->seqs[c % r->nslots], memory_order_acquire);
      if (w == 2 * (uint64_t)c + 2) {
        *seqword = w;
        return ASH_OK;
      }
      r->missed++; /* overwritten (or being) since the head passed it */
      r->cursor = c + 1;
      continue;
    }
    struct ash__ring_wait ctx = {r};
    int e = ash__sync_wait(&r->sync->notify, &r->sync->waiters,
                           r->m->fd_rw && !r->m->wsealed, ash__ring_new_ready,
                           &ctx, d);
    if (e == ASH__EXPIRED)
      return ash__err(ASH_E_TIMEOUT,
                      "ring \"%s/%s\": no new slot before the timeout (next "
                      "is %lld)",
                      r->m->name, ash__rname(r), (long long)r->cursor);
    if (e)
      return e;
  }
}

/* Moves the cursor past slot @c (registered: tells the producer). */
static void ash__ring_advance(ash_ring *r, int64_t c) {
  r->cursor = c + 1;
  if (r->reg >= 0) {
    atomic_store_explicit(&r->cons[r->reg].cursor, (uint64_t)r->cursor,
                          memory_order_release);
    (void)ash__sync_wake(&r->hdr->space, &r->hdr->space_waiters, true);
  }
}

static int ash__ring_read_check(ash_ring *r, double timeout,
                                struct ash__deadline *d) {
  int e = ash__deadline_init(timeout, d);
  if (e == ASH_OK && r->reading >= 0)
    e = ash__err(ASH_E_INVAL, "ring \"%s/%s\": a zero-copy read is open",
                 r->m->name, ash__rname(r));
  return e;
}

/* A slot's bytes, under the SIGBUS guard (a peer may truncate). */
static int ash__ring_copy(ash__map *m, void *dst, const void *src, size_t n) {
  struct ash__guard g;
  if (ASH__GUARD(g, m, NULL))
    return ash__guard_fault(m);
  memcpy(dst, src, n);
  ash__guard_pop(&g);
  return ASH_OK;
}

ash_status ash_ring_read(ash_ring *r, void *dst, uint64_t nbytes,
                         double timeout, int64_t *out) {
  if (r == NULL || dst == NULL || out == NULL)
    return ash__err(ASH_E_INVAL, "ring, destination or output is NULL");
  if (nbytes != r->slot_bytes)
    return ash__err(
        ASH_E_INVAL, "ring \"%s/%s\": a slot has %llu bytes, not %llu",
        r->m->name, ash__rname(r), (unsigned long long)r->slot_bytes,
        (unsigned long long)nbytes);
  struct ash__deadline d;
  pthread_mutex_lock(&r->mu);
  int e = ash__ring_read_check(r, timeout, &d);
  const uint8_t *base = r->view->data;
  while (e == ASH_OK) {
    uint64_t w;
    if ((e = ash__ring_next(r, &d, &w)))
      break;
    int64_t c = r->cursor;
    uint64_t pos = (uint64_t)c % r->nslots;
    if ((e = ash__ring_copy(r->m, dst, base + pos * r->slot_bytes, nbytes)))
      break;
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&r->seqs[pos], memory_order_relaxed) == w) {
      *out = c;
      ash__ring_advance(r, c);
      break;
    }
    r->missed++; /* overwritten while copied */
    r->cursor = c + 1;
  }
  pthread_mutex_unlock(&r->mu);
  return e;
}

ash_status ash_ring_read_begin(ash_ring *r, double timeout, ash_view **out) {
  if (r == NULL || out == NULL)
    return ash__err(ASH_E_INVAL, "ring or output pointer is NULL");
  *out = NULL;
  struct ash__deadline d;
  pthread_mutex_lock(&r->mu);
  int e = ash__ring_read_check(r, timeout, &d);
  uint64_t w = 0;
  ash_view *slot = NULL;
  if (e == ASH_OK)
    e = ash__ring_next(r, &d, &w);
  if (e == ASH_OK)
    e = ash_view_index(r->view, 0, r->cursor % r->nslots, &slot);
  if (e == ASH_OK && !(slot->flags & ASH_VIEW_READONLY))
    ash__view_drop_write(slot);
  if (e == ASH_OK) {
    r->reading = r->cursor;
    r->read_seq = w;
    *out = slot;
  }
  pthread_mutex_unlock(&r->mu);
  return e;
}

ash_status ash_ring_read_end(ash_ring *r) {
  if (r == NULL)
    return ash__err(ASH_E_INVAL, "ring is NULL");
  pthread_mutex_lock(&r->mu);
  int64_t c = r->reading;
  int e = ASH_OK;
  if (c < 0) {
    e = ash__err(ASH_E_INVAL, "ring \"%s/%s\": no zero-copy read open",
                 r->m->name, ash__rname(r));
  } else {
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&r->seqs[c % r->nslots], memory_order_relaxed) !=
        r->read_seq) {
      r->missed++;
      e = ash__err(ASH_E_OVERRUN,
                   "ring \"%s/%s\": slot %lld was overwritten while it was "
                   "read (the consumer fell %u slots behind)",
                   r->m->name, ash__rname(r), (long long)c, r->nslots);
    }
    r->reading = -1;
    ash__ring_advance(r, c);
  }
  pthread_mutex_unlock(&r->mu);
  return e;
}

/* ---- accessors ----------------------------------------------------------- */

int64_t ash_ring_nslots(const ash_ring *r) { return r ? r->nslots : 0; }
uint64_t ash_ring_slot_nbytes(const ash_ring *r) {
  return r ? r->slot_bytes : 0;
}
int64_t ash_ring_head(const ash_ring *r) {
  return r ? ash__ring_head_of(r->sync) : 0;
}
int64_t ash_ring_cursor(const ash_ring *r) {
  if (r == NULL)
    return 0;
  ash_ring *w = (ash_ring *)(uintptr_t)r;
  pthread_mutex_lock(&w->mu);
  int64_t c = r->cursor;
  pthread_mutex_unlock(&w->mu);
  return c;
}
int64_t ash_ring_missed(const ash_ring *r) {
  if (r == NULL)
    return 0;
  ash_ring *w = (ash_ring *)(uintptr_t)r;
  pthread_mutex_lock(&w->mu);
  int64_t n = r->missed;
  pthread_mutex_unlock(&w->mu);
  return n;
}

int ash_ring_consumers(const ash_ring *r) {
  int n = 0;
  for (uint32_t i = 0; r && i < r->ncons; i++) {
    uint32_t o = atomic_load(&r->cons[i].owner);
    n += o != 0 && ash__owner_alive(r->m, o);
  }
  return n;
}

ash_status ash_ring_view(const ash_ring *r, ash_view **out) {
  if (r == NULL || out == NULL)
    return ash__err(ASH_E_INVAL, "ring or output pointer is NULL");
  *out = ash_view_retain(r->view);
  return ASH_OK;
}

ash_status ash_ring_producer(const ash_ring *r, int64_t *pid, int *alive) {
  if (r == NULL || pid == NULL || alive == NULL)
    return ash__err(ASH_E_INVAL, "ring or output pointer is NULL");
  uint32_t o = atomic_load(&r->hdr->producer);
  *pid = o ? ash__owner_pid(r->m, o) : 0;
  *alive = o != 0 && ash__owner_alive(r->m, o);
  return ASH_OK;
}

ash_status ash_ring_consumer_list(const ash_ring *r, ash_list **out) {
  if (r == NULL || out == NULL)
    return ash__err(ASH_E_INVAL, "ring or output pointer is NULL");
  *out = NULL;
  ash_list *l = ash__list_new((int)r->ncons);
  if (l == NULL)
    return ash__err(ASH_E_NOMEM, "out of memory");
  for (uint32_t i = 0; i < r->ncons; i++) {
    uint32_t o = atomic_load(&r->cons[i].owner);
    if (o == 0)
      continue;
    char name[24];
    int64_t pid = ash__owner_pid(r->m, o);
    snprintf(name, sizeof name, "%lld", (long long)pid);
    int e = ash__list_push(l, name, (int64_t)atomic_load(&r->cons[i].cursor),
                           ash__owner_alive(r->m, o));
    if (e)
      return e;
  }
  *out = l;
  return ASH_OK;
}
