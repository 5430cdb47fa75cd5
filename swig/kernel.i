/* SPDX-License-Identifier: MIT */
/* kernel.i - the kernel functions of arrayshare.h ("Kernels" section), one
 * file for every language. Included by arrayshare.i after the language's
 * arrayshare_lang.i, whose typemaps it reuses (ash_status raises, ash_view *
 * converts a view handle, double *out and int *out become results).
 *
 * In every language:
 *   ash_kernel_open(lib, signature, bind) -> kernel object
 *   ash_kernel_from_address(address, signature, bind) -> kernel object
 *   ash_kernel_call(k, views, scalars, nthreads) -> float (the result)
 *       views: a sequence (Python), Array (Ruby) or table (Lua) of views;
 *       scalars: the same of numbers, or None / nil for none
 *   ash_kernel_close(k): closes now; closing again, or the garbage
 *       collector afterwards, does nothing. A kernel object that is not
 *       closed is closed when collected. Accessors of a closed kernel read
 *       as a kernel without operands; calling it is ASH_E_INVAL.
 *   ash_kernel_retain(k) -> a second kernel object (its own reference).
 * ash_kernel_call runs without the GIL (Python) or GVL (Ruby): see
 * kernel_swig.h. The language-specific lines below are only how a sequence
 * is walked and how a result object is returned.
 * Python docstrings (with text signatures): swig/python/docstrings.i.
 */

%{
#include "kernel_swig.h"
%}

/* ---- the kernel object ----------------------------------------------------- */

/* SWIG sees a (memberless) struct so that it makes a class whose objects
 * own a reference and close it when collected. */
%rename(KernelHandle) ash_kernel;
ASH_SWIG_HANDLE(ash_kernel, ash_kernel_close, "kernel", k)

/* ---- views and scalars of a call --------------------------------------------- */

/* Each view is converted by the language's own ash_view * typemap: the
 * $typemap(in, ash_view *) expansion assigns to $1, here a local of the
 * loop's block that shadows the count on purpose (ASH_SWIG_SHADOW_*). More
 * views than a kernel can take pass NULL: the library answers with the
 * count it expects. */
#if defined(SWIGPYTHON)
%typemap(in) (int nviews, ash_view *const *views)
    (ash_view *buf[ASH_KERNEL_MAX_OPERANDS], PyObject *seq = NULL) {
  seq = PySequence_Fast($input, "views: expected a sequence of views");
  if (seq == NULL)
    SWIG_fail;
  Py_ssize_t n_ = PySequence_Fast_GET_SIZE(seq);
  $1 = n_ > ASH_KERNEL_MAX_OPERANDS ? ASH_KERNEL_MAX_OPERANDS + 1 : (int)n_;
  $2 = n_ > ASH_KERNEL_MAX_OPERANDS ? NULL : buf;
  for (Py_ssize_t i_ = 0; $2 && i_ < n_; i_++) {
    PyObject *item_ = PySequence_Fast_GET_ITEM(seq, i_);
    ASH_SWIG_SHADOW_BEGIN
    ash_view *$1 = NULL;
    $typemap(in, ash_view *, input=item_)
    buf[i_] = $1;
    ASH_SWIG_SHADOW_END
  }
}
%typemap(freearg) (int nviews, ash_view *const *views) {
  Py_XDECREF(seq$argnum);
}
%typemap(in) (int nscalars, const double *scalars)
    (double buf[ASH_KERNEL_MAX_OPERANDS], PyObject *seq = NULL) {
  $1 = 0;
  $2 = buf;
  if ($input != Py_None) {
    seq = PySequence_Fast($input, "scalars: expected a sequence of numbers");
    if (seq == NULL)
      SWIG_fail;
    Py_ssize_t n_ = PySequence_Fast_GET_SIZE(seq);
    $1 = n_ > ASH_KERNEL_MAX_OPERANDS ? ASH_KERNEL_MAX_OPERANDS + 1 : (int)n_;
    if (n_ > ASH_KERNEL_MAX_OPERANDS)
      $2 = NULL;
    for (Py_ssize_t i_ = 0; $2 && i_ < n_; i_++) {
      buf[i_] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(seq, i_));
      if (buf[i_] == -1.0 && PyErr_Occurred())
        SWIG_fail;
    }
  }
}
%typemap(freearg) (int nscalars, const double *scalars) {
  Py_XDECREF(seq$argnum);
}
#elif defined(SWIGRUBY)
%typemap(in) (int nviews, ash_view *const *views)
    (ash_view *buf[ASH_KERNEL_MAX_OPERANDS]) {
  VALUE ary_ = rb_check_array_type($input);
  if (NIL_P(ary_))
    rb_raise(rb_eTypeError, "views: expected an Array of views");
  long n_ = RARRAY_LEN(ary_);
  $1 = n_ > ASH_KERNEL_MAX_OPERANDS ? ASH_KERNEL_MAX_OPERANDS + 1 : (int)n_;
  $2 = n_ > ASH_KERNEL_MAX_OPERANDS ? NULL : buf;
  for (long i_ = 0; $2 && i_ < n_; i_++) {
    VALUE item_ = rb_ary_entry(ary_, i_);
    ASH_SWIG_SHADOW_BEGIN
    ash_view *$1 = NULL;
    $typemap(in, ash_view *, input=item_)
    buf[i_] = $1;
    ASH_SWIG_SHADOW_END
  }
}
%typemap(in) (int nscalars, const double *scalars)
    (double buf[ASH_KERNEL_MAX_OPERANDS]) {
  $1 = 0;
  $2 = buf;
  if (!NIL_P($input)) {
    VALUE ary_ = rb_check_array_type($input);
    if (NIL_P(ary_))
      rb_raise(rb_eTypeError, "scalars: expected an Array of numbers");
    long n_ = RARRAY_LEN(ary_);
    $1 = n_ > ASH_KERNEL_MAX_OPERANDS ? ASH_KERNEL_MAX_OPERANDS + 1 : (int)n_;
    if (n_ > ASH_KERNEL_MAX_OPERANDS)
      $2 = NULL;
    for (long i_ = 0; $2 && i_ < n_; i_++) {
      VALUE x_ = rb_ary_entry(ary_, i_);
      if (!RB_FLOAT_TYPE_P(x_) && !RB_INTEGER_TYPE_P(x_))
        rb_raise(rb_eTypeError, "scalars: element %ld is not a number", i_);
      buf[i_] = NUM2DBL(x_);
    }
  }
}
#elif defined(SWIGLUA)
%typemap(in) (int nviews, ash_view *const *views)
    (ash_view *buf[ASH_KERNEL_MAX_OPERANDS]) {
  luaL_checktype(L, $input, LUA_TTABLE);
  lua_Integer n_ = (lua_Integer)lua_rawlen(L, $input);
  $1 = n_ > ASH_KERNEL_MAX_OPERANDS ? ASH_KERNEL_MAX_OPERANDS + 1 : (int)n_;
  $2 = n_ > ASH_KERNEL_MAX_OPERANDS ? NULL : buf;
  for (lua_Integer i_ = 0; $2 && i_ < n_; i_++) {
    lua_rawgeti(L, $input, i_ + 1);
    int top_ = lua_gettop(L);
    ASH_SWIG_SHADOW_BEGIN
    ash_view *$1 = NULL;
    $typemap(in, ash_view *, input=top_)
    buf[i_] = $1;
    ASH_SWIG_SHADOW_END
    lua_pop(L, 1);
  }
}
%typemap(in) (int nscalars, const double *scalars)
    (double buf[ASH_KERNEL_MAX_OPERANDS]) {
  $1 = 0;
  $2 = buf;
  if (!lua_isnoneornil(L, $input)) {
    luaL_checktype(L, $input, LUA_TTABLE);
    lua_Integer n_ = (lua_Integer)lua_rawlen(L, $input);
    $1 = n_ > ASH_KERNEL_MAX_OPERANDS ? ASH_KERNEL_MAX_OPERANDS + 1 : (int)n_;
    if (n_ > ASH_KERNEL_MAX_OPERANDS)
      $2 = NULL;
    for (lua_Integer i_ = 0; $2 && i_ < n_; i_++) {
      lua_rawgeti(L, $input, i_ + 1);
      if (!lua_isnumber(L, -1))
        luaL_error(L, "scalars: element %d is not a number", (int)(i_ + 1));
      buf[i_] = (double)lua_tonumber(L, -1);
      lua_pop(L, 1);
    }
  }
}
#endif

/* ---- the two functions the bindings get instead of the C ones ------------ */

%ignore ash_kernel_close;
%rename(ash_kernel_close) ash_swig_kernel_close;
void ash_swig_kernel_close(ash_kernel *closing);

%ignore ash_kernel_call;
%rename(ash_kernel_call) ash_swig_kernel_call;
ash_status ash_swig_kernel_call(ash_kernel *k, int nviews,
                                ash_view *const *views, int nscalars,
                                const double *scalars, int nthreads,
                                double *out);
