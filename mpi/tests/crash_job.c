/* SPDX-License-Identifier: MIT */
/* crash_job.c - a job in which one rank dies (SIGKILL) in the middle of a
 * collective call, for crash.sh: the node-shared copies it leaves must be
 * reaped by `arrayshare gc`.
 *
 * usage: crash_job NAME VICTIM_RANK   (under mpiexec, simulated nodes from
 * ASH_MPI_SIMULATE_NODES) */
#include <mpi.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "arrayshare_mpi.h"

static void *killer(void *arg) {
  (void)arg;
  usleep(200 * 1000); /* the job is replicating by then */
  raise(SIGKILL);
  return NULL;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  if (argc != 3) {
    fprintf(stderr, "usage: crash_job NAME VICTIM_RANK\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  int rank, victim = atoi(argv[2]);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  ash_mpi_ctx *ctx = NULL;
  ash_view *v = NULL;
  int64_t shape[1] = {1 << 20}; /* 8 MiB: a replication takes a while */
  if (ash_mpi_ctx_create(MPI_Comm_c2f(MPI_COMM_WORLD), 0, &ctx) ||
      ash_mpi_open(ctx, argv[1], ASH_FLOAT64, 1, shape, 0, 0600, &v)) {
    fprintf(stderr, "rank %d: %s\n", rank, ash_mpi_last_error());
    MPI_Abort(MPI_COMM_WORLD, 3);
  }
  printf("rank %d: %s open\n", rank, ash_view_segment_name(v));
  fflush(stdout);
  pthread_t t;
  if (rank == victim)
    pthread_create(&t, NULL, killer, NULL);
  /* Until the victim dies: collectives, one of which it never finishes. */
  for (int i = 0; i < 100000; i++)
    if (ash_mpi_replicate(ctx, v, i % ash_mpi_node_count(ctx)) != ASH_OK) {
      fprintf(stderr, "rank %d: %s\n", rank, ash_mpi_last_error());
      break;
    }
  fprintf(stderr, "rank %d: the victim did not die\n", rank);
  MPI_Abort(MPI_COMM_WORLD, 4);
  return 4;
}
