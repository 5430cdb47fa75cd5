/* SPDX-License-Identifier: MIT */
/* element.h - the bytes of one element, decoded: the one copy of the
 * 14-dtype decode switch and of float16 decoding.
 *
 * Header-only and free of library state, so that it serves two sides: the
 * core (convert.c, print.c) and the bindings' element fast paths, which read
 * a mapped element without a library call (swig/common/ash_elem.h includes
 * it). It depends on arrayshare.h alone. Elements are little-endian, the
 * only byte order segments have.
 */
#ifndef ASH_ELEMENT_H
#define ASH_ELEMENT_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "arrayshare.h"

/* One element, decoded exactly: @kind is the dtype's ash_kind; bool
 * (0/1) and signed integers are in i, unsigned integers in u, real floats
 * in re, complex values in re and im; the other fields are 0. */
typedef struct ash_elem {
  int kind;
  int64_t i;
  uint64_t u;
  double re, im;
} ash_elem;

/* IEEE half precision to double (exact). */
static inline double ash_elem_f16(uint16_t h) {
  int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  double v;
  if (e == 0)
    v = ldexp((double)m, -24);
  else if (e == 31)
    v = m ? NAN : INFINITY;
  else
    v = ldexp((double)(m + 1024), e - 25);
  return (h & 0x8000) ? -v : v;
}

#define ASH__ELEM_CASE(DT, T, KIND, FIELD)                                     \
  case DT: {                                                                   \
    T x_;                                                                      \
    memcpy(&x_, p, sizeof x_);                                                 \
    *e = (ash_elem){.kind = KIND, .FIELD = x_};                                \
    return;                                                                    \
  }

#define ASH__ELEM_CPLX(DT, T)                                                  \
  case DT: {                                                                   \
    T x_[2];                                                                   \
    memcpy(x_, p, sizeof x_);                                                  \
    *e = (ash_elem){.kind = ASH_KIND_COMPLEX, .re = x_[0], .im = x_[1]};       \
    return;                                                                    \
  }

/* Decodes the element of dtype @dtype at @p into *@e (kind
 * ASH_KIND_INVALID for an invalid dtype). */
static inline void ash_elem_load(int dtype, const void *p, ash_elem *e) {
  switch (dtype) {
  case ASH_BOOL:
    *e = (ash_elem){.kind = ASH_KIND_BOOL, .i = *(const uint8_t *)p != 0};
    return;
    ASH__ELEM_CASE(ASH_INT8, int8_t, ASH_KIND_INT, i)
    ASH__ELEM_CASE(ASH_INT16, int16_t, ASH_KIND_INT, i)
    ASH__ELEM_CASE(ASH_INT32, int32_t, ASH_KIND_INT, i)
    ASH__ELEM_CASE(ASH_INT64, int64_t, ASH_KIND_INT, i)
    ASH__ELEM_CASE(ASH_UINT8, uint8_t, ASH_KIND_UINT, u)
    ASH__ELEM_CASE(ASH_UINT16, uint16_t, ASH_KIND_UINT, u)
    ASH__ELEM_CASE(ASH_UINT32, uint32_t, ASH_KIND_UINT, u)
    ASH__ELEM_CASE(ASH_UINT64, uint64_t, ASH_KIND_UINT, u)
    ASH__ELEM_CASE(ASH_FLOAT32, float, ASH_KIND_FLOAT, re)
    ASH__ELEM_CASE(ASH_FLOAT64, double, ASH_KIND_FLOAT, re)
  case ASH_FLOAT16: {
    uint16_t h;
    memcpy(&h, p, sizeof h);
    *e = (ash_elem){.kind = ASH_KIND_FLOAT, .re = ash_elem_f16(h)};
    return;
  }
    ASH__ELEM_CPLX(ASH_COMPLEX64, float)
    ASH__ELEM_CPLX(ASH_COMPLEX128, double)
  default:
    *e = (ash_elem){.kind = ASH_KIND_INVALID};
    return;
  }
}

#undef ASH__ELEM_CASE
#undef ASH__ELEM_CPLX

#endif
