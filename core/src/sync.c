/* SPDX-License-Identifier: MIT */
/* Coordination in the segment: the recoverable lock, versions and
 * consistent snapshots (a seqlock), wait and notify, for an array (the
 * sync block at offset 448 of its directory entry) or the whole segment
 * (the block at header offset 320). docs/format.md ("Sync block") is the
 * normative description of the words; this file is one implementation.
 *
 * Owner identity: the attach slot of the process and the slot's claim
 * generation (the "owner id", internal.h), plus the holder's thread id in
 * the block (meaningful to the owner process only), so threads of one
 * process exclude each other. Liveness is the slot's OFD lock
 * (ash__owner_alive), never a pid; a thread of this process that exited
 * holding a lock is seen by tgkill(pid, tid, 0).
 *
 * Memory orders: acquiring a lock is an acquire CAS, releasing a release
 * exchange; a write_begin stores the odd sequence then a release fence, a
 * write_end a release store of the even one; a snapshot reads the sequence
 * with acquire, copies, then an acquire fence and the sequence again
 * (Boehm's seqlock). Waking is Dekker-style: a waiter increments the
 * waiter count (seq_cst) before it re-checks, a publisher makes its change
 * visible, fences (seq_cst), then reads the count, so one of the two sees
 * the other; only then is there a futex_wake system call. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/* ---- who am I ------------------------------------------------------------ */

/* initial-exec: a plain %fs access, no __tls_get_addr call on the fast
 * path (8 bytes of the static TLS surplus, fine for a library that is
 * dlopen'ed by an interpreter). */
#define ASH__TLS __attribute__((tls_model("initial-exec")))
static _Thread_local pid_t ash__tl_pid ASH__TLS;
static _Thread_local uint32_t ash__tl_tid ASH__TLS;

/* This thread's kernel thread id (cached; a fork child's thread is new). */
static inline uint32_t ash__tid(void) {
  pid_t p = ash__getpid();
  if (__builtin_expect(ash__tl_pid != p, 0)) {
    ash__tl_tid = (uint32_t)syscall(SYS_gettid);
    ash__tl_pid = p;
  }
  return ash__tl_tid;
}

/* A CPU hint inside a spin loop. */
static inline void ash__cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield" ::: "memory");
#else
  atomic_signal_fence(memory_order_seq_cst);
#endif
}

/* A thread of this process that no longer exists. */
static bool ash__thread_gone(uint32_t tid) {
  return syscall(SYS_tgkill, ash__getpid(), (pid_t)tid, 0) != 0 &&
         errno == ESRCH;
}

/* What a sync call works on: the block, its map, and names for messages. */
struct ash__tgt {
  ash__map *m;
  struct ash__sync *s;
  const char *arr; /* the array's name, NULL for the segment lock */
};

#define ASH__TGT_FMT "%s \"%s%s%s\""
#define ASH__TGT_ARGS(t)                                                       \
  (t)->arr ? "array" : "segment", (t)->m->name, (t)->arr ? "/" : "",           \
      (t)->arr ? (t)->arr : ""

static int ash__tgt_view(const ash_view *v, struct ash__tgt *t) {
  if (v == NULL)
    return ash__err(ASH_E_INVAL, "view is NULL");
  t->m = v->map;
  t->arr = v->arr->name;
  if (t->m->hdr.index_offset == 0)
    return ash__err(ASH_E_VERSION,
                    "array \"%s/%s\": the segment has format 1.0, which has "
                    "no synchronisation block (re-create it with this "
                    "library)",
                    t->m->name, t->arr);
  t->s = ash__sync_block(t->m, v->arr->index);
  return ASH_OK;
}

static int ash__tgt_seg(ash_segment *seg, struct ash__tgt *t) {
  if (seg == NULL)
    return ash__err(ASH_E_INVAL, "segment handle is NULL");
  t->m = seg->map;
  t->arr = NULL;
  if (t->m->hdr.index_offset == 0)
    return ash__err(ASH_E_VERSION,
                    "segment \"%s\" has format 1.0, which has no "
                    "synchronisation block",
                    t->m->name);
  t->s = ash__sync_block(t->m, -1);
  return ASH_OK;
}

/* Whether this process may write the sync words (notify, waiter count). */
static bool ash__words_writable(const ash__map *m) {
  return m->fd_rw && !m->wsealed;
}

/* Remembered for the owner-dead release at detach (attach.c). */
static inline void ash__used(ash__map *m) {
  if (!atomic_load_explicit(&m->sync_used, memory_order_relaxed))
    atomic_store_explicit(&m->sync_used, true, memory_order_relaxed);
}

/* This process's owner id, for calls that take or hold a lock (set at
 * attach: ash__map.lock_id). */
static int ash__me(const struct ash__tgt *t, uint32_t *me) {
  ash__map *m = t->m;
  if ((*me = atomic_load_explicit(&m->lock_id, memory_order_relaxed)) != 0) {
    ash__used(m);
    return ASH_OK;
  }
  if (!ash__words_writable(m) || m->norecord)
    return ash__err(ASH_E_RDONLY,
                    ASH__TGT_FMT ": this process may not write the segment "
                                 "(read permission only, or sealed): it can "
                                 "wait and read versions, not lock or write",
                    ASH__TGT_ARGS(t));
  return ash__err(ASH_E_INVAL,
                  ASH__TGT_FMT ": this process is not attached to the "
                               "segment (a handle inherited through fork, "
                               "or an inspection): open or attach it in this "
                               "process to lock",
                  ASH__TGT_ARGS(t));
}

/* The pid recorded in the owner's slot, 0 when unknown (the slot was
 * claimed again since, or the id is corrupted). Display only. */
int64_t ash__owner_pid(const ash__map *m, uint32_t id) {
  uint32_t s1 = id & ASH__LK_SLOT_MASK;
  if (s1 == 0 || s1 > m->hdr.attach_cap)
    return 0;
  const struct ash__slot *rec =
      (const struct ash__slot *)(const void *)(m->addr + m->hdr.attach_offset +
                                               (uint64_t)(s1 - 1) *
                                                   ASH__SLOT_SIZE);
  uint32_t g = __atomic_load_n(&rec->gen, __ATOMIC_ACQUIRE);
  int32_t pid = __atomic_load_n(&rec->pid, __ATOMIC_RELAXED);
  if ((g & ASH__LK_GEN_MASK) != ((id >> ASH__LK_GEN_SHIFT) & ASH__LK_GEN_MASK))
    return 0;
  return pid;
}

/* ---- the lock ------------------------------------------------------------ */

/* Takes @t's lock over from owner word @w (dead owner, or abandoned). */
static int ash__take_over(const struct ash__tgt *t, uint32_t w, uint32_t me,
                          uint32_t tid, uint32_t extra) {
  uint32_t nw = me | ASH__LK_DIED | (w & ASH__LK_WAITERS) | extra;
  if (!atomic_compare_exchange_strong_explicit(
          &t->s->lock, &w, nw, memory_order_acquire, memory_order_relaxed))
    return 1; /* changed meanwhile: look again */
  atomic_store_explicit(&t->s->tid, tid, memory_order_relaxed);
  return ash__err(ASH_E_OWNERDEAD,
                  ASH__TGT_FMT ": its previous owner died holding the lock; "
                               "this thread holds it now: make the data "
                               "consistent and call consistent(), or the lock "
                               "becomes unrecoverable when it is released",
                  ASH__TGT_ARGS(t));
}

/* The contended path: spin a little, then sleep on the word in slices,
 * checking the owner's liveness whenever a slice passes without a wake. */
static int ash__lock_slow(const struct ash__tgt *t, uint32_t me, uint32_t tid,
                          double timeout, bool try_only) {
  struct ash__sync *s = t->s;
  struct ash__deadline d;
  int r = ash__deadline_init(try_only ? 0.0 : timeout, &d);
  if (r)
    return r;
  uint32_t extra = 0; /* after sleeping: others may sleep too */
  int spins = 0;
  bool check = try_only; /* look at the owner's liveness now */
  for (;;) {
    uint32_t w = atomic_load_explicit(&s->lock, memory_order_relaxed);
    uint32_t id = w & ASH__LK_ID_MASK;
    if (w == 0 || w == ASH__LK_WAITERS) {
      if (atomic_compare_exchange_weak_explicit(&s->lock, &w, w | me | extra,
                                                memory_order_acquire,
                                                memory_order_relaxed)) {
        atomic_store_explicit(&s->tid, tid, memory_order_relaxed);
        return ASH_OK;
      }
      continue;
    }
    if ((w & ~ASH__LK_WAITERS) == ASH__LK_NOTREC)
      return ash__err(ASH_E_NOTRECOVERABLE,
                      ASH__TGT_FMT ": the lock is not recoverable: an owner "
                                   "died holding it and the next owner "
                                   "released it without marking the data "
                                   "consistent",
                      ASH__TGT_ARGS(t));
    bool dead = false;
    if (id == 0) {
      dead = true; /* released by an owner that exited holding it */
    } else if (id == me) {
      uint32_t holder = atomic_load_explicit(&s->tid, memory_order_relaxed);
      if (holder == tid)
        return ash__err(ASH_E_DEADLOCK,
                        ASH__TGT_FMT ": this thread holds the lock already "
                                     "(locks do not recurse)",
                        ASH__TGT_ARGS(t));
      dead = check && holder != 0 && ash__thread_gone(holder);
    } else if (check) {
      dead = !ash__owner_alive(t->m, id);
    }
    check = false;
    if (dead) {
      r = ash__take_over(t, w, me, tid, extra);
      if (r != 1)
        return r;
      continue;
    }
    if (!try_only && spins < 100) {
      spins++;
      ash__cpu_relax();
      continue;
    }
    if (!(w & ASH__LK_WAITERS)) {
      if (try_only)
        goto timeout;
      if (!atomic_compare_exchange_weak_explicit(
              &s->lock, &w, w | ASH__LK_WAITERS, memory_order_relaxed,
              memory_order_relaxed))
        continue;
      w |= ASH__LK_WAITERS;
    }
    int64_t ns = ash__deadline_slice(&d);
    if (ns == 0)
      goto timeout;
    int64_t t0 = ash__clock_ns();
    ash__futex_wait(&s->lock, w, ns);
    extra = ASH__LK_WAITERS;
    check = ash__clock_ns() - t0 >= ns; /* a whole slice without a wake */
  }
timeout:
  return ash__err(ASH_E_TIMEOUT,
                  ASH__TGT_FMT ": the lock is held by %s (pid %lld)%s",
                  ASH__TGT_ARGS(t),
                  (atomic_load(&s->lock) & ASH__LK_ID_MASK) == me
                      ? "another thread of this process"
                      : "another process",
                  (long long)ash__owner_pid(t->m, atomic_load(&s->lock)),
                  try_only ? "" : " until the timeout");
}

static int ash__lock(const struct ash__tgt *t, double timeout, bool try_only) {
  uint32_t me;
  if (timeout != timeout)
    return ash__err(ASH_E_INVAL, "timeout is NaN (give seconds, or a "
                                 "negative value to wait without limit)");
  int r = ash__me(t, &me);
  if (r)
    return r;
  uint32_t tid = ash__tid();
  uint32_t w = 0;
  if (atomic_compare_exchange_strong_explicit(
          &t->s->lock, &w, me, memory_order_acquire, memory_order_relaxed)) {
    atomic_store_explicit(&t->s->tid, tid, memory_order_relaxed);
    return ASH_OK;
  }
  return ash__lock_slow(t, me, tid, timeout, try_only);
}

/* Checks that the calling thread holds @t's lock; *@w gets the word. */
static int ash__held(const struct ash__tgt *t, uint32_t me, uint32_t *w) {
  *w = atomic_load_explicit(&t->s->lock, memory_order_relaxed);
  uint32_t id = *w & ASH__LK_ID_MASK;
  if (id == me &&
      atomic_load_explicit(&t->s->tid, memory_order_relaxed) == ash__tid())
    return ASH_OK;
  if (id == 0 || id == ASH__LK_ID_MASK)
    return ash__err(ASH_E_NOTOWNER, ASH__TGT_FMT ": the lock is not held",
                    ASH__TGT_ARGS(t));
  return ash__err(ASH_E_NOTOWNER,
                  ASH__TGT_FMT ": the lock is held by %s, not by this thread",
                  ASH__TGT_ARGS(t),
                  id == me ? "another thread of this process"
                           : "another process");
}

/* Whether this process has a write open on @t (odd sequence, its id). */
static bool ash__writing(const struct ash__tgt *t, uint32_t me) {
  return (atomic_load_explicit(&t->s->seq, memory_order_relaxed) & 1) &&
         (atomic_load_explicit(&t->s->writer, memory_order_relaxed) &
          ASH__LK_ID_MASK) == me;
}

/* Releases a lock the caller holds (word @w); an owner that did not mark
 * the data consistent after OWNERDEAD leaves it not recoverable. */
static void ash__release(struct ash__sync *s, uint32_t w) {
  uint32_t nw = (w & ASH__LK_DIED) ? ASH__LK_NOTREC : 0;
  atomic_store_explicit(&s->tid, 0, memory_order_relaxed);
  uint32_t old = atomic_exchange_explicit(&s->lock, nw, memory_order_release);
  if (old & ASH__LK_WAITERS)
    (void)ash__futex_wake(&s->lock, nw ? INT32_MAX : 1);
}

static int ash__unlock(const struct ash__tgt *t) {
  uint32_t me, w;
  int r = ash__me(t, &me);
  if (r == ASH_OK)
    r = ash__held(t, me, &w);
  if (r)
    return r;
  if (ash__writing(t, me))
    return ash__err(ASH_E_INVAL,
                    ASH__TGT_FMT ": a write is in progress: end it with "
                                 "write_end before unlocking",
                    ASH__TGT_ARGS(t));
  ash__release(t->s, w);
  return ASH_OK;
}

static int ash__consistent(const struct ash__tgt *t) {
  uint32_t me, w;
  int r = ash__me(t, &me);
  if (r == ASH_OK)
    r = ash__held(t, me, &w);
  if (r)
    return r;
  if (!(w & ASH__LK_DIED))
    return ash__err(ASH_E_INVAL,
                    ASH__TGT_FMT ": the lock is consistent already (call "
                                 "consistent() only after OWNERDEAD)",
                    ASH__TGT_ARGS(t));
  (void)atomic_fetch_and_explicit(&t->s->lock, ~ASH__LK_DIED,
                                  memory_order_relaxed);
  return ASH_OK;
}

const char *ash_lock_state_name(int state) {
  static const char *const names[] = {"free",         "held",
                                      "owner_dead",   "abandoned",
                                      "inconsistent", "not_recoverable"};
  return state >= 0 && state < (int)(sizeof names / sizeof names[0])
             ? names[state]
             : NULL;
}

static int ash__lock_state(const struct ash__tgt *t, int *state, int64_t *pid) {
  if (state == NULL || pid == NULL)
    return ash__err(ASH_E_INVAL, "output pointer is NULL");
  uint32_t w = atomic_load(&t->s->lock) & ~ASH__LK_WAITERS;
  uint32_t id = w & ASH__LK_ID_MASK;
  int64_t p = 0;
  int st;
  if (w == 0) {
    st = ASH_LOCK_FREE;
  } else if (w == ASH__LK_NOTREC) {
    st = ASH_LOCK_NOTRECOVERABLE;
  } else if (id == 0) {
    st = ASH_LOCK_ABANDONED;
  } else {
    p = ash__owner_pid(t->m, id);
    if (!ash__owner_alive(t->m, id))
      st = ASH_LOCK_OWNER_DEAD;
    else
      st = (w & ASH__LK_DIED) ? ASH_LOCK_INCONSISTENT : ASH_LOCK_HELD;
  }
  *state = st;
  *pid = p;
  return ASH_OK;
}

#define ASH__VIEW_TGT(v)                                                       \
  struct ash__tgt t_ = {0};                                                    \
  int r_ = ash__tgt_view((v), &t_);                                            \
  if (r_)                                                                      \
  return r_

#define ASH__SEG_TGT(seg)                                                      \
  struct ash__tgt t_ = {0};                                                    \
  int r_ = ash__tgt_seg((seg), &t_);                                           \
  if (r_)                                                                      \
  return r_

/* The uncontended paths of an array's lock: one CAS to take it, one
 * exchange to give it back, no call; anything else goes the long way. */
static inline struct ash__sync *ash__fast(const ash_view *v, uint32_t *me) {
  ash__map *m = v->map;
  /* 0: format 1.0, not attached, read-only words */
  *me = atomic_load_explicit(&m->lock_id, memory_order_relaxed);
  return ash__sync_block(m, v->arr->index);
}

ash_status ash_view_lock(const ash_view *v, double timeout) {
  uint32_t me, w = 0;
  if (__builtin_expect(v != NULL, 1)) {
    struct ash__sync *s = ash__fast(v, &me);
    if (__builtin_expect(me != 0, 1) && timeout == timeout &&
        atomic_compare_exchange_strong_explicit(
            &s->lock, &w, me, memory_order_acquire, memory_order_relaxed)) {
      atomic_store_explicit(&s->tid, ash__tid(), memory_order_relaxed);
      ash__used(v->map);
      return ASH_OK;
    }
  }
  ASH__VIEW_TGT(v);
  return ash__lock(&t_, timeout, false);
}

ash_status ash_view_trylock(const ash_view *v) {
  ASH__VIEW_TGT(v);
  return ash__lock(&t_, 0.0, true);
}

ash_status ash_view_unlock(const ash_view *v) {
  uint32_t me;
  if (__builtin_expect(v != NULL, 1)) {
    struct ash__sync *s = ash__fast(v, &me);
    /* held by this thread, consistent, no write open */
    if (__builtin_expect(me != 0, 1) &&
        (atomic_load_explicit(&s->lock, memory_order_relaxed) &
         ~ASH__LK_WAITERS) == me &&
        atomic_load_explicit(&s->tid, memory_order_relaxed) == ash__tid() &&
        !(atomic_load_explicit(&s->seq, memory_order_relaxed) & 1)) {
      atomic_store_explicit(&s->tid, 0, memory_order_relaxed);
      if (atomic_exchange_explicit(&s->lock, 0, memory_order_release) &
          ASH__LK_WAITERS)
        (void)ash__futex_wake(&s->lock, 1);
      return ASH_OK;
    }
  }
  ASH__VIEW_TGT(v);
  return ash__unlock(&t_);
}

ash_status ash_view_consistent(const ash_view *v) {
  ASH__VIEW_TGT(v);
  return ash__consistent(&t_);
}

ash_status ash_view_lock_state(const ash_view *v, int *state, int64_t *pid) {
  ASH__VIEW_TGT(v);
  return ash__lock_state(&t_, state, pid);
}

ash_status ash_segment_lock(ash_segment *seg, double timeout) {
  ASH__SEG_TGT(seg);
  return ash__lock(&t_, timeout, false);
}

ash_status ash_segment_trylock(ash_segment *seg) {
  ASH__SEG_TGT(seg);
  return ash__lock(&t_, 0.0, true);
}

ash_status ash_segment_unlock(ash_segment *seg) {
  ASH__SEG_TGT(seg);
  return ash__unlock(&t_);
}

ash_status ash_segment_consistent(ash_segment *seg) {
  ASH__SEG_TGT(seg);
  return ash__consistent(&t_);
}

ash_status ash_segment_lock_state(ash_segment *seg, int *state, int64_t *pid) {
  ASH__SEG_TGT(seg);
  return ash__lock_state(&t_, state, pid);
}

/* ---- notify and wait ----------------------------------------------------- */

/* After a change others may wait for (the caller made it visible): bumps
 * futex @word and wakes its sleepers, with a system call only when
 * @count says someone sleeps. Returns how many were woken. */
int ash__sync_wake(_Atomic uint32_t *word, _Atomic uint32_t *count, bool all) {
  atomic_fetch_add_explicit(word, 1, memory_order_seq_cst);
  if (atomic_load_explicit(count, memory_order_seq_cst) == 0)
    return 0;
  return ash__futex_wake(word, all ? INT32_MAX : 1);
}

static int ash__publish(struct ash__sync *s, bool all) {
  return ash__sync_wake(&s->notify, &s->waiters, all);
}

/* Before the first sleep a waiter spins this long on the word (with more
 * than one CPU): a publisher that comes soon (a hand-off, a ring that
 * streams) wakes it with one cache-line transfer instead of a system call
 * on each side and a trip through the scheduler. */
#define ASH__SPIN_NS 20000

static bool ash__spin_allowed(void) {
  static int n; /* 0 unknown, 1 yes, -1 no */
  int v = __atomic_load_n(&n, __ATOMIC_RELAXED);
  if (v == 0) {
    v = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : -1;
    __atomic_store_n(&n, v, __ATOMIC_RELAXED);
  }
  return v > 0;
}

/* Spins until @word leaves @n0 or ASH__SPIN_NS pass (or the deadline). */
static void ash__spin(_Atomic uint32_t *word, uint32_t n0,
                      const struct ash__deadline *d) {
  int64_t end = ash__clock_ns() + ASH__SPIN_NS;
  if (!d->forever && d->end < end)
    end = d->end;
  do {
    for (int i = 0; i < 64; i++) {
      if (atomic_load_explicit(word, memory_order_relaxed) != n0)
        return;
      ash__cpu_relax();
    }
  } while (ash__clock_ns() < end);
}

int ash__sync_wait(_Atomic uint32_t *word, _Atomic uint32_t *count,
                   bool counted, int (*ready)(void *ctx, bool check), void *ctx,
                   struct ash__deadline *d) {
  uint32_t n0 = atomic_load_explicit(word, memory_order_acquire);
  if (counted) /* before ready() looks: Dekker with ash__sync_wake */
    atomic_fetch_add_explicit(count, 1, memory_order_seq_cst);
  bool check = true, spun = !ash__spin_allowed();
  int r;
  for (;;) {
    if ((r = ready(ctx, check)) != 0)
      break;
    if (!spun) {
      spun = true;
      ash__spin(word, n0, d);
      n0 = atomic_load_explicit(word, memory_order_acquire);
      continue;
    }
    int64_t ns = ash__deadline_slice(d);
    if (ns == 0) {
      r = ASH__EXPIRED;
      break;
    }
    if (!counted && ns > ASH__SLICE_FIRST_NS)
      ns = ASH__SLICE_FIRST_NS; /* nobody will wake us: poll */
    int64_t t0 = ash__clock_ns();
    ash__futex_wait(word, n0, ns);
    check = ash__clock_ns() - t0 >= ns;
    n0 = atomic_load_explicit(word, memory_order_acquire);
  }
  if (counted)
    atomic_fetch_sub_explicit(count, 1, memory_order_relaxed);
  return r == 1 ? ASH_OK : r;
}

/* The version of @s now: completed writes. */
static int64_t ash__version(const struct ash__sync *s) {
  return (int64_t)(atomic_load_explicit(&s->seq, memory_order_acquire) >> 1);
}

/* A write of @t left open by a process that died (or, inside this
 * process, by a thread that exited): the data is torn. */
static int ash__torn_check(const struct ash__tgt *t) {
  struct ash__sync *s = t->s;
  uint64_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
  if (!(seq & 1))
    return ASH_OK;
  uint32_t wr =
      atomic_load_explicit(&s->writer, memory_order_relaxed) & ASH__LK_ID_MASK;
  if (wr == 0 || ash__owner_alive(t->m, wr))
    return ASH_OK;
  if (atomic_load_explicit(&s->seq, memory_order_acquire) != seq)
    return ASH_OK; /* finished (or taken over) meanwhile */
  return ash__err(ASH_E_TORN,
                  ASH__TGT_FMT ": the writer (pid %lld) died in the middle "
                               "of writing version %lld: the data is torn "
                               "until the next complete write",
                  ASH__TGT_ARGS(t), (long long)ash__owner_pid(t->m, wr),
                  (long long)(seq >> 1) + 1);
}

ash_status ash_view_version(const ash_view *v, int64_t *out) {
  ASH__VIEW_TGT(v);
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "output pointer is NULL");
  *out = ash__version(t_.s);
  return ASH_OK;
}

ash_status ash_view_notify(const ash_view *v, int all, int *out) {
  ASH__VIEW_TGT(v);
  if (!ash__words_writable(t_.m))
    return ash__err(ASH_E_RDONLY,
                    ASH__TGT_FMT ": this process may not write the segment "
                                 "(read permission only, or sealed)",
                    ASH__TGT_ARGS(&t_));
  /* A new version (odd stays odd: an open write is still open). */
  atomic_fetch_add_explicit(&t_.s->seq, 2, memory_order_release);
  int n = ash__publish(t_.s, all != 0);
  if (out)
    *out = n;
  return ASH_OK;
}

/* Sleepers on the notify word count themselves when this process may
 * write the count (one with read permission only polls every 1 ms). */
static bool ash__counted(const struct ash__tgt *t) {
  return ash__words_writable(t->m);
}

struct ash__change {
  const struct ash__tgt *t;
  int n;
  const int64_t *versions;
  int found;
};

/* Ready when a version differs; a dead writer's open write: TORN. */
static int ash__change_ready(void *ctx, bool check) {
  struct ash__change *c = ctx;
  for (int i = 0; i < c->n; i++)
    if (ash__version(c->t[i].s) != c->versions[i]) {
      c->found = i;
      return 1;
    }
  for (int i = 0; check && i < c->n; i++) {
    int r = ash__torn_check(&c->t[i]);
    if (r)
      return r;
  }
  return 0;
}

ash_status ash_view_wait_change(const ash_view *v, int64_t version,
                                double timeout, int64_t *out) {
  ASH__VIEW_TGT(v);
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "output pointer is NULL");
  struct ash__deadline d;
  int r = ash__deadline_init(timeout, &d);
  if (r)
    return r;
  struct ash__change c = {&t_, 1, &version, -1};
  r = ash__sync_wait(&t_.s->notify, &t_.s->waiters, ash__counted(&t_),
                     ash__change_ready, &c, &d);
  if (r == ASH__EXPIRED)
    return ash__err(ASH_E_TIMEOUT,
                    ASH__TGT_FMT ": still at version %lld at the timeout",
                    ASH__TGT_ARGS(&t_), (long long)version);
  if (r == ASH_OK)
    *out = ash__version(t_.s);
  return r;
}

ash_status ash_view_wait_any(int nviews, ash_view *const *views, int nversions,
                             const int64_t *versions, double timeout,
                             int *out) {
  if (out == NULL || views == NULL || (nversions > 0 && versions == NULL))
    return ash__err(ASH_E_INVAL, "views, versions or output pointer is NULL");
  if (nviews < 1 || nviews > ASH__WAITV_MAX)
    return ash__err(ASH_E_INVAL, "wait_any takes 1 to %d views, not %d",
                    ASH__WAITV_MAX, nviews);
  if (nversions != nviews)
    return ash__err(ASH_E_INVAL,
                    "wait_any: %d versions for %d views (one version each)",
                    nversions, nviews);
  struct ash__tgt t[ASH__WAITV_MAX];
  _Atomic uint32_t *words[ASH__WAITV_MAX];
  uint32_t n0[ASH__WAITV_MAX];
  for (int i = 0; i < nviews; i++) {
    int r = ash__tgt_view(views[i], &t[i]);
    if (r)
      return r;
    words[i] = &t[i].s->notify;
  }
  struct ash__deadline d;
  int r = ash__deadline_init(timeout, &d);
  if (r)
    return r;
  for (int i = 0; i < nviews; i++) {
    n0[i] = atomic_load_explicit(words[i], memory_order_acquire);
    if (ash__counted(&t[i]))
      atomic_fetch_add_explicit(&t[i].s->waiters, 1, memory_order_seq_cst);
  }
  struct ash__change c = {t, nviews, versions, -1};
  bool check = true;
  for (;;) {
    if ((r = ash__change_ready(&c, check)) != 0)
      break;
    int64_t ns = ash__deadline_slice(&d);
    if (ns == 0) {
      r = ASH__EXPIRED;
      break;
    }
    int64_t t0 = ash__clock_ns();
    if (ash__futex_waitv(words, n0, nviews, ns) == -ENOSYS) {
      /* No futex_waitv: sleep on the first word, poll the others. */
      ns = ns < ASH__SLICE_FIRST_NS ? ns : ASH__SLICE_FIRST_NS;
      ash__futex_wait(words[0], n0[0], ns);
    }
    check = ash__clock_ns() - t0 >= ns;
    for (int i = 0; i < nviews; i++)
      n0[i] = atomic_load_explicit(words[i], memory_order_acquire);
  }
  for (int i = 0; i < nviews; i++)
    if (ash__counted(&t[i]))
      atomic_fetch_sub_explicit(&t[i].s->waiters, 1, memory_order_relaxed);
  if (r == ASH__EXPIRED)
    return ash__err(ASH_E_TIMEOUT,
                    "wait_any: none of the %d arrays changed before the "
                    "timeout",
                    nviews);
  if (r == 1)
    *out = c.found;
  return r == 1 ? ASH_OK : r;
}

/* ---- versions: writes and snapshots -------------------------------------- */

ash_status ash_view_write_begin(const ash_view *v, double timeout) {
  ASH__VIEW_TGT(v);
  int r = ash__view_writable(v);
  uint32_t me, w;
  if (r == ASH_OK)
    r = ash__me(&t_, &me);
  if (r)
    return r;
  if (v->arr->ring_ctl)
    return ash__err(ASH_E_INVAL,
                    ASH__TGT_FMT " is a ring: write it with "
                                 "ash_ring_write_begin",
                    ASH__TGT_ARGS(&t_));
  struct ash__sync *s = t_.s;
  bool took = ash__held(&t_, me, &w) != ASH_OK;
  if (took) {
    r = ash__lock(&t_, timeout, false);
    if (r && r != ASH_E_OWNERDEAD)
      return r;
  } else if (ash__writing(&t_, me)) {
    return ash__err(ASH_E_INVAL,
                    ASH__TGT_FMT ": a write is in progress already",
                    ASH__TGT_ARGS(&t_));
  }
  /* Odd (a write left open by a dead writer stays odd), then a release
   * fence: readers that see any of the new data see the odd sequence. */
  uint64_t seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
  atomic_store_explicit(&s->writer, me | (took ? ASH__WR_LOCKED : 0),
                        memory_order_relaxed);
  atomic_store_explicit(&s->seq, seq | 1, memory_order_relaxed);
  atomic_thread_fence(memory_order_release);
  return r;
}

ash_status ash_view_write_end(const ash_view *v) {
  ASH__VIEW_TGT(v);
  uint32_t me, w;
  int r = ash__me(&t_, &me);
  if (r)
    return r;
  struct ash__sync *s = t_.s;
  if (!ash__writing(&t_, me))
    return ash__err(ASH_E_INVAL,
                    ASH__TGT_FMT ": no write in progress in this process "
                                 "(write_begin first)",
                    ASH__TGT_ARGS(&t_));
  if ((r = ash__held(&t_, me, &w)))
    return r;
  uint64_t seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
  bool took =
      atomic_load_explicit(&s->writer, memory_order_relaxed) & ASH__WR_LOCKED;
  atomic_store_explicit(&s->writer, 0, memory_order_relaxed);
  atomic_store_explicit(&s->seq, seq + 1, memory_order_release);
  if (took) /* the whole array was republished: consistent again */
    ash__release(s, w & ~ASH__LK_DIED);
  (void)ash__publish(s, true);
  return ASH_OK;
}

struct ash__snap {
  const struct ash__tgt *t;
  uint64_t s1;
};

/* Ready when the sequence moved on from the odd s1; a dead writer: TORN. */
static int ash__snap_ready(void *ctx, bool check) {
  struct ash__snap *c = ctx;
  if (atomic_load_explicit(&c->t->s->seq, memory_order_seq_cst) != c->s1)
    return 1;
  int r = check ? ash__torn_check(c->t) : ASH_OK;
  return r ? r : 0;
}

ash_status ash_view_read_snapshot(const ash_view *v, void *dst, uint64_t nbytes,
                                  double timeout, int64_t *out) {
  ASH__VIEW_TGT(v);
  if (out == NULL)
    return ash__err(ASH_E_INVAL, "output pointer is NULL");
  if (dst == NULL || nbytes != ash_view_nbytes(v))
    return ash_view_read(v, dst, nbytes); /* its error names the sizes */
  struct ash__deadline d;
  int r = ash__deadline_init(timeout, &d);
  if (r)
    return r;
  struct ash__sync *s = t_.s;
  for (;;) {
    uint64_t s1 = atomic_load_explicit(&s->seq, memory_order_acquire);
    if (!(s1 & 1)) {
      if ((r = ash_view_read(v, dst, nbytes)))
        return r;
      atomic_thread_fence(memory_order_acquire);
      if (atomic_load_explicit(&s->seq, memory_order_relaxed) == s1) {
        *out = (int64_t)(s1 >> 1);
        return ASH_OK;
      }
      if (!ash__deadline_passed(&d))
        continue; /* a write came meanwhile: again */
    }
    /* A writer is writing: sleep until it publishes (or is found dead). */
    struct ash__snap c = {&t_, s1};
    r = s1 & 1
            ? ash__sync_wait(&s->notify, &s->waiters, ash__words_writable(t_.m),
                             ash__snap_ready, &c, &d)
            : ASH__EXPIRED;
    if (r == ASH__EXPIRED)
      return ash__err(ASH_E_TIMEOUT,
                      ASH__TGT_FMT ": a write was still in progress at the "
                                   "timeout",
                      ASH__TGT_ARGS(&t_));
    if (r)
      return r;
  }
}

/* ---- element atomics ----------------------------------------------------- */

/* The element of an atomic operation, checked: an integer dtype the form
 * (@u64: ash_view_atomic_u64) takes, aligned, writable unless a load. */
static int ash__atomic_elem(const ash_view *v, int op, bool u64, int nidx,
                            const int64_t *idx, uint8_t **p) {
  if (v == NULL)
    return ash__err(ASH_E_INVAL, "view is NULL");
  if (op < ASH_ATOMIC_LOAD || op > ASH_ATOMIC_XOR)
    return ash__err(ASH_E_INVAL, "atomic operation %d is not an ASH_ATOMIC_*",
                    op);
  int kind = ash_dtype_kind(v->dtype);
  if (kind != ASH_KIND_INT && kind != ASH_KIND_UINT)
    return ash__err(ASH_E_DTYPE,
                    "atomics work on integer dtypes (int8 to uint64), not "
                    "%s",
                    ash_dtype_name(v->dtype));
  if (u64 && kind != ASH_KIND_UINT)
    return ash__err(ASH_E_DTYPE,
                    "ash_view_atomic_u64 works on unsigned dtypes; use "
                    "ash_view_atomic_i64 for %s",
                    ash_dtype_name(v->dtype));
  if (!u64 && v->dtype == ASH_UINT64)
    return ash__err(ASH_E_DTYPE, "uint64 values do not all fit int64: use "
                                 "ash_view_atomic_u64");
  int r = ash__view_locate(v, nidx, idx, p);
  if (r)
    return r;
  if ((uintptr_t)*p % v->itemsize)
    return ash__err(ASH_E_INVAL,
                    "element at byte offset %lld of \"%s/%s\" is not aligned "
                    "to its size %zu: atomics need aligned elements",
                    (long long)(*p - (v->map->addr + v->arr->offset)),
                    v->map->name, v->arr->name, v->itemsize);
  if (op != ASH_ATOMIC_LOAD)
    return ash__view_writable(v);
  return ASH_OK;
}

/* Whether @x (as int64, or as uint64 when @u) fits @dtype. */
static bool ash__fits(int dtype, bool u, uint64_t x) {
  int64_t i = (int64_t)x;
  switch (dtype) {
  case ASH_INT8:
    return !u && i >= INT8_MIN && i <= INT8_MAX;
  case ASH_INT16:
    return !u && i >= INT16_MIN && i <= INT16_MAX;
  case ASH_INT32:
    return !u && i >= INT32_MIN && i <= INT32_MAX;
  case ASH_INT64:
    return !u;
  case ASH_UINT8:
    return (u || i >= 0) && x <= UINT8_MAX;
  case ASH_UINT16:
    return (u || i >= 0) && x <= UINT16_MAX;
  case ASH_UINT32:
    return (u || i >= 0) && x <= UINT32_MAX;
  default:
    return u || i >= 0; /* uint64 */
  }
}

static int ash__value_check(const ash_view *v, bool u, uint64_t x,
                            const char *what) {
  if (ash__fits(v->dtype, u, x))
    return ASH_OK;
  if (u)
    return ash__err(ASH_E_VALUE, "%s %llu does not fit %s", what,
                    (unsigned long long)x, ash_dtype_name(v->dtype));
  return ash__err(ASH_E_VALUE, "%s %lld does not fit %s", what,
                  (long long)(int64_t)x, ash_dtype_name(v->dtype));
}

#define ASH__ATOMIC_CASE(T)                                                    \
  {                                                                            \
    T *q = (T *)(void *)p, x = (T)val, e = (T)expected, o = 0;                 \
    switch (op) {                                                              \
    case ASH_ATOMIC_LOAD:                                                      \
      o = __atomic_load_n(q, __ATOMIC_SEQ_CST);                                \
      break;                                                                   \
    case ASH_ATOMIC_STORE:                                                     \
      __atomic_store_n(q, x, __ATOMIC_SEQ_CST);                                \
      o = x;                                                                   \
      break;                                                                   \
    case ASH_ATOMIC_EXCHANGE:                                                  \
      o = __atomic_exchange_n(q, x, __ATOMIC_SEQ_CST);                         \
      break;                                                                   \
    case ASH_ATOMIC_CAS:                                                       \
      __atomic_compare_exchange_n(q, &e, x, false, __ATOMIC_SEQ_CST,           \
                                  __ATOMIC_SEQ_CST);                           \
      o = e;                                                                   \
      break;                                                                   \
    case ASH_ATOMIC_ADD:                                                       \
      o = __atomic_fetch_add(q, x, __ATOMIC_SEQ_CST);                          \
      break;                                                                   \
    case ASH_ATOMIC_SUB:                                                       \
      o = __atomic_fetch_sub(q, x, __ATOMIC_SEQ_CST);                          \
      break;                                                                   \
    default: /* and, or, xor: a CAS loop (see ash__atomic_do) */               \
      o = __atomic_load_n(q, __ATOMIC_RELAXED);                                \
      while (!__atomic_compare_exchange_n(q, &o,                               \
                                          (T)(op == ASH_ATOMIC_AND  ? o & x    \
                                              : op == ASH_ATOMIC_OR ? o | x    \
                                                                    : o ^ x),  \
                                          true, __ATOMIC_SEQ_CST,              \
                                          __ATOMIC_RELAXED))                   \
        ;                                                                      \
      break;                                                                   \
    }                                                                          \
    old = (uint64_t)o;                                                         \
  }                                                                            \
  break

/* Performs @op on the element at @p; returns the old value's bits, sign-
 * or zero-extended to 64 bits by the dtype. Unsigned arithmetic of the
 * element's width wraps exactly as two's complement does. And, or and xor
 * are compare-exchange loops (what x86 does for a fetch-or whose result is
 * used anyway): GCC 12 at -O2 drops the or of an 8- or 16-bit
 * __atomic_fetch_or in a switch beside a compare-exchange (it stores the
 * old value back), which the tests caught. */
static uint64_t ash__atomic_do(int dtype, int op, uint8_t *p, uint64_t val,
                               uint64_t expected) {
  uint64_t old = 0;
  switch (ash_dtype_itemsize(dtype)) {
  case 1:
    ASH__ATOMIC_CASE(uint8_t);
  case 2:
    ASH__ATOMIC_CASE(uint16_t);
  case 4:
    ASH__ATOMIC_CASE(uint32_t);
  default:
    ASH__ATOMIC_CASE(uint64_t);
  }
  switch (dtype) {
  case ASH_INT8:
    return (uint64_t)(int64_t)(int8_t)old;
  case ASH_INT16:
    return (uint64_t)(int64_t)(int16_t)old;
  case ASH_INT32:
    return (uint64_t)(int64_t)(int32_t)old;
  default:
    return old;
  }
}

static int ash__atomic_one(const ash_view *v, int op, bool u, int nidx,
                           const int64_t *idx, uint64_t value,
                           uint64_t expected, uint64_t *out) {
  uint8_t *p;
  int r = ash__atomic_elem(v, op, u, nidx, idx, &p);
  if (r == ASH_OK && op != ASH_ATOMIC_LOAD)
    r = ash__value_check(v, u, value, "value");
  if (r == ASH_OK && op == ASH_ATOMIC_CAS)
    r = ash__value_check(v, u, expected, "expected value");
  if (r == ASH_OK && out == NULL)
    r = ash__err(ASH_E_INVAL, "output pointer is NULL");
  if (r)
    return r;
  *out = ash__atomic_do(v->dtype, op, p, value, expected);
  return ASH_OK;
}

ash_status ash_view_atomic_i64(const ash_view *v, int op, int nidx,
                               const int64_t *idx, int64_t value,
                               int64_t expected, int64_t *out) {
  uint64_t o;
  int r = ash__atomic_one(v, op, false, nidx, idx, (uint64_t)value,
                          (uint64_t)expected, out ? &o : NULL);
  if (r == ASH_OK)
    *out = (int64_t)o;
  return r;
}

ash_status ash_view_atomic_u64(const ash_view *v, int op, int nidx,
                               const int64_t *idx, uint64_t value,
                               uint64_t expected, uint64_t *out) {
  return ash__atomic_one(v, op, true, nidx, idx, value, expected, out);
}

ash_status ash_view_atomic_vec(const ash_view *v, int op, int nindex,
                               const int64_t *index, int nvalues,
                               const int64_t *values, int64_t *olds) {
  if (op == ASH_ATOMIC_CAS)
    return ash__err(ASH_E_INVAL, "compare-exchange has no vector form (use "
                                 "ash_view_atomic_i64 per element)");
  if (nindex < 0 || (nindex > 0 && index == NULL))
    return ash__err(ASH_E_INVAL, "index list is NULL or its count negative");
  bool need = op != ASH_ATOMIC_LOAD;
  if (need && (nvalues != 1 && nvalues != nindex))
    return ash__err(ASH_E_INVAL,
                    "%d values for %d indices (one value, or one per index)",
                    nvalues, nindex);
  if (need && values == NULL)
    return ash__err(ASH_E_INVAL, "values is NULL");
  /* Everything is checked before the first element changes. */
  uint8_t *p;
  for (int i = 0; i < nindex; i++) {
    int r = ash__atomic_elem(v, op, false, 1, &index[i], &p);
    if (r == ASH_OK && need && (nvalues > 1 || i == 0))
      r = ash__value_check(v, false, (uint64_t)values[nvalues > 1 ? i : 0],
                           "value");
    if (r)
      return r;
  }
  if (nindex == 0 && v == NULL)
    return ash__err(ASH_E_INVAL, "view is NULL");
  for (int i = 0; i < nindex; i++) {
    (void)ash__view_locate(v, 1, &index[i], &p);
    uint64_t o = ash__atomic_do(
        v->dtype, op, p, need ? (uint64_t)values[nvalues > 1 ? i : 0] : 0, 0);
    if (olds)
      olds[i] = (int64_t)o;
  }
  return ASH_OK;
}
