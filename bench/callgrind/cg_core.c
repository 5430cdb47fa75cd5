/* SPDX-License-Identifier: MIT */
/* cg_core.c - operations whose instruction counts bench/callgrind/run.py
 * measures under callgrind (no timing: counts do not depend on the load of
 * the machine). Usage: ash-cg-core OPERATION N
 *
 * Each operation runs N times after a warm-up round; run.py runs it with
 * two values of N and takes the difference, so start-up, the warm-up and
 * the lazy binding of symbols cancel out: what is left is the cost of one
 * operation, in user-space instructions (system calls count as the
 * instructions that make them, not as the kernel's work).
 *
 *   elem-get-set      ash_view_get_f64 + ash_view_set_f64 at (i, j) of a
 *                     2-d float64 view
 *   elem-anchor       the same read and write through a checked pointer
 *                     access (a function, not inlined, that checks both
 *                     indices against the shape and returns the address)
 *   attach-cold       ash_attach(name) + ash_view_release + ash_cache_clear
 *   seg-view-cold     ash_segment_open + ash_segment_view + ash_view_release
 *                     + ash_segment_close + ash_cache_clear
 *   reopen            ash_attach + ash_view_release, the mapping kept
 *   attach-desc-gen   ash_attach of a descriptor with gen= while the
 *                     process holds the segment (what unpickling costs in
 *                     a Pool worker) + ash_view_release
 *   create-small      ash_create of 8 KiB + ash_view_release + ash_unlink
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../bench_util.h"
#include "arrayshare.h"

typedef struct {
  double *data;
  int64_t shape[2], strides[2];
} raw2d;

/* The anchor: a checked pointer access as C code writes one, a function
 * (not inlined, not specialised) that checks both indices against the
 * shape and returns the element's address. */
__attribute__((noipa)) static double *raw_at(const raw2d *a, int64_t i,
                                             int64_t j) {
  if ((uint64_t)i >= (uint64_t)a->shape[0] ||
      (uint64_t)j >= (uint64_t)a->shape[1])
    return NULL;
  return (double *)(void *)((char *)a->data + i * a->strides[0] +
                            j * a->strides[1]);
}

static char g_name[64];

static void cleanup(void) { (void)ash_unlink(g_name, 0); }

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s OPERATION N\n", argv[0]);
    return 2;
  }
  const char *op = argv[1];
  long n = atol(argv[2]);
  snprintf(g_name, sizeof g_name, "ashcg-%ld", (long)getpid());
  atexit(cleanup);
  int64_t shape[2] = {64, 64};
  ash_view *v = NULL;
  if (strcmp(op, "create-small") != 0)
    CHECK_ASH(ash_create(g_name, ASH_FLOAT64, 2, shape, ASH_PERSIST, 0600, &v));
  volatile double sink = 0;
  if (!strcmp(op, "elem-get-set")) {
    for (long k = 0; k <= n; k++) {
      int64_t ij[2] = {k & 63, (k >> 6) & 63};
      double x;
      CHECK_ASH(ash_view_get_f64(v, 2, ij, &x));
      CHECK_ASH(ash_view_set_f64(v, 2, ij, x + 1));
    }
  } else if (!strcmp(op, "elem-anchor")) {
    raw2d a = {ash_view_data(v), {64, 64}, {512, 8}};
    for (long k = 0; k <= n; k++) {
      int64_t i = k & 63, j = (k >> 6) & 63;
      double *p = raw_at(&a, i, j);
      if (p == NULL)
        die("index");
      double x = *p;
      p = raw_at(&a, i, j);
      if (p == NULL)
        die("index");
      *p = x + 1;
    }
  } else if (!strcmp(op, "attach-cold") || !strcmp(op, "reopen")) {
    bool cold = op[0] == 'a';
    ash_view_release(v);
    ash_cache_clear();
    for (long k = 0; k <= n; k++) {
      ash_view *w;
      CHECK_ASH(ash_attach(g_name, 0, &w));
      ash_view_release(w);
      if (cold)
        ash_cache_clear();
    }
    v = NULL;
  } else if (!strcmp(op, "seg-view-cold")) {
    ash_view_release(v);
    ash_cache_clear();
    for (long k = 0; k <= n; k++) {
      ash_segment *s;
      ash_view *w;
      CHECK_ASH(ash_segment_open(g_name, 0, &s));
      CHECK_ASH(ash_segment_view(s, NULL, &w));
      ash_view_release(w);
      ash_segment_close(s);
      ash_cache_clear();
    }
    v = NULL;
  } else if (!strcmp(op, "attach-desc-gen")) {
    char desc[256];
    snprintf(desc, sizeof desc, "%s", ash_view_descriptor_ex(v, ASH_DESC_GEN));
    for (long k = 0; k <= n; k++) {
      ash_view *w;
      CHECK_ASH(ash_attach(desc, 0, &w));
      ash_view_release(w);
    }
  } else if (!strcmp(op, "create-small")) {
    int64_t s1[1] = {1024};
    for (long k = 0; k <= n; k++) {
      ash_view *w;
      CHECK_ASH(ash_create(g_name, ASH_FLOAT64, 1, s1, ASH_PERSIST, 0600, &w));
      ash_view_release(w);
      CHECK_ASH(ash_unlink(g_name, 0));
    }
  } else {
    fprintf(stderr, "unknown operation %s\n", op);
    return 2;
  }
  (void)sink;
  ash_view_release(v);
  return 0;
}
