/* SPDX-License-Identifier: MIT */
/* sync.i - the coordination functions of arrayshare.h (locks, versions,
 * wait/notify, atomics, rings), one file for every language. Included by
 * arrayshare.i after kernel.i, whose typemaps it reuses ((nviews, views)
 * for ash_view_wait_any), just before the header.
 *
 * In every language, under the C names:
 *   blocking calls (ash_view_lock, ash_segment_lock, ash_view_write_begin,
 *     ash_view_wait_change, ash_view_wait_any, ash_view_read_snapshot,
 *     ash_ring_write_begin, ash_ring_write, ash_ring_read,
 *     ash_ring_read_begin) run without the GIL / GVL, interruptible
 *     between chunks of 0.1 s (sync_swig.h);
 *   ash_view_read_snapshot(v, nbytes, timeout) -> (bytes, version);
 *   ash_ring_read(r, nbytes, timeout) -> (bytes, seq);
 *   ash_view_atomic_vec(v, op, index, values) -> list of old values;
 *   ash_view_lock_state(v) -> (state, pid); ash_ring_producer(r) ->
 *     (pid, alive);
 *   rings are objects (RingHandle) closed by ash_ring_close or when
 *     collected, like kernels (kernel.i).
 *
 * Python docstrings (with text signatures): swig/python/docstrings.i.
 */

%{
#include "sync_swig.h"
%}

#if defined(SWIGPYTHON)
/* The fast paths of View.lock and the atomics: swig/python/ashpy_sync.c. */
%{
int ashpy_sync_init(PyObject *d);
%}
%init %{
  if (ashpy_sync_init(d) < 0)
    return NULL;
%}
%pythoncode %{
Lock = _arrayshare_core.Lock
for _n in dir(_arrayshare_core):
    if _n.startswith("ViewHandle_"):
        globals()[_n] = getattr(_arrayshare_core, _n)
del _n
%}
#endif

/* ---- out-parameters ------------------------------------------------------------ */

#if defined(SWIGPYTHON)
ASHPY_PAIR(int, state, int64_t, pid, "(iL)", int, long long)
#else
%apply int *OUTPUT { int *state };
#endif

/* Versions, ring positions: (count, list) pairs of integers. */
%apply (int ASH_COUNT, const int64_t *ASH_LIST) {
  (int nversions, const int64_t *versions),
  (int nindex, const int64_t *index),
  (int nvalues, const int64_t *values)
};

/* ASH_BYTES: a malloc'ed copy returned as the language's byte string;
 * ASH_I64_OUT: a malloc'ed array of integers returned as a list. */
#if defined(SWIGPYTHON)
%typemap(in, numinputs=0) (char **ASH_BYTES, size_t *ASH_BYTES_LEN)
    (char *b = NULL, size_t n = 0) "$1 = &b; $2 = &n;"
%typemap(argout) (char **ASH_BYTES, size_t *ASH_BYTES_LEN) {
  PyObject *o_ = PyBytes_FromStringAndSize(b$argnum, (Py_ssize_t)n$argnum);
  if (o_ == NULL)
    SWIG_fail;
  $result = SWIG_Python_AppendOutput($result, o_);
}
%typemap(freearg) (char **ASH_BYTES, size_t *ASH_BYTES_LEN) "free(b$argnum);"
%typemap(in, numinputs=0) (int64_t **ASH_I64_OUT, int *ASH_I64_OUT_N)
    (int64_t *a = NULL, int n = 0) "$1 = &a; $2 = &n;"
%typemap(argout) (int64_t **ASH_I64_OUT, int *ASH_I64_OUT_N) {
  PyObject *o_ = ashpy_i64_list(a$argnum, n$argnum);
  if (o_ == NULL)
    SWIG_fail;
  $result = SWIG_Python_AppendOutput($result, o_);
}
%typemap(freearg) (int64_t **ASH_I64_OUT, int *ASH_I64_OUT_N) "free(a$argnum);"
/* A copy and its number come back as a tuple, (bytes, version) and
 * (bytes, seq), as every other pair of results (SWIG appends outputs to a
 * list). */
%typemap(ret) ash_status ash_swig_view_read_snapshot,
              ash_status ash_swig_ring_read {
  if ($result != NULL && PyList_Check($result)) {
    PyObject *t_ = PyList_AsTuple($result);
    Py_DECREF($result);
    $result = t_;
  }
}
#elif defined(SWIGRUBY)
%typemap(in, numinputs=0) (char **ASH_BYTES, size_t *ASH_BYTES_LEN)
    (char *b = NULL, size_t n = 0) "$1 = &b; $2 = &n;"
%typemap(argout) (char **ASH_BYTES, size_t *ASH_BYTES_LEN) {
  VALUE s_ = rb_str_new(b$argnum, (long)n$argnum);
  free(b$argnum);
  b$argnum = NULL;
  $result = SWIG_Ruby_AppendOutput($result, s_);
}
%typemap(freearg) (char **ASH_BYTES, size_t *ASH_BYTES_LEN) "free(b$argnum);"
%typemap(in, numinputs=0) (int64_t **ASH_I64_OUT, int *ASH_I64_OUT_N)
    (int64_t *a = NULL, int n = 0) "$1 = &a; $2 = &n;"
%typemap(argout) (int64_t **ASH_I64_OUT, int *ASH_I64_OUT_N) {
  VALUE l_ = rbash_i64_array(a$argnum, n$argnum);
  free(a$argnum);
  a$argnum = NULL;
  $result = SWIG_Ruby_AppendOutput($result, l_);
}
%typemap(freearg) (int64_t **ASH_I64_OUT, int *ASH_I64_OUT_N) "free(a$argnum);"
#elif defined(SWIGLUA)
%typemap(in, numinputs=0) (char **ASH_BYTES, size_t *ASH_BYTES_LEN)
    (char *b = NULL, size_t n = 0) "$1 = &b; $2 = &n;"
%typemap(argout) (char **ASH_BYTES, size_t *ASH_BYTES_LEN)
  "lua_pushlstring(L, b$argnum, n$argnum); SWIG_arg++;"
%typemap(freearg) (char **ASH_BYTES, size_t *ASH_BYTES_LEN) "free(b$argnum);"
%typemap(in, numinputs=0) (int64_t **ASH_I64_OUT, int *ASH_I64_OUT_N)
    (int64_t *a = NULL, int n = 0) "$1 = &a; $2 = &n;"
%typemap(argout) (int64_t **ASH_I64_OUT, int *ASH_I64_OUT_N)
  "lash_push_i64_table(L, a$argnum, n$argnum); SWIG_arg++;"
%typemap(freearg) (int64_t **ASH_I64_OUT, int *ASH_I64_OUT_N) "free(a$argnum);"
#endif
%apply (char **ASH_BYTES, size_t *ASH_BYTES_LEN) { (char **bytes, size_t *nbytes_out) };
%apply (int64_t **ASH_I64_OUT, int *ASH_I64_OUT_N) { (int64_t **olds, int *nolds) };

/* ash_segment_retain returns a new segment object owning the reference. */
#if defined(SWIGPYTHON)
%typemap(out) ash_segment *ash_segment_retain {
  $result = ashpy_wrap(ASHPY_K_SEGMENT, &AshPySegment_Type, $1);
  if ($result == NULL)
    SWIG_fail;
}
#elif defined(SWIGRUBY)
%typemap(out) ash_segment *ash_segment_retain
  "$result = rbash_handle_wrap(rbash_cSegment, &rbash_segment_type, $1);"
#elif defined(SWIGLUA)
%typemap(out) ash_segment *ash_segment_retain {
  lash_segment *ud_ = lash_new_segment_ud(L);
  ud_->s = $1;
  SWIG_arg++;
}
#endif

/* ---- the ring object ----------------------------------------------------------- */

%rename(RingHandle) ash_ring;
ASH_SWIG_HANDLE(ash_ring, ash_ring_close, "ring", r)

/* ---- what the bindings get instead of the C functions ------------------------ */

%define ASH_SWIG_WRAP(NAME, WRAPPER)
%ignore NAME;
%rename(NAME) WRAPPER;
%enddef

ASH_SWIG_WRAP(ash_view_lock, ash_swig_view_lock)
ASH_SWIG_WRAP(ash_segment_lock, ash_swig_segment_lock)
ASH_SWIG_WRAP(ash_view_write_begin, ash_swig_view_write_begin)
ASH_SWIG_WRAP(ash_view_wait_change, ash_swig_view_wait_change)
ASH_SWIG_WRAP(ash_view_wait_any, ash_swig_view_wait_any)
ASH_SWIG_WRAP(ash_view_read_snapshot, ash_swig_view_read_snapshot)
ASH_SWIG_WRAP(ash_view_atomic_vec, ash_swig_view_atomic_vec)
ASH_SWIG_WRAP(ash_ring_write_begin, ash_swig_ring_write_begin)
ASH_SWIG_WRAP(ash_ring_write, ash_swig_ring_write)
ASH_SWIG_WRAP(ash_ring_read, ash_swig_ring_read)
ASH_SWIG_WRAP(ash_ring_read_begin, ash_swig_ring_read_begin)
ASH_SWIG_WRAP(ash_ring_close, ash_swig_ring_close)

ash_status ash_swig_view_lock(const ash_view *v, double timeout);
ash_status ash_swig_segment_lock(ash_segment *seg, double timeout);
ash_status ash_swig_view_write_begin(const ash_view *v, double timeout);
ash_status ash_swig_view_wait_change(const ash_view *v, int64_t version,
                                     double timeout, int64_t *out);
ash_status ash_swig_view_wait_any(int nviews, ash_view *const *views,
                                  int nversions, const int64_t *versions,
                                  double timeout, int *out);
ash_status ash_swig_view_read_snapshot(const ash_view *v, uint64_t nbytes,
                                       double timeout, char **bytes,
                                       size_t *nbytes_out, int64_t *out);
ash_status ash_swig_view_atomic_vec(const ash_view *v, int op, int nindex,
                                    const int64_t *index, int nvalues,
                                    const int64_t *values, int64_t **olds,
                                    int *nolds);
ash_status ash_swig_ring_write_begin(ash_ring *r, double timeout,
                                     ash_view **out);
ash_status ash_swig_ring_write(ash_ring *r, const void *src, uint64_t nbytes,
                               double timeout);
ash_status ash_swig_ring_read(ash_ring *r, uint64_t nbytes, double timeout,
                              char **bytes, size_t *nbytes_out, int64_t *out);
ash_status ash_swig_ring_read_begin(ash_ring *r, double timeout,
                                    ash_view **out);
void ash_swig_ring_close(ash_ring *closing);
