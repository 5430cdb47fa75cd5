/* SPDX-License-Identifier: MIT */
/* test_mpi.c - libarrayshare-mpi under mpiexec (4 ranks; 2 also works).
 *
 * Most tests use a context that simulates 2 nodes, so that node-shared
 * arrays have two copies on this host and replication, reductions and RMA
 * cross "nodes" through MPI. */
#include <complex.h>
#include <errno.h>

#include "mpitest.h"

static ash_mpi_fint world;

static ash_mpi_ctx *sim_ctx(int k) {
  ash_mpi_ctx *ctx = NULL;
  CHECK_OK(ash_mpi_ctx_create(world, k, &ctx));
  return ctx;
}

/* The size in ranks of a context's communicator @which. */
static int comm_size(ash_mpi_ctx *ctx, int which) {
  int n = -1;
  MPI_Comm c = MPI_Comm_f2c(ash_mpi_ctx_comm(ctx, which));
  MPI_Comm_size(c, &n);
  return n;
}

/* ---- contexts ---------------------------------------------------------- */

static void test_ctx_real(void) {
  mt_begin("ctx: real nodes (one host)");
  ash_mpi_ctx *ctx = sim_ctx(0);
  if (!ctx)
    return;
  CHECK(ash_mpi_rank(ctx) == mt_rank, "rank %d", ash_mpi_rank(ctx));
  CHECK(ash_mpi_size(ctx) == mt_size, "size %d", ash_mpi_size(ctx));
  CHECK(ash_mpi_node_count(ctx) == 1, "nodes %d", ash_mpi_node_count(ctx));
  CHECK(ash_mpi_node(ctx) == 0, "node %d", ash_mpi_node(ctx));
  CHECK(ash_mpi_node_rank(ctx) == mt_rank, "node rank %d",
        ash_mpi_node_rank(ctx));
  CHECK(ash_mpi_node_size(ctx) == mt_size, "node size %d",
        ash_mpi_node_size(ctx));
  CHECK(ash_mpi_simulated(ctx) == 0, "simulated %d", ash_mpi_simulated(ctx));
  CHECK(comm_size(ctx, ASH_MPI_COMM_ALL) == mt_size, "all");
  CHECK(comm_size(ctx, ASH_MPI_COMM_NODE) == mt_size, "node");
  CHECK(comm_size(ctx, ASH_MPI_COMM_CROSS) == 1, "cross");
  CHECK(ash_mpi_ctx_comm(ctx, 7) == -1, "which 7");
  CHECK(ash_mpi_last_error_code() == ASH_E_INVAL &&
            strstr(ash_mpi_last_error(), "which 7"),
        "%s", ash_mpi_last_error());
  CHECK_OK(ash_mpi_node_barrier(ctx));
  ash_mpi_ctx_free(ctx);
}

static void test_ctx_simulated(void) {
  mt_begin("ctx: simulated nodes (parameter and environment)");
  ash_mpi_ctx *ctx = sim_ctx(2);
  if (!ctx)
    return;
  int node = mt_rank * 2 / mt_size;
  CHECK(ash_mpi_node_count(ctx) == 2, "nodes %d", ash_mpi_node_count(ctx));
  CHECK(ash_mpi_node(ctx) == node, "node %d", ash_mpi_node(ctx));
  CHECK(ash_mpi_simulated(ctx) == 2, "simulated %d", ash_mpi_simulated(ctx));
  CHECK(ash_mpi_node_size(ctx) == comm_size(ctx, ASH_MPI_COMM_NODE), "size");
  /* The cross communicator has one rank per node that has this node rank
   * (2 when the ranks divide evenly). */
  int even = mt_size % 2 == 0;
  CHECK(!even || comm_size(ctx, ASH_MPI_COMM_CROSS) == 2, "cross %d",
        comm_size(ctx, ASH_MPI_COMM_CROSS));
  ash_mpi_ctx_free(ctx);

  setenv(ASH_MPI_SIMULATE_ENV, "2", 1);
  ctx = sim_ctx(0);
  unsetenv(ASH_MPI_SIMULATE_ENV);
  if (ctx) {
    CHECK(ash_mpi_simulated(ctx) == 2 && ash_mpi_node_count(ctx) == 2,
          "env: %d nodes", ash_mpi_node_count(ctx));
    ash_mpi_ctx_free(ctx);
  }
  /* One rank per node. */
  ctx = sim_ctx(mt_size);
  if (ctx) {
    CHECK(ash_mpi_node(ctx) == mt_rank && ash_mpi_node_size(ctx) == 1,
          "node %d size %d", ash_mpi_node(ctx), ash_mpi_node_size(ctx));
    ash_mpi_ctx_free(ctx);
  }
}

static void test_ctx_errors(void) {
  mt_begin("ctx: errors");
  ash_mpi_ctx *ctx = (ash_mpi_ctx *)&ctx;
  CHECK_ERR(ash_mpi_ctx_create(world, mt_size + 1, &ctx), ASH_E_INVAL);
  CHECK(ctx == NULL, "out not cleared");
  CHECK(strstr(ash_mpi_last_error(), "ranks") != NULL, "%s",
        ash_mpi_last_error());
  CHECK_ERR(ash_mpi_ctx_create(world, -1, &ctx), ASH_E_INVAL);
  setenv(ASH_MPI_SIMULATE_ENV, "two", 1);
  CHECK_ERR(ash_mpi_ctx_create(world, 0, &ctx), ASH_E_INVAL);
  CHECK(strstr(ash_mpi_last_error(), "\"two\"") != NULL, "%s",
        ash_mpi_last_error());
  unsetenv(ASH_MPI_SIMULATE_ENV);
  /* Ranks disagreeing: every rank fails, none hangs. */
  CHECK_ERR(ash_mpi_ctx_create(world, mt_rank == 0 ? 2 : 1, &ctx), ASH_E_INVAL);
  CHECK(strstr(ash_mpi_last_error(), "different") != NULL, "%s",
        ash_mpi_last_error());
  /* Not collective: a bad handle is refused before any communication. */
  CHECK_ERR(ash_mpi_ctx_create(123456, 0, &ctx), ASH_E_INVAL);
  CHECK(strstr(ash_mpi_last_error(), "123456") != NULL, "%s",
        ash_mpi_last_error());
  CHECK_ERR(ash_mpi_ctx_create(world, 0, NULL), ASH_E_INVAL);
  CHECK_ERR(ash_mpi_node_barrier(NULL), ASH_E_INVAL);
  CHECK(ash_mpi_node_count(NULL) == 0 && ash_mpi_rank(NULL) == -1, "NULL");
  ash_mpi_ctx_free(NULL);
  /* MPI is up: init is a no-op; the world handle is MPI's. */
  CHECK_OK(ash_mpi_init());
  CHECK(ash_mpi_comm_world() == (ash_mpi_fint)MPI_Comm_c2f(MPI_COMM_WORLD),
        "world handle");
  CHECK(ash_mpi_version() == ash_version(), "version %x", ash_mpi_version());
}

/* ---- open ---------------------------------------------------------------- */

static void test_open(void) {
  mt_begin("open: one copy per node, shared by the node's ranks");
  ash_mpi_ctx *ctx = sim_ctx(2);
  if (!ctx)
    return;
  char name[64], expect[96];
  mt_name(name);
  int64_t shape[2] = {3, 4};
  ash_view *v = NULL;
  CHECK_OK(ash_mpi_open(ctx, name, ASH_FLOAT64, 2, shape, 0, 0600, &v));
  if (!v)
    goto out;
  snprintf(expect, sizeof expect, "%s.node%d", name, ash_mpi_node(ctx));
  CHECK(strcmp(ash_view_segment_name(v), expect) == 0, "segment %s",
        ash_view_segment_name(v));
  CHECK(ash_view_dtype(v) == ASH_FLOAT64 && ash_view_ndim(v) == 2 &&
            ash_view_dim(v, 1) == 4,
        "dtype/shape");
  /* The last rank of each node writes; every rank of the node reads it. */
  if (ash_mpi_node_rank(ctx) == ash_mpi_node_size(ctx) - 1)
    mt_fill(v, 100.0 * ash_mpi_node(ctx), 1);
  CHECK_OK(ash_mpi_node_barrier(ctx));
  CHECK(mt_mismatches(v, 100.0 * ash_mpi_node(ctx), 1) == 0,
        "node %d sees another copy", ash_mpi_node(ctx));
  /* One attacher per rank of the node, in one segment. */
  ash_segment *seg = NULL;
  CHECK_OK(ash_view_segment(v, &seg));
  int alive = 0;
  CHECK_OK(ash_segment_attachers(seg, &alive, NULL));
  CHECK(alive == ash_mpi_node_size(ctx), "%d attachers", alive);
  ash_segment_close(seg);
  CHECK_OK(ash_mpi_node_barrier(ctx));
  ash_view_release(v);
out:
  ash_mpi_ctx_free(ctx);

  /* Real nodes: the name as given. */
  ctx = sim_ctx(0);
  if (!ctx)
    return;
  mt_name(name);
  CHECK_OK(ash_mpi_open(ctx, name, ASH_UINT8, 1, shape, 0, 0600, &v));
  if (v) {
    CHECK(strcmp(ash_view_segment_name(v), name) == 0, "segment %s",
          ash_view_segment_name(v));
    ash_view_release(v);
  }
  ash_mpi_ctx_free(ctx);
}

static void test_open_errors(void) {
  mt_begin("open: errors reach every rank, nothing is left");
  ash_mpi_ctx *ctx = sim_ctx(2);
  if (!ctx)
    return;
  char name[64], other[96];
  int64_t shape[1] = {8}, bad_shape[1] = {9};
  ash_view *v = (ash_view *)&v;
  CHECK_ERR(ash_mpi_open(ctx, "a/b", ASH_INT32, 1, shape, 0, 0600, &v),
            ASH_E_NAME);
  CHECK(v == NULL, "out not cleared");
  CHECK_ERR(ash_mpi_open(ctx, mt_name(name), 99, 1, shape, 0, 0600, &v),
            ASH_E_DTYPE);
  CHECK_ERR(
      ash_mpi_open(ctx, mt_name(name), ASH_INT32, 1, shape, ASH_FILE, 0600, &v),
      ASH_E_INVAL);
  CHECK_ERR(ash_mpi_open(ctx, mt_name(name), ASH_INT32, 1, NULL, 0, 0600, &v),
            ASH_E_SHAPE);
  CHECK_ERR(ash_mpi_open(NULL, name, ASH_INT32, 1, shape, 0, 0600, &v),
            ASH_E_INVAL);

  /* Node 1's copy exists already: node 1 fails, node 0 rolls back. */
  mt_name(name);
  snprintf(other, sizeof other, "%s.node1", name);
  ash_view *squatter = NULL;
  if (mt_rank == 0)
    CHECK_OK(ash_create(other, ASH_INT32, 1, shape, 0, 0600, &squatter));
  if (squatter)
    CHECK_OK(ash_view_fill_i64(squatter, 7));
  MPI_Barrier(MPI_COMM_WORLD);
  CHECK_ERR(ash_mpi_open(ctx, name, ASH_INT32, 1, shape, 0, 0600, &v),
            ASH_E_EXIST);
  CHECK(strstr(ash_mpi_last_error(), other) != NULL, "detail: %s",
        ash_mpi_last_error());
  char node0[96];
  snprintf(node0, sizeof node0, "/dev/shm/" ASH_SHM_PREFIX "%s.node0", name);
  CHECK(access(node0, F_OK) != 0, "node 0's copy was not rolled back");
  MPI_Barrier(MPI_COMM_WORLD); /* before node 0 creates it again */

  /* ASH_OR_OPEN: node 1 attaches the existing copy, node 0 creates. */
  CHECK_OK(ash_mpi_open(ctx, name, ASH_INT32, 1, shape, ASH_OR_OPEN, 0600, &v));
  if (v) {
    int64_t i = 0, x = -1;
    CHECK_OK(ash_view_get_i64(v, 1, &i, &x));
    CHECK(x == (ash_mpi_node(ctx) == 1 ? 7 : 0), "element 0 is %" PRId64, x);
    ash_view_release(v);
  }
  /* ... but not one of another shape. */
  CHECK_ERR(
      ash_mpi_open(ctx, name, ASH_INT32, 1, bad_shape, ASH_OR_OPEN, 0600, &v),
      ASH_E_SHAPE);
  MPI_Barrier(MPI_COMM_WORLD);
  ash_view_release(squatter);

  /* Ranks passing different shapes: all fail, nothing is left. */
  mt_name(name);
  /* (SHAPE where a rank attaches its leader's copy; INVAL where only the
   * agreement sees the difference, when the odd rank leads its node.) */
  int rc =
      ash_mpi_open(ctx, name, ASH_INT32, 1,
                   mt_rank == mt_size - 1 ? bad_shape : shape, 0, 0600, &v);
  CHECK(rc == ASH_E_SHAPE || rc == ASH_E_INVAL, "unequal shapes: %s: %s",
        ash_err_name(rc), ash_mpi_last_error());

  /* Persist: the copies outlive their views until unlinked. */
  mt_name(name);
  CHECK_OK(ash_mpi_open(ctx, name, ASH_INT32, 1, shape, ASH_PERSIST, 0600, &v));
  char seg[96] = "";
  if (v)
    snprintf(seg, sizeof seg, "%s", ash_view_segment_name(v));
  ash_view_release(v);
  MPI_Barrier(MPI_COMM_WORLD);
  if (ash_mpi_node_rank(ctx) == 0)
    CHECK_OK(ash_unlink(seg, 0));
  ash_mpi_ctx_free(ctx);
}

/* ---- replication ---------------------------------------------------------- */

static void test_replicate(void) {
  mt_begin("replicate: contiguous, strided, 0-d, empty, from any node");
  ash_mpi_ctx *ctx = sim_ctx(2);
  if (!ctx)
    return;
  int node = ash_mpi_node(ctx), lead = ash_mpi_node_rank(ctx) == 0;
  char name[64];
  ash_view *v = NULL, *s = NULL, *t = NULL;

  /* 2.4 MB: cut into one part per node rank. */
  int64_t big[1] = {300000};
  CHECK_OK(ash_mpi_open(ctx, mt_name(name), ASH_INT64, 1, big, 0, 0600, &v));
  if (v) {
    if (lead)
      mt_fill(v, node == 0 ? 0 : -1, node == 0 ? 1 : 0);
    CHECK_OK(ash_mpi_replicate(ctx, v, 0));
    CHECK(mt_mismatches(v, 0, 1) == 0, "node %d: big copy differs", node);
    ash_view_release(v);
  }

  /* A strided slice (reversed columns) from node 1; the rest untouched. */
  int64_t shape[2] = {6, 8};
  CHECK_OK(
      ash_mpi_open(ctx, mt_name(name), ASH_FLOAT64, 2, shape, 0, 0600, &v));
  if (v) {
    CHECK_OK(ash_view_slice(v, 0, 1, 5, 1, 0, &t));
    CHECK_OK(ash_view_slice(t, 1, ASH_NONE, ASH_NONE, -2, 0, &s));
    if (lead)
      mt_fill(v, node == 1 ? 1000 : 0, node == 1 ? 1 : 0);
    CHECK_OK(ash_mpi_replicate(ctx, s, 1));
    for (int64_t i = 0; i < 48; i++) {
      int64_t r = i / 8, c = i % 8;
      int in_slice = r >= 1 && r < 5 && c % 2 == 1;
      double x = -1, want = node == 1 || in_slice ? 1000.0 + (double)i : 0.0;
      ash_view_get_f64(v, 1, &i, &x);
      CHECK(x == want, "node %d element (%" PRId64 ",%" PRId64 ") = %g, not %g",
            node, r, c, x, want);
    }
    ash_view_release(s);
    ash_view_release(t);
    ash_view_release(v);
  }

  /* A transposed 4.8 MB view: strided parts along its first axis. */
  int64_t tall[2] = {1000, 600};
  CHECK_OK(ash_mpi_open(ctx, mt_name(name), ASH_FLOAT64, 2, tall, 0, 0600, &v));
  if (v) {
    CHECK_OK(ash_view_transpose(v, &t));
    if (lead)
      mt_fill(v, node == 0 ? 5 : 0, node == 0 ? 1 : 0);
    CHECK_OK(ash_mpi_replicate(ctx, t, 0));
    CHECK(mt_mismatches(v, 5, 1) == 0, "node %d: transposed copy differs",
          node);
    ash_view_release(t);
    ash_view_release(v);
  }

  /* 0-d and empty views. */
  CHECK_OK(
      ash_mpi_open(ctx, mt_name(name), ASH_COMPLEX128, 0, NULL, 0, 0600, &v));
  if (v) {
    if (lead && node == 1)
      CHECK_OK(ash_view_set_c128(v, 0, NULL, 1.5, -2.0));
    CHECK_OK(ash_mpi_replicate(ctx, v, 1));
    double re = 0, im = 0;
    CHECK_OK(ash_view_get_c128(v, 0, NULL, &re, &im));
    CHECK(re == 1.5 && im == -2.0, "0-d: %g%+gi", re, im);
    ash_view_release(v);
  }
  int64_t none[2] = {0, 3};
  CHECK_OK(ash_mpi_open(ctx, mt_name(name), ASH_INT8, 2, none, 0, 0600, &v));
  if (v) {
    CHECK_OK(ash_mpi_replicate(ctx, v, 0));
    ash_view_release(v);
  }
  ash_mpi_ctx_free(ctx);
}

static void test_replicate_errors(void) {
  mt_begin("replicate: errors");
  ash_mpi_ctx *ctx = sim_ctx(2);
  if (!ctx)
    return;
  char name[64];
  int64_t shape[1] = {16};
  ash_view *v = NULL, *ro = NULL;
  CHECK_OK(ash_mpi_open(ctx, mt_name(name), ASH_INT16, 1, shape, 0, 0600, &v));
  if (v) {
    CHECK_ERR(ash_mpi_replicate(ctx, v, 2), ASH_E_INVAL);
    CHECK_ERR(ash_mpi_replicate(ctx, v, -1), ASH_E_INVAL);
    CHECK_ERR(ash_mpi_replicate(ctx, NULL, 0), ASH_E_INVAL);
    /* A read-only view on one receiving rank stops every rank. */
    CHECK_OK(ash_view_readonly(v, &ro));
    CHECK_ERR(ash_mpi_replicate(ctx, mt_rank == mt_size - 1 ? ro : v, 0),
              ASH_E_RDONLY);
    CHECK(strstr(ash_mpi_last_error(), "read-only") != NULL, "%s",
          ash_mpi_last_error());
    /* ... but is fine on the sending node. */
    CHECK_OK(ash_mpi_replicate(ctx, mt_rank == 0 ? ro : v, 0));
    /* Unequal shapes between ranks. */
    ash_view *half = NULL;
    CHECK_OK(ash_view_slice(v, 0, 0, 8, 1, 0, &half));
    CHECK_ERR(ash_mpi_replicate(ctx, mt_rank == 0 ? half : v, 0), ASH_E_INVAL);
    CHECK(strstr(ash_mpi_last_error(), "different") != NULL, "%s",
          ash_mpi_last_error());
    ash_view_release(half);
    ash_view_release(ro);
    ash_view_release(v);
  }
  CHECK_ERR(ash_mpi_replicate(NULL, NULL, 0), ASH_E_INVAL);
  ash_mpi_ctx_free(ctx);
}

/* ---- reductions -------------------------------------------------------------- */

static void test_allreduce_nodes(void) {
  mt_begin("allreduce_nodes: contiguous, strided, float16, complex, bool");
  ash_mpi_ctx *ctx = sim_ctx(2);
  if (!ctx)
    return;
  int node = ash_mpi_node(ctx), lead = ash_mpi_node_rank(ctx) == 0;
  char name[64];
  ash_view *v = NULL, *s = NULL;
  int64_t n[1] = {1000};

  CHECK_OK(ash_mpi_open(ctx, mt_name(name), ASH_FLOAT64, 1, n, 0, 0600, &v));
  if (v) {
    if (lead)
      mt_fill(v, node + 1, 0); /* each node counted once: 1 + 2 */
    CHECK_OK(ash_mpi_allreduce_nodes(ctx, v, ASH_MPI_SUM));
    CHECK(mt_mismatches(v, 3, 0) == 0, "node %d: sum", node);
    ash_view_release(v);
  }

  /* Every third int32, MAX; the others keep their value. */
  CHECK_OK(ash_mpi_open(ctx, mt_name(name), ASH_INT32, 1, n, 0, 0600, &v));
  if (v) {
    CHECK_OK(ash_view_slice(v, 0, ASH_NONE, ASH_NONE, 3, 0, &s));
    if (lead)
      mt_fill(v, 10.0 * node, 1);
    CHECK_OK(ash_mpi_allreduce_nodes(ctx, s, ASH_MPI_MAX));
    for (int64_t i = 0; i < 1000; i++) {
      double x = 0,
             want = i % 3 == 0 ? 10.0 + (double)i : 10.0 * node + (double)i;
      ash_view_get_f64(v, 1, &i, &x);
      CHECK(x == want, "node %d element %" PRId64 " = %g, not %g", node, i, x,
            want);
      if (x != want)
        break;
    }
    ash_view_release(s);
    ash_view_release(v);
  }

  /* float16 (the library's operator), complex on a reversed view, bool. */
  int64_t four[1] = {4};
  CHECK_OK(ash_mpi_open(ctx, mt_name(name), ASH_FLOAT16, 1, four, 0, 0600, &v));
  if (v) {
    if (lead)
      CHECK_OK(ash_view_fill_f64(v, node == 0 ? 1.5 : 2.5));
    CHECK_OK(ash_mpi_allreduce_nodes(ctx, v, ASH_MPI_SUM));
    CHECK(mt_mismatches(v, 4.0, 0) == 0, "float16 sum");
    ash_view_release(v);
  }
  CHECK_OK(
      ash_mpi_open(ctx, mt_name(name), ASH_COMPLEX128, 1, four, 0, 0600, &v));
  if (v) {
    CHECK_OK(ash_view_slice(v, 0, ASH_NONE, ASH_NONE, -1, 0, &s));
    if (lead)
      for (int64_t i = 0; i < 4; i++)
        CHECK_OK(ash_view_set_c128(v, 1, &i, (double)i, node ? 1.0 : 0.0));
    CHECK_OK(ash_mpi_allreduce_nodes(ctx, s, ASH_MPI_PROD));
    for (int64_t i = 0; i < 4; i++) {
      double re = 0, im = 0;
      ash_view_get_c128(v, 1, &i, &re, &im);
      /* i * (i + 1i) = i^2 + i*1i */
      CHECK(re == (double)(i * i) && im == (double)i,
            "prod[%" PRId64 "] = %g%+gi", i, re, im);
    }
    ash_view_release(s);
    ash_view_release(v);
  }
  CHECK_OK(ash_mpi_open(ctx, mt_name(name), ASH_BOOL, 1, four, 0, 0600, &v));
  if (v) {
    if (lead && node == 1) {
      int64_t i = 2;
      CHECK_OK(ash_view_set_i64(v, 1, &i, 1));
    }
    CHECK_OK(ash_mpi_allreduce_nodes(ctx, v, ASH_MPI_LOR));
    for (int64_t i = 0; i < 4; i++) {
      int64_t x = -1;
      ash_view_get_i64(v, 1, &i, &x);
      CHECK(x == (i == 2), "bool[%" PRId64 "] = %" PRId64, i, x);
    }
    CHECK_ERR(ash_mpi_allreduce_nodes(ctx, v, ASH_MPI_SUM), ASH_E_DTYPE);
    ash_view_release(v);
  }
  CHECK_OK(
      ash_mpi_open(ctx, mt_name(name), ASH_COMPLEX64, 1, four, 0, 0600, &v));
  if (v) {
    CHECK_ERR(ash_mpi_allreduce_nodes(ctx, v, ASH_MPI_MAX), ASH_E_DTYPE);
    CHECK(strstr(ash_mpi_last_error(), "MAX") &&
              strstr(ash_mpi_last_error(), "complex64"),
          "%s", ash_mpi_last_error());
    CHECK_ERR(ash_mpi_allreduce_nodes(ctx, v, 42), ASH_E_INVAL);
    ash_view_release(v);
  }
  ash_mpi_ctx_free(ctx);
}

/* ---- each rank's own views ------------------------------------------------ */

/* A private array of this rank (a name unique per rank). */
static ash_view *private_array(int dtype, int ndim, const int64_t *shape) {
  char base[64], name[96];
  snprintf(name, sizeof name, "%s_r%d", mt_name(base), mt_rank);
  ash_view *v = NULL;
  CHECK_OK(ash_create(name, dtype, ndim, shape, 0, 0600, &v));
  return v;
}

static void test_bcast(void) {
  mt_begin("bcast: each rank's view, over all, node, cross");
  ash_mpi_ctx *ctx = sim_ctx(2);
  if (!ctx)
    return;
  int64_t shape[2] = {4, 5};
  ash_view *v = private_array(ASH_INT32, 2, shape);
  if (!v)
    goto out;
  int root = mt_size - 1;
  mt_fill(v, mt_rank == root ? 1 : 0, mt_rank == root ? 1 : 0);
  CHECK_OK(ash_mpi_bcast(ctx, v, root, ASH_MPI_COMM_ALL));
  CHECK(mt_mismatches(v, 1, 1) == 0, "all: differs");
  /* Node scope: each node's rank 0 is the root of its node. */
  mt_fill(v, ash_mpi_node_rank(ctx) == 0 ? 100.0 * ash_mpi_node(ctx) : -1, 0);
  CHECK_OK(ash_mpi_bcast(ctx, v, 0, ASH_MPI_COMM_NODE));
  CHECK(mt_mismatches(v, 100.0 * ash_mpi_node(ctx), 0) == 0, "node scope");
  /* Cross scope: node 1's rank of each node rank is the root (when the
   * nodes have equal sizes, every cross communicator spans both). */
  if (mt_size % 2 == 0) {
    mt_fill(v, ash_mpi_node(ctx) == 1 ? ash_mpi_node_rank(ctx) + 50.0 : 0, 0);
    CHECK_OK(ash_mpi_bcast(ctx, v, 1, ASH_MPI_COMM_CROSS));
    CHECK(mt_mismatches(v, ash_mpi_node_rank(ctx) + 50.0, 0) == 0,
          "cross scope");
  }
  CHECK_ERR(ash_mpi_bcast(ctx, v, mt_size, ASH_MPI_COMM_ALL), ASH_E_INVAL);
  CHECK_ERR(ash_mpi_bcast(ctx, v, 0, 3), ASH_E_INVAL);
  ash_view_release(v);
out:
  ash_mpi_ctx_free(ctx);
}

static void test_bcast_strided(void) {
  mt_begin("bcast: strides differ between ranks, negative strides");
  ash_mpi_ctx *ctx = sim_ctx(0);
  if (!ctx)
    return;
  /* Even ranks hold a (4, 6) array, odd ranks its transposed twin (6, 4);
   * all broadcast a (4, 6) view: the plain one, or the transpose. */
  int64_t even[2] = {4, 6}, odd[2] = {6, 4};
  ash_view *a = private_array(ASH_FLOAT32, 2, mt_rank % 2 ? odd : even);
  ash_view *v = NULL, *r = NULL;
  if (!a)
    goto out;
  if (mt_rank % 2)
    CHECK_OK(ash_view_transpose(a, &v));
  else
    v = ash_view_retain(a);
  /* Reverse both axes on every rank: negative strides. */
  ash_view *tmp = NULL;
  CHECK_OK(ash_view_slice(v, 0, ASH_NONE, ASH_NONE, -1, 0, &tmp));
  CHECK_OK(ash_view_slice(tmp, 1, ASH_NONE, ASH_NONE, -1, 0, &r));
  ash_view_release(tmp);
  mt_fill(r, mt_rank == 1 ? 3 : 0, mt_rank == 1 ? 0.5 : 0);
  CHECK_OK(ash_mpi_bcast(ctx, r, 1, ASH_MPI_COMM_ALL));
  CHECK(mt_mismatches(r, 3, 0.5) == 0, "rank %d: strided bcast differs",
        mt_rank);
  ash_view_release(r);
  ash_view_release(v);
  ash_view_release(a);
out:
  ash_mpi_ctx_free(ctx);
}

static void test_allreduce(void) {
  mt_begin("allreduce: each rank's view");
  ash_mpi_ctx *ctx = sim_ctx(2);
  if (!ctx)
    return;
  int64_t shape[1] = {7};
  ash_view *v = private_array(ASH_INT64, 1, shape), *s = NULL;
  if (!v)
    goto out;
  mt_fill(v, mt_rank + 1, 0);
  CHECK_OK(ash_mpi_allreduce(ctx, v, ASH_MPI_SUM, ASH_MPI_COMM_ALL));
  CHECK(mt_mismatches(v, mt_size * (mt_size + 1) / 2.0, 0) == 0, "sum");
  /* Strided: every other element, over the node. */
  mt_fill(v, 1, 0);
  CHECK_OK(ash_view_slice(v, 0, ASH_NONE, ASH_NONE, 2, 0, &s));
  CHECK_OK(ash_mpi_allreduce(ctx, s, ASH_MPI_SUM, ASH_MPI_COMM_NODE));
  for (int64_t i = 0; i < 7; i++) {
    int64_t x = 0;
    ash_view_get_i64(v, 1, &i, &x);
    CHECK(x == (i % 2 ? 1 : ash_mpi_node_size(ctx)),
          "element %" PRId64 " = %" PRId64, i, x);
  }
  /* Bitwise or of one bit per rank. */
  mt_fill(v, (double)(1 << mt_rank), 0);
  CHECK_OK(ash_mpi_allreduce(ctx, s, ASH_MPI_BOR, ASH_MPI_COMM_ALL));
  CHECK(mt_mismatches(s, (double)((1 << mt_size) - 1), 0) == 0, "bor");
  CHECK_ERR(ash_mpi_allreduce(ctx, v, ASH_MPI_SUM, 9), ASH_E_INVAL);
  ash_view_release(s);
  ash_view_release(v);
out:
  ash_mpi_ctx_free(ctx);
}

/* ---- RMA -------------------------------------------------------------------- */

static void test_rma(void) {
  mt_begin("rma: get and put between nodes' copies");
  ash_mpi_ctx *ctx = sim_ctx(2);
  if (!ctx)
    return;
  int node = ash_mpi_node(ctx), lead = ash_mpi_node_rank(ctx) == 0;
  int other = (node + 1) % ash_mpi_node_count(ctx);
  char name[64];
  int64_t shape[2] = {10, 10};
  ash_view *v = NULL, *region = NULL, *tmp = NULL, *dst = NULL;
  ash_mpi_win *win = NULL;
  CHECK_OK(
      ash_mpi_open(ctx, mt_name(name), ASH_FLOAT64, 2, shape, 0, 0600, &v));
  if (!v)
    goto out;
  if (lead)
    mt_fill(v, 1000.0 * node, 1);
  CHECK_OK(ash_mpi_node_barrier(ctx));
  CHECK_OK(ash_mpi_win_create(ctx, v, &win));
  if (!win)
    goto out;

  /* Rows 2..3, every third column, of the other node, into a private
   * array transposed (strided on both sides). */
  CHECK_OK(ash_view_slice(v, 0, 2, 4, 1, 0, &tmp));
  CHECK_OK(ash_view_slice(tmp, 1, ASH_NONE, ASH_NONE, 3, 0, &region));
  int64_t dshape[2] = {4, 2};
  ash_view *priv = private_array(ASH_FLOAT64, 2, dshape);
  CHECK_OK(ash_view_transpose(priv, &dst));
  CHECK_OK(ash_mpi_get(win, other, region, dst));
  for (int64_t i = 0; i < 8; i++) {
    int64_t r = 2 + i / 4, c = 3 * (i % 4);
    double x = -1;
    ash_view_get_f64(dst, 1, &i, &x);
    CHECK(x == 1000.0 * other + 10.0 * r + c, "get[%" PRId64 "] = %g", i, x);
  }
  /* Errors, before any data moves. */
  CHECK_ERR(ash_mpi_get(win, 2, region, dst), ASH_E_INVAL);
  CHECK_ERR(ash_mpi_get(win, other, region, priv), ASH_E_SHAPE);
  ash_view *ro = NULL, *as_int = NULL;
  CHECK_OK(ash_view_readonly(dst, &ro));
  CHECK_ERR(ash_mpi_get(win, other, region, ro), ASH_E_RDONLY);
  CHECK_OK(ash_view_reinterpret(dst, ASH_INT64, &as_int));
  CHECK_ERR(ash_mpi_get(win, other, region, as_int), ASH_E_DTYPE);
  CHECK_ERR(ash_mpi_get(win, other, dst, dst), ASH_E_INDEX); /* not in window */
  CHECK_ERR(ash_mpi_get(NULL, other, region, dst), ASH_E_INVAL);
  ash_view_release(as_int);
  ash_view_release(ro);

  /* Rank 0 writes row 0 of every other node's copy. */
  MPI_Barrier(MPI_COMM_WORLD);
  ash_view *row = NULL;
  int64_t rshape[1] = {10};
  ash_view *src = private_array(ASH_FLOAT64, 1, rshape);
  if (src)
    mt_fill(src, -7, 0);
  CHECK_OK(ash_view_index(v, 0, 0, &row));
  if (mt_rank == 0)
    for (int k = 1; k < ash_mpi_node_count(ctx); k++)
      CHECK_OK(ash_mpi_put(win, k, row, src));
  MPI_Barrier(MPI_COMM_WORLD);
  CHECK(mt_mismatches(row, node == 0 ? 0 : -7, node == 0 ? 1 : 0) == 0,
        "node %d: row 0 after put", node);
  ash_view_release(row);
  ash_view_release(src);
  ash_view_release(priv);
  ash_mpi_win_free(win);
  ash_mpi_win_free(NULL);
out:
  ash_view_release(dst);
  ash_view_release(region);
  ash_view_release(tmp);
  ash_view_release(v);
  ash_mpi_ctx_free(ctx);
}

int main(int argc, char **argv) {
  mt_init(&argc, &argv);
  if (mt_size < 2) {
    fprintf(stderr, "test_mpi needs at least 2 ranks\n");
    MPI_Finalize();
    return 1;
  }
  unsetenv(ASH_MPI_SIMULATE_ENV);
  world = (ash_mpi_fint)MPI_Comm_c2f(MPI_COMM_WORLD);
  test_ctx_real();
  test_ctx_simulated();
  test_ctx_errors();
  test_open();
  test_open_errors();
  test_replicate();
  test_replicate_errors();
  test_allreduce_nodes();
  test_bcast();
  test_bcast_strided();
  test_allreduce();
  test_rma();
  return mt_finish();
}
