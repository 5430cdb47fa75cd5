/* SPDX-License-Identifier: MIT */
/* The C side of the kernel scenario (scenario.py): attaches every array by
 * name and checks every value: y == 1 + 2x (and y2 the same), c == a b (and
 * c2 the same); "-" skips y2 / c2.
 * usage: ash-kernel-check X Y Y2 A B C C2 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "arrayshare.h"

static const double *data(ash_view *v) { return ash_view_data(v); }

static int attach(const char *name, ash_view **v) {
  if (strcmp(name, "-") == 0) {
    *v = NULL;
    return 0;
  }
  if (ash_attach(name, ASH_RDONLY, v) != ASH_OK) {
    fprintf(stderr, "check: %s: %s\n", name, ash_last_error());
    return 1;
  }
  if (!(ash_view_flags(*v) & ASH_VIEW_C_CONTIGUOUS) ||
      ash_view_dtype(*v) != ASH_FLOAT64) {
    fprintf(stderr, "check: %s is not a contiguous float64 array\n", name);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  ash_view *v[7] = {0};
  int bad = 0;
  long checked = 0;
  if (argc != 8) {
    fprintf(stderr, "usage: %s X Y Y2 A B C C2\n", argv[0]);
    return 2;
  }
  for (int i = 0; i < 7; i++)
    if (attach(argv[i + 1], &v[i]))
      return 1;
  int64_t n = ash_view_size(v[0]);
  for (int w = 1; w <= 2; w++) /* y, y2 */
    for (int64_t i = 0; v[w] && i < n; i++, checked++)
      bad += data(v[w])[i] != 1.0 + 2.0 * data(v[0])[i];
  int64_t m = ash_view_dim(v[3], 0), k = ash_view_dim(v[3], 1);
  int64_t p = ash_view_dim(v[4], 1);
  for (int w = 5; w <= 6; w++) /* c, c2 */
    for (int64_t i = 0; v[w] && i < m; i++)
      for (int64_t j = 0; j < p; j++, checked++) {
        double s = 0;
        for (int64_t l = 0; l < k; l++)
          s += data(v[3])[i * k + l] * data(v[4])[l * p + j];
        bad += data(v[w])[i * p + j] != s;
      }
  printf("c %d: checked %ld values: %s\n", (int)getpid(), checked,
         bad ? "WRONG VALUES" : "all correct");
  for (int i = 0; i < 7; i++)
    ash_view_release(v[i]);
  return bad ? 1 : 0;
}
