/* SPDX-License-Identifier: MIT */
/* Element-wise scalar functions ("map" kernels) as inner loops: the common
 * shapes call the function through a typed pointer, the others through
 * libffi, one call per element. The loop's data is the struct ash__ew. */
#include <string.h>

#include "kernel.h"

/* A typed loop: out[i] = f(in0[i], ...), pointers advanced by the steps.
 * The operands were checked to be aligned for their types. */
#define ASH__EW_LOOP1(NAME, R, A)                                              \
  static void NAME(char **args, const int64_t *dims, const int64_t *steps,     \
                   void *data) {                                               \
    R (*f)(A) = (R(*)(A))((const struct ash__ew *)data)->fn;                   \
    char *a = args[0], *o = args[1];                                           \
    for (int64_t i = 0; i < dims[0]; i++, a += steps[0], o += steps[1])        \
      *(R *)o = f(*(const A *)a);                                              \
  }
#define ASH__EW_LOOP2(NAME, R, A)                                              \
  static void NAME(char **args, const int64_t *dims, const int64_t *steps,     \
                   void *data) {                                               \
    R (*f)(A, A) = (R(*)(A, A))((const struct ash__ew *)data)->fn;             \
    char *a = args[0], *b = args[1], *o = args[2];                             \
    for (int64_t i = 0; i < dims[0];                                           \
         i++, a += steps[0], b += steps[1], o += steps[2])                     \
      *(R *)o = f(*(const A *)a, *(const A *)b);                               \
  }

ASH__EW_LOOP1(ash__ew_d_d, double, double)
ASH__EW_LOOP2(ash__ew_dd_d, double, double)
ASH__EW_LOOP1(ash__ew_f_f, float, float)
ASH__EW_LOOP2(ash__ew_ff_f, float, float)

/* Any other shape: libffi, with the arguments read in place. Results are
 * received in a full word (libffi widens small integer results). */
static void ash__ew_ffi(char **args, const int64_t *dims, const int64_t *steps,
                        void *data) {
  const struct ash__ew *m = data;
  ffi_cif *cif = ash__cif_ffi(m->cif);
  void *av[ASH__K_MAXOP];
  size_t rsize = ash__ckind_size(m->ret);
  bool widened = ash__ckind_int(m->ret) && rsize < sizeof(ffi_arg);
  for (int64_t i = 0; i < dims[0]; i++) {
    union {
      ffi_arg w;
      ffi_sarg s;
      double d;
      float f;
    } r;
    for (int j = 0; j < m->nin; j++)
      av[j] = args[j] + i * steps[j];
    char *o = args[m->nin] + i * steps[m->nin];
    ffi_call(cif, m->fn, &r, av);
    if (widened) { /* the low bytes, little-endian */
      uint64_t w = (uint64_t)r.w;
      memcpy(o, &w, rsize);
    } else {
      memcpy(o, &r, rsize);
    }
  }
}

void ash__ew_select(struct ash__ew *m) {
  static const struct {
    int nin;
    uint8_t in, ret;
    ash_loop_fn *loop;
  } fast[] = {
      {1, ASH__C_F64, ASH__C_F64, ash__ew_d_d},
      {2, ASH__C_F64, ASH__C_F64, ash__ew_dd_d},
      {1, ASH__C_F32, ASH__C_F32, ash__ew_f_f},
      {2, ASH__C_F32, ASH__C_F32, ash__ew_ff_f},
  };
  m->loop = ash__ew_ffi;
  for (size_t k = 0; k < sizeof fast / sizeof fast[0]; k++) {
    bool same = fast[k].nin == m->nin && fast[k].ret == m->ret;
    for (int j = 0; same && j < m->nin; j++)
      same = m->in[j] == fast[k].in;
    if (same)
      m->loop = fast[k].loop;
  }
}
