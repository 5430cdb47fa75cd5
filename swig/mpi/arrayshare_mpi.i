/* SPDX-License-Identifier: MIT */
/* arrayshare_mpi.i - the SWIG interface of libarrayshare-mpi, one for every
 * language (generated module: arrayshare_mpi_core).
 *
 * It is deliberately language-neutral: no typemap file per language. What
 * crosses is ints, strings and opaque pointers:
 *  - views go in as descriptors: (descriptor, generation) strings, the
 *    generation being the segment's ash_segment_ctime() so that the view is
 *    re-made from this process's existing mapping (no system call) and never
 *    from a segment re-created under the name; and come out as an opaque
 *    ash_view * that the idiomatic layer turns into its binding's ordinary
 *    view (attach by ash_mpi_swig_descriptor(), then ash_mpi_swig_release);
 *  - shapes go in as "d0,d1,..." strings;
 *  - failures come back as a status (int) or NULL, with the detail message in
 *    ash_mpi_swig_error(): the idiomatic layer raises its binding's error
 *    class for the code, so MPI errors are caught like every other error.
 * The thin idiomatic layers are bindings/<lang> in mpi/bindings/.
 */
%module arrayshare_mpi_core

%{
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrayshare_mpi.h"
%}

%nodefaultctor ash_mpi_ctx;
%nodefaultdtor ash_mpi_ctx;
%nodefaultctor ash_mpi_win;
%nodefaultdtor ash_mpi_win;
%nodefaultctor ash_view;
%nodefaultdtor ash_view;

/* Status-returning and out-parameter functions go through the wrappers
 * below (one error channel); the plain accessors are wrapped as they are. */
%ignore ash_mpi_init;
%ignore ash_mpi_finalize;
%ignore ash_mpi_last_error;
%ignore ash_mpi_last_error_code;
%ignore ash_mpi_ctx_create;
%ignore ash_mpi_node_barrier;
%ignore ash_mpi_open;
%ignore ash_mpi_replicate;
%ignore ash_mpi_allreduce_nodes;
%ignore ash_mpi_bcast;
%ignore ash_mpi_allreduce;
%ignore ash_mpi_win_create;
%ignore ash_mpi_get;
%ignore ash_mpi_put;
%ignore ash_mpi_ctx_comm;

%{
static _Thread_local char ash_mpi_swig_msg[1024];
static _Thread_local int ash_mpi_swig_code;

/* Records a failure (detail from this library or the core) and returns it. */
static int ash_mpi_swig_fail(int code, const char *detail) {
  snprintf(ash_mpi_swig_msg, sizeof ash_mpi_swig_msg, "%s", detail);
  ash_mpi_swig_code = code;
  return code;
}

static int ash_mpi_swig_check(int code) {
  return code ? ash_mpi_swig_fail(code, ash_mpi_last_error()) : 0;
}

/* The view a (descriptor, generation) pair names, from this process's
 * mapping of the segment. */
static int ash_mpi_swig_view(const char *desc, const char *gen, ash_view **out) {
  char buf[2048];
  *out = NULL;
  if (!desc)
    return ash_mpi_swig_fail(ASH_E_INVAL, "view descriptor is NULL");
  int n = gen && *gen ? snprintf(buf, sizeof buf, "%s%cgen=%s", desc,
                                 strchr(desc, '?') ? '&' : '?', gen)
                      : snprintf(buf, sizeof buf, "%s", desc);
  if (n < 0 || (size_t)n >= sizeof buf)
    return ash_mpi_swig_fail(ASH_E_DESC, "view descriptor too long");
  int r = ash_view_from_descriptor(buf, 0, out);
  return r ? ash_mpi_swig_fail(r, ash_last_error()) : 0;
}
%}

%inline %{
/* The status of the last failed wrapper call of this thread (ASH_E_*). */
int ash_mpi_swig_status(void) { return ash_mpi_swig_code; }

/* Its detail message. */
const char *ash_mpi_swig_error(void) { return ash_mpi_swig_msg; }

/* ash_mpi_init / ash_mpi_finalize with the wrappers' error channel. */
int ash_mpi_swig_init(void) { return ash_mpi_swig_check(ash_mpi_init()); }
int ash_mpi_swig_finalize(void) {
  return ash_mpi_swig_check(ash_mpi_finalize());
}

/* A context, or NULL (see ash_mpi_swig_error). */
ash_mpi_ctx *ash_mpi_swig_ctx_create(int comm, int nodes) {
  ash_mpi_ctx *ctx = NULL;
  ash_mpi_swig_check(ash_mpi_ctx_create(comm, nodes, &ctx));
  return ctx;
}

/* ash_mpi_ctx_comm: -1 and an error for an unknown @which. */
int ash_mpi_swig_ctx_comm(const ash_mpi_ctx *ctx, int which) {
  int f = ash_mpi_ctx_comm(ctx, which);
  if (f == -1)
    ash_mpi_swig_fail(ASH_E_INVAL, ash_mpi_last_error());
  return f;
}

int ash_mpi_swig_node_barrier(ash_mpi_ctx *ctx) {
  return ash_mpi_swig_check(ash_mpi_node_barrier(ctx));
}

/* ash_mpi_open with the shape as "d0,d1,..." ("" for 0-d). Returns the view
 * (release it with ash_mpi_swig_release) or NULL. */
ash_view *ash_mpi_swig_open(ash_mpi_ctx *ctx, const char *name, int dtype,
                            const char *shape, unsigned flags, unsigned mode) {
  int64_t dims[ASH_MAX_NDIM];
  int ndim = 0;
  const char *p = shape ? shape : "";
  while (*p) {
    char *end = NULL;
    long long d = strtoll(p, &end, 10);
    if (end == p || (*end && *end != ',') || ndim == ASH_MAX_NDIM) {
      ash_mpi_swig_fail(ASH_E_SHAPE, "shape is not a list of at most 32 "
                                     "integers");
      return NULL;
    }
    dims[ndim++] = (int64_t)d;
    p = *end ? end + 1 : end;
  }
  ash_view *v = NULL;
  ash_mpi_swig_check(ash_mpi_open(ctx, name, dtype, ndim, dims, flags, mode,
                                  &v));
  return v;
}

/* The descriptor pinned to @v's segment ("...gen=<ctime>"), for the
 * binding's attach; NULL on failure. */
const char *ash_mpi_swig_descriptor(ash_view *v) {
  static _Thread_local char buf[2048];
  ash_segment *seg = NULL;
  int r = v ? ash_view_segment(v, &seg) : ASH_E_INVAL;
  if (r) {
    ash_mpi_swig_fail(r, v ? ash_last_error() : "view is NULL");
    return NULL;
  }
  const char *d = ash_view_descriptor(v);
  snprintf(buf, sizeof buf, "%s%cgen=%" PRId64, d, strchr(d, '?') ? '&' : '?',
           ash_segment_ctime(seg));
  ash_segment_close(seg);
  return buf;
}

/* Releases a view returned by ash_mpi_swig_open (NULL is fine). */
void ash_mpi_swig_release(ash_view *v) { ash_view_release(v); }

/* The collectives on a view: @kind is one of the ASH_MPI_SWIG_* below;
 * @arg is the root node (REPLICATE), the operator (ALLREDUCE_NODES,
 * ALLREDUCE) or the root rank (BCAST); @which the communicator (BCAST,
 * ALLREDUCE). */
enum { ASH_MPI_SWIG_REPLICATE, ASH_MPI_SWIG_ALLREDUCE_NODES,
       ASH_MPI_SWIG_BCAST, ASH_MPI_SWIG_ALLREDUCE };
int ash_mpi_swig_collective(ash_mpi_ctx *ctx, int kind, const char *desc,
                            const char *gen, int arg, int which) {
  ash_view *v;
  int r = ash_mpi_swig_view(desc, gen, &v);
  if (r)
    return r;
  switch (kind) {
  case ASH_MPI_SWIG_REPLICATE: r = ash_mpi_replicate(ctx, v, arg); break;
  case ASH_MPI_SWIG_ALLREDUCE_NODES:
    r = ash_mpi_allreduce_nodes(ctx, v, arg);
    break;
  case ASH_MPI_SWIG_BCAST: r = ash_mpi_bcast(ctx, v, arg, which); break;
  case ASH_MPI_SWIG_ALLREDUCE: r = ash_mpi_allreduce(ctx, v, arg, which); break;
  default:
    ash_view_release(v);
    return ash_mpi_swig_fail(ASH_E_INVAL, "unknown collective");
  }
  ash_view_release(v);
  return ash_mpi_swig_check(r);
}

/* A window, or NULL. */
ash_mpi_win *ash_mpi_swig_win_create(ash_mpi_ctx *ctx, const char *desc,
                                     const char *gen) {
  ash_view *v;
  ash_mpi_win *w = NULL;
  if (ash_mpi_swig_view(desc, gen, &v) == 0)
    ash_mpi_swig_check(ash_mpi_win_create(ctx, v, &w));
  ash_view_release(v);
  return w;
}

/* ash_mpi_get (@is_get 1) or ash_mpi_put (0) of @local at @region. */
int ash_mpi_swig_access(ash_mpi_win *win, int node, int is_get,
                        const char *region_desc, const char *region_gen,
                        const char *local_desc, const char *local_gen) {
  ash_view *region = NULL, *local = NULL;
  int r = ash_mpi_swig_view(region_desc, region_gen, &region);
  if (r == 0)
    r = ash_mpi_swig_view(local_desc, local_gen, &local);
  if (r == 0)
    r = ash_mpi_swig_check(is_get ? ash_mpi_get(win, node, region, local)
                                  : ash_mpi_put(win, node, region, local));
  ash_view_release(local);
  ash_view_release(region);
  return r;
}
%}

%include "arrayshare_mpi.h"
