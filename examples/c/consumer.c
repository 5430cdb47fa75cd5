/* SPDX-License-Identifier: MIT */
/* Attaches NAME by name alone (dtype and shape come from the segment),
 * prints what it finds, then doubles every element of row 1 through a
 * slice view. */
#include <arrayshare.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *name = argc > 1 ? argv[1] : "x";
  ash_view *v, *row;
  int rc = ash_attach(name, 0, &v);
  if (rc != ASH_OK) {
    fprintf(stderr, "consumer: %s: %s\n", ash_strerror(rc), ash_last_error());
    return 1;
  }
  const int64_t *shape = ash_view_shape(v);
  printf("consumer (pid %lld): attached %s: %s, ndim %d, shape (%lld, %lld)\n",
         (long long)getpid(), ash_view_descriptor(v),
         ash_dtype_name(ash_view_dtype(v)), ash_view_ndim(v),
         (long long)shape[0], (long long)shape[1]);
  double sum = 0, x;
  for (int64_t i = 0; i < ash_view_size(v); i++) {
    ash_view_get_f64(v, 1, &i, &x);
    sum += x;
  }
  printf("consumer: sum of all elements = %g\n", sum);
  rc = ash_view_index(v, 0, 1, &row);
  if (rc == ASH_OK) {
    for (int64_t j = 0; j < ash_view_size(row); j++) {
      ash_view_get_f64(row, 1, &j, &x);
      ash_view_set_f64(row, 1, &j, 2 * x);
    }
    printf("consumer: doubled row 1 through the view %s\n",
           ash_view_descriptor(row));
    ash_view_release(row);
  }
  ash_view_release(v);
  return rc == ASH_OK ? 0 : 1;
}
