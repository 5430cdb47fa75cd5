/* SPDX-License-Identifier: MIT */
/* Shared by the libFuzzer harnesses of arrayshare (see README.md here):
 * exercising a view the way a user would, and checks that abort (a crash
 * libFuzzer records) when a property every view must have does not hold. */
#ifndef ASH_FUZZ_COMMON_H
#define ASH_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrayshare.h"

/* The arrays of the descriptor harness's segment (fuzz_descriptor.c), also
 * made by the seed program to describe views of them (fuzz_seed.c). */
static const struct {
  const char *name;
  int dtype, ndim;
  int64_t shape[3];
} fz_desc_arrays[] = {{"a", ASH_FLOAT64, 2, {4, 5}},
                      {"b", ASH_INT16, 3, {2, 3, 4}},
                      {"c", ASH_COMPLEX128, 0, {0}},
                      {"d", ASH_UINT8, 2, {0, INT64_C(1) << 62}},
                      {"e", ASH_BOOL, 1, {7}}};
#define FZ_DESC_NARRAYS (sizeof fz_desc_arrays / sizeof fz_desc_arrays[0])

/* The forms of the descriptor harness's input: byte 0 picks one, byte 1
 * the flags, the rest follows the form's start (see fuzz_descriptor.c). */
enum {
  FZ_FORM_SCHEME,    /* "ash://SEG" + rest */
  FZ_FORM_SHORT,     /* "SEG" + rest */
  FZ_FORM_QUERY,     /* "ash://SEG/a?" + rest */
  FZ_FORM_INDEX,     /* "ash://SEG/b[" + rest */
  FZ_FORM_GEN,       /* "ash://SEG/c?gen=" + rest */
  FZ_FORM_PINNED,    /* "ash://SEG/c?gen=GEN&" + rest */
  FZ_FORM_FILE,      /* "ash+file://PATH" + rest */
  FZ_FORM_FILEARRAY, /* "ash+file://PATH?array=" + rest */
  FZ_NFORMS
};

/* A property that must hold: report and abort (libFuzzer saves the input). */
#define FZ_REQUIRE(cond, ...)                                                  \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "fuzz: %s:%d: %s: ", __FILE__, __LINE__, #cond);         \
      fprintf(stderr, __VA_ARGS__);                                            \
      fputc('\n', stderr);                                                     \
      abort();                                                                 \
    }                                                                          \
  } while (0)

/* Properties of any view: its size is the product of its shape, its bytes
 * are size * itemsize, and an empty view is contiguous. */
static inline void fz_check_layout(const ash_view *v) {
  int nd = ash_view_ndim(v);
  FZ_REQUIRE(nd >= 0 && nd <= ASH_MAX_NDIM, "ndim %d", nd);
  int64_t n = 1;
  int zero = 0;
  for (int i = 0; i < nd; i++) {
    FZ_REQUIRE(ash_view_dim(v, i) >= 0, "dim %d", i);
    zero = zero || ash_view_dim(v, i) == 0;
  }
  for (int i = 0; i < nd && !zero; i++)
    n *= ash_view_dim(v, i); /* bounded: a non-empty view fits its array */
  FZ_REQUIRE(ash_view_size(v) == (zero ? 0 : n), "size %lld",
             (long long)ash_view_size(v));
  FZ_REQUIRE(ash_view_nbytes(v) ==
                 (uint64_t)ash_view_size(v) * ash_view_itemsize(v),
             "nbytes");
  if (ash_view_size(v) == 0)
    FZ_REQUIRE((ash_view_flags(v) & 6u) == 6u, "empty view not contiguous");
}

/* Reads every element (bulk and one by one at both ends) and, when the view
 * is writable, writes the same bytes back. */
static inline void fz_touch(const ash_view *v) {
  fz_check_layout(v);
  uint64_t nb = ash_view_nbytes(v);
  if (nb <= (UINT64_C(1) << 24)) {
    void *buf = malloc(nb ? nb : 1);
    if (buf) {
      FZ_REQUIRE(ash_view_read(v, buf, nb) == ASH_OK, "read: %s",
                 ash_last_error());
      if (!(ash_view_flags(v) & ASH_VIEW_READONLY))
        FZ_REQUIRE(ash_view_write(v, buf, nb) == ASH_OK, "write: %s",
                   ash_last_error());
      free(buf);
    }
  }
  int64_t size = ash_view_size(v);
  double re, im;
  if (size > 0) {
    int64_t ends[2] = {0, -1};
    for (int k = 0; k < 2; k++)
      FZ_REQUIRE(ash_view_get_c128(v, 1, &ends[k], &re, &im) == ASH_OK,
                 "get_c128: %s", ash_last_error());
    int64_t idx[ASH_MAX_NDIM];
    for (int i = 0; i < ash_view_ndim(v); i++)
      idx[i] = ash_view_dim(v, i) - 1;
    FZ_REQUIRE(ash_view_get_c128(v, ash_view_ndim(v), idx, &re, &im) == ASH_OK,
               "get_c128 (last): %s", ash_last_error());
  } else {
    int64_t zero = 0;
    FZ_REQUIRE(ash_view_get_c128(v, 1, &zero, &re, &im) == ASH_E_INDEX,
               "an empty view has no element 0");
  }
}

/* Derived views: axes sliced forward and backward and indexed (every axis
 * of up to 4, else the first two and the last: many-dimensional inputs
 * would otherwise take most of the time), transposed, flattened, seen as
 * bytes. Each is given to @check (at least touched). */
static inline void fz_derive(const ash_view *v,
                             void (*check)(const ash_view *)) {
  int nd = ash_view_ndim(v);
  ash_view *w = NULL;
  for (int ax = 0; ax < nd; ax++) {
    if (nd > 4 && ax >= 2 && ax != nd - 1)
      continue;
    int64_t n = ash_view_dim(v, ax);
    static const int64_t steps[] = {2, -1, -3, INT64_MAX};
    for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
      if (ash_view_slice(v, ax, 1, ASH_NONE, steps[s], 0, &w) == ASH_OK) {
        check(w);
        ash_view_release(w);
      }
    }
    if (n > 0) {
      FZ_REQUIRE(ash_view_index(v, ax, -1, &w) == ASH_OK, "index: %s",
                 ash_last_error());
      check(w);
      ash_view_release(w);
    }
  }
  if (ash_view_transpose(v, &w) == ASH_OK) {
    check(w);
    ash_view_release(w);
  }
  if (ash_view_reshape(v, 1, (const int64_t[]){-1}, &w) == ASH_OK) {
    check(w);
    ash_view_release(w);
  }
  if (ash_view_reinterpret(v, ASH_UINT8, &w) == ASH_OK) {
    check(w);
    ash_view_release(w);
  }
}

#endif
