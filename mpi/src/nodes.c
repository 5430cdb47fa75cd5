/* SPDX-License-Identifier: MIT */
/* nodes.c - node-shared arrays: open, replicate, reduce across nodes; and
 * the collectives on each rank's own view. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Below this many bytes per part, a view is not cut among a node's ranks:
 * the latency of another collective would cost more than it saves. */
#define AMP_PART_MIN_BYTES (1u << 20)

/* ---- open ---------------------------------------------------------------- */

/* What a node's rank 0 tells the node's other ranks. */
struct amp_open_msg {
  int status;
  char text[1020]; /* the pinned descriptor, or the error detail */
};

/* "descriptor?gen=<ctime>": attaching it reuses this process's mapping and
 * refuses a segment re-created under the name (ash_view_from_descriptor). */
static ash_status amp_pinned_descriptor(const ash_view *v, char *buf,
                                        size_t size, const char *what) {
  ash_segment *seg = NULL;
  ash_status r = ash_view_segment(v, &seg);
  if (r)
    return amp_core_err(r, what);
  const char *d = ash_view_descriptor(v);
  int n = snprintf(buf, size, "%s%cgen=%" PRId64, d ? d : "",
                   d && strchr(d, '?') ? '&' : '?', ash_segment_ctime(seg));
  ash_segment_close(seg);
  if (!d || n < 0 || (size_t)n >= size)
    return amp_err(ASH_E_NOMEM, "%s: cannot make the descriptor of %s", what,
                   ash_view_segment_name(v));
  return ASH_OK;
}

/* Whether view @v has dtype @dtype and shape (@ndim, @shape). */
static ash_status amp_check_same(const ash_view *v, int dtype, int ndim,
                                 const int64_t *shape, const char *what) {
  if (ash_view_dtype(v) != dtype)
    return amp_err(ASH_E_DTYPE,
                   "%s: segment \"%s\" exists with dtype %s, not %s", what,
                   ash_view_segment_name(v), ash_dtype_name(ash_view_dtype(v)),
                   ash_dtype_name(dtype) ? ash_dtype_name(dtype) : "?");
  if (ash_view_ndim(v) != ndim ||
      (ndim > 0 &&
       memcmp(ash_view_shape(v), shape, sizeof(int64_t) * (size_t)ndim)))
    return amp_err(ASH_E_SHAPE,
                   "%s: segment \"%s\" exists with another shape (%d "
                   "dimensions, first %" PRId64 ")",
                   what, ash_view_segment_name(v), ash_view_ndim(v),
                   ash_view_ndim(v) ? ash_view_dim(v, 0) : 0);
  return ASH_OK;
}

/* Node rank 0: creates (or, with ASH_OR_OPEN, attaches) the node's copy. */
static ash_status amp_leader_open(const char *segname, int dtype, int ndim,
                                  const int64_t *shape, unsigned flags,
                                  unsigned mode, ash_view **v, int *created,
                                  const char *what) {
  ash_status r =
      ash_create(segname, dtype, ndim, shape, flags & ASH_PERSIST, mode, v);
  if (r == ASH_OK) {
    *created = 1;
    return ASH_OK;
  }
  if (r != ASH_E_EXIST || !(flags & ASH_OR_OPEN))
    return amp_core_err(r, what);
  if ((r = ash_attach(segname, 0, v)) != ASH_OK)
    return amp_core_err(r, what);
  if ((r = amp_check_same(*v, dtype, ndim, shape, what)) != ASH_OK) {
    ash_view_release(*v);
    *v = NULL;
  }
  return r;
}

/* Removes the name of the segment @v maps (rollback of a failed open). */
static void amp_unlink_view(const ash_view *v) {
  ash_segment *seg = NULL;
  if (ash_view_segment(v, &seg) == ASH_OK) {
    ash_segment_unlink(seg);
    ash_segment_close(seg);
  }
}

/* Local checks of ash_mpi_open's arguments; composes the segment name. */
static ash_status amp_open_args(const ash_mpi_ctx *ctx, const char *name,
                                int ndim, const int64_t *shape, unsigned flags,
                                char *segname, size_t size, const char *what) {
  if (!name)
    return amp_err(ASH_E_INVAL, "%s: name is NULL", what);
  if (flags & ~(unsigned)(ASH_PERSIST | ASH_OR_OPEN))
    return amp_err(ASH_E_INVAL,
                   "%s: flags 0x%x: only ASH_PERSIST and ASH_OR_OPEN are "
                   "allowed (node-shared arrays live in /dev/shm)",
                   what, flags);
  if (ndim < 0 || ndim > ASH_MAX_NDIM || (ndim > 0 && !shape))
    return amp_err(ASH_E_SHAPE, "%s: ndim %d is out of range 0..%d%s", what,
                   ndim, ASH_MAX_NDIM,
                   ndim > 0 && !shape ? " or shape is NULL" : "");
  int n = ctx->shared_host
              ? snprintf(segname, size, "%s.node%d", name, ctx->node_index)
              : snprintf(segname, size, "%s", name);
  if (n < 0 || (size_t)n >= size)
    return amp_err(ASH_E_NAME, "%s: name \"%.40s...\" is too long", what, name);
  ash_status r = ash_name_check(segname, 0);
  return r ? amp_core_err(r, what) : ASH_OK;
}

ash_status ash_mpi_open(ash_mpi_ctx *ctx, const char *name, int dtype, int ndim,
                        const int64_t *shape, unsigned flags, unsigned mode,
                        ash_view **out) {
  static const char what[] = "ash_mpi_open";
  if (out)
    *out = NULL;
  if (!amp_ctx_usable(ctx, what))
    return ASH_E_INVAL;
  char segname[ASH_NAME_MAX + 32];
  ash_status st = out ? ASH_OK : amp_err(ASH_E_INVAL, "%s: out is NULL", what);
  if (st == ASH_OK)
    st = amp_open_args(ctx, name, ndim, shape, flags, segname, sizeof segname,
                       what);
  amp_sig sig;
  amp_sig_init(&sig);
  if (st == ASH_OK) {
    amp_sig_str(&sig, name);
    amp_sig_i64(&sig, dtype);
    amp_sig_i64(&sig, ndim);
    amp_sig_add(&sig, shape, sizeof(int64_t) * (size_t)ndim);
    amp_sig_i64(&sig, flags);
    amp_sig_i64(&sig, mode);
  }

  ash_view *v = NULL;
  int created = 0;
  struct amp_open_msg msg;
  memset(&msg, 0, sizeof msg);
  if (ctx->node_rank == 0) {
    if (st == ASH_OK)
      st = amp_leader_open(segname, dtype, ndim, shape, flags, mode, &v,
                           &created, what);
    if (st == ASH_OK)
      st = amp_pinned_descriptor(v, msg.text, sizeof msg.text, what);
    msg.status = st;
    if (st)
      amp_err_copy(msg.text, sizeof msg.text);
  }
  int rc = MPI_Bcast(&msg, (int)sizeof msg, MPI_BYTE, 0, ctx->node);
  if (rc != MPI_SUCCESS && st == ASH_OK)
    st = amp_mpi_err(rc, what, "MPI_Bcast");
  if (ctx->node_rank != 0 && st == ASH_OK) {
    msg.text[sizeof msg.text - 1] = 0;
    if (msg.status)
      st =
          amp_err(msg.status, "%s: node %d's rank 0 (rank %d) failed: %s", what,
                  ctx->node_index, ctx->leader[ctx->node_index], msg.text);
    else if ((st = ash_attach(msg.text, 0, &v)) != ASH_OK)
      st = amp_core_err(st, what);
    else if ((st = amp_check_same(v, dtype, ndim, shape, what)) != ASH_OK) {
      ash_view_release(v);
      v = NULL;
    }
  }
  st = amp_agree(ctx->all, what, st, &sig, NULL);
  if (st != ASH_OK) {
    if (created)
      amp_unlink_view(v);
    ash_view_release(v);
    /* Every copy is gone when any rank returns. */
    MPI_Barrier(ctx->all);
    return st;
  }
  *out = v;
  return ASH_OK;
}

/* ---- across nodes ---------------------------------------------------------- */

/* How many of a node's ranks share the transfer of @v: one part per node
 * rank up to the smallest node, none smaller than AMP_PART_MIN_BYTES, none
 * empty. Depends on the shape only, so every rank cuts alike. */
static int amp_parts(const ash_mpi_ctx *ctx, const ash_view *v) {
  if (ash_view_ndim(v) == 0 || ash_view_size(v) == 0)
    return 1;
  uint64_t by_size = ash_view_nbytes(v) / AMP_PART_MIN_BYTES;
  int64_t parts = ctx->min_node_size;
  if ((uint64_t)parts > by_size)
    parts = (int64_t)by_size;
  if (parts > ash_view_dim(v, 0))
    parts = ash_view_dim(v, 0);
  return parts < 1 ? 1 : (int)parts;
}

/* This rank's part of @v (NULL when it has none). */
static ash_status amp_my_part(const ash_mpi_ctx *ctx, const ash_view *v,
                              const char *what, ash_view **part) {
  int parts = amp_parts(ctx, v);
  *part = NULL;
  if (ctx->node_rank >= parts)
    return ASH_OK;
  if (parts == 1) {
    *part = ash_view_retain((ash_view *)v);
    return ASH_OK;
  }
  int64_t n = ash_view_dim(v, 0), p = ctx->node_rank;
  ash_status r =
      ash_view_slice(v, 0, n * p / parts, n * (p + 1) / parts, 1, 0, part);
  return r ? amp_core_err(r, what) : ASH_OK;
}

/* After the agreement: each rank moves its part of @v between the nodes
 * (amp_my_part), then all ranks agree again, which both reports a failure
 * everywhere and is the barrier after which every node's copy is complete. */
static ash_status amp_across_nodes(ash_mpi_ctx *ctx, const ash_view *v,
                                   const amp_xfer *x) {
  ash_view *part = NULL;
  AMP_FENCE();
  ash_status st = amp_my_part(ctx, v, x->what, &part);
  if (st == ASH_OK && part)
    st = amp_xfer_view(part, x);
  ash_view_release(part);
  AMP_FENCE();
  st = amp_agree(ctx->all, x->what, st, NULL, NULL);
  AMP_FENCE();
  return st;
}

/* The checks of a view every collective makes. */
static ash_status amp_view_arg(const ash_view *v, int receives,
                               const char *what) {
  if (!v)
    return amp_err(ASH_E_INVAL, "%s: view is NULL", what);
  return receives ? amp_check_receiver(v, what, "receiving") : ASH_OK;
}

/* The checks and the signature of a reduction's arguments; *contig says
 * whether @v is contiguous here. */
static ash_status amp_reduce_args(const ash_view *v, int op, const char *what,
                                  amp_sig *sig, int *contig) {
  ash_status st = amp_view_arg(v, 1, what);
  if (st == ASH_OK)
    st = amp_check_op(op, ash_view_dtype(v), what);
  amp_sig_init(sig);
  amp_sig_i64(sig, op);
  *contig = 0;
  if (v) {
    amp_layout l;
    amp_sig_view(sig, v);
    amp_layout_of(v, &l);
    *contig = amp_layout_contiguous(&l);
  }
  return st;
}

ash_status ash_mpi_replicate(ash_mpi_ctx *ctx, const ash_view *v,
                             int root_node) {
  static const char what[] = "ash_mpi_replicate";
  if (!amp_ctx_usable(ctx, what))
    return ASH_E_INVAL;
  ash_status st = ASH_OK;
  if (root_node < 0 || root_node >= ctx->node_count)
    st = amp_err(ASH_E_INVAL, "%s: root node %d is out of range 0..%d", what,
                 root_node, ctx->node_count - 1);
  else
    st = amp_view_arg(v, ctx->node_index != root_node, what);
  amp_sig sig;
  amp_sig_init(&sig);
  amp_sig_i64(&sig, root_node);
  if (v)
    amp_sig_view(&sig, v);
  /* The agreement is also the barrier after which the root node's stores
   * are complete. */
  if ((st = amp_agree(ctx->all, what, st, &sig, NULL)) != ASH_OK)
    return st;
  amp_xfer x = {AMP_BCAST, root_node, 0, 0, ctx->cross, what};
  return amp_across_nodes(ctx, v, &x);
}

ash_status ash_mpi_allreduce_nodes(ash_mpi_ctx *ctx, const ash_view *v,
                                   int op) {
  static const char what[] = "ash_mpi_allreduce_nodes";
  if (!amp_ctx_usable(ctx, what))
    return ASH_E_INVAL;
  amp_sig sig;
  int contig = 0;
  ash_status st = amp_reduce_args(v, op, what, &sig, &contig);
  if ((st = amp_agree(ctx->all, what, st, &sig, &contig)) != ASH_OK)
    return st;
  amp_xfer x = {AMP_ALLREDUCE, 0, op, contig, ctx->cross, what};
  return amp_across_nodes(ctx, v, &x);
}

/* ---- each rank's own view ------------------------------------------------- */

/* The communicator @which of a usable context (nothing to agree on when
 * this fails). */
static ash_status amp_comm_pick(const ash_mpi_ctx *ctx, int which,
                                const char *what, MPI_Comm *comm) {
  if (!amp_ctx_usable(ctx, what))
    return ASH_E_INVAL;
  switch (which) {
  case ASH_MPI_COMM_ALL:
    *comm = ctx->all;
    return ASH_OK;
  case ASH_MPI_COMM_NODE:
    *comm = ctx->node;
    return ASH_OK;
  case ASH_MPI_COMM_CROSS:
    *comm = ctx->cross;
    return ASH_OK;
  default:
    return amp_err(ASH_E_INVAL,
                   "%s: which %d is not ASH_MPI_COMM_ALL (0), "
                   "ASH_MPI_COMM_NODE (1) or ASH_MPI_COMM_CROSS (2)",
                   what, which);
  }
}

ash_status ash_mpi_bcast(ash_mpi_ctx *ctx, const ash_view *v, int root,
                         int which) {
  static const char what[] = "ash_mpi_bcast";
  MPI_Comm comm = MPI_COMM_NULL;
  ash_status st = amp_comm_pick(ctx, which, what, &comm);
  if (st)
    return st; /* no communicator to agree on */
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  if (root < 0 || root >= size)
    st = amp_err(ASH_E_INVAL, "%s: root %d is out of range 0..%d", what, root,
                 size - 1);
  else
    st = amp_view_arg(v, rank != root, what);
  amp_sig sig;
  amp_sig_init(&sig);
  amp_sig_i64(&sig, root);
  amp_sig_i64(&sig, which);
  if (v)
    amp_sig_view(&sig, v);
  if ((st = amp_agree(comm, what, st, &sig, NULL)) != ASH_OK)
    return st;
  amp_xfer x = {AMP_BCAST, root, 0, 0, comm, what};
  return amp_xfer_view(v, &x);
}

ash_status ash_mpi_allreduce(ash_mpi_ctx *ctx, const ash_view *v, int op,
                             int which) {
  static const char what[] = "ash_mpi_allreduce";
  MPI_Comm comm = MPI_COMM_NULL;
  ash_status st = amp_comm_pick(ctx, which, what, &comm);
  if (st)
    return st;
  amp_sig sig;
  int contig = 0;
  st = amp_reduce_args(v, op, what, &sig, &contig);
  amp_sig_i64(&sig, which);
  if ((st = amp_agree(comm, what, st, &sig, &contig)) != ASH_OK)
    return st;
  amp_xfer x = {AMP_ALLREDUCE, 0, op, contig, comm, what};
  return amp_xfer_view(v, &x);
}
