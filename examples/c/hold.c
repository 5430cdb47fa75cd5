/* SPDX-License-Identifier: MIT */
/* Creates NAME (float64 (3, 4), policy auto), says "ready", and holds it
 * until its standard input closes or it is killed. With policy auto the
 * segment goes away when this process closes it, or, if it is killed, at
 * the next `arrayshare gc`. */
#include <arrayshare.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *name = argc > 1 ? argv[1] : "held";
  int64_t shape[2] = {3, 4};
  ash_view *v;
  int rc = ash_create(name, ASH_FLOAT64, 2, shape, 0, 0600, &v);
  if (rc != ASH_OK) {
    fprintf(stderr, "hold: %s\n", ash_last_error());
    return 1;
  }
  ash_view_fill_f64(v, 1.5);
  printf("ready\n");
  fflush(stdout);
  char buf[64];
  while (read(0, buf, sizeof buf) > 0)
    ;
  ash_view_release(v);
  return 0;
}
