/* SPDX-License-Identifier: MIT */
/* ctx.c - a communicator split into (real or simulated) nodes. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char WHAT[] = "ash_mpi_ctx_create";

/* The communicator a Fortran handle names, or an error. Open MPI maps an
 * unknown index to NULL, MPICH to an invalid handle that MPI_COMM_NULL or
 * the intercommunicator test catches. */
static ash_status amp_comm_of(ash_mpi_fint f, MPI_Comm *out) {
  MPI_Comm c = MPI_Comm_f2c((MPI_Fint)f);
  MPI_Comm zero;
  memset(&zero, 0, sizeof zero);
  if (c == MPI_COMM_NULL || memcmp(&c, &zero, sizeof c) == 0)
    return amp_err(ASH_E_INVAL,
                   "%s: communicator handle %d is not a valid communicator",
                   WHAT, f);
  int inter = 0;
  int rc = MPI_Comm_test_inter(c, &inter);
  if (rc != MPI_SUCCESS)
    return amp_mpi_err(rc, WHAT, "MPI_Comm_test_inter");
  if (inter)
    return amp_err(ASH_E_INVAL,
                   "%s: communicator handle %d is an intercommunicator; an "
                   "intracommunicator is needed",
                   WHAT, f);
  *out = c;
  return ASH_OK;
}

/* @nodes, or ASH_MPI_SIMULATE_NODES when it is 0. */
static ash_status amp_nodes_wanted(int nodes, int size, int *k) {
  if (nodes < 0)
    return amp_err(ASH_E_INVAL, "%s: nodes %d is negative (0: real nodes)",
                   WHAT, nodes);
  if (nodes == 0) {
    const char *env = getenv(ASH_MPI_SIMULATE_ENV);
    if (env && *env) {
      char *end = NULL;
      errno = 0;
      long x = strtol(env, &end, 10);
      if (errno || end == env || *end || x < 0 || x > INT_MAX)
        return amp_err(ASH_E_INVAL,
                       "%s: " ASH_MPI_SIMULATE_ENV "=\"%s\" is not a number "
                       "of nodes (0 or a positive integer)",
                       WHAT, env);
      nodes = (int)x;
    }
  }
  if (nodes > size)
    return amp_err(ASH_E_INVAL,
                   "%s: %d simulated nodes asked for, but the communicator "
                   "has %d ranks",
                   WHAT, nodes, size);
  *k = nodes;
  return ASH_OK;
}

static void amp_comm_free(MPI_Comm *c) {
  if (*c != MPI_COMM_NULL)
    MPI_Comm_free(c);
  *c = MPI_COMM_NULL;
}

static void amp_ctx_release(ash_mpi_ctx *ctx, int call_mpi) {
  if (call_mpi) {
    amp_comm_free(&ctx->cross);
    amp_comm_free(&ctx->node);
    amp_comm_free(&ctx->all);
  }
  free(ctx->leader);
  free(ctx);
}

#define MPI_TRY(call, name)                                                    \
  do {                                                                         \
    int rc_ = (call);                                                          \
    if (rc_ != MPI_SUCCESS) {                                                  \
      r = amp_mpi_err(rc_, WHAT, name);                                        \
      goto fail;                                                               \
    }                                                                          \
  } while (0)

/* node_index, node_count, min_node_size and leader[] from every rank's
 * leader (the lowest rank of its node). */
static ash_status amp_number_nodes(ash_mpi_ctx *ctx, const int *leader_of) {
  int *count = calloc((size_t)ctx->size, sizeof *count);
  ctx->leader = calloc((size_t)ctx->size, sizeof *ctx->leader);
  if (!count || !ctx->leader) {
    free(count);
    return amp_err(ASH_E_NOMEM, "%s: out of memory", WHAT);
  }
  /* A rank is a leader iff it is its own; numbering leaders in rank order
   * numbers the nodes by their lowest rank. */
  int n = 0;
  for (int r = 0; r < ctx->size; r++)
    if (leader_of[r] == r)
      ctx->leader[n++] = r;
  ctx->node_count = n;
  for (int r = 0; r < ctx->size; r++)
    for (int i = 0; i < n; i++)
      if (ctx->leader[i] == leader_of[r]) {
        count[i]++;
        if (r == ctx->rank)
          ctx->node_index = i;
        break;
      }
  ctx->min_node_size = ctx->size;
  for (int i = 0; i < n; i++)
    if (count[i] < ctx->min_node_size)
      ctx->min_node_size = count[i];
  free(count);
  return ASH_OK;
}

ash_status ash_mpi_ctx_create(ash_mpi_fint comm, int nodes, ash_mpi_ctx **out) {
  if (out)
    *out = NULL;
  if (!out)
    return amp_err(ASH_E_INVAL, "%s: out is NULL", WHAT);
  if (!amp_mpi_usable(WHAT))
    return ASH_E_INVAL;
  MPI_Comm user = MPI_COMM_NULL;
  ash_status r = amp_comm_of(comm, &user);
  if (r)
    return r;
  ash_mpi_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx)
    return amp_err(ASH_E_NOMEM, "%s: out of memory", WHAT);
  ctx->all = ctx->node = ctx->cross = MPI_COMM_NULL;
  MPI_Comm group = MPI_COMM_NULL, host = MPI_COMM_NULL;
  int *leader_of = NULL;

  MPI_TRY(MPI_Comm_dup(user, &ctx->all), "MPI_Comm_dup");
  MPI_TRY(MPI_Comm_set_errhandler(ctx->all, MPI_ERRORS_RETURN),
          "MPI_Comm_set_errhandler");
  MPI_Comm_rank(ctx->all, &ctx->rank);
  MPI_Comm_size(ctx->all, &ctx->size);

  /* Every rank must simulate the same number of nodes. */
  int k = 0;
  ash_status local = amp_nodes_wanted(nodes, ctx->size, &k);
  amp_sig sig;
  amp_sig_init(&sig);
  amp_sig_i64(&sig, k);
  if ((r = amp_agree(ctx->all, WHAT, local, &sig, NULL)) != ASH_OK)
    goto fail;
  ctx->simulated = k;

  if (k > 0) {
    int color = (int)((int64_t)ctx->rank * k / ctx->size);
    MPI_TRY(MPI_Comm_split(ctx->all, color, ctx->rank, &group),
            "MPI_Comm_split");
    MPI_TRY(MPI_Comm_split_type(group, MPI_COMM_TYPE_SHARED, ctx->rank,
                                MPI_INFO_NULL, &ctx->node),
            "MPI_Comm_split_type");
  } else {
    MPI_TRY(MPI_Comm_split_type(ctx->all, MPI_COMM_TYPE_SHARED, ctx->rank,
                                MPI_INFO_NULL, &ctx->node),
            "MPI_Comm_split_type");
  }
  MPI_TRY(MPI_Comm_set_errhandler(ctx->node, MPI_ERRORS_RETURN),
          "MPI_Comm_set_errhandler");
  MPI_Comm_rank(ctx->node, &ctx->node_rank);
  MPI_Comm_size(ctx->node, &ctx->node_size);

  int my_leader = ctx->rank;
  MPI_TRY(
      MPI_Allreduce(MPI_IN_PLACE, &my_leader, 1, MPI_INT, MPI_MIN, ctx->node),
      "MPI_Allreduce");
  leader_of = malloc(sizeof *leader_of * (size_t)ctx->size);
  if (!leader_of) {
    r = amp_err(ASH_E_NOMEM, "%s: out of memory", WHAT);
    goto fail;
  }
  MPI_TRY(
      MPI_Allgather(&my_leader, 1, MPI_INT, leader_of, 1, MPI_INT, ctx->all),
      "MPI_Allgather");
  if ((r = amp_number_nodes(ctx, leader_of)) != ASH_OK)
    goto fail;

  /* Several nodes on one host (only when simulating) need distinct
   * segment names. */
  if (k > 0) {
    MPI_TRY(MPI_Comm_split_type(ctx->all, MPI_COMM_TYPE_SHARED, ctx->rank,
                                MPI_INFO_NULL, &host),
            "MPI_Comm_split_type");
    int mm[2] = {ctx->node_index, -ctx->node_index};
    MPI_TRY(MPI_Allreduce(MPI_IN_PLACE, mm, 2, MPI_INT, MPI_MAX, host),
            "MPI_Allreduce");
    ctx->shared_host = mm[0] != -mm[1];
  }

  MPI_TRY(
      MPI_Comm_split(ctx->all, ctx->node_rank, ctx->node_index, &ctx->cross),
      "MPI_Comm_split");
  MPI_TRY(MPI_Comm_set_errhandler(ctx->cross, MPI_ERRORS_RETURN),
          "MPI_Comm_set_errhandler");
  amp_comm_free(&group);
  amp_comm_free(&host);
  free(leader_of);
  *out = ctx;
  return ASH_OK;

fail:
  amp_comm_free(&group);
  amp_comm_free(&host);
  free(leader_of);
  amp_ctx_release(ctx, 1);
  return r;
}

void ash_mpi_ctx_free(ash_mpi_ctx *ctx) {
  if (ctx)
    amp_ctx_release(ctx, amp_mpi_live());
}

int ash_mpi_rank(const ash_mpi_ctx *ctx) { return ctx ? ctx->rank : -1; }
int ash_mpi_size(const ash_mpi_ctx *ctx) { return ctx ? ctx->size : 0; }
int ash_mpi_node(const ash_mpi_ctx *ctx) { return ctx ? ctx->node_index : -1; }
int ash_mpi_node_count(const ash_mpi_ctx *ctx) {
  return ctx ? ctx->node_count : 0;
}
int ash_mpi_node_rank(const ash_mpi_ctx *ctx) {
  return ctx ? ctx->node_rank : -1;
}
int ash_mpi_node_size(const ash_mpi_ctx *ctx) {
  return ctx ? ctx->node_size : 0;
}
int ash_mpi_simulated(const ash_mpi_ctx *ctx) {
  return ctx ? ctx->simulated : 0;
}

ash_mpi_fint ash_mpi_ctx_comm(const ash_mpi_ctx *ctx, int which) {
  if (!ctx) {
    amp_err(ASH_E_INVAL, "ash_mpi_ctx_comm: ctx is NULL");
    return -1;
  }
  switch (which) {
  case ASH_MPI_COMM_ALL:
    return (ash_mpi_fint)MPI_Comm_c2f(ctx->all);
  case ASH_MPI_COMM_NODE:
    return (ash_mpi_fint)MPI_Comm_c2f(ctx->node);
  case ASH_MPI_COMM_CROSS:
    return (ash_mpi_fint)MPI_Comm_c2f(ctx->cross);
  default:
    amp_err(ASH_E_INVAL,
            "ash_mpi_ctx_comm: which %d is not ASH_MPI_COMM_ALL (0), "
            "ASH_MPI_COMM_NODE (1) or ASH_MPI_COMM_CROSS (2)",
            which);
    return -1;
  }
}

ash_status ash_mpi_node_barrier(ash_mpi_ctx *ctx) {
  if (!amp_ctx_usable(ctx, "ash_mpi_node_barrier"))
    return ASH_E_INVAL;
  AMP_FENCE();
  int rc = MPI_Barrier(ctx->node);
  AMP_FENCE();
  if (rc != MPI_SUCCESS)
    return amp_mpi_err(rc, "ash_mpi_node_barrier", "MPI_Barrier");
  return ASH_OK;
}
