/* SPDX-License-Identifier: MIT */
/* xlang_job.c - the MPI side of the cross-language check (xlang.sh).
 *
 * usage: xlang_job NAME DIR   (under mpiexec, 2 simulated nodes)
 * Node 0 fills a node-shared int64 array of 1000 elements with 0..999 and
 * replicates it to node 1. Node 1's rank 0 then writes DIR/ready holding the
 * name of its node's segment and waits (at most 60 s) for DIR/done: a Lua
 * process outside the job attaches that copy by name, checks the replicated
 * values and writes 4242 into element 0. Afterwards node 1's ranks must see
 * 4242 and node 0's copy must be untouched. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "mpitest.h"

static int wait_for(const char *path, int seconds) {
  struct timespec ts = {0, 20 * 1000 * 1000};
  for (int i = 0; i < seconds * 50; i++) {
    if (access(path, F_OK) == 0)
      return 1;
    nanosleep(&ts, NULL);
  }
  return 0;
}

int main(int argc, char **argv) {
  mt_init(&argc, &argv);
  if (argc != 3) {
    fprintf(stderr, "usage: xlang_job NAME DIR\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  char ready[512], done[512];
  snprintf(ready, sizeof ready, "%s/ready", argv[2]);
  snprintf(done, sizeof done, "%s/done", argv[2]);
  ash_mpi_ctx *ctx = NULL;
  ash_view *v = NULL;
  int64_t shape[1] = {1000};
  CHECK_OK(ash_mpi_ctx_create(MPI_Comm_c2f(MPI_COMM_WORLD), 2, &ctx));
  if (ctx)
    CHECK_OK(ash_mpi_open(ctx, argv[1], ASH_INT64, 1, shape, 0, 0600, &v));
  if (!v) {
    fprintf(stderr, "rank %d: %s\n", mt_rank, ash_mpi_last_error());
    MPI_Abort(MPI_COMM_WORLD, 3);
  }
  int node = ash_mpi_node(ctx), lead = ash_mpi_node_rank(ctx) == 0;
  if (node == 0 && lead)
    mt_fill(v, 0, 1);
  CHECK_OK(ash_mpi_replicate(ctx, v, 0));
  int got = 1;
  if (node == 1 && lead) {
    FILE *f = fopen(ready, "w");
    CHECK(f != NULL, "cannot write %s", ready);
    if (f) {
      fprintf(f, "%s\n", ash_view_segment_name(v));
      fclose(f);
    }
    got = wait_for(done, 60);
    CHECK(got, "no %s after 60 s: the Lua process did not finish", done);
  }
  MPI_Bcast(&got, 1, MPI_INT, ash_mpi_size(ctx) - 1, MPI_COMM_WORLD);
  CHECK_OK(ash_mpi_node_barrier(ctx));
  int64_t i = 0, x = -1;
  CHECK_OK(ash_view_get_i64(v, 1, &i, &x));
  if (got)
    CHECK(x == (node == 1 ? 4242 : 0), "node %d: element 0 is %" PRId64, node,
          x);
  CHECK(mt_mismatches(v, 0, 1) == 1 - (node == 0 || !got), "rest of node %d",
        node);
  ash_view_release(v);
  ash_mpi_ctx_free(ctx);
  return mt_finish();
}
