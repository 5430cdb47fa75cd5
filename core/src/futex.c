/* SPDX-License-Identifier: MIT */
/* Futexes and deadlines: the only system calls the synchronisation words
 * use (docs/format.md, "Sync block").
 *
 * Every futex here is shared (no FUTEX_PRIVATE_FLAG): the words live in a
 * MAP_SHARED file mapping, and the kernel keys a shared futex by the file
 * and offset, so processes that map the segment at different addresses
 * wait on and wake the same word. Every wait is bounded: callers sleep in
 * slices (ash__deadline_slice) and re-check what they wait for (and the
 * liveness of whoever they wait on) between slices, because a peer can die
 * between a check and a wait.
 *
 * Waiting on several words at once uses futex_waitv (Linux 5.16); where the
 * kernel lacks it (ENOSYS), or the test hook ASH_TEST_NO_FUTEX_WAITV is set,
 * callers fall back to waiting on one word in short slices and polling the
 * others (ash__futex_waitv returns -ENOSYS and they do it). */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <math.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

int64_t ash__clock_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int ash__deadline_init(double timeout, struct ash__deadline *d) {
  if (isnan(timeout))
    return ash__err(ASH_E_INVAL, "timeout is NaN (give seconds, or a "
                                 "negative value to wait without limit)");
  d->forever = timeout < 0 || timeout > 1e9; /* 30 years: no limit */
  d->end = d->forever ? INT64_MAX : ash__clock_ns() + (int64_t)(timeout * 1e9);
  d->slice = ASH__SLICE_FIRST_NS;
  return ASH_OK;
}

int64_t ash__deadline_slice(struct ash__deadline *d) {
  int64_t left = d->forever ? INT64_MAX : d->end - ash__clock_ns();
  if (left <= 0)
    return 0;
  int64_t s = d->slice < left ? d->slice : left;
  if (d->slice < ASH__SLICE_MAX_NS)
    d->slice *= 2;
  if (d->slice > ASH__SLICE_MAX_NS)
    d->slice = ASH__SLICE_MAX_NS;
  return s;
}

bool ash__deadline_passed(const struct ash__deadline *d) {
  return !d->forever && ash__clock_ns() >= d->end;
}

static struct timespec ash__ts(int64_t ns) {
  struct timespec ts = {(time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL)};
  return ts;
}

void ash__futex_wait(_Atomic uint32_t *w, uint32_t val, int64_t ns) {
  struct timespec ts = ash__ts(ns > 0 ? ns : 1);
  /* EAGAIN (the word changed), ETIMEDOUT, EINTR: the caller re-checks. */
  (void)syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT, val, &ts, NULL, 0);
}

int ash__futex_wake(_Atomic uint32_t *w, int n) {
  long r = syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE, n, NULL, NULL, 0);
  return r < 0 ? 0 : (int)r;
}

#ifndef FUTEX2_SIZE_U32
#define FUTEX2_SIZE_U32 0x02
#endif

struct ash__futex_waitv { /* struct futex_waitv of linux/futex.h (5.16) */
  uint64_t val;
  uint64_t uaddr;
  uint32_t flags;
  uint32_t reserved;
};

static int ash__waitv_state; /* 0 unknown, 1 available, -1 not */

int ash__futex_waitv(_Atomic uint32_t *const *w, const uint32_t *vals, int n,
                     int64_t ns) {
  int st = __atomic_load_n(&ash__waitv_state, __ATOMIC_RELAXED);
  if (st == 0) {
    st = getenv("ASH_TEST_NO_FUTEX_WAITV") ? -1 : 1;
    __atomic_store_n(&ash__waitv_state, st, __ATOMIC_RELAXED);
  }
#ifdef SYS_futex_waitv
  if (st > 0 && n <= ASH__WAITV_MAX) {
    struct ash__futex_waitv v[ASH__WAITV_MAX];
    for (int i = 0; i < n; i++) /* shared: no FUTEX2_PRIVATE */
      v[i] = (struct ash__futex_waitv){vals[i], (uint64_t)(uintptr_t)w[i],
                                       FUTEX2_SIZE_U32, 0};
    struct timespec ts = ash__ts(ash__clock_ns() + (ns > 0 ? ns : 1));
    long r =
        syscall(SYS_futex_waitv, v, (unsigned)n, 0, &ts, (long)CLOCK_MONOTONIC);
    if (r >= 0)
      return (int)r;
    if (errno != ENOSYS)
      return -1; /* EAGAIN, ETIMEDOUT, EINTR: the caller re-checks */
    __atomic_store_n(&ash__waitv_state, -1, __ATOMIC_RELAXED);
  }
#else
  (void)w;
  (void)vals;
  (void)ns;
#endif
  return -ENOSYS;
}
