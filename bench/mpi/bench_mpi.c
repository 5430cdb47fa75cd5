/* SPDX-License-Identifier: MIT */
/* bench_mpi.c - libarrayshare-mpi against plain MPI, in the same run.
 *
 *   mpiexec -n N bench_mpi memory    [MiB] [reps]
 *       N ranks on one node share an array of S bytes: the sum over the
 *       ranks of the growth of their proportional set size (Pss, from
 *       /proc/self/smaps_rollup) after every rank has touched every page;
 *       arrayshare (one node-shared copy) against plain MPI (each rank its
 *       own malloc'd copy, filled by MPI_Bcast) and MPI-3's shared window
 *       (MPI_Win_allocate_shared), for context.
 *   mpiexec -n 2 bench_mpi replicate [MiB] [reps]
 *       2 simulated nodes: ash_mpi_replicate of a node-shared array of S
 *       bytes from node 0 to node 1, against MPI_Bcast of the same bytes
 *       between the same ranks (private buffers); bandwidth = S / time.
 *   mpiexec -n N bench_mpi open      [KiB,...] [reps]
 *       one node: ash_mpi_open of an array of S bytes against
 *       MPI_Win_allocate_shared + MPI_Win_shared_query of S bytes; also
 *       "open + first write" (the node's rank 0 writes every page), since
 *       arrayshare reserves the pages at creation (posix_fallocate) and MPI
 *       pays for them on first touch.
 *
 * Times are medians over reps, each the slowest rank's time between two
 * barriers. Prints one line per measurement and, with --json FILE as the
 * last arguments, writes them as JSON too. */
#include <mpi.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arrayshare_mpi.h"

static int rank, size;
static long pid0;
static int counter;
static FILE *json;
static int json_first = 1;

static void die(const char *what) {
  fprintf(stderr, "rank %d: %s: %s\n", rank, what, ash_mpi_last_error());
  MPI_Abort(MPI_COMM_WORLD, 1);
}

static char *bench_name(char *buf, size_t n) {
  snprintf(buf, n, "bm%ld_%d", pid0, ++counter);
  return buf;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The slowest rank's time of a step that started at t0. */
static double slowest(double t0) {
  double dt = MPI_Wtime() - t0, max = 0;
  MPI_Allreduce(&dt, &max, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return max;
}

static void report(const char *bench, const char *what, double bytes,
                   double value, const char *unit) {
  if (rank != 0)
    return;
  printf("%-10s %-44s %12.0f B  %12.4f %s\n", bench, what, bytes, value, unit);
  fflush(stdout);
  if (json) {
    fprintf(json,
            "%s\n  {\"bench\": \"%s\", \"what\": \"%s\", \"bytes\": %.0f, "
            "\"value\": %.6g, \"unit\": \"%s\", \"ranks\": %d}",
            json_first ? "" : ",", bench, what, bytes, value, unit, size);
    json_first = 0;
  }
}

/* ---- memory ------------------------------------------------------------ */

/* This process's proportional set size in bytes. */
static double pss_bytes(void) {
  FILE *f = fopen("/proc/self/smaps_rollup", "r");
  char line[256];
  double kb = -1;
  if (!f)
    return -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "Pss: %lf kB", &kb) == 1)
      break;
  fclose(f);
  return kb * 1024;
}

/* Reads one byte per page (keeps the compiler from skipping it). */
static volatile unsigned char sink;
static void touch_read(const unsigned char *p, size_t n) {
  unsigned char acc = 0;
  for (size_t i = 0; i < n; i += 4096)
    acc ^= p[i];
  sink = acc;
}

/* Sum over the ranks of this rank's Pss growth since @before, once every
 * rank has touched the pages (a shared page counts 1/mappers in each). */
static double pss_sum(double before) {
  MPI_Barrier(MPI_COMM_WORLD);
  double d = pss_bytes() - before, sum = 0;
  MPI_Allreduce(&d, &sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  return sum;
}

static void bench_memory(size_t bytes, int reps) {
  ash_mpi_ctx *ctx = NULL;
  if (ash_mpi_ctx_create(MPI_Comm_c2f(MPI_COMM_WORLD), 0, &ctx))
    die("ctx");
  if (ash_mpi_node_count(ctx) != 1 && rank == 0)
    fprintf(stderr, "memory: %d nodes; run the ranks on one host\n",
            ash_mpi_node_count(ctx));
  double *ash = calloc((size_t)reps, sizeof *ash);
  double *plain = calloc((size_t)reps, sizeof *plain);
  double *win = calloc((size_t)reps, sizeof *win);
  for (int r = 0; r < reps; r++) {
    char name[64];
    int64_t shape[1] = {(int64_t)bytes};
    ash_view *v = NULL;

    /* arrayshare: one copy on the node. */
    MPI_Barrier(MPI_COMM_WORLD);
    double before = pss_bytes();
    if (ash_mpi_open(ctx, bench_name(name, sizeof name), ASH_UINT8, 1, shape, 0,
                     0600, &v))
      die("open");
    unsigned char *p = ash_view_data(v);
    if (ash_mpi_node_rank(ctx) == 0)
      memset(p, 1, bytes);
    ash_mpi_node_barrier(ctx);
    touch_read(p, bytes);
    ash[r] = pss_sum(before);
    ash_view_release(v);

    /* plain MPI: one copy per rank. */
    MPI_Barrier(MPI_COMM_WORLD);
    before = pss_bytes();
    unsigned char *q = malloc(bytes);
    if (!q)
      die("malloc");
    if (rank == 0)
      memset(q, 1, bytes);
    for (size_t off = 0; off < bytes; off += 1u << 30) {
      size_t n = bytes - off < (1u << 30) ? bytes - off : (1u << 30);
      MPI_Bcast(q + off, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD);
    }
    touch_read(q, bytes);
    plain[r] = pss_sum(before);
    free(q);

    /* MPI-3 shared window: one copy too, but only inside the job. */
    MPI_Barrier(MPI_COMM_WORLD);
    before = pss_bytes();
    MPI_Comm node = MPI_Comm_f2c(ash_mpi_ctx_comm(ctx, ASH_MPI_COMM_NODE));
    MPI_Win w;
    unsigned char *base = NULL;
    MPI_Aint sz = 0;
    int disp = 0;
    MPI_Win_allocate_shared(ash_mpi_node_rank(ctx) == 0 ? (MPI_Aint)bytes : 0,
                            1, MPI_INFO_NULL, node, &base, &w);
    MPI_Win_shared_query(w, 0, &sz, &disp, &base);
    if (ash_mpi_node_rank(ctx) == 0)
      memset(base, 1, bytes);
    MPI_Barrier(node);
    touch_read(base, bytes);
    win[r] = pss_sum(before);
    MPI_Win_free(&w);
  }
  double m_ash = median(ash, reps), m_plain = median(plain, reps),
         m_win = median(win, reps);
  report("memory", "arrayshare node-shared array: sum of Pss", bytes,
         m_ash / bytes, "x S");
  report("memory", "plain MPI (copy per rank): sum of Pss", bytes,
         m_plain / bytes, "x S");
  report("memory", "MPI_Win_allocate_shared: sum of Pss", bytes, m_win / bytes,
         "x S");
  report("memory", "arrayshare / plain MPI", bytes, m_ash / m_plain, "ratio");
  free(ash);
  free(plain);
  free(win);
  ash_mpi_ctx_free(ctx);
}

/* ---- replication ------------------------------------------------------- */

static void bench_replicate(size_t bytes, int reps) {
  ash_mpi_ctx *ctx = NULL;
  if (ash_mpi_ctx_create(MPI_Comm_c2f(MPI_COMM_WORLD), 2, &ctx))
    die("ctx");
  char name[64];
  int64_t shape[1] = {(int64_t)bytes};
  ash_view *v = NULL;
  if (ash_mpi_open(ctx, bench_name(name, sizeof name), ASH_UINT8, 1, shape, 0,
                   0600, &v))
    die("open");
  if (ash_mpi_node_rank(ctx) == 0)
    memset(ash_view_data(v), ash_mpi_node(ctx) + 1, bytes);
  unsigned char *q = malloc(bytes);
  if (!q)
    die("malloc");
  memset(q, rank, bytes);
  double *ta = calloc((size_t)reps, sizeof *ta);
  double *tb = calloc((size_t)reps, sizeof *tb);
  double *tc = calloc((size_t)reps, sizeof *tc);
  if (bytes >= (size_t)1 << 31)
    die("size must stay below 2 GiB");
  /* Warm-up: both paths once. */
  ash_mpi_replicate(ctx, v, 0);
  MPI_Bcast(q, (int)bytes, MPI_BYTE, 0, MPI_COMM_WORLD);
  for (int r = 0; r < reps; r++) {
    /* Alternate, so that drifts of the machine hit both alike. */
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    if (ash_mpi_replicate(ctx, v, 0))
      die("replicate");
    ta[r] = slowest(t0);
    MPI_Barrier(MPI_COMM_WORLD);
    t0 = MPI_Wtime();
    MPI_Bcast(q, (int)bytes, MPI_BYTE, 0, MPI_COMM_WORLD);
    tb[r] = slowest(t0);
    /* The same MPI_Bcast on the segments' memory: what the memory costs,
     * apart from the library. */
    MPI_Barrier(MPI_COMM_WORLD);
    t0 = MPI_Wtime();
    MPI_Bcast(ash_view_data(v), (int)bytes, MPI_BYTE, 0, MPI_COMM_WORLD);
    tc[r] = slowest(t0);
  }
  const unsigned char *p = ash_view_data(v);
  if (p[0] != 1 || p[bytes - 1] != 1 || q[bytes - 1] != 0)
    die("wrong data after replication");
  double ma = median(ta, reps), mb = median(tb, reps), mc = median(tc, reps);
  double gib = 1024.0 * 1024 * 1024;
  report("replicate", "ash_mpi_replicate, 2 nodes: bandwidth", bytes,
         bytes / ma / gib, "GiB/s");
  report("replicate", "MPI_Bcast, same ranks: bandwidth", bytes,
         bytes / mb / gib, "GiB/s");
  report("replicate", "MPI_Bcast on the segments' memory: bandwidth", bytes,
         bytes / mc / gib, "GiB/s");
  report("replicate", "replicate / MPI_Bcast bandwidth", bytes, mb / ma,
         "ratio");
  free(tc);
  free(ta);
  free(tb);
  free(q);
  ash_view_release(v);
  ash_mpi_ctx_free(ctx);
}

/* ---- open -------------------------------------------------------------- */

static void bench_open_size(ash_mpi_ctx *ctx, size_t bytes, int reps) {
  MPI_Comm node = MPI_Comm_f2c(ash_mpi_ctx_comm(ctx, ASH_MPI_COMM_NODE));
  int lead = ash_mpi_node_rank(ctx) == 0;
  double *ta = calloc((size_t)reps, sizeof *ta);
  double *tw = calloc((size_t)reps, sizeof *tw);
  double *ta2 = calloc((size_t)reps, sizeof *ta2);
  double *tw2 = calloc((size_t)reps, sizeof *tw2);
  int64_t shape[1] = {(int64_t)bytes};
  for (int r = 0; r < reps; r++) {
    char name[64];
    ash_view *v = NULL;
    bench_name(name, sizeof name);
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    if (ash_mpi_open(ctx, name, ASH_UINT8, 1, shape, 0, 0600, &v))
      die("open");
    ta[r] = slowest(t0);
    t0 = MPI_Wtime();
    if (lead)
      memset(ash_view_data(v), 1, bytes);
    ta2[r] = ta[r] + slowest(t0);
    ash_view_release(v);

    MPI_Win w;
    unsigned char *base = NULL;
    MPI_Aint sz = 0;
    int disp = 0;
    MPI_Barrier(MPI_COMM_WORLD);
    t0 = MPI_Wtime();
    MPI_Win_allocate_shared(lead ? (MPI_Aint)bytes : 0, 1, MPI_INFO_NULL, node,
                            &base, &w);
    MPI_Win_shared_query(w, 0, &sz, &disp, &base);
    tw[r] = slowest(t0);
    t0 = MPI_Wtime();
    if (lead)
      memset(base, 1, bytes);
    tw2[r] = tw[r] + slowest(t0);
    MPI_Win_free(&w);
  }
  double ma = median(ta, reps), mw = median(tw, reps);
  double ma2 = median(ta2, reps), mw2 = median(tw2, reps);
  report("open", "ash_mpi_open", bytes, ma * 1e6, "us");
  report("open", "MPI_Win_allocate_shared + shared_query", bytes, mw * 1e6,
         "us");
  report("open", "open / allocate_shared", bytes, ma / mw, "ratio");
  report("open", "ash_mpi_open + first write", bytes, ma2 * 1e6, "us");
  report("open", "allocate_shared + first write", bytes, mw2 * 1e6, "us");
  report("open", "open + first write / allocate + first write", bytes,
         ma2 / mw2, "ratio");
  free(ta);
  free(tw);
  free(ta2);
  free(tw2);
}

static void bench_open(const char *kib_list, int reps) {
  ash_mpi_ctx *ctx = NULL;
  if (ash_mpi_ctx_create(MPI_Comm_c2f(MPI_COMM_WORLD), 1, &ctx))
    die("ctx");
  char *list = strdup(kib_list), *save = NULL;
  for (char *tok = strtok_r(list, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save))
    bench_open_size(ctx, (size_t)strtoull(tok, NULL, 10) * 1024, reps);
  free(list);
  ash_mpi_ctx_free(ctx);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  pid0 = (long)getpid();
  MPI_Bcast(&pid0, 1, MPI_LONG, 0, MPI_COMM_WORLD);
  if (argc >= 3 && strcmp(argv[argc - 2], "--json") == 0) {
    if (rank == 0) {
      json = fopen(argv[argc - 1], "w");
      if (json)
        fprintf(json, "[");
    }
    argc -= 2;
  }
  const char *mode = argc > 1 ? argv[1] : "";
  int reps = argc > 3 ? atoi(argv[3]) : 0;
  if (strcmp(mode, "memory") == 0) {
    bench_memory((size_t)(argc > 2 ? atof(argv[2]) : 128) * 1024 * 1024,
                 reps > 0 ? reps : 3);
  } else if (strcmp(mode, "replicate") == 0) {
    if (size != 2 && rank == 0)
      fprintf(stderr, "replicate: meant for 2 ranks (one per node)\n");
    bench_replicate((size_t)(argc > 2 ? atof(argv[2]) : 256) * 1024 * 1024,
                    reps > 0 ? reps : 9);
  } else if (strcmp(mode, "open") == 0) {
    bench_open(argc > 2 ? argv[2] : "4,1024,65536", reps > 0 ? reps : 11);
  } else {
    if (rank == 0)
      fprintf(stderr, "usage: bench_mpi memory|replicate|open [size] [reps] "
                      "[--json FILE]\n");
    MPI_Finalize();
    return 2;
  }
  if (json) {
    fprintf(json, "\n]\n");
    fclose(json);
  }
  MPI_Finalize();
  return 0;
}
