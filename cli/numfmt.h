/* SPDX-License-Identifier: MIT */
/*
 * numfmt.h - print an N-dimensional array the way NumPy's str() does.
 *
 * Follows numpy.array2string with NumPy's default print options
 * (precision=8, floatmode='maxprec', suppress=False, threshold=1000,
 * edgeitems=3, linewidth=75, separator ' '): nested brackets, columns aligned
 * by one formatter for the whole array, floats in the shortest form that
 * reads back as the same value of their own dtype (at most 8 fractional
 * digits), scientific notation when the magnitudes call for it, integers
 * right-aligned, " True"/"False", complex as "1.+2.j", and a summary with
 * "..." when the array has more than threshold elements. A 0-d array prints
 * as its scalar does ("1.5", "1.0", "(1+2j)").
 *
 * Independent of libarrayshare: elements come through a callback.
 */
#ifndef ASH_CLI_NUMFMT_H
#define ASH_CLI_NUMFMT_H

#include <stdint.h>
#include <stdio.h>

typedef enum nf_kind { NF_BOOL, NF_INT, NF_UINT, NF_FLOAT, NF_COMPLEX } nf_kind;

typedef struct nf_value {
  int64_t i;   /* NF_BOOL (0/1), NF_INT */
  uint64_t u;  /* NF_UINT */
  double re;   /* NF_FLOAT, NF_COMPLEX */
  double im;   /* NF_COMPLEX */
} nf_value;

/* Reads the element at multi-index @idx (ndim entries) into @out; returns 0,
 * or a non-zero status that nf_format() hands back unchanged. */
typedef int (*nf_get_fn)(void *ctx, const int64_t *idx, nf_value *out);

typedef struct nf_array {
  nf_kind kind;
  int float_bits; /* 16, 32 or 64: the precision of one (real) component */
  int ndim;
  const int64_t *shape;
  nf_get_fn get;
  void *ctx;
} nf_array;

typedef struct nf_options {
  int64_t threshold; /* summarise when size > threshold; INT64_MAX: never */
  int edgeitems;
  int linewidth;
  int precision;
} nf_options;

/* NumPy's defaults. */
void nf_default_options(nf_options *opt);

/* Formats the array into a malloc'ed NUL-terminated string (*out, no
 * trailing newline). @return 0, -1 when out of memory, or the getter's
 * status. */
int nf_format(const nf_array *a, const nf_options *opt, char **out);

#endif
