/* SPDX-License-Identifier: MIT */
/* sync_swig.h - C helpers of swig/sync.i (coordination: locks, versions,
 * waits, atomics, rings), compiled into the generated module of every
 * language (the SWIG<LANG> macro says which).
 *
 * Blocking calls (lock, write_begin, wait_change, wait_any, snapshots,
 * ring reads and writes) are what the bindings get under the C names:
 *  - they take their own references on the handles they were given while
 *    the interpreter's lock is held, so no other thread can free one
 *    during the call;
 *  - they run without the lock (Python's GIL, Ruby's GVL) so other
 *    threads run meanwhile;
 *  - Python and Ruby wait in chunks of at most ASH_SWIG_CHUNK seconds and
 *    look at pending signals and interrupts between chunks (Ctrl-C,
 *    Thread#raise work during a wait without limit). A chunk that ends by
 *    its timeout changes nothing (the library's rule), and versions are
 *    state, not events, so nothing is lost between chunks. Lua has no
 *    interpreter lock: it waits in one call.
 * Copies come back as a malloc'ed buffer that the ASH_BYTES typemap of
 * each language turns into its byte string. */
#ifndef ASH_SYNC_SWIG_H
#define ASH_SYNC_SWIG_H

#include <stdlib.h>

#include "arrayshare.h"

#if defined(SWIGRUBY)
#include <ruby/thread.h>
#endif

#define ASH_SWIG_CHUNK 0.1

typedef ash_status (*ash_swig_wait_fn)(void *ctx, double timeout);

struct ash_swig_chunk {
  ash_swig_wait_fn fn;
  void *ctx;
  double timeout;
  ash_status status;
};

static inline void *ash_swig_chunk_run(void *p) {
  struct ash_swig_chunk *c = (struct ash_swig_chunk *)p;
  c->status = c->fn(c->ctx, c->timeout);
  return NULL;
}

#if defined(SWIGRUBY)
static VALUE ash_swig_rb_check_ints(VALUE unused) {
  (void)unused;
  rb_thread_check_ints();
  return Qnil;
}
#endif

/* Runs fn(ctx, timeout) without the interpreter's lock, in chunks (see the
 * top). Returns its status, or ASH_SWIG_INTERRUPTED with the language's
 * exception pending (Python), or *@jump set to a Ruby jump tag to resume
 * once the caller dropped its references. */
static inline ash_status ash_swig_block(ash_swig_wait_fn fn, void *ctx,
                                        double timeout, int *jump) {
  *jump = 0;
#if defined(SWIGPYTHON) || defined(SWIGRUBY)
  /* Each chunk that ends by its timeout lasted at least that long: what
   * is left is counted down without a clock. */
  double left = timeout;
  for (;;) {
    double t = left < 0 || left > ASH_SWIG_CHUNK ? ASH_SWIG_CHUNK : left;
    if (timeout != timeout)
      t = timeout; /* NaN: the library's error */
    struct ash_swig_chunk c = {fn, ctx, t, ASH_OK};
#if defined(SWIGPYTHON)
    Py_BEGIN_ALLOW_THREADS ash_swig_chunk_run(&c);
    Py_END_ALLOW_THREADS
#else
    rb_thread_call_without_gvl(ash_swig_chunk_run, &c, NULL, NULL);
#endif
        if (c.status != ASH_E_TIMEOUT ||
            (left >= 0 && left <= t)) return c.status;
    if (left >= 0)
      left -= t;
#if defined(SWIGPYTHON)
    if (PyErr_CheckSignals() < 0)
      return ASH_SWIG_INTERRUPTED;
#else
    rb_protect(ash_swig_rb_check_ints, Qnil, jump);
    if (*jump)
      return ASH_SWIG_INTERRUPTED;
#endif
  }
#else
  (void)jump;
  return fn(ctx, timeout);
#endif
}

/* After the references are dropped: a Ruby interrupt resumes. */
static inline ash_status ash_swig_resume(ash_status r, int jump) {
#if defined(SWIGRUBY)
  if (jump)
    rb_jump_tag(jump);
#else
  (void)jump;
#endif
  return r;
}

/* ---- the blocking calls ---------------------------------------------------- */

struct ash_swig_vcall {
  const ash_view *v;
  ash_segment *seg;
  ash_ring *ring;
  int64_t version;
  int64_t *out;
  void *buf;
  uint64_t nbytes;
  const void *src;
  ash_view **view_out;
  int nviews;
  ash_view *const *views;
  const int64_t *versions;
  int *index;
};

static inline ash_status ash_swig_do_view_lock(void *p, double t) {
  return ash_view_lock(((struct ash_swig_vcall *)p)->v, t);
}
static inline ash_status ash_swig_do_segment_lock(void *p, double t) {
  return ash_segment_lock(((struct ash_swig_vcall *)p)->seg, t);
}
static inline ash_status ash_swig_do_write_begin(void *p, double t) {
  return ash_view_write_begin(((struct ash_swig_vcall *)p)->v, t);
}
static inline ash_status ash_swig_do_wait_change(void *p, double t) {
  struct ash_swig_vcall *c = (struct ash_swig_vcall *)p;
  return ash_view_wait_change(c->v, c->version, t, c->out);
}
static inline ash_status ash_swig_do_snapshot(void *p, double t) {
  struct ash_swig_vcall *c = (struct ash_swig_vcall *)p;
  return ash_view_read_snapshot(c->v, c->buf, c->nbytes, t, c->out);
}
static inline ash_status ash_swig_do_wait_any(void *p, double t) {
  struct ash_swig_vcall *c = (struct ash_swig_vcall *)p;
  return ash_view_wait_any(c->nviews, c->views, c->nviews, c->versions, t,
                           c->index);
}
static inline ash_status ash_swig_do_ring_write_begin(void *p, double t) {
  struct ash_swig_vcall *c = (struct ash_swig_vcall *)p;
  return ash_ring_write_begin(c->ring, t, c->view_out);
}
static inline ash_status ash_swig_do_ring_write(void *p, double t) {
  struct ash_swig_vcall *c = (struct ash_swig_vcall *)p;
  return ash_ring_write(c->ring, c->src, c->nbytes, t);
}
static inline ash_status ash_swig_do_ring_read(void *p, double t) {
  struct ash_swig_vcall *c = (struct ash_swig_vcall *)p;
  return ash_ring_read(c->ring, c->buf, c->nbytes, t, c->out);
}
static inline ash_status ash_swig_do_ring_read_begin(void *p, double t) {
  struct ash_swig_vcall *c = (struct ash_swig_vcall *)p;
  return ash_ring_read_begin(c->ring, t, c->view_out);
}

/* One blocking call on a view (or a ring), held for the call. The caller
 * cleans up, then calls ash_swig_resume(status, *jump). */
static inline ash_status ash_swig_view_block(ash_swig_wait_fn fn,
                                             struct ash_swig_vcall *c,
                                             double timeout, int *jump) {
  *jump = 0;
  ash_view *v = ash_view_retain((ash_view *)(uintptr_t)c->v);
  ash_status r = v ? ash_swig_block(fn, c, timeout, jump)
                   : fn(c, timeout); /* NULL: the library's error */
  ash_view_release(v);
  return r;
}

static inline ash_status ash_swig_ring_block(ash_swig_wait_fn fn,
                                             struct ash_swig_vcall *c,
                                             double timeout, int *jump) {
  *jump = 0;
  ash_ring *r0 = ash_ring_retain(c->ring);
  ash_status r = r0 ? ash_swig_block(fn, c, timeout, jump) : fn(c, timeout);
  ash_ring_close(r0);
  return r;
}

static inline ash_status ash_swig_view_lock(const ash_view *v, double timeout) {
  struct ash_swig_vcall c = {.v = v};
  int jump;
  ash_status r = ash_swig_view_block(ash_swig_do_view_lock, &c, timeout, &jump);
  return ash_swig_resume(r, jump);
}

static inline ash_status ash_swig_segment_lock(ash_segment *seg,
                                               double timeout) {
  struct ash_swig_vcall c = {.seg = seg};
  int jump;
  ash_segment *s = ash_segment_retain(seg);
  ash_status r =
      s ? ash_swig_block(ash_swig_do_segment_lock, &c, timeout, &jump)
        : ash_segment_lock(NULL, timeout);
  ash_segment_close(s);
  return s ? ash_swig_resume(r, jump) : r;
}

static inline ash_status ash_swig_view_write_begin(const ash_view *v,
                                                   double timeout) {
  struct ash_swig_vcall c = {.v = v};
  int jump;
  ash_status r =
      ash_swig_view_block(ash_swig_do_write_begin, &c, timeout, &jump);
  return ash_swig_resume(r, jump);
}

static inline ash_status ash_swig_view_wait_change(const ash_view *v,
                                                   int64_t version,
                                                   double timeout,
                                                   int64_t *out) {
  struct ash_swig_vcall c = {.v = v, .version = version, .out = out};
  int jump;
  ash_status r =
      ash_swig_view_block(ash_swig_do_wait_change, &c, timeout, &jump);
  return ash_swig_resume(r, jump);
}

/* A buffer of @nbytes for a copy (at least 1 byte, so an empty array's
 * copy is not a NULL the library refuses). */
static inline void *ash_swig_copy_buf(uint64_t nbytes, ash_status *r) {
  void *b = nbytes <= SIZE_MAX ? malloc(nbytes ? (size_t)nbytes : 1) : NULL;
  *r = b ? ASH_OK : ASH_E_NOMEM;
  return b;
}

static inline ash_status
ash_swig_view_read_snapshot(const ash_view *v, uint64_t nbytes, double timeout,
                            char **bytes, size_t *nbytes_out, int64_t *out) {
  ash_status r;
  *bytes = NULL;
  *nbytes_out = 0;
  /* a size other than the view's: the library's error, nothing allocated */
  if (v == NULL || nbytes != ash_view_nbytes(v))
    return ash_view_read_snapshot(v, &r, nbytes, timeout, out);
  struct ash_swig_vcall c = {.v = v, .out = out, .nbytes = nbytes};
  if ((c.buf = ash_swig_copy_buf(nbytes, &r)) == NULL)
    return r;
  int jump;
  r = ash_swig_view_block(ash_swig_do_snapshot, &c, timeout, &jump);
  if (r != ASH_OK) {
    free(c.buf);
    return ash_swig_resume(r, jump);
  }
  *bytes = (char *)c.buf;
  *nbytes_out = (size_t)nbytes;
  return ASH_OK;
}

static inline ash_status
ash_swig_view_wait_any(int nviews, ash_view *const *views, int nversions,
                       const int64_t *versions, double timeout, int *out) {
  if (views == NULL || nviews < 1 || nviews > 128 || nversions != nviews)
    return ash_view_wait_any(nviews, views, nversions, versions, timeout, out);
  for (int i = 0; i < nviews; i++)
    ash_view_retain(views[i]);
  struct ash_swig_vcall c = {
      .nviews = nviews, .views = views, .versions = versions, .index = out};
  int jump;
  ash_status r = ash_swig_block(ash_swig_do_wait_any, &c, timeout, &jump);
  for (int i = 0; i < nviews; i++)
    ash_view_release(views[i]);
  return ash_swig_resume(r, jump);
}

static inline ash_status ash_swig_ring_write_begin(ash_ring *r, double timeout,
                                                   ash_view **out) {
  struct ash_swig_vcall c = {.ring = r, .view_out = out};
  int jump;
  ash_status e =
      ash_swig_ring_block(ash_swig_do_ring_write_begin, &c, timeout, &jump);
  return ash_swig_resume(e, jump);
}

static inline ash_status ash_swig_ring_write(ash_ring *r, const void *src,
                                             uint64_t nbytes, double timeout) {
  struct ash_swig_vcall c = {.ring = r, .src = src, .nbytes = nbytes};
  int jump;
  ash_status e =
      ash_swig_ring_block(ash_swig_do_ring_write, &c, timeout, &jump);
  return ash_swig_resume(e, jump);
}

static inline ash_status ash_swig_ring_read(ash_ring *r, uint64_t nbytes,
                                            double timeout, char **bytes,
                                            size_t *nbytes_out, int64_t *out) {
  ash_status e;
  *bytes = NULL;
  *nbytes_out = 0;
  if (r == NULL || nbytes != ash_ring_slot_nbytes(r))
    return ash_ring_read(r, &e, nbytes, timeout, out);
  struct ash_swig_vcall c = {.ring = r, .out = out, .nbytes = nbytes};
  if ((c.buf = ash_swig_copy_buf(nbytes, &e)) == NULL)
    return e;
  int jump;
  e = ash_swig_ring_block(ash_swig_do_ring_read, &c, timeout, &jump);
  if (e != ASH_OK) {
    free(c.buf);
    return ash_swig_resume(e, jump);
  }
  *bytes = (char *)c.buf;
  *nbytes_out = (size_t)nbytes;
  return ASH_OK;
}

static inline ash_status ash_swig_ring_read_begin(ash_ring *r, double timeout,
                                                  ash_view **out) {
  struct ash_swig_vcall c = {.ring = r, .view_out = out};
  int jump;
  ash_status e =
      ash_swig_ring_block(ash_swig_do_ring_read_begin, &c, timeout, &jump);
  return ash_swig_resume(e, jump);
}

/* ---- the vector form of atomics: the old values as a list ------------------ */

static inline ash_status
ash_swig_view_atomic_vec(const ash_view *v, int op, int nindex,
                         const int64_t *index, int nvalues,
                         const int64_t *values, int64_t **olds, int *nolds) {
  *olds = NULL;
  *nolds = 0;
  int64_t *buf =
      (int64_t *)malloc(sizeof(int64_t) * (size_t)(nindex > 0 ? nindex : 1));
  if (buf == NULL)
    return ASH_E_NOMEM;
  ash_status r =
      ash_view_atomic_vec(v, op, nindex, index, nvalues, values, buf);
  if (r != ASH_OK) {
    free(buf);
    return r;
  }
  *olds = buf;
  *nolds = nindex > 0 ? nindex : 0;
  return ASH_OK;
}

/* ash_ring_close for the bindings: the typemap of @closing has already
 * taken the pointer out of the language's object. */
static inline void ash_swig_ring_close(ash_ring *closing) {
  ash_ring_close(closing);
}

#endif
