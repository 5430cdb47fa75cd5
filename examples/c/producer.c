/* SPDX-License-Identifier: MIT */
/* Creates NAME as a float64 (3, 4) array that outlives this process
 * (policy persist), writes i * 0.5 into element i, and exits. */
#include <arrayshare.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *name = argc > 1 ? argv[1] : "x";
  int64_t shape[2] = {3, 4};
  ash_view *v;
  int rc = ash_create(name, ASH_FLOAT64, 2, shape, ASH_PERSIST, 0600, &v);
  if (rc != ASH_OK) {
    fprintf(stderr, "producer: %s: %s\n", ash_strerror(rc), ash_last_error());
    return 1;
  }
  for (int64_t i = 0; i < ash_view_size(v); i++)
    ash_view_set_f64(v, 1, &i, (double)i * 0.5);
  printf("producer (pid %lld): created %s, float64 (3, 4), policy persist\n",
         (long long)getpid(),
         ash_view_descriptor(v));
  ash_view_release(v);
  return 0;
}
