/* SPDX-License-Identifier: MIT */
/* linkat-fallback.c - creation where the kernel refuses
 * linkat(AT_EMPTY_PATH) (before Linux 6.10, to a process without
 * CAP_DAC_READ_SEARCH: ENOENT): run with shim-linkat.so preloaded (CTest
 * c-linkat-fallback), it checks that the first creation falls back to
 * linking /proc/self/fd/N and publishes the segment, that later creations
 * go there directly (one refusal per process), and that a taken name is
 * still ASH_E_EXIST. A plain program: Criterion's runner would fork its
 * tests away from the counters. */
#define _GNU_SOURCE
#include <arrayshare.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "linkat-fallback: line %d: ", __LINE__);                 \
      fprintf(stderr, __VA_ARGS__);                                            \
      fprintf(stderr, " (%s)\n", ash_last_error());                            \
      failures++;                                                              \
    }                                                                          \
  } while (0)

int main(void) {
  int *refused = (int *)dlsym(RTLD_DEFAULT, "ash_shim_refused");
  int *passed = (int *)dlsym(RTLD_DEFAULT, "ash_shim_passed");
  if (refused == NULL || passed == NULL) {
    fprintf(stderr, "linkat-fallback: run it with shim-linkat.so in "
                    "LD_PRELOAD\n");
    return 1;
  }
  char a[64], b[64];
  snprintf(a, sizeof a, "tclinkfb-%d-a", (int)getpid());
  snprintf(b, sizeof b, "tclinkfb-%d-b", (int)getpid());
  int64_t shape[1] = {4};
  ash_view *va = NULL, *vb = NULL, *w = NULL, *x = NULL;

  int r = ash_create(a, ASH_FLOAT64, 1, shape, ASH_PERSIST, 0600, &va);
  CHECK(r == ASH_OK, "create %s: %s", a, ash_strerror(r));
  CHECK(*refused == 1 && *passed == 1,
        "first create: %d refused, %d through /proc (want 1, 1)", *refused,
        *passed);
  r = ash_attach(a, 0, &w);
  CHECK(r == ASH_OK, "attach %s by name: %s", a, ash_strerror(r));
  double got = 0;
  if (r == ASH_OK && va != NULL) {
    int64_t i = 3;
    CHECK(ash_view_set_f64(va, 1, &i, 2.5) == ASH_OK, "set");
    CHECK(ash_view_get_f64(w, 1, &i, &got) == ASH_OK && got == 2.5,
          "the name gives the created segment (read %g)", got);
  }

  r = ash_create(b, ASH_FLOAT64, 1, shape, ASH_PERSIST, 0600, &vb);
  CHECK(r == ASH_OK, "create %s: %s", b, ash_strerror(r));
  CHECK(*refused == 1 && *passed == 2,
        "second create: %d refused, %d through /proc (want 1, 2)", *refused,
        *passed);

  r = ash_create(a, ASH_FLOAT64, 1, shape, ASH_PERSIST, 0600, &x);
  CHECK(r == ASH_E_EXIST, "create of a taken name: %s (want EXIST)",
        ash_strerror(r));
  ash_view_release(x);

  ash_view_release(w);
  ash_view_release(va);
  ash_view_release(vb);
  CHECK(ash_unlink(a, 0) == ASH_OK, "unlink %s", a);
  CHECK(ash_unlink(b, 0) == ASH_OK, "unlink %s", b);
  if (failures == 0)
    printf("linkat-fallback: ok (%d refusal, %d links through /proc)\n",
           *refused, *passed);
  return failures ? 1 : 0;
}
