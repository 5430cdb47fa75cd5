/* SPDX-License-Identifier: MIT */
/* ash_swig.h - the C every binding shares (Python, Ruby, Lua).
 *
 * Included by swig/arrayshare.i into each generated module, and by the
 * hand-written C of each language (swig/<lang>/ash*.c). A binding converts its
 * language's values to and from an ash_elem and raises its language's
 * errors; the rules themselves are here, or in the core:
 *  - the error table: ash_swig_errors.h;
 *  - element decoding: core/src/element.h (ash_elem, ash_elem_load);
 *  - which setter, getter and fill a value goes through, and which values a
 *    fast path may store without a library call: below;
 *  - a view's text (repr / inspect / tostring): ash_swig_format, on
 *    ash_view_format;
 *  - the wording of binding-level errors that mirror a library code.
 * Everything is static inline: each module compiles what it uses.
 */
#ifndef ASH_SWIG_H
#define ASH_SWIG_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrayshare.h"
#include "ash_swig_errors.h"
#include "element.h"

/* A status that is no library code: a binding's wait was interrupted and
 * the language's exception is pending (see swig/sync_swig.h). */
#define ASH_SWIG_INTERRUPTED 1

/* ---------------------------------------------------------------------- */
/* Elements: one value, whichever language it came from                    */
/* ---------------------------------------------------------------------- */

/* An ash_elem made by a binding from one of its values is classified by
 * @kind: ASH_KIND_BOOL and ASH_KIND_INT (in i) go through set_i64,
 * ASH_KIND_UINT (u: integers above INT64_MAX) through set_u64,
 * ASH_KIND_FLOAT (re) through set_f64, ASH_KIND_COMPLEX (re, im) through
 * set_c128: the library applies its conversion rules. */
static inline ash_status ash_elem_set(const ash_view *v, int nidx,
                                      const int64_t *idx, const ash_elem *e) {
  switch (e->kind) {
  case ASH_KIND_BOOL:
  case ASH_KIND_INT:
    return ash_view_set_i64(v, nidx, idx, e->i);
  case ASH_KIND_UINT:
    return ash_view_set_u64(v, nidx, idx, e->u);
  case ASH_KIND_FLOAT:
    return ash_view_set_f64(v, nidx, idx, e->re);
  default:
    return ash_view_set_c128(v, nidx, idx, e->re, e->im);
  }
}

/* Every element set to @e: one check, before anything is written. */
static inline ash_status ash_elem_fill(const ash_view *v, const ash_elem *e) {
  switch (e->kind) {
  case ASH_KIND_BOOL:
  case ASH_KIND_INT:
    return ash_view_fill_i64(v, e->i);
  case ASH_KIND_UINT:
    return ash_view_fill_u64(v, e->u);
  case ASH_KIND_FLOAT:
    return ash_view_fill_f64(v, e->re);
  default:
    return ash_view_fill_c128(v, e->re, e->im);
  }
}

/* Element (nidx, idx) of @v, through the getter that reads its dtype
 * (@kind: ash_dtype_kind of the view's dtype) without loss. */
static inline ash_status ash_elem_get(const ash_view *v, int kind, int nidx,
                                      const int64_t *idx, ash_elem *e) {
  *e = (ash_elem){kind, 0, 0, 0, 0};
  switch (kind) {
  case ASH_KIND_BOOL:
  case ASH_KIND_INT:
    return ash_view_get_i64(v, nidx, idx, &e->i);
  case ASH_KIND_UINT:
    return ash_view_get_u64(v, nidx, idx, &e->u);
  case ASH_KIND_FLOAT:
    return ash_view_get_f64(v, nidx, idx, &e->re);
  default:
    return ash_view_get_c128(v, nidx, idx, &e->re, &e->im);
  }
}

/* The fast paths' store: writes @e into the element of @dtype at @p when
 * the dtype holds it exactly, with no rounding and no range question (any
 * double into float64; a double into float32, rounded as set_f64 does,
 * unless it overflows; an integer in range, or exactly representable into
 * float32 and float64), and
 * returns 1. Anything else returns 0 and writes nothing: the caller goes
 * through ash_elem_set, whose conversion rules decide (and word the
 * error). The caller has checked that the view is writable. */
static inline int ash_elem_store_exact(int dtype, void *p, const ash_elem *e) {
  if (e->kind == ASH_KIND_FLOAT) {
    if (dtype == ASH_FLOAT64) {
      memcpy(p, &e->re, sizeof e->re);
      return 1;
    }
    if (dtype == ASH_FLOAT32) { /* rounds to nearest, as set_f64 does */
      float f = (float)e->re;
      if (isinf(f) && !isinf(e->re))
        return 0; /* overflow: set_f64's VALUE error */
      memcpy(p, &f, sizeof f);
      return 1;
    }
    return 0;
  }
  if (e->kind != ASH_KIND_INT)
    return 0;
  int64_t x = e->i;
  switch (dtype) {
#define ASH__STORE_(DT, T, LO, HI)                                             \
  case DT: {                                                                   \
    if (x < (LO) || x > (HI))                                                  \
      return 0;                                                                \
    T y_ = (T)x;                                                               \
    memcpy(p, &y_, sizeof y_);                                                 \
    return 1;                                                                  \
  }
    ASH__STORE_(ASH_INT8, int8_t, INT8_MIN, INT8_MAX)
    ASH__STORE_(ASH_INT16, int16_t, INT16_MIN, INT16_MAX)
    ASH__STORE_(ASH_INT32, int32_t, INT32_MIN, INT32_MAX)
    ASH__STORE_(ASH_INT64, int64_t, INT64_MIN, INT64_MAX)
    ASH__STORE_(ASH_UINT8, uint8_t, 0, UINT8_MAX)
    ASH__STORE_(ASH_UINT16, uint16_t, 0, UINT16_MAX)
    ASH__STORE_(ASH_UINT32, uint32_t, 0, UINT32_MAX)
    ASH__STORE_(ASH_UINT64, uint64_t, 0, INT64_MAX)
    ASH__STORE_(ASH_FLOAT32, float, -(INT64_C(1) << 24), INT64_C(1) << 24)
    ASH__STORE_(ASH_FLOAT64, double, -(INT64_C(1) << 53), INT64_C(1) << 53)
#undef ASH__STORE_
  default:
    return 0;
  }
}

/* The fast path's store for a language whose number does not say whether
 * it is an integer (a Lua number read with lua_tonumberx): @d goes into a
 * float dtype without a library call when the setter would store it the
 * same whatever it was, an integer (which must be exact) or a float (which
 * rounds): |d| < 2^53 into float64, |d| <= 2^24 into float32 (a signed
 * zero kept). Returns 1 when stored, else 0 and nothing is written. */
static inline int ash_elem_store_number(int dtype, void *p, double d) {
  if (dtype == ASH_FLOAT64 && d > -9007199254740992.0 &&
      d < 9007199254740992.0) { /* 2^53 + 1 reads as 2^53: excluded */
    memcpy(p, &d, sizeof d);
    return 1;
  }
  if (dtype == ASH_FLOAT32 && d >= -16777216.0 && d <= 16777216.0) {
    float f = (float)d;
    memcpy(p, &f, sizeof f);
    return 1;
  }
  return 0;
}

/* ---------------------------------------------------------------------- */
/* Text                                                                    */
/* ---------------------------------------------------------------------- */

/* ash_view_format into @stack (capacity @cap), or a malloc'ed buffer when
 * the text does not fit: *@out is the text (free it when it is not
 * @stack). The bindings' repr / inspect / tostring and their
 * ash_view_format wrapper go through here. */
static inline ash_status ash_swig_format_into(const ash_view *v, unsigned flags,
                                              int64_t threshold, int edgeitems,
                                              int linewidth, int indent,
                                              char *stack, size_t cap,
                                              char **out) {
  size_t need = 0;
  *out = NULL;
  int r = ash_view_format(v, flags, threshold, edgeitems, linewidth, indent,
                          stack, cap, &need);
  if (r != ASH_OK)
    return r;
  if (need < cap) {
    *out = stack;
    return ASH_OK;
  }
  char *heap = malloc(need + 1);
  if (heap == NULL)
    return ASH_E_NOMEM;
  r = ash_view_format(v, flags, threshold, edgeitems, linewidth, indent, heap,
                      need + 1, &need);
  if (r != ASH_OK) {
    free(heap);
    return r;
  }
  *out = heap;
  return ASH_OK;
}

/* What arrayshare_core.ash_view_format is in every language: the C
 * function with its (buf, cap, needed) triple returned as a string (the
 * ASH_TEXT typemap of each language turns *@text into one and frees it). */
static inline ash_status ash_swig_view_format(const ash_view *v, unsigned flags,
                                              int64_t threshold, int edgeitems,
                                              int linewidth, int indent,
                                              char **text) {
  char *out;
  int r = ash_swig_format_into(v, flags, threshold, edgeitems, linewidth,
                               indent, NULL, 0, &out);
  *text = out;
  return r;
}

/* ---------------------------------------------------------------------- */
/* Binding-level messages                                                  */
/* ---------------------------------------------------------------------- */

/* The INVAL detail for a string argument with an embedded NUL byte (which
 * C would cut short). */
static inline const char *ash_swig_nul_message(char *buf, size_t cap,
                                               const char *arg, size_t pos) {
  snprintf(buf, cap,
           "string argument \"%s\" contains a NUL byte at position %zu", arg,
           pos);
  return buf;
}

#endif
