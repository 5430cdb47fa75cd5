/* SPDX-License-Identifier: MIT */
/* win.c - an RMA window over the nodes' copies of a node-shared array. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct ash_mpi_win {
  MPI_Win win;
  ash_view *view; /* held: keeps the exposed mapping alive             */
  char *base;     /* lowest byte the view spans in this rank's mapping */
  int64_t span;   /* bytes from base that the view spans               */
  int writable;   /* every node's exposed copy is writable             */
  int node_count;
  int *leader; /* leader[node]: target rank of the node's copy      */
};

ash_status ash_mpi_win_create(ash_mpi_ctx *ctx, const ash_view *v,
                              ash_mpi_win **out) {
  static const char what[] = "ash_mpi_win_create";
  if (out)
    *out = NULL;
  if (!amp_ctx_usable(ctx, what))
    return ASH_E_INVAL;
  ash_status st = ASH_OK;
  if (!out || !v)
    st = amp_err(ASH_E_INVAL, "%s: %s is NULL", what, v ? "out" : "view");
  ash_mpi_win *w = NULL;
  if (st == ASH_OK) {
    w = calloc(1, sizeof *w);
    if (w)
      w->leader = malloc(sizeof *w->leader * (size_t)ctx->node_count);
    if (!w || !w->leader)
      st = amp_err(ASH_E_NOMEM, "%s: out of memory", what);
  }
  /* Remote positions are offsets from the view's lowest byte: the views
   * must be laid out alike on every rank. */
  amp_sig sig;
  amp_sig_init(&sig);
  int writable = 0;
  if (v) {
    amp_sig_view(&sig, v);
    amp_sig_add(&sig, ash_view_strides(v),
                sizeof(int64_t) * (size_t)ash_view_ndim(v));
    amp_sig_i64(&sig, ash_view_offset(v));
    amp_sig_str(&sig, ash_view_array_name(v));
    writable = !(ash_view_flags(v) & ASH_VIEW_READONLY);
  }
  if ((st = amp_agree(ctx->all, what, st, &sig, &writable)) != ASH_OK) {
    if (w)
      free(w->leader);
    free(w);
    return st;
  }
  amp_layout l;
  int64_t lo = 0, hi = 0;
  amp_layout_of(v, &l);
  if (l.size > 0)
    amp_layout_span(&l, &lo, &hi);
  w->base = l.data + lo;
  w->span = hi - lo;
  w->writable = writable;
  w->node_count = ctx->node_count;
  memcpy(w->leader, ctx->leader, sizeof *w->leader * (size_t)ctx->node_count);
  MPI_Aint expose = ctx->node_rank == 0 ? (MPI_Aint)w->span : 0;
  int rc = MPI_Win_create(w->base, expose, 1, MPI_INFO_NULL, ctx->all, &w->win);
  if (rc == MPI_SUCCESS)
    rc = MPI_Win_set_errhandler(w->win, MPI_ERRORS_RETURN);
  if (rc != MPI_SUCCESS) {
    free(w->leader);
    free(w);
    return amp_mpi_err(rc, what, "MPI_Win_create");
  }
  w->view = ash_view_retain((ash_view *)v);
  *out = w;
  return ASH_OK;
}

void ash_mpi_win_free(ash_mpi_win *w) {
  if (!w)
    return;
  if (amp_mpi_live())
    MPI_Win_free(&w->win);
  ash_view_release(w->view);
  free(w->leader);
  free(w);
}

/* Checks an access and computes the target displacement of @region. */
static ash_status amp_access_args(const ash_mpi_win *w, int node,
                                  const ash_view *region, const ash_view *local,
                                  int is_get, const char *what,
                                  MPI_Aint *disp) {
  if (!w || !region || !local)
    return amp_err(ASH_E_INVAL, "%s: %s is NULL", what,
                   !w        ? "window"
                   : !region ? "region"
                   : is_get  ? "dst"
                             : "src");
  if (!amp_mpi_usable(what))
    return ASH_E_INVAL;
  if (node < 0 || node >= w->node_count)
    return amp_err(ASH_E_INVAL, "%s: node %d is out of range 0..%d", what, node,
                   w->node_count - 1);
  const char *role = is_get ? "dst" : "src";
  if (ash_view_dtype(region) != ash_view_dtype(local))
    return amp_err(ASH_E_DTYPE, "%s: region has dtype %s but %s has %s", what,
                   ash_dtype_name(ash_view_dtype(region)), role,
                   ash_dtype_name(ash_view_dtype(local)));
  int nd = ash_view_ndim(region);
  if (nd != ash_view_ndim(local) ||
      memcmp(ash_view_shape(region), ash_view_shape(local),
             sizeof(int64_t) * (size_t)nd))
    return amp_err(ASH_E_SHAPE, "%s: region and %s have different shapes", what,
                   role);
  ash_status r = is_get ? amp_check_receiver(local, what, "dst")
                        : amp_check_disjoint(region, what, "region");
  if (r)
    return r;
  if (!is_get && !w->writable)
    return amp_err(ASH_E_RDONLY,
                   "%s: the window's views are read-only on some rank", what);
  amp_layout l;
  amp_layout_of(region, &l);
  int64_t lo = 0, hi = 0;
  if (l.size > 0)
    amp_layout_span(&l, &lo, &hi);
  int64_t first = (int64_t)(l.data - w->base);
  if (l.size > 0 && (first + lo < 0 || first + hi > w->span))
    return amp_err(ASH_E_INDEX,
                   "%s: region (%s) lies outside the window's view", what,
                   ash_view_descriptor(region));
  *disp = (MPI_Aint)first;
  return ASH_OK;
}

/* One passive-target epoch: lock, get or put, unlock. */
static ash_status amp_access(ash_mpi_win *w, int node, const ash_view *region,
                             const ash_view *local, int is_get,
                             const char *what) {
  MPI_Aint disp = 0;
  ash_status r = amp_access_args(w, node, region, local, is_get, what, &disp);
  if (r || ash_view_size(region) == 0)
    return r;
  amp_layout rl, ll;
  amp_layout_of(region, &rl);
  amp_layout_of(local, &ll);
  /* Elements travel as itemsize bytes: no conversion, any dtype. */
  MPI_Datatype item, rt, lt;
  int rc = MPI_Type_contiguous(rl.itemsize, MPI_BYTE, &item);
  if (rc == MPI_SUCCESS)
    rc = MPI_Type_commit(&item);
  if (rc != MPI_SUCCESS)
    return amp_mpi_err(rc, what, "MPI_Type_contiguous");
  if ((r = amp_type_of(&rl, item, 0, what, &rt)) != ASH_OK) {
    MPI_Type_free(&item);
    return r;
  }
  if ((r = amp_type_of(&ll, item, 0, what, &lt)) != ASH_OK) {
    MPI_Type_free(&rt);
    MPI_Type_free(&item);
    return r;
  }
  int target = w->leader[node];
  const char *call = is_get ? "MPI_Get" : "MPI_Put";
  rc = MPI_Win_lock(is_get ? MPI_LOCK_SHARED : MPI_LOCK_EXCLUSIVE, target, 0,
                    w->win);
  if (rc != MPI_SUCCESS) {
    call = "MPI_Win_lock";
  } else {
    rc = is_get ? MPI_Get(ll.data, 1, lt, target, disp, 1, rt, w->win)
                : MPI_Put(ll.data, 1, lt, target, disp, 1, rt, w->win);
    int rc2 = MPI_Win_unlock(target, w->win);
    if (rc == MPI_SUCCESS && rc2 != MPI_SUCCESS) {
      rc = rc2;
      call = "MPI_Win_unlock";
    }
  }
  MPI_Type_free(&lt);
  MPI_Type_free(&rt);
  MPI_Type_free(&item);
  return rc == MPI_SUCCESS ? ASH_OK : amp_mpi_err(rc, what, call);
}

ash_status ash_mpi_get(ash_mpi_win *win, int node, const ash_view *region,
                       const ash_view *dst) {
  return amp_access(win, node, region, dst, 1, "ash_mpi_get");
}

ash_status ash_mpi_put(ash_mpi_win *win, int node, const ash_view *region,
                       const ash_view *src) {
  return amp_access(win, node, region, src, 0, "ash_mpi_put");
}
