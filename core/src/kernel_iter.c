/* SPDX-License-Identifier: MIT */
/* The outer iteration of loop and map kernels: operands checked against the
 * signature, outer dimensions broadcast with NumPy's rules and merged where
 * the memory allows, then the inner loop called once per run of the
 * innermost outer dimension, over any range of outer iterations (so a call
 * can be split across threads). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kernel.h"

static void ash__shape_str(const int64_t *shape, int n, char *buf, size_t cap) {
  size_t o = (size_t)snprintf(buf, cap, "(");
  for (int i = 0; i < n && o < cap; i++)
    o += (size_t)snprintf(buf + o, cap - o, "%s%" PRId64, i ? "," : "",
                          shape[i]);
  if (o < cap)
    snprintf(buf + o, cap - o, "%s)", n == 1 ? "," : "");
}

/* Core dimensions: each name has one size across the operands. */
static int ash__core_sizes(struct ash__iter *it, const struct ash__sig *s,
                           ash_view *const *views) {
  int64_t size[ASH__K_MAXCORE];
  int owner[ASH__K_MAXCORE];
  for (int d = 0; d < s->ndim; d++) {
    size[d] = s->dimfixed[d];
    owner[d] = -1;
  }
  for (int i = 0; i < it->nop; i++) {
    const struct ash__operand *o = &s->op[i];
    const ash_view *v = views[i];
    if (v->ndim < o->ncore)
      return ash__err(ASH_E_SHAPE,
                      "operand %s has %d dimension%s, its core "
                      "dimensions need at least %d",
                      o->name, v->ndim, v->ndim == 1 ? "" : "s", o->ncore);
    for (int c = 0; c < o->ncore; c++) {
      int d = o->core[c];
      int64_t n = v->shape[v->ndim - o->ncore + c];
      if (size[d] >= 0 && size[d] != n)
        return owner[d] < 0
                   ? ash__err(ASH_E_SHAPE,
                              "operand %s: core dimension %d is "
                              "%" PRId64 ", the signature fixes it to %s",
                              o->name, c, n, s->dim[d])
                   : ash__err(ASH_E_SHAPE,
                              "operand %s: core dimension %s is "
                              "%" PRId64 ", but %" PRId64 " in operand %s",
                              o->name, s->dim[d], n, size[d],
                              s->op[owner[d]].name);
      size[d] = n;
      owner[d] = i;
    }
  }
  it->ncore = s->ndim;
  for (int d = 0; d < s->ndim; d++)
    it->dims[1 + d] = size[d];
  return ASH_OK;
}

/* Outer dimensions: broadcast, outputs exactly the broadcast shape. */
static int ash__outer_shape(struct ash__iter *it, const struct ash__sig *s,
                            ash_view *const *views) {
  int nd = 0;
  int64_t shape[ASH_MAX_NDIM];
  char a[160], b[160];
  for (int i = 0; i < it->nop; i++)
    if (views[i]->ndim - s->op[i].ncore > nd)
      nd = views[i]->ndim - s->op[i].ncore;
  for (int k = 0; k < nd; k++)
    shape[k] = 1;
  for (int i = 0; i < it->nop; i++) {
    const ash_view *v = views[i];
    int ond = v->ndim - s->op[i].ncore;
    for (int k = 0; k < ond; k++) {
      int64_t n = v->shape[k], *sk = &shape[nd - ond + k];
      if (n != 1 && *sk != 1 && n != *sk) {
        ash__shape_str(v->shape, ond, a, sizeof a);
        ash__shape_str(shape, nd, b, sizeof b);
        return ash__err(ASH_E_SHAPE,
                        "operand %s: outer shape %s does not "
                        "broadcast with %s",
                        s->op[i].name, a, b);
      }
      if (n != 1)
        *sk = n;
    }
  }
  for (int i = s->nin; i < it->nop; i++) { /* outputs are not broadcast */
    const ash_view *v = views[i];
    int ond = v->ndim - s->op[i].ncore;
    bool ok = ond == nd;
    for (int k = 0; ok && k < nd; k++)
      ok = v->shape[k] == shape[k];
    if (!ok) {
      ash__shape_str(v->shape, ond, a, sizeof a);
      ash__shape_str(shape, nd, b, sizeof b);
      return ash__err(ASH_E_SHAPE,
                      "output %s: outer shape %s, the operands "
                      "broadcast to %s",
                      s->op[i].name, a, b);
    }
  }
  /* Strides over the broadcast shape, then drop unit dimensions and merge
   * neighbours that are one run of memory for every operand. */
  it->ndim = 0;
  for (int k = 0; k < nd; k++) {
    if (shape[k] == 1)
      continue;
    int m = it->ndim++;
    it->shape[m] = shape[k];
    for (int i = 0; i < it->nop; i++) {
      const ash_view *v = views[i];
      int kk = k - (nd - (v->ndim - s->op[i].ncore));
      it->stride[m][i] = kk >= 0 && v->shape[kk] != 1 ? v->strides[kk] : 0;
    }
    if (m > 0) {
      bool merge = true;
      for (int i = 0; merge && i < it->nop; i++)
        merge = it->stride[m - 1][i] == it->stride[m][i] * it->shape[m];
      if (merge) {
        it->shape[m - 1] *= it->shape[m];
        for (int i = 0; i < it->nop; i++)
          it->stride[m - 1][i] = it->stride[m][i];
        it->ndim--;
      }
    }
  }
  if (it->ndim == 0) {
    it->ndim = 1;
    it->shape[0] = 1;
    for (int i = 0; i < it->nop; i++)
      it->stride[0][i] = 0;
  }
  it->total = 1;
  for (int m = 0; m < it->ndim; m++)
    it->total *= it->shape[m]; /* bounded by the outputs' sizes */
  return ASH_OK;
}

int ash__iter_init(struct ash__iter *it, const struct ash__sig *s,
                   ash_view *const *views) {
  int rc;
  it->nop = s->nin + s->nout;
  for (int i = 0; i < it->nop; i++) {
    const char *name = s->op[i].name;
    if ((rc = ash__check_view(name, views[i], s->op[i].dtype, false,
                              i >= s->nin)) != ASH_OK)
      return rc;
    it->base[i] = (char *)views[i]->data;
  }
  if ((rc = ash__core_sizes(it, s, views)) != ASH_OK ||
      (rc = ash__outer_shape(it, s, views)) != ASH_OK)
    return rc;
  int n = 0;
  for (int i = 0; i < it->nop; i++)
    it->steps[n++] = it->stride[it->ndim - 1][i];
  for (int i = 0; i < it->nop; i++) {
    const ash_view *v = views[i];
    for (int c = 0; c < s->op[i].ncore; c++)
      it->steps[n++] = v->strides[v->ndim - s->op[i].ncore + c];
  }
  it->nsteps = n;
  return ASH_OK;
}

void ash__iter_run(const struct ash__iter *it, int64_t lo, int64_t hi) {
  int64_t idx[ASH_MAX_NDIM], dims[1 + ASH__K_MAXCORE];
  char *args[ASH__K_MAXOP];
  int last = it->ndim - 1;
  memcpy(dims + 1, it->dims + 1, sizeof dims[0] * (size_t)it->ncore);
  int64_t rest = lo;
  for (int m = last; m >= 0; m--) {
    idx[m] = rest % it->shape[m];
    rest /= it->shape[m];
  }
  int64_t pos = lo;
  while (pos < hi) {
    for (int i = 0; i < it->nop; i++) {
      intptr_t off = 0;
      for (int m = 0; m <= last; m++)
        off += (intptr_t)(idx[m] * it->stride[m][i]);
      args[i] = it->base[i] + off;
    }
    int64_t run = it->shape[last] - idx[last];
    if (run > hi - pos)
      run = hi - pos;
    dims[0] = run;
    it->fn(args, dims, it->steps, it->data);
    pos += run;
    idx[last] += run;
    for (int m = last; m > 0 && idx[m] == it->shape[m]; m--) {
      idx[m] = 0;
      idx[m - 1]++;
    }
  }
}

/* ---- overlap ------------------------------------------------------------- */

bool ash__view_extent(const ash_view *v, uintptr_t *lo, uintptr_t *hi) {
  if (v->size == 0)
    return false;
  intptr_t a = 0, b = 0;
  for (int d = 0; d < v->ndim; d++) {
    intptr_t span = (intptr_t)((v->shape[d] - 1) * v->strides[d]);
    if (span < 0)
      a += span;
    else
      b += span;
  }
  *lo = (uintptr_t)v->data + (uintptr_t)a;
  *hi = (uintptr_t)v->data + (uintptr_t)b + v->itemsize;
  return true;
}

static bool ash__same_elements(const ash_view *a, const ash_view *b) {
  if (a->data != b->data || a->itemsize != b->itemsize || a->ndim != b->ndim)
    return false;
  for (int d = 0; d < a->ndim; d++)
    if (a->shape[d] != b->shape[d] ||
        (a->shape[d] > 1 && a->strides[d] != b->strides[d]))
      return false;
  return true;
}

int ash__check_overlap(int n, ash_view *const *views, const bool *writes,
                       const char *const *names) {
  for (int i = 0; i < n; i++) {
    uintptr_t ilo, ihi, jlo, jhi;
    if (!writes[i] || !ash__view_extent(views[i], &ilo, &ihi))
      continue;
    for (int j = 0; j < n; j++) {
      if (j == i || (writes[j] && j < i) ||
          !ash__view_extent(views[j], &jlo, &jhi))
        continue;
      if (ilo < jhi && jlo < ihi && !ash__same_elements(views[i], views[j]))
        return ash__err(ASH_E_OVERLAP,
                        "output %s overlaps operand %s: split "
                        "across threads the result would change (use "
                        "disjoint views, the same view, or one thread)",
                        names[i], names[j]);
    }
  }
  return ASH_OK;
}
