/* SPDX-License-Identifier: MIT */
/* mpitest.h - a tiny harness for C test programs run under mpiexec.
 *
 * Criterion forks a process per test, which an MPI rank must not do, so the
 * MPI tests are plain programs: every rank runs every test function in the
 * same order (the calls under test are collective), CHECK records a failure
 * with the rank and line, and mt_finish() sums the failures over the job and
 * makes every rank exit 1 when any rank failed.
 *
 * Segment names come from mt_name(): "tm<pid of rank 0>_<n>", equal on every
 * rank (the calls under test take the same name everywhere) and unique per
 * job; mt_finish() fails the job if anything named "ash.tm<pid>_*" is left in
 * /dev/shm, and removes it. */
#ifndef ASH_MPITEST_H
#define ASH_MPITEST_H

#include <mpi.h>

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arrayshare_mpi.h"

#define MT_UNUSED __attribute__((unused))

static int mt_rank, mt_size, mt_failures, mt_counter;
static long mt_pid0;

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      mt_failures++;                                                           \
      fprintf(stderr, "[rank %d] %s:%d: CHECK(%s) failed: ", mt_rank,          \
              __FILE__, __LINE__, #cond);                                      \
      fprintf(stderr, __VA_ARGS__);                                            \
      fputc('\n', stderr);                                                     \
    }                                                                          \
  } while (0)

/* expr returns an ash_status; expects ASH_OK. */
#define CHECK_OK(expr)                                                         \
  do {                                                                         \
    int mt_rc_ = (expr);                                                       \
    CHECK(mt_rc_ == ASH_OK, "%s returned %s: %s", #expr, ash_err_name(mt_rc_), \
          ash_mpi_last_error());                                               \
  } while (0)

/* expr returns an ash_status; expects code. */
#define CHECK_ERR(expr, code)                                                  \
  do {                                                                         \
    int mt_rc_ = (expr);                                                       \
    CHECK(mt_rc_ == (code), "%s returned %s, expected %s: %s", #expr,          \
          ash_err_name(mt_rc_), ash_err_name(code), ash_mpi_last_error());     \
  } while (0)

static MT_UNUSED void mt_init(int *argc, char ***argv) {
  MPI_Init(argc, argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &mt_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &mt_size);
  mt_pid0 = (long)getpid();
  MPI_Bcast(&mt_pid0, 1, MPI_LONG, 0, MPI_COMM_WORLD);
}

/* A fresh segment name, the same on every rank (buf: 64 bytes). */
static MT_UNUSED char *mt_name(char *buf) {
  snprintf(buf, 64, "tm%ld_%d", mt_pid0, ++mt_counter);
  return buf;
}

/* Announces a test (rank 0) and synchronises, so output stays readable. */
static MT_UNUSED void mt_begin(const char *test) {
  MPI_Barrier(MPI_COMM_WORLD);
  if (mt_rank == 0) {
    printf("-- %s\n", test);
    fflush(stdout);
  }
}

/* Counts and removes /dev/shm/ash.tm<pid0>_* (rank 0 only). */
static MT_UNUSED int mt_sweep(void) {
  char prefix[64];
  int n = 0;
  snprintf(prefix, sizeof prefix, ASH_SHM_PREFIX "tm%ld_", mt_pid0);
  DIR *d = opendir("/dev/shm");
  if (!d)
    return 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
      char p[600];
      snprintf(p, sizeof p, "/dev/shm/%s", e->d_name);
      fprintf(stderr, "left behind: %s\n", p);
      unlink(p);
      n++;
    }
  closedir(d);
  return n;
}

/* Ends the job: 0 on every rank when no rank failed and nothing was left. */
static MT_UNUSED int mt_finish(void) {
  MPI_Barrier(MPI_COMM_WORLD);
  if (mt_rank == 0) {
    int left = mt_sweep();
    CHECK(left == 0, "%d segments left in /dev/shm", left);
  }
  int total = 0;
  MPI_Allreduce(&mt_failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (mt_rank == 0)
    printf("%s: %d failed checks on %d ranks\n", total ? "FAIL" : "OK", total,
           mt_size);
  MPI_Finalize();
  return total ? 1 : 0;
}

/* Sets every element of v (flat C order) to f(i). */
static MT_UNUSED void mt_fill(const ash_view *v, double base, double step) {
  int64_t n = ash_view_size(v);
  for (int64_t i = 0; i < n; i++) {
    int rc = ash_view_set_f64(v, 1, &i, base + step * (double)i);
    CHECK(rc == ASH_OK, "set element %" PRId64 ": %s", i, ash_last_error());
  }
}

/* Number of elements of v that differ from base + step * i. */
static MT_UNUSED int64_t mt_mismatches(const ash_view *v, double base,
                                       double step) {
  int64_t n = ash_view_size(v), bad = 0;
  for (int64_t i = 0; i < n; i++) {
    double x = 0;
    if (ash_view_get_f64(v, 1, &i, &x) != ASH_OK ||
        x != base + step * (double)i)
      bad++;
  }
  return bad;
}

#endif
