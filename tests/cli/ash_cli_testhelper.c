/* SPDX-License-Identifier: MIT */
/*
 * ash-cli-testhelper - sets up segments for tests/cli/test_cli.sh.
 *
 *   create-persist NAME    persist segment, float64 (3, 4) holding 0..11
 *   hold-auto NAME         auto segment, float64 (3,); prints "ready" and
 *                          sleeps until killed (the test kills it with -9)
 *   set TARGET V...        attaches to TARGET (name or descriptor) and
 *                          writes V... at flat indices 0, 1, ...; a value is
 *                          "RE" or "RE:IM" (complex), nan/inf allowed
 *   arange TARGET          writes 0, 1, 2, ... (bool: 0, 1, 0, ...)
 *
 * Exit status: 0, 1 on a library error (message on stderr), 2 on usage.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arrayshare.h"

static int fail(const char *what, int st) {
  fprintf(stderr, "ash-cli-testhelper: %s: %s (%s)\n", what, ash_last_error(),
          ash_err_name(st));
  return 1;
}

static int set_one(ash_view *v, int64_t i, const char *s) {
  int dt = ash_view_dtype(v);
  const char *colon = strchr(s, ':');
  switch (dt) {
  case ASH_BOOL:
  case ASH_INT8:
  case ASH_INT16:
  case ASH_INT32:
  case ASH_INT64: return ash_view_set_i64(v, 1, &i, strtoll(s, NULL, 10));
  case ASH_UINT8:
  case ASH_UINT16:
  case ASH_UINT32:
  case ASH_UINT64: return ash_view_set_u64(v, 1, &i, strtoull(s, NULL, 10));
  case ASH_FLOAT16:
  case ASH_FLOAT32:
  case ASH_FLOAT64: return ash_view_set_f64(v, 1, &i, strtod(s, NULL));
  default:
    return ash_view_set_c128(v, 1, &i, strtod(s, NULL),
                             colon ? strtod(colon + 1, NULL) : 0.0);
  }
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fputs("usage: ash-cli-testhelper create-persist|hold-auto NAME\n"
          "       ash-cli-testhelper set TARGET V...\n"
          "       ash-cli-testhelper arange TARGET\n"
          "       ash-cli-testhelper kill-holding TARGET | ring-persist NAME\n",
          stderr);
    return 2;
  }
  const char *cmd = argv[1], *name = argv[2];
  ash_view *v = NULL;
  int st;
  if (strcmp(cmd, "create-persist") == 0) {
    int64_t shape[2] = {3, 4};
    double vals[12];
    for (int i = 0; i < 12; i++) vals[i] = i;
    st = ash_create(name, ASH_FLOAT64, 2, shape, ASH_PERSIST, 0600, &v);
    if (st) return fail("create", st);
    st = ash_view_write(v, vals, sizeof vals);
    ash_view_release(v);
    return st ? fail("write", st) : 0;
  }
  if (strcmp(cmd, "hold-auto") == 0) {
    int64_t shape[1] = {3};
    st = ash_create(name, ASH_FLOAT64, 1, shape, 0, 0600, &v);
    if (st) return fail("create", st);
    printf("ready\n");
    fflush(stdout);
    for (;;) pause();
  }
  if (strcmp(cmd, "kill-holding") == 0) { /* locks TARGET, then dies */
    st = ash_attach(name, 0, &v);
    if (st == ASH_OK)
      st = ash_view_lock(v, 5);
    if (st) return fail("lock", st);
    fflush(NULL);
    kill(getpid(), SIGKILL);
  }
  if (strcmp(cmd, "ring-persist") == 0) { /* a ring with one slot written */
    int64_t slot[1] = {2};
    uint64_t arena = 0;
    int32_t data[2] = {7, 8};
    ash_segment *seg = NULL;
    ash_ring *r = NULL;
    st = ash_ring_arena_bytes(ASH_INT32, 1, slot, 4, &arena);
    if (st == ASH_OK)
      st = ash_segment_create(name, arena, 1, ASH_PERSIST, 0600, &seg);
    if (st == ASH_OK)
      st = ash_ring_create(seg, "frames", ASH_INT32, 1, slot, 4, 0, &r);
    if (st == ASH_OK)
      st = ash_ring_write(r, data, sizeof data, 1);
    ash_ring_close(r);
    ash_segment_close(seg);
    return st ? fail("ring", st) : 0;
  }
  if (strcmp(cmd, "set") == 0 || strcmp(cmd, "arange") == 0) {
    st = ash_attach(name, 0, &v);
    if (st) return fail("attach", st);
    int64_t n = ash_view_size(v);
    if (strcmp(cmd, "set") == 0 && argc - 3 != n) {
      fprintf(stderr, "ash-cli-testhelper: %s has %" PRId64
                      " elements, %d values given\n", name, n, argc - 3);
      ash_view_release(v);
      return 2;
    }
    for (int64_t i = 0; i < n; i++) {
      char buf[32];
      const char *s = buf;
      if (argc > 3)
        s = argv[3 + i];
      else
        snprintf(buf, sizeof buf, "%" PRId64,
                 ash_view_dtype(v) == ASH_BOOL ? i % 2 : i);
      st = set_one(v, i, s);
      if (st) {
        ash_view_release(v);
        return fail("set", st);
      }
    }
    ash_view_release(v);
    return 0;
  }
  fprintf(stderr, "ash-cli-testhelper: unknown command %s\n", cmd);
  return 2;
}
