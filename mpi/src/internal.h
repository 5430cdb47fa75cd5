/* SPDX-License-Identifier: MIT */
/* internal.h - shared by the sources of libarrayshare-mpi (not installed). */
#ifndef ASH_MPI_INTERNAL_H
#define ASH_MPI_INTERNAL_H

#include <mpi.h>
#include <stdint.h>

#include "arrayshare_mpi.h"

#define AMP_HIDDEN __attribute__((visibility("hidden")))
#define AMP_PRINTF(f, a) __attribute__((format(printf, f, a)))

struct ash_mpi_ctx {
  MPI_Comm all;   /* duplicate of the user's communicator                   */
  MPI_Comm node;  /* ranks of this node                                     */
  MPI_Comm cross; /* ranks with this node rank, ordered by node             */
  int rank, size;
  int node_index, node_count, node_rank, node_size;
  int min_node_size; /* smallest node: how many ranks share a transfer      */
  int simulated;     /* k when simulating k nodes, else 0                   */
  int shared_host;   /* several nodes on this host: suffix segment names    */
  int *leader;       /* leader[node]: rank (in all) of the node's rank 0    */
};

/* ---- errors (error.c) ------------------------------------------------- */

/* Records code and a printf-style detail as this thread's last error and
 * returns code. */
AMP_HIDDEN ash_status amp_err(ash_status code, const char *fmt, ...)
    AMP_PRINTF(2, 3);

/* The core's last error (code @code) as ours, prefixed with "@what: ". */
AMP_HIDDEN ash_status amp_core_err(ash_status code, const char *what);

/* Maps a failed MPI call's return code to an ash status and records
 * "@what: @call failed: MPI_ERR_X: <MPI's message>". */
AMP_HIDDEN ash_status amp_mpi_err(int rc, const char *what, const char *call);

/* The ash status an MPI error class maps to. */
AMP_HIDDEN ash_status amp_mpi_class_status(int error_class);

/* Copies this thread's last error into buf (for broadcasting it). */
AMP_HIDDEN void amp_err_copy(char *buf, size_t size);

/* 1 when MPI is initialised and not finalised; otherwise records an
 * ASH_E_INVAL naming @what and returns 0. */
AMP_HIDDEN int amp_mpi_usable(const char *what);

/* amp_mpi_usable, and @ctx is not NULL (else an ASH_E_INVAL). */
AMP_HIDDEN int amp_ctx_usable(const ash_mpi_ctx *ctx, const char *what);

/* 1 when MPI is initialised and not yet finalised (no error recorded). */
AMP_HIDDEN int amp_mpi_live(void);

/* ---- agreement (agree.c) ------------------------------------------------ */

/* A running 64-bit FNV-1a hash of the arguments ranks must agree on. */
typedef struct {
  uint64_t h;
} amp_sig;
AMP_HIDDEN void amp_sig_init(amp_sig *s);
AMP_HIDDEN void amp_sig_add(amp_sig *s, const void *p, size_t n);
AMP_HIDDEN void amp_sig_i64(amp_sig *s, int64_t x);
AMP_HIDDEN void amp_sig_str(amp_sig *s, const char *str);
/* dtype, ndim and shape of a view (what collectives need equal). */
AMP_HIDDEN void amp_sig_view(amp_sig *s, const ash_view *v);

/* Collective over @comm: every rank passes its local status (ASH_OK or the
 * code of an error already recorded in this thread) and the signature of its
 * arguments. Returns ASH_OK on every rank when all statuses are ASH_OK and
 * all signatures are equal; otherwise the code of the lowest failing rank R
 * on every rank (R keeps its own detail, the others get "@what: rank R
 * failed: <R's detail>"). @flag is and-ed over the ranks when not NULL (e.g. "my
 * view is contiguous"). Acts as a barrier. */
AMP_HIDDEN ash_status amp_agree(MPI_Comm comm, const char *what,
                                ash_status status, const amp_sig *sig,
                                int *flag);

/* ---- views as MPI datatypes (xfer.c) ---------------------------------- */

/* A view's elements as memory: (0,...,0) at data, dimensions and strides in
 * bytes, 1-sized axes removed and mergeable axes merged. */
typedef struct {
  char *data;
  int dtype;
  int itemsize;
  int ndim;
  int64_t shape[ASH_MAX_NDIM];
  int64_t strides[ASH_MAX_NDIM];
  int64_t size; /* elements */
} amp_layout;

AMP_HIDDEN void amp_layout_of(const ash_view *v, amp_layout *l);
/* 1 when the elements are one dense block in C order. */
AMP_HIDDEN int amp_layout_contiguous(const amp_layout *l);
/* Lowest byte offset (<= 0) and one past the highest, relative to data. */
AMP_HIDDEN void amp_layout_span(const amp_layout *l, int64_t *lo, int64_t *hi);

/* Checks that @v can receive data: writable (ASH_E_RDONLY) and without
 * overlapping elements (a 0 stride on a dimension > 1: ASH_E_INVAL). */
AMP_HIDDEN ash_status amp_check_receiver(const ash_view *v, const char *what,
                                         const char *role);
/* The overlap check alone (a view that names elements to write remotely). */
AMP_HIDDEN ash_status amp_check_disjoint(const ash_view *v, const char *what,
                                         const char *role);

/* The MPI datatype describing the elements of @l (count 1 at l->data), with
 * @elem as element type; *out must be freed with MPI_Type_free. For
 * reductions, @reduce attaches the layout so the library's operators can
 * walk it. */
AMP_HIDDEN ash_status amp_type_of(const amp_layout *l, MPI_Datatype elem,
                                  int reduce, const char *what,
                                  MPI_Datatype *out);

/* MPI_Bcast or in-place MPI_Allreduce of a view over @comm: every rank of
 * @comm calls with the same dtype and shape (agreed beforehand), and with
 * all_contig saying whether every rank's view is contiguous (agreed too). */
enum { AMP_BCAST, AMP_ALLREDUCE };
typedef struct {
  int kind;       /* AMP_BCAST or AMP_ALLREDUCE */
  int root;       /* bcast: the root rank in @comm */
  int op;         /* allreduce: an ash_mpi_op checked with amp_check_op */
  int all_contig; /* allreduce */
  MPI_Comm comm;
  const char *what;
} amp_xfer;
AMP_HIDDEN ash_status amp_xfer_view(const ash_view *v, const amp_xfer *x);

/* Checks that @op is an ash_mpi_op defined for @dtype. */
AMP_HIDDEN ash_status amp_check_op(int op, int dtype, const char *what);

/* Memory fences around barriers that publish node-shared stores. */
#define AMP_FENCE() __atomic_thread_fence(__ATOMIC_SEQ_CST)

#endif
