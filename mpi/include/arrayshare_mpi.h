/* SPDX-License-Identifier: MIT */
/*
 * arrayshare_mpi.h - arrayshare across the nodes of an MPI job.
 *
 * The public header of libarrayshare-mpi (SONAME libarrayshare-mpi.so.1), an
 * optional companion of libarrayshare built when an MPI implementation is
 * found. It uses the core only through arrayshare.h and does not change the
 * core's ABI. Guide: docs/mpi.md.
 *
 * Model. A context (ash_mpi_ctx) splits the ranks of a communicator into
 * nodes: the ranks that share memory (MPI_Comm_split_type with
 * MPI_COMM_TYPE_SHARED), or, to exercise the cross-node paths on one host,
 * groups of consecutive ranks (see ash_mpi_ctx_create, "simulated nodes").
 * A node-shared array is an ordinary arrayshare segment, one per node: the
 * node's first rank creates it, the node's other ranks attach it, and every
 * rank gets a normal ash_view of its node's copy. A process outside the MPI
 * job (a Lua tool, the arrayshare command) attaches it by name as any other
 * segment. Replication, reductions and one-sided access between the nodes'
 * copies go through MPI, with strided views described to MPI as derived
 * datatypes (no packing copies made by this library).
 *
 * Conventions are the core's (see arrayshare.h): names start with ash_mpi_ /
 * ASH_MPI_; handles are opaque and their free functions accept NULL; fallible
 * functions return an ash_status (ASH_OK or an ASH_E_* code of the core's
 * table, so ash_strerror() and ash_err_name() name them); only plain C types
 * cross the boundary, so any FFI can call it. This library keeps its own
 * thread-local detail message, ash_mpi_last_error(), which names the bad value
 * or the failed MPI call with MPI's own error string.
 *
 * Communicators cross the boundary as MPI's Fortran integer handle (MPI_Fint,
 * an int in Open MPI and MPICH): MPI_Comm_c2f(comm) in C, comm.py2f() with
 * mpi4py, ash_mpi_comm_world() anywhere. No MPI header is needed to use this
 * header.
 *
 * Collective calls must be made by every rank of the context's communicator
 * (or of the sub-communicator named), in the same order, with equal
 * arguments where the function says so. Arguments are checked on every rank
 * and agreed on before any data moves: when one rank refuses the call (bad
 * view, unequal shapes, a node that cannot create its segment), every rank
 * returns an error, the same code, and none hangs. The MPI errors of the
 * library's own communicators are returned, not fatal (MPI_ERRORS_RETURN).
 *
 * Threads: a context and its windows are used by one thread at a time (MPI
 * at MPI_THREAD_FUNNELED or above); different contexts may be used by
 * different threads when MPI provides MPI_THREAD_MULTIPLE.
 */
#ifndef ARRAYSHARE_MPI_H
#define ARRAYSHARE_MPI_H

#include "arrayshare.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(ASH_MPI_BUILDING_LIBRARY) && defined(__GNUC__)
#define ASH_MPI_EXTERN __attribute__((visibility("default")))
#else
#define ASH_MPI_EXTERN /* nothing */
#endif

/* An MPI communicator as its Fortran integer handle (MPI_Fint). */
typedef int ash_mpi_fint;

/* A communicator split into nodes (see ash_mpi_ctx_create). */
typedef struct ash_mpi_ctx ash_mpi_ctx;

/* An RMA window over the nodes' copies of an array (ash_mpi_win_create). */
typedef struct ash_mpi_win ash_mpi_win;

/* The environment variable read by ash_mpi_ctx_create when @nodes is 0. */
#define ASH_MPI_SIMULATE_ENV "ASH_MPI_SIMULATE_NODES"

/* Reduction operators (ash_mpi_allreduce, ash_mpi_allreduce_nodes). Append
 * only; values never change. Allowed dtypes, as MPI's predefined operators:
 *   SUM, PROD        integers, floats (float16 too), complex
 *   MIN, MAX         integers, floats (float16 too)
 *   LAND, LOR, LXOR  integers and bool (result 0 or 1)
 *   BAND, BOR, BXOR  integers */
enum ash_mpi_op {
  ASH_MPI_SUM = 1,
  ASH_MPI_PROD = 2,
  ASH_MPI_MIN = 3,
  ASH_MPI_MAX = 4,
  ASH_MPI_LAND = 5,
  ASH_MPI_LOR = 6,
  ASH_MPI_LXOR = 7,
  ASH_MPI_BAND = 8,
  ASH_MPI_BOR = 9,
  ASH_MPI_BXOR = 10
};

/* The communicators of a context (ash_mpi_ctx_comm, ash_mpi_bcast,
 * ash_mpi_allreduce). Append only. */
enum ash_mpi_comm_kind {
  ASH_MPI_COMM_ALL = 0,  /* every rank of the context (a duplicate of the
                             communicator it was made from)                 */
  ASH_MPI_COMM_NODE = 1, /* the ranks of this rank's node                   */
  ASH_MPI_COMM_CROSS = 2 /* the ranks with this rank's node rank, one per
                             node, ordered by node (rank i is on node i when
                             every node has more than this node rank)       */
};

/* ---------------------------------------------------------------------- */
/* Library, MPI start-up, errors                                           */
/* ---------------------------------------------------------------------- */

/*! ash_mpi_version() :
 *  @return the run-time version of this library, encoded as ash_version()
 *          (it is released with the core: the two are equal when installed
 *          together). */
ASH_MPI_EXTERN unsigned ash_mpi_version(void);

/*! ash_mpi_init() :
 *  Initialises MPI (MPI_Init_thread, MPI_THREAD_FUNNELED requested) unless
 *  it is initialised already, for languages that have no MPI binding of
 *  their own (Lua) or programs that leave MPI to this library. Before that,
 *  it makes the MPI library's symbols global in the process, which Open MPI
 *  needs when it is loaded by a language's module loader (RTLD_LOCAL).
 *  Calling it again, or after another binding (mpi4py, ruby-mpi) initialised
 *  MPI, does nothing.
 *  @return ASH_OK, ASH_E_INVAL (MPI was finalised already: it cannot be
 *          initialised again), ASH_E_SYS (MPI_Init_thread failed). */
ASH_MPI_EXTERN ash_status ash_mpi_init(void);

/*! ash_mpi_finalize() :
 *  Finalises MPI if ash_mpi_init() initialised it and it is not finalised
 *  yet; otherwise does nothing (MPI started by the program or another
 *  binding is finalised by them). Collective over MPI_COMM_WORLD, as
 *  MPI_Finalize. Contexts and windows freed after it release their memory
 *  without calling MPI.
 *  @return ASH_OK, ASH_E_SYS (MPI_Finalize failed). */
ASH_MPI_EXTERN ash_status ash_mpi_finalize(void);

/*! ash_mpi_comm_world() :
 *  @return MPI_COMM_WORLD as a Fortran handle (MPI_Comm_c2f), for languages
 *          without an MPI binding. Valid once MPI is initialised. */
ASH_MPI_EXTERN ash_mpi_fint ash_mpi_comm_world(void);

/*! ash_mpi_last_error() :
 *  @return the detail message of the last call of this library that failed
 *          in this thread, e.g. `replicate: MPI_Bcast failed:
 *          MPI_ERR_TRUNCATE: message truncated`, or "" when none has. Valid
 *          until this thread's next call into this library. */
ASH_MPI_EXTERN const char *ash_mpi_last_error(void);

/*! ash_mpi_last_error_code() :
 *  @return the status of the last failed call of this library in this
 *          thread (an ASH_E_* code), 0 if none. */
ASH_MPI_EXTERN int ash_mpi_last_error_code(void);

/* ---------------------------------------------------------------------- */
/* Contexts: a communicator split into nodes                               */
/* ---------------------------------------------------------------------- */

/*! ash_mpi_ctx_create() :
 *  Collective over @comm. Duplicates @comm and splits it into nodes.
 *
 *  @comm : an intracommunicator as its Fortran handle (MPI_Comm_c2f(c),
 *          mpi4py's comm.py2f(), ash_mpi_comm_world()).
 *  @nodes : 0: the real nodes (MPI_COMM_TYPE_SHARED), unless the environment
 *          variable ASH_MPI_SIMULATE_NODES holds a positive number, which
 *          then acts as @nodes. k > 0: simulated nodes: the ranks are cut
 *          into k groups of consecutive ranks (rank r in group r*k/size),
 *          and each group is split further by shared memory, so a "node"
 *          never spans hosts (on one host: exactly k nodes). Simulated nodes
 *          have separate copies of every node-shared array and exchange
 *          data through MPI, as real nodes do, so the cross-node paths run
 *          on one machine. Every rank must pass the same value (and see the
 *          same environment variable).
 *  Nodes are numbered 0..count-1 in the order of their lowest rank; within
 *  a node, ranks are ordered as in @comm.
 *  @out : receives the context; set to NULL on failure. Free it with
 *         ash_mpi_ctx_free() before MPI_Finalize.
 *  @return ASH_OK; ASH_E_INVAL (MPI not initialised or finalised, @comm not
 *          a valid intracommunicator handle, @nodes negative or larger than
 *          the number of ranks, an unreadable ASH_MPI_SIMULATE_NODES, ranks
 *          disagreeing on @nodes), ASH_E_NOMEM, or the mapped error of a
 *          failed MPI call. */
ASH_MPI_EXTERN ash_status ash_mpi_ctx_create(ash_mpi_fint comm, int nodes,
                                             ash_mpi_ctx **out);

/*! ash_mpi_ctx_free() :
 *  Collective over the context's ranks (it frees its communicators). Views
 *  made by ash_mpi_open stay valid: they are ordinary views. Windows made on
 *  the context must be freed first. After MPI_Finalize, only the memory is
 *  released. @ctx may be NULL. */
ASH_MPI_EXTERN void ash_mpi_ctx_free(ash_mpi_ctx *ctx);

/*! ash_mpi_rank() / ash_mpi_size() :
 *  @return this rank and the number of ranks in the context (as in the
 *          communicator it was made from). */
ASH_MPI_EXTERN int ash_mpi_rank(const ash_mpi_ctx *ctx);
ASH_MPI_EXTERN int ash_mpi_size(const ash_mpi_ctx *ctx);

/*! ash_mpi_node() / ash_mpi_node_count() :
 *  @return this rank's node, 0..count-1, and the number of nodes. */
ASH_MPI_EXTERN int ash_mpi_node(const ash_mpi_ctx *ctx);
ASH_MPI_EXTERN int ash_mpi_node_count(const ash_mpi_ctx *ctx);

/*! ash_mpi_node_rank() / ash_mpi_node_size() :
 *  @return this rank's rank within its node (0 is the node's leader, which
 *          creates the node's segments) and the number of ranks on it. */
ASH_MPI_EXTERN int ash_mpi_node_rank(const ash_mpi_ctx *ctx);
ASH_MPI_EXTERN int ash_mpi_node_size(const ash_mpi_ctx *ctx);

/*! ash_mpi_simulated() :
 *  @return k when the context simulates k nodes, 0 for real nodes. */
ASH_MPI_EXTERN int ash_mpi_simulated(const ash_mpi_ctx *ctx);

/*! ash_mpi_ctx_comm() :
 *  @which : ASH_MPI_COMM_ALL, ASH_MPI_COMM_NODE or ASH_MPI_COMM_CROSS.
 *  @return the context's communicator as a Fortran handle, for the caller's
 *          own MPI calls (mpi4py: MPI.Comm.f2py(h)); owned by the context:
 *          do not free it. -1 when @which is not one of these (the detail
 *          message says so). */
ASH_MPI_EXTERN ash_mpi_fint ash_mpi_ctx_comm(const ash_mpi_ctx *ctx, int which);

/*! ash_mpi_node_barrier() :
 *  Collective over the ranks of this rank's node: returns when all of them
 *  have called it, with a full memory fence on both sides, so stores to a
 *  node-shared array made before it are seen by the node's ranks after it.
 *  (MPI_Barrier on the node's communicator.)
 *  @return ASH_OK, ASH_E_INVAL (@ctx NULL), or a mapped MPI error. */
ASH_MPI_EXTERN ash_status ash_mpi_node_barrier(ash_mpi_ctx *ctx);

/* ---------------------------------------------------------------------- */
/* Node-shared arrays                                                      */
/* ---------------------------------------------------------------------- */

/*! ash_mpi_open() :
 *  Collective over the context. Opens a node-shared array: on every node,
 *  the node's rank 0 creates segment @name holding one zero-filled array
 *  "data" of @dtype and shape (@ndim, @shape) (as ash_create), its
 *  descriptor is broadcast to the node's ranks, and they attach it. Every
 *  rank receives an ordinary view of its node's copy; release it with
 *  ash_view_release(). The segment's lifetime is the core's: policy "auto"
 *  unlinks it when the last process detaches (also one outside the job),
 *  "persist" keeps it until ash_unlink(); `arrayshare gc` reaps the copies of
 *  a job whose ranks all died.
 *
 *  Segment names: with one node per host (real nodes), every node's copy is
 *  named @name. When several nodes share a host (simulated nodes), node k's
 *  copy is named "@name.node<k>" (e.g. "frames.node1"), so that they do not
 *  collide; ash_view_segment_name() of the view returned gives it.
 *
 *  @name, @dtype, @ndim, @shape, @mode : as ash_create; equal on every rank.
 *  @flags : 0, ASH_PERSIST, ASH_OR_OPEN (attach a node's existing segment of
 *           that name instead of failing, when its first array has exactly
 *           this dtype and shape), or both; equal on every rank.
 *  @out : receives the view; set to NULL on failure.
 *  On failure nothing is left: a copy created on one node is unlinked when
 *  another node fails.
 *  @return ASH_OK; ASH_E_INVAL (NULL argument, other flags, ranks passing
 *          different arguments); the errors of ash_create (ASH_E_NAME,
 *          ASH_E_EXIST, ASH_E_DTYPE, ASH_E_SHAPE, ASH_E_NOSPC, ...), with
 *          ASH_OR_OPEN those of ash_attach and ASH_E_DTYPE / ASH_E_SHAPE when
 *          the existing array differs; a mapped MPI error. Every rank returns
 *          the same code; the detail names the rank that failed first. */
ASH_MPI_EXTERN ash_status ash_mpi_open(ash_mpi_ctx *ctx, const char *name,
                                       int dtype, int ndim,
                                       const int64_t *shape, unsigned flags,
                                       unsigned mode, ash_view **out);

/*! ash_mpi_replicate() :
 *  Collective over the context. Copies the elements of @v on node
 *  @root_node into the same elements of every other node's copy: every
 *  rank passes its view of the same part of its node's copy of a
 *  node-shared array (any view: a slice, strided, transposed; equal dtype
 *  and shape on every rank). Stores made by any rank before the call are
 *  replicated; every rank sees the replicated data when the call returns.
 *  Large views are cut along their first axis into one part per node rank
 *  (up to the smallest node's size), each part sent by its own rank, so the
 *  node's ranks move the data in parallel.
 *  @return ASH_OK; ASH_E_INVAL (NULL, @root_node out of range, unequal
 *          dtype or shape between ranks, a receiving view whose elements
 *          overlap, i.e. a 0 stride), ASH_E_RDONLY (a receiving view is
 *          read-only), ASH_E_OVERFLOW (an inner dimension above INT_MAX);
 *          a mapped MPI error. */
ASH_MPI_EXTERN ash_status ash_mpi_replicate(ash_mpi_ctx *ctx, const ash_view *v,
                                            int root_node);

/*! ash_mpi_allreduce_nodes() :
 *  Collective over the context. Reduces the nodes' copies element by
 *  element: afterwards every node's copy of the elements of @v holds @op
 *  applied over the nodes' copies (each node counted once, whatever its
 *  number of ranks). Every rank passes its view of the same part of its
 *  node's copy; parts are shared among the node's ranks as in
 *  ash_mpi_replicate. Contiguous views use MPI's predefined operators;
 *  strided views and float16 use the library's operators on derived
 *  datatypes.
 *  @op : an ash_mpi_op, allowed for the dtype (see enum ash_mpi_op).
 *  @return ASH_OK; ASH_E_INVAL (NULL, @op unknown, unequal arguments, a 0
 *          stride), ASH_E_DTYPE (@op not defined for the dtype),
 *          ASH_E_RDONLY, ASH_E_OVERFLOW; a mapped MPI error. */
ASH_MPI_EXTERN ash_status ash_mpi_allreduce_nodes(ash_mpi_ctx *ctx,
                                                  const ash_view *v, int op);

/* ---------------------------------------------------------------------- */
/* Collectives on each rank's own view                                     */
/* ---------------------------------------------------------------------- */

/*! ash_mpi_bcast() :
 *  Collective over one of the context's communicators. MPI_Bcast of a view:
 *  each rank passes its own view (any segment; equal dtype and shape on
 *  every rank, strides may differ), and afterwards holds the elements of
 *  the view of rank @root of that communicator. Strided views travel as
 *  derived datatypes.
 *  @root : a rank of the communicator @which (ASH_MPI_COMM_CROSS: the node
 *          number when every node has this rank's node rank).
 *  @which : ASH_MPI_COMM_ALL, ASH_MPI_COMM_NODE, ASH_MPI_COMM_CROSS.
 *  @return ASH_OK; ASH_E_INVAL (NULL, @which or @root out of range, unequal
 *          dtype or shape, a receiving view with a 0 stride), ASH_E_RDONLY
 *          (a receiving view is read-only), ASH_E_OVERFLOW; a mapped MPI
 *          error. */
ASH_MPI_EXTERN ash_status ash_mpi_bcast(ash_mpi_ctx *ctx, const ash_view *v,
                                        int root, int which);

/*! ash_mpi_allreduce() :
 *  Collective over one of the context's communicators. In-place
 *  MPI_Allreduce of each rank's own view: afterwards every rank's view holds
 *  @op applied over all ranks' views, element by element. Operators and
 *  datatypes as ash_mpi_allreduce_nodes.
 *  @return as ash_mpi_allreduce_nodes, plus ASH_E_INVAL for @which. */
ASH_MPI_EXTERN ash_status ash_mpi_allreduce(ash_mpi_ctx *ctx, const ash_view *v,
                                            int op, int which);

/* ---------------------------------------------------------------------- */
/* One-sided access between nodes (RMA)                                    */
/* ---------------------------------------------------------------------- */

/*! ash_mpi_win_create() :
 *  Collective over the context. Opens an MPI window (MPI_Win_create) over
 *  the nodes' copies of a node-shared array: each node's rank 0 exposes the
 *  bytes that @v spans in its node's copy; every rank passes its view of the
 *  same part (equal dtype, shape, strides and offset on every rank, as
 *  ash_mpi_open returns). The window keeps @v's mapping alive until freed.
 *  @out : receives the window; set to NULL on failure.
 *  @return ASH_OK; ASH_E_INVAL (NULL, views differing between ranks),
 *          ASH_E_NOMEM; a mapped MPI error. */
ASH_MPI_EXTERN ash_status ash_mpi_win_create(ash_mpi_ctx *ctx,
                                             const ash_view *v,
                                             ash_mpi_win **out);

/*! ash_mpi_get() :
 *  Not collective. Reads elements of node @node's copy into @dst: @region
 *  is a view of this rank's own copy (inside the window's view) that names
 *  the elements by position; the same positions are read on node @node.
 *  @dst is any writable view of the same dtype and shape (another array, a
 *  private segment, or this node's copy itself). Complete when it returns
 *  (a passive-target epoch: MPI_Win_lock shared, MPI_Get, MPI_Win_unlock).
 *  With MPI's software RMA (no RDMA transport), progress on the target
 *  needs its node's rank 0 to call MPI now and then.
 *  @return ASH_OK; ASH_E_INVAL (NULL, @node out of range, @dst with a 0
 *          stride), ASH_E_INDEX (@region outside the window), ASH_E_DTYPE /
 *          ASH_E_SHAPE (@region and @dst differ), ASH_E_RDONLY (@dst
 *          read-only), ASH_E_OVERFLOW; a mapped MPI error. */
ASH_MPI_EXTERN ash_status ash_mpi_get(ash_mpi_win *win, int node,
                                      const ash_view *region,
                                      const ash_view *dst);

/*! ash_mpi_put() :
 *  Not collective. Writes the elements of @src into node @node's copy at the
 *  positions @region names (as ash_mpi_get; @src any view of the same dtype
 *  and shape). Complete when it returns (MPI_Win_lock exclusive, MPI_Put,
 *  MPI_Win_unlock). Ordering with the target node's own loads and stores is
 *  the program's business (e.g. ash_mpi_node_barrier after a collective).
 *  @return as ash_mpi_get, and ASH_E_INVAL when @region has a 0 stride,
 *          ASH_E_RDONLY when the window's views are read-only. */
ASH_MPI_EXTERN ash_status ash_mpi_put(ash_mpi_win *win, int node,
                                      const ash_view *region,
                                      const ash_view *src);

/*! ash_mpi_win_free() :
 *  Collective over the context's ranks (MPI_Win_free), then releases the
 *  window's hold on its view. After MPI_Finalize, only the memory is
 *  released. @win may be NULL. */
ASH_MPI_EXTERN void ash_mpi_win_free(ash_mpi_win *win);

#ifdef __cplusplus
}
#endif
#endif /* ARRAYSHARE_MPI_H */
