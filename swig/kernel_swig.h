/* SPDX-License-Identifier: MIT */
/* kernel_swig.h - C helpers of swig/kernel.i, compiled into the generated
 * module of every language (the SWIG<LANG> macro says which).
 *
 * ash_swig_kernel_call() is what the bindings call as ash_kernel_call: it
 * takes its own references on the kernel and the views while the
 * interpreter's lock is held, runs the call without the lock (Python's GIL,
 * Ruby's GVL) so other threads run meanwhile, then drops the references. No
 * other thread can free a handle between the conversion of the arguments
 * and the call. */
#ifndef ASH_KERNEL_SWIG_H
#define ASH_KERNEL_SWIG_H

#include "arrayshare.h"

#if defined(SWIGRUBY)
#include <ruby/thread.h>
#endif

/* Around a declaration that shadows on purpose (see kernel.i). */
#define ASH_SWIG_SHADOW_BEGIN                                                  \
  _Pragma("GCC diagnostic push")                                               \
      _Pragma("GCC diagnostic ignored \"-Wshadow\"") {
#define ASH_SWIG_SHADOW_END                                                    \
  }                                                                            \
  _Pragma("GCC diagnostic pop")

struct ash_swig_kcall {
  ash_kernel *k;
  int nviews;
  ash_view *const *views;
  int nscalars;
  const double *scalars;
  int nthreads;
  double *out;
  ash_status status;
};

static inline void *ash_swig_kcall_run(void *p) {
  struct ash_swig_kcall *c = (struct ash_swig_kcall *)p;
  c->status = ash_kernel_call(c->k, c->nviews, c->views, c->nscalars,
                              c->scalars, c->nthreads, c->out);
  return NULL;
}

static inline ash_status ash_swig_kernel_call(ash_kernel *k, int nviews,
                                              ash_view *const *views,
                                              int nscalars,
                                              const double *scalars,
                                              int nthreads, double *out) {
  struct ash_swig_kcall c = {k,       nviews,   views, nscalars,
                             scalars, nthreads, out,   ASH_OK};
  int held = views != NULL && nviews > 0 && nviews <= ASH_KERNEL_MAX_OPERANDS
                 ? nviews
                 : 0;
  ash_kernel_retain(k);
  for (int i = 0; i < held; i++)
    ash_view_retain(views[i]);
#if defined(SWIGPYTHON)
  Py_BEGIN_ALLOW_THREADS ash_swig_kcall_run(&c);
  Py_END_ALLOW_THREADS
#elif defined(SWIGRUBY)
  rb_thread_call_without_gvl(ash_swig_kcall_run, &c, NULL, NULL);
#else
  ash_swig_kcall_run(&c);
#endif
      for (int i = 0; i < held; i++) ash_view_release(views[i]);
  ash_kernel_close(k);
  return c.status;
}

/* ash_kernel_close for the bindings: the typemap of @closing has already
 * taken the pointer out of the language's object (SWIG_POINTER_CLEAR), so a
 * second close, or the garbage collector, finds nothing left to close. */
static inline void ash_swig_kernel_close(ash_kernel *closing) {
  ash_kernel_close(closing);
}

#endif
